"""Publishing on Mastodon sends the post, its Idempotency-Key and its reply: the server
hands back the post it already has for a key it has seen."""

from __future__ import annotations

from .sandbox_fixtures import RunningSandbox


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
