"""The one inbox through the pilot at 80x24: opened from home (b), filtered, a reply
screening passed flagged by hand into moderation with its evidence, answers drafted
into compose, and private messages kept from a role that may not read them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from oversight_support import RUDE, moderation_services
from ui_support import AM, HQ, NOW, answer, going_to, notes, screen_text, settle

from inmm_tui.domain import evidence
from inmm_tui.domain.moderation import IncomingMention
from inmm_tui.domain.questions import questions_for
from inmm_tui.ui.app import InmmApp
from inmm_tui.ui.screens.compose import ComposeScreen
from inmm_tui.ui.screens.confirm import ConfirmItemScreen
from inmm_tui.ui.screens.inbox import InboxScreen
from inmm_tui.ui.widgets.tables import ListTable

WRONG = "See you at the annual meeting in Denver"
SECRET = "Psst: a private tip for HQ"


@pytest.fixture(autouse=True)
def slow_autosave(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ComposeScreen, "AUTOSAVE_DELAY", 30)


@pytest.fixture
def seeded(db_path: Path) -> Path:
    s = moderation_services(db_path)
    s.moderation.ingest("x", [
        IncomingMention("m1", "u-troll", "troll", "Troy Ll", RUDE, NOW - dt.timedelta(minutes=30)),
        IncomingMention("m2", "u-fan", "fan", "A Fan", WRONG, NOW - dt.timedelta(minutes=20))])
    s.moderation.ingest("mastodon", [IncomingMention(
        "d1", "u-tip", "tipster@example.social", "Tip Ster", SECRET,
        NOW - dt.timedelta(minutes=10), visibility="direct")])
    s.db.conn.close()
    return db_path


def app_for(db_path: Path, login: str) -> InmmApp:
    return InmmApp(moderation_services(db_path), login, watch=False)


def rows(app: InmmApp) -> list[str]:
    return [str(k.value) for k in app.screen.query_one("#inbox", ListTable).rows]


async def open_inbox(pilot) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("b")
    await settle(pilot)
    assert isinstance(pilot.app.screen, InboxScreen)


async def test_open_filter_and_flag_a_reply_by_hand(seeded: Path) -> None:
    app = app_for(seeded, HQ)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_inbox(pilot)
        assert rows(app) == ["private:1", "mention:2", "mention:1"]
        assert SECRET in screen_text(app)
        await pilot.press("x")  # only flagged
        await settle(pilot)
        assert rows(app) == ["mention:1"]
        await pilot.press("0", "o")  # everything, then the first outlet (mastodon)
        await settle(pilot)
        assert rows(app) == ["private:1"]
        await pilot.press("0", "u")  # unanswered: public ones only
        await settle(pilot)
        assert rows(app) == ["mention:2", "mention:1"]
        assert "Unanswered on every outlet" in screen_text(app)
        # Flag the wrong reply by hand (the cursor is on it, the newest).
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmItemScreen)
        assert WRONG in screen_text(app)
        await answer(pilot, "The meeting is in Atlanta, not Denver")
        assert "item #2" in notes(app)
    s = moderation_services(seeded)
    (item,) = [i for i in s.moderation.items(HQ) if i.mention_id == 2]
    assert item.evidence_id is not None and evidence.verify(s.db.conn, item.evidence_id).ok
    actor, details = s.db.conn.execute(
        "SELECT actor, details FROM audit WHERE action = 'moderation.flag'").fetchone()
    assert actor == HQ and "Atlanta" in details


async def test_private_messages_are_not_shown_to_an_account_manager(seeded: Path) -> None:
    app = app_for(seeded, AM)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_inbox(pilot)
        assert rows(app) == ["mention:2", "mention:1"]
        text = screen_text(app)
        assert SECRET not in text and "tipster" not in text
        assert "1 private message not shown" in text
        await pilot.press("p")  # asking for them is refused, and the list stays public
        await settle(pilot)
        assert "Not allowed" in " ".join(str(n.title) for n in app._notifications)
        assert rows(app) == ["mention:2", "mention:1"]
        assert not app.screen.filters.private
    s = moderation_services(seeded)
    assert s.db.conn.execute(
        "SELECT actor FROM audit WHERE action = 'private.refused'").fetchone() == (AM,)


async def test_answers_public_in_compose_private_to_the_sender_alone(seeded: Path) -> None:
    app = app_for(seeded, HQ)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_inbox(pilot)
        await pilot.press("a")  # the private message, newest: Mastodon answers privately
        await answer(pilot, "Thank you: we will pass the tip on.")
        await settle(pilot)
        assert "Private answer #1 queued" in notes(app)
        assert isinstance(app.screen, InboxScreen)
        table = app.screen.query_one("#inbox", ListTable)
        assert str(table.get_row("private:1")[3]) == "queued"
        await pilot.press("down", "a")
        await settle(pilot)
        await answer(pilot, "The annual meeting is in Atlanta this year.")
        assert isinstance(app.screen, ComposeScreen)
    s = moderation_services(seeded)
    assert s.db.conn.execute("SELECT recipient_handle, text, state, created_by FROM"
                             " private_answers").fetchall() == [
        ("tipster@example.social", "Thank you: we will pass the tip on.", "pending", HQ)]
    post_id = s.db.conn.execute("SELECT answered_post_id FROM mentions WHERE id = 2").fetchone()[0]
    assert post_id is not None
    assert s.db.conn.execute("SELECT reply_to_mention_id FROM posts WHERE id = ?",
                             (post_id,)).fetchone() == (2,)


def test_inbox_snapshot_80x24(snap_compare, seeded: Path) -> None:  # type: ignore[no-untyped-def]
    """HQ's inbox: the private message among the public replies, the flagged one marked."""
    assert snap_compare(app_for(seeded, HQ), terminal_size=(80, 24),
                        run_before=going_to("b"))


async def test_a_question_is_answered_as_the_questions_inbox_answers(seeded: Path) -> None:
    s = moderation_services(seeded)
    s.moderation.ingest("x", [IncomingMention("q1", "u-ask", "asker", "An Asker",
                                              "When does registration open?",
                                              NOW - dt.timedelta(minutes=40))])
    assert questions_for(s).triage() == [3]
    s.db.conn.close()
    app = app_for(seeded, AM)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_inbox(pilot)
        await pilot.press("i")
        await settle(pilot)
        assert rows(app) == ["mention:3"]
        await pilot.press("a")
        await settle(pilot)
        await answer(pilot, "Registration opens on 1 April.")
        assert "submitted" in notes(app)
        assert "Answer awaiting clearance." in screen_text(app)
    s = moderation_services(seeded)
    answered_by, status = s.db.conn.execute(
        "SELECT m.answered_by, p.status FROM mentions m JOIN posts p ON p.id = m.answered_post_id"
        " WHERE m.id = 3").fetchone()
    assert (answered_by, status) == (AM, "submitted")


async def test_the_demo_inbox_has_a_wrong_fact_to_flag_and_a_private_message(
        tmp_path: Path) -> None:
    from inmm_tui.commands import demo

    world = demo.build(tmp_path, "newcomer")
    try:
        app = InmmApp(world.services, "newcomer", watch=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await open_inbox(pilot)
            entries = app.screen.entries
            assert any(e.private and e.text == demo.PRIVATE_MESSAGE[2] for e in entries.values())
            (wrong,) = [k for k, e in entries.items()
                        if e.text == demo.WRONG_FACT[2] and e.outlet == "x"]
            table = app.screen.query_one("#inbox", ListTable)
            table.move_cursor(row=table.get_row_index(wrong))
            await settle(pilot)
            await pilot.press("f")
            await settle(pilot)
            await answer(pilot, "The Annual Meeting is in Atlanta, not Denver")
            assert "Flagged into the moderation queue" in notes(app)
        flagged = [i for i in world.services.moderation.items("newcomer")
                   if i.text == demo.WRONG_FACT[2]]
        assert [i.outlet for i in flagged] == ["x"] and flagged[0].evidence_id
    finally:
        world.close()
