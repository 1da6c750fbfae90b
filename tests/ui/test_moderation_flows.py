"""The moderation queue walked through the pilot: hide refused without verified
evidence, intents recorded, legal hold, the Executive Committee's decision (EC only),
and an answer drafted into compose."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from oversight_support import (
    EC,
    RUDE,
    incoming_screen,
    moderation_services,
    seed_moderation,
    tamper,
)
from textual.widgets import Input, Static
from ui_support import AM, CHAIR, HQ, answer, build_services, notes, settle

from inmm_tui.domain import audit
from inmm_tui.domain.moderation import Item, Moderation
from inmm_tui.ui.app import InmmApp
from inmm_tui.ui.messages import DatabaseChanged
from inmm_tui.ui.oversight_messages import ItemLoaded
from inmm_tui.ui.screens.compose import ComposeScreen
from inmm_tui.ui.screens.confirm import ConfirmItemScreen
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


def mastodon_item(db_path: Path, name: str = "Rude Toot", text: str = "You idiots on Mastodon",
                  ) -> int:
    """A questionable reply on Mastodon (the seeded ones are on X), newest in the queue."""
    from oversight_support import NOW

    from inmm_tui.domain.moderation import IncomingMention

    s = moderation_services(db_path)
    s.moderation.ingest("mastodon", [IncomingMention(
        "t1", "u-toot", "toot@example.social", name, text, NOW)])
    (item,) = [i for i in s.moderation.items(HQ) if i.outlet == "mastodon"]
    s.db.conn.close()
    return item.id


async def confirm(pilot, key: str) -> str:  # type: ignore[no-untyped-def]
    """Press `key` (hide), check the confirmation opened, and confirm it with Enter;
    returns the author it showed."""
    await pilot.press(key)
    await settle(pilot)
    assert isinstance(pilot.app.screen, ConfirmItemScreen)
    author = str(pilot.app.screen.query_one("#confirm-author", Static).render())
    await pilot.press("enter")
    await settle(pilot)
    return author


async def test_queue_lists_newest_first_with_findings_and_verified_evidence(db_path, items):
    app = app_for(db_path, AM)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queue(pilot, items["rude"])
        table = app.screen.query_one("#mod-items", ListTable)
        order = [str(table.get_row_at(n)[0]) for n in range(table.row_count)]
        assert order == [str(items["spam"]), str(items["false"]), str(items["rude"])]
        assert str(table.get_row(str(items["rude"]))[3]).startswith("respectful_")
        assert "respectful_behavior: insult" in shown(app, "#mod-text")
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
        await confirm(pilot, "h")
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
        await confirm(pilot, "h")
        assert "no evidence captured" in notes(app)
    assert item_row(db_path, items["rude"])["hide_requested_at"] is None


async def test_hide_block_report_and_dismiss_are_recorded_as_intents(db_path, items):
    toot = mastodon_item(db_path)
    app = app_for(db_path, AM)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queue(pilot, items["rude"])
        await confirm(pilot, "h")
        assert "Hide of" in notes(app)
        assert "hide: requested" in shown(app, "#mod-state")
        await pilot.press("b")
        await answer(pilot, "")
        await open_queue(pilot, toot)
        await pilot.press("t")
        await answer(pilot, "harassment")
        await open_queue(pilot, items["spam"])
        await pilot.press("d")
        await answer(pilot, "spam, already removed by the platform")
        table = app.screen.query_one("#mod-items", ListTable)
        assert str(items["spam"]) not in [str(table.get_row_at(n)[0])
                                          for n in range(table.row_count)]
    rude = item_row(db_path, items["rude"])
    assert rude["hide_requested_by"] == AM and rude["block_requested_by"] == AM
    assert item_row(db_path, toot)["report_reason"] == "harassment"
    spam = item_row(db_path, items["spam"])
    assert spam["status"] == "dismissed" and spam["closed_at"] is not None
    conn = build_services(db_path).db.conn
    actions = {r[0] for r in conn.execute("SELECT action FROM audit WHERE actor = ?", (AM,))}
    assert {"moderation.hide", "moderation.report", "moderation.block",
            "moderation.dismiss"} <= actions
    assert audit.verify(conn).ok


async def test_report_needs_a_reason_and_the_platforms_refusal_is_shown(db_path, items):
    toot = mastodon_item(db_path)
    s = build_services(db_path)
    s.moderation.record_failed(toot, "block", "403 account suspended")
    s.db.conn.close()
    app = app_for(db_path, AM)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queue(pilot, toot)
        table = app.screen.query_one("#mod-items", ListTable)
        assert str(table.get_row(str(toot))[6]).startswith("block")  # whole in the detail
        assert "refused: block: 403 account suspended" in shown(app, "#mod-state")
        await pilot.press("t")
        app.screen.query_one(Input).value = "  "
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)  # asks again, nothing recorded
        await pilot.press("escape")
        await settle(pilot)
    assert item_row(db_path, toot)["report_requested_at"] is None


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
        await settle(pilot)
        assert not isinstance(app.screen, PromptScreen)  # refused before asking
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


class SlowDetail(Moderation):
    """The real service, whose read of one item (what the detail pane loads after the
    cursor moves) waits while `gate` is closed: the moment between a cursor move and its
    detail being shown, made long enough to press a key in."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.gate = threading.Event()
        self.gate.set()

    def get(self, login: str, item_id: int) -> Item:
        assert self.gate.wait(timeout=10)
        return super().get(login, item_id)


async def test_an_action_right_after_moving_the_cursor_never_acts_on_the_previous_item(
        db_path, items):
    services = moderation_services(db_path)
    slow = services.moderation = SlowDetail(services.db, services.posts, clock=services.clock,
                                            screen=incoming_screen)
    app = InmmApp(services, AM, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queue(pilot, items["spam"])
        assert "Cheap watches" in shown(app, "#mod-text")
        slow.gate.clear()
        await pilot.press("down")  # to the false claim; its detail is still loading
        await pilot.press("h")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmItemScreen)
        slow.gate.set()
        await settle(pilot)
        assert item_row(db_path, items["spam"])["hide_requested_at"] is None  # the bug
        assert f"#{items['false']} is still loading" in notes(app)
        assert "reactor data was faked" in shown(app, "#mod-text")
        assert "News Bot @newsbot" in await confirm(pilot, "h")
    assert item_row(db_path, items["spam"])["hide_requested_at"] is None
    assert item_row(db_path, items["false"])["hide_requested_by"] == AM


async def test_a_detail_loaded_for_a_row_the_cursor_left_is_not_shown(db_path, items):
    app = app_for(db_path, AM)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queue(pilot, items["rude"])
        screen = app.screen
        assert isinstance(screen, ModerationScreen)
        spam = build_services(db_path).moderation.get(AM, items["spam"])
        screen.post_message(ItemLoaded(spam, None))  # a slow worker's late answer
        await settle(pilot)
        assert RUDE_WORD in shown(app, "#mod-text")
        assert screen.item is not None and screen.item.id == items["rude"]


async def test_hide_block_and_report_show_the_author_and_text_and_may_be_cancelled(
        db_path, items):
    toot = mastodon_item(db_path, name="[bold red]Mallory[/]", text="[@click=app.quit]you idiots")
    app = app_for(db_path, AM)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queue(pilot, items["rude"])
        for key in ("h", "b"):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, ConfirmItemScreen)
            author = str(app.screen.query_one("#confirm-author", Static).render())
            assert "Troy Ll @troll" in author
            assert str(app.screen.query_one("#confirm-text", Static).render()) == RUDE
            await pilot.press("escape")
            await settle(pilot)
        await open_queue(pilot, toot)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmItemScreen)
        # Not ours: shown as written, never read as markup.
        author = app.screen.query_one("#confirm-author", Static).render()
        assert "[bold red]Mallory[/] @toot@example.social" in str(author)
        text = app.screen.query_one("#confirm-text", Static).render()
        assert str(text) == "[@click=app.quit]you idiots"
        await pilot.press("escape")
        await settle(pilot)
    for item_id in (items["rude"], toot):
        row = item_row(db_path, item_id)
        assert (row["hide_requested_at"], row["block_requested_at"],
                row["report_requested_at"]) == (None, None, None)


async def test_what_the_outlet_cannot_do_is_refused_at_once_and_audited(db_path, items):
    toot = mastodon_item(db_path)
    app = app_for(db_path, AM)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queue(pilot, toot)
        await pilot.press("h")  # Mastodon has no hide-reply
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmItemScreen)
        assert "Mastodon has no way to hide a reply" in notes(app)
        await open_queue(pilot, items["rude"])
        await pilot.press("t")  # X has no report API
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmItemScreen)
        assert "X has no report API" in notes(app)
    assert item_row(db_path, toot)["hide_requested_at"] is None
    assert item_row(db_path, items["rude"])["report_requested_at"] is None
    conn = build_services(db_path).db.conn
    refused = [json.loads(r[0])["request"] for r in conn.execute(
        "SELECT details FROM audit WHERE action = 'moderation.refused' AND actor = ?"
        " ORDER BY seq", (AM,))]
    assert refused == ["hide", "report"]


async def test_an_item_forwarded_to_the_ec_is_in_its_members_counts_and_reminders(
        db_path, items):
    s = moderation_services(db_path)
    s.moderation.forward_to_ec(HQ, items["false"], "Answer with the published data")
    s.db.conn.close()
    app = app_for(db_path, EC)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        queues = app.screen.query_one("#queues", ListTable)
        assert str(queues.get_row("ec_decisions")[1]) == "1"
        assert str(queues.get_row("reminders")[1]) == "1"
        await pilot.press("m")
        await settle(pilot)
        rows = app.screen.query_one("#reminders", ListTable)
        assert f"decide on moderation item #{items['false']}" in str(rows.get_row_at(0)[2])
        await pilot.press("escape")
        await open_queue(pilot, items["false"])
        await pilot.press("x")
        await answer(pilot, "Answer it; no further action")
        await pilot.press("escape")
        app.post_message(DatabaseChanged())  # what the data_version watcher sends
        await settle(pilot)
        queues = app.screen.query_one("#queues", ListTable)
        assert "ec_decisions" not in [r.value for r in queues.rows]
        assert str(queues.get_row("reminders")[1]) == "0"
