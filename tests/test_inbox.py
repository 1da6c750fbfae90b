"""One inbox (issue 19): every reply, mention and private message newest first, filtered;
private messages only for those allowed to read them (refusals audited); a reply screening
passed flagged by hand into moderation with evidence that verifies."""

from __future__ import annotations

import datetime as dt

import pytest

from inmm_tui.domain import audit, evidence
from inmm_tui.domain.errors import InvalidInput, InvalidState, NotAuthorised, NotFound
from inmm_tui.domain.inbox import Filters, Inbox
from inmm_tui.domain.moderation import IncomingMention, IncomingVerdict, Moderation
from inmm_tui.domain.questions import questions_for
from inmm_tui.domain.services import Services

from .conftest import FakeClock

WRONG = "The annual meeting is in Denver this year, right?"
START = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)


def _screen(text: str, outlet: str) -> IncomingVerdict:
    if "idiot" in text:
        return IncomingVerdict("warn", [{"rule": "respectful_behavior", "reason": "insult"}])
    return IncomingVerdict("pass")


def _mention(n: int, text: str, visibility: str = "public", minutes: int | None = None
             ) -> IncomingMention:
    return IncomingMention(f"p{n}", f"u{n}", f"user{n}", f"User {n}", text,
                           START + dt.timedelta(minutes=n if minutes is None else minutes),
                           visibility=visibility)


@pytest.fixture
def svc(roster: Services) -> Services:
    roster.moderation = Moderation(roster.db, roster.posts, clock=roster.clock, screen=_screen)
    mod = roster.moderation
    mod.ingest("x", [_mention(1, "Thanks for the webinar"), _mention(2, "INMM are idiots"),
                     _mention(3, WRONG)])
    mod.ingest("mastodon", [_mention(4, "Secret tip for HQ only", visibility="direct"),
                            _mention(5, "Lovely photos"),
                            _mention(6, "For followers only", visibility="private")])
    questions_for(roster).triage()
    return roster


def _keys(inbox: Inbox, login: str, filters: Filters | None = None) -> list[str]:
    return [e.key for e in inbox.page(login, filters or Filters()).entries]


def test_everything_newest_first_and_each_filter(svc: Services) -> None:
    inbox = Inbox(svc.db, clock=svc.clock)
    assert _keys(inbox, "hq") == ["private:2", "mention:4", "private:1", "mention:3",
                                  "mention:2", "mention:1"]
    assert _keys(inbox, "hq", Filters(outlet="x")) == ["mention:3", "mention:2", "mention:1"]
    assert _keys(inbox, "hq", Filters(flagged=True)) == ["mention:2"]
    assert _keys(inbox, "hq", Filters(questions=True)) == ["mention:3"]
    assert _keys(inbox, "hq", Filters(private=True)) == ["private:2", "private:1"]
    assert _keys(inbox, "hq", Filters(private=True, outlet="x")) == []
    svc.moderation.draft_answer("alice", 3, "The meeting is in Atlanta.")
    assert _keys(inbox, "hq", Filters(unanswered=True)) == ["mention:4", "mention:2", "mention:1"]


def test_keyset_pages_neither_skip_nor_repeat(svc: Services) -> None:
    # Two at the same instant, one public and one private, straddle a page boundary.
    svc.moderation.ingest("mastodon", [_mention(7, "same time", minutes=30),
                                       _mention(8, "same time, privately", "direct", minutes=30)])
    inbox = Inbox(svc.db, clock=svc.clock)
    whole = _keys(inbox, "hq")
    seen: list[str] = []
    after = None
    while True:
        page = inbox.page("hq", after=after, limit=1)
        seen += [e.key for e in page.entries]
        if page.after is None:
            break
        after = page.after
    assert seen == whole and len(whole) == 8


def test_private_messages_never_reach_a_role_that_may_not_read_them(svc: Services) -> None:
    inbox = Inbox(svc.db, clock=svc.clock)
    for login in ("alice", "ec", "comms"):
        page = inbox.page(login)
        assert not any(e.private for e in page.entries)
        assert all("Secret" not in e.text and "followers only" not in e.text
                   for e in page.entries)
        assert (page.private_shown, page.private_withheld) == (False, 2)
        with pytest.raises(NotAuthorised):
            inbox.page(login, Filters(private=True))
    refusals = svc.db.conn.execute(
        "SELECT actor FROM audit WHERE action = 'private.refused' ORDER BY seq").fetchall()
    assert [r[0] for r in refusals] == ["alice", "ec", "comms"]
    # Those who may read them see them, and the reading is audited (how many, not what).
    page = inbox.page("chair", Filters(private=True))
    assert page.private_shown and [e.author_handle for e in page.entries] == ["user6", "user4"]
    (entry,) = audit.history(svc.db.conn, "private_messages")[-1:]
    assert entry["actor"] == "chair" and entry["details"]["count"] == 2
    assert "Secret" not in str(entry["details"])
    # Reading the same again (a screen reloads on every write) is not recorded again;
    # reading a new one is.
    readings = len(audit.history(svc.db.conn, "private_messages"))
    inbox.page("chair", Filters(private=True))
    assert len(audit.history(svc.db.conn, "private_messages")) == readings
    svc.moderation.ingest("mastodon", [_mention(9, "Another private one", "direct")])
    inbox.page("chair", Filters(private=True))
    assert len(audit.history(svc.db.conn, "private_messages")) == readings + 1


def test_flag_by_hand_queues_it_with_evidence_that_verifies(svc: Services,
                                                           clock: FakeClock) -> None:
    inbox = Inbox(svc.db, clock=svc.clock)
    assert [i.mention_id for i in svc.moderation.items("hq")] == [2]
    item_id = inbox.flag("alice", 3, "The meeting is in Atlanta, not Denver")
    item = svc.moderation.get("alice", item_id)
    assert (item.mention_id, item.status, item.verdict) == (3, "open", "pass")
    assert item.evidence_id is not None and evidence.verify(svc.db.conn, item.evidence_id).ok
    svg, raw = svc.db.conn.execute("SELECT rendered_svg, raw_payload FROM evidence WHERE id = ?",
                                   (item.evidence_id,)).fetchone()
    assert "Denver" in svg and '"platform_id": "p3"' in raw
    # The same queue, the same actions: it can now be hidden, as its evidence verifies.
    svc.moderation.check_hide_allowed(item_id)
    (flagged,) = audit.history(svc.db.conn, f"moderation:{item_id}")
    assert flagged["actor"] == "alice" and flagged["action"] == "moderation.flag"
    assert flagged["details"]["reason"] == "The meeting is in Atlanta, not Denver"
    assert _keys(inbox, "hq", Filters(flagged=True)) == ["mention:3", "mention:2"]


def test_flag_by_hand_refusals(svc: Services) -> None:
    inbox = Inbox(svc.db, clock=svc.clock)
    with pytest.raises(NotAuthorised):
        inbox.flag("ec", 3, "wrong place")
    with pytest.raises(InvalidInput):
        inbox.flag("alice", 3, "   ")
    with pytest.raises(InvalidState, match="already in the moderation queue"):
        inbox.flag("alice", 2, "rude")
    with pytest.raises(NotFound):
        inbox.flag("alice", 99, "gone")
    with pytest.raises(NotAuthorised):
        inbox.flag("nobody", 3, "wrong place")
    assert svc.db.conn.execute("SELECT count(*) FROM moderation_items").fetchone()[0] == 1
    refusals = svc.db.conn.execute(
        "SELECT actor, subject FROM audit WHERE action = 'moderation.refused' ORDER BY seq")
    assert refusals.fetchall() == [("ec", "mention:3"), ("alice", "mention:2"),
                                   ("alice", "mention:99")]
    assert svc.db.conn.execute("SELECT login, what FROM access_refusals").fetchall() == [
        ("nobody", "flag a reply into moderation")]
    assert svc.db.conn.execute("SELECT count(*) FROM evidence").fetchone()[0] == 1
