"""Publishing on Mastodon without Mastodon.py's typed cast of the answer (issue 16: the
cast was a third of the daemon's CPU time per post in a backlog), sending what
`status_post` sends: the same post, the same Idempotency-Key, the same reply."""

from __future__ import annotations

from typing import Any

import mastodon.internals
import pytest

from .sandbox_fixtures import RunningSandbox


@pytest.fixture
def cast_targets(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The types Mastodon.py casts its answers to (a spy: the cast still runs)."""
    seen: list[Any] = []
    real = mastodon.internals.try_cast_recurse

    def spy(t: Any, value: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(t)
        return real(t, value, *args, **kwargs)

    monkeypatch.setattr(mastodon.internals, "try_cast_recurse", spy)
    return seen


def test_publishing_keeps_the_answer_plain(sandbox: RunningSandbox,
                                           cast_targets: list[Any]) -> None:
    platform = sandbox.mastodon()
    published = platform.publish("INMM annual meeting: registration is open",
                                 idempotency_key="k-1")
    assert cast_targets == [dict]
    status = [p for p in sandbox.control.state()["mastodon"]["posts"]
              if p["id"] == published.platform_id]
    assert [p["text"] for p in status] == ["INMM annual meeting: registration is open"]
    assert published.url.endswith(published.platform_id)


def test_the_idempotency_key_and_the_reply_still_go_with_the_post(
        sandbox: RunningSandbox) -> None:
    platform = sandbox.mastodon()
    first = platform.publish("Our answer to your question", idempotency_key="same-key")
    again = platform.publish("Our answer to your question", idempotency_key="same-key")
    assert again == first  # the server handed back the post it already had
    reply = platform.publish("A reply to it", idempotency_key="other-key",
                             in_reply_to=first.platform_id)
    posts = {p["id"]: p for p in sandbox.control.state()["mastodon"]["posts"]}
    assert [p["text"] for p in posts.values()].count("Our answer to your question") == 1
    assert posts[reply.platform_id]["in_reply_to"] == first.platform_id
