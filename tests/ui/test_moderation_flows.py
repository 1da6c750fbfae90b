"""The moderation queue walked through the pilot: hide refused without verified
evidence, intents recorded, legal hold, the Executive Committee's decision (EC only),
and an answer drafted into compose."""

from __future__ import annotations

from pathlib import Path

import pytest
from oversight_support import EC, moderation_services, seed_moderation, tamper
from textual.widgets import Input, Static
from ui_support import AM, CHAIR, HQ, answer, build_services, notes, settle

from inmm_tui.domain import audit
from inmm_tui.ui.app import InmmApp
from inmm_tui.ui.screens.compose import ComposeScreen
from inmm_tui.ui.screens.moderation import ModerationScreen
from inmm_tui.ui.screens.prompt import PromptScreen
from inmm_tui.ui.widgets.tables import ListTable


@pytest.fixture(autouse=True)
def slow_autosave(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ComposeScreen, "AUTOSAVE_DELAY", 30)


@pytest.fixture
def items(db_path: Path) -> dict[str, int]:
    return seed_moderation(db_path)


def shown(app: InmmApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def open_queue(pilot, item_id: int) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("o")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ModerationScreen)
    table = pilot.app.screen.query_one("#mod-items", ListTable)
    table.move_cursor(row=table.get_row_index(str(item_id)))
    await settle(pilot)


def item_row(db_path: Path, item_id: int) -> dict[str, object]:
    s = build_services(db_path)
    cursor = s.db.conn.execute("SELECT * FROM moderation_items WHERE id = ?", (item_id,))
    row = dict(zip([c[0] for c in cursor.description], cursor.fetchone(), strict=True))
    s.db.conn.close()
    return row


def app_for(db_path: Path, login: str) -> InmmApp:
    return InmmApp(moderation_services(db_path), login, watch=False)


async def test_queue_lists_newest_first_with_findings_and_verified_evidence(db_path, items):
    app = app_for(db_path, AM)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queue(pilot, items["rude"])
        table = app.screen.query_one("#mod-items", ListTable)
        order = [str(table.get_row_at(n)[0]) for n in range(table.row_count)]
        assert order == [str(items["spam"]), str(items["false"]), str(items["rude"])]
        assert "respectful_behavior" in str(table.get_row(str(items["rude"]))[3])
        assert RUDE_WORD in shown(app, "#mod-text")
        evidence = shown(app, "#mod-evidence")
        assert "Verified" in evidence and "NOT VERIFIED" not in evidence
        sha = build_services(db_path).db.conn.execute(
            "SELECT sha256 FROM evidence ORDER BY id LIMIT 1").fetchone()[0]
        assert sha in evidence


RUDE_WORD = "idiots and liars"


async def test_hide_is_refused_when_the_evidence_was_edited(db_path, items):
    tamper(db_path, items["false"])
    app = app_for(db_path, AM)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queue(pilot, items["false"])
        assert "NOT VERIFIED" in shown(app, "#mod-evidence")
        assert "edited" in shown(app, "#mod-evidence")
        await pilot.press("h")
        await settle(pilot)
        assert "cannot be hidden" in notes(app)
    assert item_row(db_path, items["false"])["hide_requested_at"] is None


async def test_hide_is_refused_before_evidence_exists(db_path, items):
    s = build_services(db_path)
    with s.db.conn:
        s.db.conn.execute("DELETE FROM evidence WHERE mention_id = (SELECT mention_id FROM"
                          " moderation_items WHERE id = ?)", (items["rude"],))
    app = app_for(db_path, AM)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queue(pilot, items["rude"])
        assert "NONE CAPTURED" in shown(app, "#mod-evidence")
        await pilot.press("h")
        await settle(pilot)
        assert "no evidence captured" in notes(app)
    assert item_row(db_path, items["rude"])["hide_requested_at"] is None


async def test_hide_block_report_and_dismiss_are_recorded_as_intents(db_path, items):
    app = app_for(db_path, AM)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queue(pilot, items["rude"])
        await pilot.press("h")
        await settle(pilot)
        assert "Hide of" in notes(app)
        assert "hide: requested" in shown(app, "#mod-state")
        await pilot.press("t")
        await answer(pilot, "harassment")
        await pilot.press("b")
        await answer(pilot, "")
        await open_queue(pilot, items["spam"])
        await pilot.press("d")
        await answer(pilot, "spam, already removed by the platform")
        table = app.screen.query_one("#mod-items", ListTable)
        assert str(items["spam"]) not in [str(table.get_row_at(n)[0])
                                          for n in range(table.row_count)]
    rude = item_row(db_path, items["rude"])
    assert rude["hide_requested_by"] == AM and rude["report_reason"] == "harassment"
    assert rude["block_requested_by"] == AM
    spam = item_row(db_path, items["spam"])
    assert spam["status"] == "dismissed" and spam["closed_at"] is not None
    conn = build_services(db_path).db.conn
    actions = {r[0] for r in conn.execute("SELECT action FROM audit WHERE actor = ?", (AM,))}
    assert {"moderation.hide", "moderation.report", "moderation.block",
            "moderation.dismiss"} <= actions
    assert audit.verify(conn).ok


async def test_report_needs_a_reason_and_the_platforms_refusal_is_shown(db_path, items):
    s = build_services(db_path)
    s.moderation.record_failed(items["false"], "block", "403 account suspended")
    s.db.conn.close()
    app = app_for(db_path, AM)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queue(pilot, items["false"])
        table = app.screen.query_one("#mod-items", ListTable)
        assert "403" in str(table.get_row(str(items["false"]))[6])
        assert "refused: block: 403 account suspended" in shown(app, "#mod-state")
        await pilot.press("t")
        app.screen.query_one(Input).value = "  "
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)  # asks again, nothing recorded
        await pilot.press("escape")
        await settle(pilot)
    assert item_row(db_path, items["false"])["report_requested_at"] is None


async def test_legal_hold_on_and_off(db_path, items):
    app = app_for(db_path, CHAIR)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queue(pilot, items["rude"])
        await pilot.press("g")
        await answer(pilot, "Doe v. INMM")
        assert "Legal hold: ON by bchair — Doe v. INMM" in shown(app, "#mod-evidence")
        await pilot.press("g")
        await answer(pilot, "matter closed")
        assert "Legal hold: off" in shown(app, "#mod-evidence")
    conn = build_services(db_path).db.conn
    actions = [r[0] for r in conn.execute(
        "SELECT action FROM audit WHERE action LIKE 'evidence.legal_hold%' ORDER BY seq")]
    assert actions == ["evidence.legal_hold", "evidence.legal_hold_released"]


async def test_forward_then_ec_decision_refused_for_an_account_manager(db_path, items):
    app = app_for(db_path, HQ)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queue(pilot, items["false"])
        await pilot.press("f")
        await answer(pilot, "Answer with the published safeguards data")
        assert "forwarded" in shown(app, "#mod-state")
    app = app_for(db_path, AM)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queue(pilot, items["false"])
        await pilot.press("x")
        await answer(pilot, "we decide to answer")
        assert "Alex Doe (Account Manager) may not" in notes(app)
        assert any(n.title == "Not allowed" for n in app._notifications)
    assert item_row(db_path, items["false"])["ec_decision"] is None
    app = app_for(db_path, EC)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queue(pilot, items["false"])
        await pilot.press("x")
        await answer(pilot, "Answer it; no further action")
        assert "decision" in notes(app)
    row = item_row(db_path, items["false"])
    assert row["status"] == "decided" and row["ec_decided_by"] == EC


async def test_member_lookup_and_answer_opens_compose_on_the_draft(db_path, items):
    app = app_for(db_path, AM)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queue(pilot, items["rude"])
        await pilot.press("l")
        await settle(pilot)
        assert "Troy Ll (member)" in notes(app)
        table = app.screen.query_one("#mod-items", ListTable)
        assert str(table.get_row(str(items["rude"]))[4]) == "member"
        await pilot.press("a")
        await answer(pilot, "Our safeguards data is public: https://inmm.org/data")
        assert isinstance(app.screen, ComposeScreen)
        post_id = app.screen.post_id
        assert "inmm.org/data" in app.screen.query_one("#body").text
    s = build_services(db_path)
    post = s.posts.get(post_id)
    assert post.status == "draft" and post.author == AM
    mention = s.db.conn.execute("SELECT answered_post_id FROM mentions WHERE id ="
                                " (SELECT mention_id FROM moderation_items WHERE id = ?)",
                                (items["rude"],)).fetchone()[0]
    assert mention == post_id


async def test_an_item_queued_by_the_daemon_shows_when_the_database_changes(db_path, items):
    from oversight_support import NOW

    from inmm_tui.domain.moderation import IncomingMention
    from inmm_tui.ui.messages import DatabaseChanged

    app = app_for(db_path, AM)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queue(pilot, items["rude"])
        daemon = moderation_services(db_path)
        daemon.moderation.ingest("mastodon", [IncomingMention(
            "m9", "u-late", "late@example.social", "Late", "You idiots again", NOW)])
        daemon.db.conn.close()
        app.post_message(DatabaseChanged())  # what the data_version watcher sends
        await settle(pilot)
        table = app.screen.query_one("#mod-items", ListTable)
        assert table.row_count == 4 and str(table.get_row_at(0)[1]) == "mastodon"
        assert "idiots and liars" in shown(app, "#mod-text")  # the selection stays put


def test_the_queue_is_refused_to_someone_whose_rights_were_withdrawn(db_path: Path) -> None:
    from inmm_tui.domain.errors import NotAuthorised

    seed_moderation(db_path)
    svc = build_services(db_path)
    assert svc.moderation.items(HQ)
    svc.roster.revoke(HQ, AM, "left")
    with pytest.raises(NotAuthorised):
        svc.moderation.items(AM)
