"""Answering a private message privately (issue 19): only those who may read private
messages answer; the answer is screened; the daemon sends it through Mastodon.py to the
sandbox as a `direct` status to the sender alone, exactly once across a crash; an outlet
whose API cannot answer privately refuses at once; the audit log never holds the text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from inmm_daemon.moderation import ingest_mentions
from inmm_daemon.private_answers import send_answers

from inmm_tui.domain import audit
from inmm_tui.domain.errors import InvalidInput, InvalidState, NotAuthorised
from inmm_tui.domain.services import Services
from inmm_tui.store.db import open_database

from .conftest import FakeClock, add_people
from .sandbox_fixtures import RunningSandbox, one_outlet_config

M = "mastodon"
QUESTION = "@INMMorg Can I still pay my dues by cheque? My member number is 4411."
ANSWER = "Yes: send it to HQ with your member number on the back. Thank you!"


@pytest.fixture
def world(tmp_path: Path, sandbox: RunningSandbox, clock: FakeClock):
    config = one_outlet_config(tmp_path, sandbox, M, M, "Mastodon (sandbox)")
    db = open_database(config.database_path, create=True)
    services = Services.build(config, db, clock=clock)
    add_people(services)
    platform = sandbox.mastodon(M)
    sandbox.control.post(M, "member_m", QUESTION, visibility="direct")
    ingest_mentions(services, platform, M)
    (message_id,) = [row[0] for row in db.conn.execute("SELECT id FROM private_messages")]
    yield services, platform, message_id
    db.close()


def _ours(sandbox: RunningSandbox) -> list[dict]:
    return [p for p in sandbox.control.state()[M]["posts"] if p["author"] == "INMMorg"]


def test_hq_answers_privately_once_and_the_log_keeps_no_text(world, sandbox) -> None:
    services, platform, message_id = world
    answer = services.private_answers.answer("hq", message_id, ANSWER)
    assert answer.state == "pending"
    assert send_answers(services, platform, M) == 1
    assert send_answers(services, platform, M) == 0  # nothing is sent twice
    (sent,) = _ours(sandbox)
    assert sent["text"] == f"@member_m {ANSWER}" and sent["visibility"] == "direct"
    asked = services.db.conn.execute("SELECT platform_id FROM private_messages").fetchone()[0]
    assert sent["in_reply_to"] == asked
    done = services.private_answers.get(answer.id)
    assert (done.state, done.platform_id) == ("sent", sent["id"])
    entries = audit.history(services.db.conn, f"private:{message_id}")
    assert [e["action"] for e in entries] == ["private.answer", "private.answered"]
    assert ANSWER not in json.dumps(entries) and "dues" not in json.dumps(entries)
    # Our own direct answer is not taken for a post someone else made on the account.
    from inmm_tui.domain.governance import unexplained_platform_posts
    from inmm_tui.store.tx import write

    recent = [(p.platform_id, p.text) for p in platform.recent_posts()]
    with write(services.db):
        unexplained_platform_posts(services.db.conn, M, [], services.clock())  # baseline
        assert unexplained_platform_posts(services.db.conn, M, recent, services.clock()) == []


def test_only_those_who_may_read_private_messages_answer(world) -> None:
    services, _, message_id = world
    for login in ("alice", "ec", "comms"):
        with pytest.raises(NotAuthorised):
            services.private_answers.answer(login, message_id, ANSWER)
    refused = services.db.conn.execute(
        "SELECT actor FROM audit WHERE action = 'private.refused' ORDER BY seq").fetchall()
    assert refused == [("alice",), ("ec",), ("comms",)]
    assert services.private_answers.answer("chair", message_id, ANSWER).state == "pending"


def test_a_blocked_or_empty_answer_is_refused_naming_why(world) -> None:
    services, _, message_id = world
    with pytest.raises(InvalidInput, match="policy screen"):
        services.private_answers.answer("hq", message_id, "Call me on 555-867-5309, you idiot")
    with pytest.raises(InvalidInput, match="empty"):
        services.private_answers.answer("hq", message_id, "   ")
    with pytest.raises(InvalidInput, match=r"control character|U\+202E"):
        services.private_answers.answer("hq", message_id, "Yes \u202eplease")
    assert services.db.conn.execute("SELECT count(*) FROM private_answers").fetchone()[0] == 0
    assert [e["action"] for e in audit.history(services.db.conn, f"private:{message_id}")] == [
        "private.answer_refused"] * 3


def test_a_crash_mid_send_sends_again_under_the_same_key_never_twice(world, sandbox) -> None:
    services, platform, message_id = world
    answer = services.private_answers.answer("hq", message_id, ANSWER)
    (claimed,) = services.private_answers.claim_due(M)
    # The platform made it, and the daemon died before recording it.
    platform.answer_privately(claimed.text, recipient=claimed.recipient_handle,
                              in_reply_to=claimed.in_reply_to,
                              idempotency_key=claimed.attempt_key or "")
    assert send_answers(services, platform, M) == 1  # recovered: sent again, same key
    assert len(_ours(sandbox)) == 1
    assert services.private_answers.get(answer.id).state == "sent"


def test_a_claim_older_than_the_key_is_in_doubt_not_sent_again(world, sandbox, clock) -> None:
    services, platform, message_id = world
    answer = services.private_answers.answer("hq", message_id, ANSWER)
    services.private_answers.claim_due(M)
    clock.advance(seconds=services.config.daemon.idempotency_key_seconds + 1)
    assert send_answers(services, platform, M) == 0
    assert _ours(sandbox) == []
    assert services.private_answers.get(answer.id).state == "in_doubt"
    alert = services.db.conn.execute(
        "SELECT message FROM alerts WHERE kind = 'private_answer_in_doubt'").fetchone()[0]
    assert "look in the conversation" in alert


def test_an_outlet_that_cannot_answer_privately_refuses_at_once(roster: Services) -> None:
    from inmm_tui.domain.moderation import IncomingMention

    mention = IncomingMention("9", "u9", "someone", "Some One", "psst", roster.clock(),
                              visibility="direct")
    roster.moderation.ingest("x", [mention])
    message_id = roster.db.conn.execute("SELECT id FROM private_messages").fetchone()[0]
    with pytest.raises(InvalidState, match="answer @someone on X itself"):
        roster.private_answers.answer("hq", message_id, ANSWER)


def test_a_run_with_nothing_to_send_takes_no_write_lock(world) -> None:
    # The publish job runs every few seconds: with no answer waiting it only reads.
    services, platform, _ = world
    before = services.db.conn.total_changes
    holder = open_database(services.config.database_path)
    holder.conn.execute("BEGIN IMMEDIATE")  # another writer holds the lock meanwhile
    try:
        assert send_answers(services, platform, M) == 0
    finally:
        holder.conn.rollback()
        holder.close()
    assert services.db.conn.total_changes == before
