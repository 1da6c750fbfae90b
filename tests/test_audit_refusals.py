"""Every refusal of a step in a post's life goes in the audit log, committed although the
step is refused and rolled back: what an outlet cannot carry (a thread, a poll, a poll
beyond its limits), a post with nothing to say or nowhere to go, a blocked post cleared
without a reason, and a step asked of a post in no state for it (submit, clear,
schedule, move, edit, withdraw, delete, attach a file, retry). The post is left as it
was. Plain input errors (a text too long) are not refusals and are not logged."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from inmm_tui.cli import main
from inmm_tui.domain import audit
from inmm_tui.domain.errors import DomainError, InvalidInput, InvalidState
from inmm_tui.domain.polls import Poll
from inmm_tui.domain.posts import Posts, ScreenOutcome, ScreenRequest
from inmm_tui.domain.services import Services

from .media_helpers import png

TEXT = "Registration for the INMM Annual Meeting is open: https://inmm.org/annual"
TWO_DAYS = dt.timedelta(days=2)


def _entries(svc: Services, subject: str) -> list[dict[str, Any]]:
    return audit.history(svc.db.conn, subject)


def _refused_and_audited(svc: Services, posts: Posts, post_id: int, actor: str,
                         attempt: str, error: type[DomainError], match: str,
                         step: Callable[[], object], *, action: str = "post.refused",
                         subject: str | None = None) -> dict[str, Any]:
    """Run `step`, which must be refused with `error` matching `match`; the post must be
    unchanged and exactly one entry added to the log, naming the actor, the attempt and
    why. Returns the entry."""
    subject = subject or f"post:{post_id}"
    before, deliveries = posts.get(post_id), posts.deliveries(post_id)
    logged, committed = len(_entries(svc, subject)), _committed(svc, subject, action)
    with pytest.raises(error, match=match) as refused:
        step()
    assert posts.get(post_id) == before and posts.deliveries(post_id) == deliveries
    entries = _entries(svc, subject)
    assert len(entries) == logged + 1
    assert _committed(svc, subject, action) == committed + 1
    entry = entries[-1]
    assert (entry["actor"], entry["action"]) == (actor, action)
    assert entry["details"]["refusal"] == str(refused.value)
    if action == "post.refused":
        assert entry["details"]["attempt"] == attempt
    return entry


def _committed(svc: Services, subject: str, action: str) -> int:
    """The entries of `action` about `subject`, read through a second connection to the
    file: committed, not only seen inside a transaction that could still be rolled back."""
    with contextlib.closing(sqlite3.connect(svc.config.database_path)) as second:
        (count,) = second.execute("SELECT count(*) FROM audit WHERE subject = ? AND action = ?",
                                  (subject, action)).fetchone()
    return int(count)


# ----- what an outlet cannot carry, refused at submit ---------------------------------------

def test_a_thread_an_outlet_cannot_carry_is_refused_at_submit_and_audited(
        roster: Services) -> None:
    posts = Posts(roster.db, outlets={"x": "x", "li": "linkedin"}, clock=roster.clock)
    post_id = posts.create_draft("alice", TEXT, outlets=["x", "li"], parts=["Part two."])
    entry = _refused_and_audited(
        roster, posts, post_id, "alice", "submit", InvalidInput,
        "li: LinkedIn cannot publish a thread", lambda: posts.submit("alice", post_id))
    assert "cannot publish a thread" in entry["details"]["refusal"]
    assert posts.get(post_id).status == "draft"
    assert _committed(roster, f"post:{post_id}", "post.refused") == 1


def test_a_poll_an_outlet_cannot_carry_is_refused_at_submit_and_audited(
        roster: Services) -> None:
    posts = Posts(roster.db, outlets={"x": "x", "bsky": "bluesky"}, clock=roster.clock)
    post_id = posts.create_draft("alice", "Which session did you like best?",
                                 outlets=["x", "bsky"], poll=Poll(("Plenary", "Tour"), 60))
    _refused_and_audited(roster, posts, post_id, "alice", "submit", InvalidInput,
                         "bsky: Bluesky has no polls", lambda: posts.submit("alice", post_id))
    assert _committed(roster, f"post:{post_id}", "post.refused") == 1


def test_a_poll_beyond_an_outlet_s_limits_is_refused_at_submit_and_audited(
        roster: Services) -> None:
    posts = roster.posts
    post_id = posts.create_draft("alice", "Which session did you like best?", outlets=["x"],
                                 poll=Poll(("Plenary", "Tour"), 30 * 24 * 60))
    _refused_and_audited(roster, posts, post_id, "alice", "submit", InvalidInput,
                         "polls on X are open 5 min to 7 d; 30 d asked",
                         lambda: posts.submit("alice", post_id))
    assert _committed(roster, f"post:{post_id}", "post.refused") == 1


@pytest.mark.parametrize(("body", "outlets", "why"), [
    ("   ", ["x"], "is empty"), (TEXT, [], "has no outlet to go to")])
def test_a_post_with_nothing_to_say_or_nowhere_to_go_is_refused_and_audited(
        roster: Services, body: str, outlets: list[str], why: str) -> None:
    post_id = roster.posts.create_draft("alice", body, outlets=outlets)
    _refused_and_audited(roster, roster.posts, post_id, "alice", "submit", InvalidInput, why,
                         lambda: roster.posts.submit("alice", post_id))


# ----- a step asked of a post in no state for it ------------------------------------------

def _submitted(svc: Services) -> int:
    post_id = svc.posts.create_draft("alice", TEXT, outlets=["x"])
    svc.posts.submit("alice", post_id)
    return post_id


def test_submitting_a_post_twice_is_refused_and_audited(roster: Services) -> None:
    post_id = _submitted(roster)
    _refused_and_audited(roster, roster.posts, post_id, "alice", "submit", InvalidState,
                         "is submitted, not a draft",
                         lambda: roster.posts.submit("alice", post_id))


def test_clear_refusals_are_audited(roster: Services) -> None:
    posts = roster.posts
    draft = posts.create_draft("alice", TEXT, outlets=["x"])
    _refused_and_audited(roster, posts, draft, "bob", "clear", InvalidState,
                         "only submitted posts are cleared", lambda: posts.clear("bob", draft))
    submitted = _submitted(roster)
    _refused_and_audited(roster, posts, submitted, "bob", "clear", InvalidState,
                         "not a crisis post",
                         lambda: posts.clear("bob", submitted, expedited=True))


def _blocking(request: ScreenRequest) -> ScreenOutcome:
    return ScreenOutcome("block", [{"rule": "politics.party", "category": "politics_religion",
                                    "message": "politics", "span": [0, 4]}])


def test_clearing_a_blocked_post_without_a_reason_is_refused_and_audited(
        roster: Services) -> None:
    roster.posts.screener = _blocking
    post_id = _submitted(roster)
    assert roster.posts.get(post_id).screening_verdict == "block"
    _refused_and_audited(roster, roster.posts, post_id, "chair", "clear", InvalidInput,
                         "needs a reason for the override",
                         lambda: roster.posts.clear("chair", post_id, override_reason=" "))


def test_schedule_withdraw_delete_and_edit_refusals_are_audited(roster: Services) -> None:
    posts = roster.posts
    submitted = _submitted(roster)
    when = roster.clock() + TWO_DAYS
    _refused_and_audited(roster, posts, submitted, "bob", "schedule", InvalidState,
                         "only cleared posts are scheduled",
                         lambda: posts.schedule("bob", submitted, when))
    _refused_and_audited(roster, posts, submitted, "alice", "delete", InvalidState,
                         "only drafts are deleted",
                         lambda: posts.delete_draft("alice", submitted))
    posts.withdraw("alice", submitted)
    _refused_and_audited(roster, posts, submitted, "alice", "withdraw", InvalidState,
                         "is already withdrawn", lambda: posts.withdraw("alice", submitted))
    # an edit of the text, of a thread's parts, of a poll: the same refusal
    for change in ({"body": TEXT + " See you!"}, {"parts": ["Part two."]},
                   {"poll": Poll(("Yes", "No"), 60)}):
        _refused_and_audited(roster, posts, submitted, "alice", "edit", InvalidState,
                             "can no longer be edited",
                             lambda change=change: posts.edit("alice", submitted, **change))


def test_a_file_for_a_post_that_can_no_longer_change_is_refused_and_audited(
        roster: Services, tmp_path: Path) -> None:
    post_id = roster.posts.create_draft("alice", TEXT, outlets=["x"])
    roster.posts.delete_draft("alice", post_id)
    image = png(tmp_path / "hall.png")
    _refused_and_audited(roster, roster.posts, post_id, "alice", "attach file", InvalidState,
                         "its files can no longer be changed",
                         lambda: roster.media.attach("alice", post_id, image, "The hall"))
    assert roster.media.items(post_id) == []


def test_moving_a_post_that_is_not_scheduled_is_refused_and_audited(roster: Services) -> None:
    post_id = _submitted(roster)
    when = roster.clock() + TWO_DAYS
    entry = _refused_and_audited(
        roster, roster.posts, post_id, "bob", "move", InvalidState,
        "only a scheduled post is moved", lambda: roster.calendar.move("bob", post_id, when),
        action="post.move_refused")
    assert entry["details"]["to"] is not None


def test_retrying_a_delivery_that_has_not_failed_is_refused_and_audited(
        roster: Services) -> None:
    post_id = _submitted(roster)
    roster.posts.clear("bob", post_id, publish_if_untimed=True)
    (delivery,) = roster.posts.deliveries(post_id)
    _refused_and_audited(roster, roster.posts, post_id, "bob", "retry", InvalidState,
                         "is pending, not failed",
                         lambda: roster.posts.retry("bob", delivery.id),
                         subject=f"delivery:{delivery.id}")


def test_a_text_too_long_is_an_input_error_not_a_logged_refusal(roster: Services) -> None:
    post_id = roster.posts.create_draft("alice", TEXT, outlets=["x"])
    logged = len(_entries(roster, f"post:{post_id}"))
    with pytest.raises(InvalidInput, match="characters"):
        roster.posts.edit("alice", post_id, body="x" * 6000)
    assert len(_entries(roster, f"post:{post_id}")) == logged


# ----- through the command line -------------------------------------------------------------

def _cli(config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
         who: str, *argv: str) -> tuple[int, str]:
    monkeypatch.setattr("inmm_tui.domain.people.current_login", lambda: who)
    capsys.readouterr()
    code = main(["--config", str(config), *argv])
    _, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, err


def test_the_command_line_s_refusals_are_audited(
        roster: Services, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    config = roster.config.database_path.parent / "inmm.toml"
    config.write_text(f'[inmm]\ndatabase = "{roster.config.database_path}"\n'
                      'timezone = "America/Chicago"\n')
    poll = roster.posts.create_draft("alice", "Which session did you like best?",
                                     outlets=["x"], poll=Poll(("Plenary", "Tour"), 30 * 1440))
    code, err = _cli(config, monkeypatch, capsys, "alice", "post", "submit", str(poll))
    assert code == 2 and "polls on X are open 5 min to 7 d" in err
    assert roster.posts.get(poll).status == "draft"
    assert _committed(roster, f"post:{poll}", "post.refused") == 1

    # `post edit` runs in the command's own transaction: the command keeps the refusal
    gone = roster.posts.create_draft("alice", TEXT, outlets=["x"])
    roster.posts.delete_draft("alice", gone)
    code, err = _cli(config, monkeypatch, capsys, "alice", "post", "edit", str(gone),
                     "--part", "Part two.")
    assert code == 1 and "can no longer be edited" in err
    assert roster.posts.get(gone).parts == ()
    (entry,) = [e for e in _entries(roster, f"post:{gone}") if e["action"] == "post.refused"]
    assert entry["actor"] == "alice" and entry["details"]["attempt"] == "edit"


def test_compose_s_save_of_a_post_that_can_no_longer_change_is_logged_once(
        roster: Services) -> None:
    post_id = _submitted(roster)
    roster.posts.withdraw("alice", post_id)
    # save_draft (compose's autosave) refused by the edit it makes: one entry, not two
    _refused_and_audited(roster, roster.posts, post_id, "alice", "edit", InvalidState,
                         "can no longer be edited",
                         lambda: roster.posts.save_draft("alice", post_id, TEXT + " More.",
                                                         outlets=["x"]))
