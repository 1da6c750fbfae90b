"""The questions inbox: a question flows from mention to holding reply to a cleared
public answer; moderation-queued mentions stay out; late questions are reminded."""

from __future__ import annotations

import datetime as dt

import pytest

from inmm_tui.domain.errors import InvalidInput, InvalidState, NotAuthorised
from inmm_tui.domain.questions import looks_like_question, questions_for
from inmm_tui.domain.services import Services
from inmm_tui.timeutil import to_db

from .conftest import START, FakeClock


def mention(svc: Services, text: str, *, handle: str = "asker", outlet: str = "x",
            kind: str = "mention", at: dt.datetime = START) -> int:
    conn = svc.db.conn
    n = conn.execute("SELECT count(*) FROM mentions").fetchone()[0]
    return int(conn.execute(
        "INSERT INTO mentions (outlet, platform_id, author_id, author_handle, text, created_at,"
        " ingested_at, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (outlet, f"m{n}", f"u{n}", handle, text, to_db(at), to_db(at), kind)).lastrowid)


def send(svc: Services, post_id: int) -> None:
    """What the daemon does to a cleared, scheduled post: every delivery goes out."""
    now = to_db(svc.clock())
    svc.db.conn.execute("UPDATE deliveries SET state = 'sent', sent_at = ?, platform_id = 'z'"
                        " WHERE post_id = ?", (now, post_id))
    svc.db.conn.execute("UPDATE posts SET status = 'published' WHERE id = ?", (post_id,))


@pytest.mark.parametrize(("text", "asks"), [
    ("@INMMorg when does registration open?", True),
    ("@INMMorg How do I renew my membership", True),
    ("@INMMorg great keynote today!", False),
    ("@INMMorg see https://inmm.org/faq?q=1 for details", False),
])
def test_what_counts_as_a_question(text: str, asks: bool) -> None:
    assert looks_like_question(text) is asks


def test_a_question_flows_from_mention_to_holding_reply_to_cleared_answer(
        roster: Services, clock: FakeClock) -> None:
    svc = roster
    inbox = questions_for(svc)
    q1 = mention(svc, "@INMMorg when is the paper deadline?")
    q2 = mention(svc, "@INMMorg is the abstract deadline extended?", handle="other",
                 outlet="mastodon")
    chat = mention(svc, "@INMMorg loved the plenary")
    rude = mention(svc, "@INMMorg why are you all idiots?", kind="moderation")
    own = mention(svc, "@INMMorg what a week?", handle="INMMorg")
    svc.db.conn.execute("INSERT INTO moderation_items (mention_id, opened_at) VALUES (?, ?)",
                        (rude, to_db(START)))
    assert inbox.triage() == [q1, q2]
    assert inbox.triage() == []  # the cursor moved on
    assert {chat, rude, own}.isdisjoint(q.id for q in inbox.inbox())

    # Holding reply from a template, to the asker on the outlet asked; cleared by another.
    holding = inbox.holding_reply("alice", q1)
    post = svc.posts.get(holding)
    assert post.status == "submitted" and list(post.outlets) == ["x"]
    assert post.body == "@asker Thanks, we are finding out and will answer here."
    with pytest.raises(InvalidState, match="already has a holding reply"):
        inbox.holding_reply("alice", q1)
    assert inbox.get(q1).state == "holding reply awaiting clearance"
    svc.posts.clear("bob", holding)
    assert inbox.get(q1).state == "holding reply cleared, not yet sent"  # nothing went out
    svc.db.conn.execute("UPDATE posts SET status = 'published' WHERE id = ?", (holding,))
    assert inbox.get(q1).state == "holding reply sent"

    # Group by theme and answer the theme at once, publicly.
    inbox.set_theme("alice", [q1, q2], "Deadlines")
    assert inbox.themes() == [("Deadlines", 2)]
    with pytest.raises(InvalidInput, match="all followers"):
        inbox.answer("alice", [q1, q2], "@asker the deadline is 1 March")
    clock.advance(hours=3)
    answer = inbox.answer("alice", [q1, q2], "Paper and abstract deadlines both move to 1 March: "
                          "https://inmm.org/am")
    post = svc.posts.get(answer)
    assert post.status == "submitted" and sorted(post.outlets) == ["mastodon", "x"]
    assert svc.db.conn.execute("SELECT reply_to_mention_id FROM posts WHERE id = ?",
                               (answer,)).fetchone()[0] == q1
    assert inbox.get(q1).state == "answer awaiting clearance"
    assert inbox.get(q2).answered_by == "alice" and inbox.get(q2).answered_at == to_db(clock())
    with pytest.raises(NotAuthorised, match="four-eyes"):
        svc.posts.clear("alice", answer)
    svc.posts.clear("bob", answer)
    svc.posts.schedule("bob", answer, None)
    send(svc, answer)
    assert [inbox.get(q).state for q in (q1, q2)] == ["answered", "answered"]
    assert inbox.inbox() == [] and inbox.themes() == []
    actions = [row[0] for row in svc.db.conn.execute(
        "SELECT action FROM audit WHERE action LIKE 'question%' ORDER BY seq")]
    assert actions == ["questions.triage", "question.holding_reply", "question.theme",
                       "question.answer"]


def test_unanswered_questions_are_reminded_once_and_closed_by_an_answer(
        roster: Services, clock: FakeClock) -> None:
    svc = roster
    inbox = questions_for(svc)
    old = mention(svc, "@INMMorg how do I join a chapter?", at=START - dt.timedelta(hours=50))
    mention(svc, "@INMMorg where is the venue?", at=START - dt.timedelta(hours=2))
    inbox.triage()
    assert inbox.remind_unanswered() == [old]
    assert inbox.remind_unanswered() == []  # once
    row = svc.db.conn.execute("SELECT subject, due_at, for_role, done_at FROM reminders").fetchone()
    assert row == (f"mention:{old}", to_db(START - dt.timedelta(hours=2)), "account_manager", None)
    inbox.answer("bob", [old], "Chapters welcome members from anywhere: https://inmm.org/chapters")
    assert svc.db.conn.execute("SELECT done_by FROM reminders").fetchone()[0] == "bob"
    with pytest.raises(NotAuthorised):
        inbox.answer("ec", [old], "The Executive Committee cannot post")


def test_the_daemon_jobs_triage_in_batches_and_remind(roster: Services, monkeypatch) -> None:
    from inmm_daemon import questions as jobs

    from inmm_tui.domain import questions

    monkeypatch.setattr(questions, "TRIAGE_BATCH", 2)
    asked = [mention(roster, f"@INMMorg question {i}?", at=START - dt.timedelta(days=3))
             for i in range(5)]
    assert jobs.triage_questions(roster) == asked
    assert jobs.remind_questions(roster) == asked
    assert jobs.remind_questions(roster) == []
