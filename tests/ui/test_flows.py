"""Each flow walked as a person would, through the pilot, on a throwaway database."""

from __future__ import annotations

import pytest
from textual.widgets import Label, Static, TextArea
from ui_support import AM, CHAIR, HQ, build_services, notes, settle

from inmm_tui.domain import audit
from inmm_tui.domain.services import Services
from inmm_tui.timeutil import from_db
from inmm_tui.ui.screens.clearance import ClearanceScreen
from inmm_tui.ui.screens.compose import ComposeScreen
from inmm_tui.ui.screens.help import HelpScreen
from inmm_tui.ui.screens.home import HomeScreen
from inmm_tui.ui.screens.prompt import PromptScreen
from inmm_tui.ui.widgets.banner import Banner
from inmm_tui.ui.widgets.screening import Findings, OutletCounts
from inmm_tui.ui.widgets.tables import ListTable


@pytest.fixture(autouse=True)
def quick_debounce(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ComposeScreen, "PREVIEW_DELAY", 0.01)
    monkeypatch.setattr(ComposeScreen, "AUTOSAVE_DELAY", 0.05)


async def type_into(pilot, selector: str, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type the first keys for real, then the rest at once (typing every key through the
    pilot costs seconds and tests nothing more)."""
    widget = pilot.app.screen.query_one(selector)
    widget.focus()
    await pilot.press(*text[:3])
    if isinstance(widget, TextArea):
        widget.insert(text[3:])
    else:
        widget.insert_text_at_cursor(text[3:])
    await pilot.pause(0.1)
    await settle(pilot)


async def test_compose_submit_then_cleared_by_another_is_scheduled(make_app, services):
    app = make_app(HQ)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ComposeScreen)
        await type_into(pilot, "#body", "Registration for the Annual Meeting is open")
        counts = str(app.screen.query_one(OutletCounts).render())
        assert "X (sandbox)" in counts and "/280" in counts and "/500" in counts
        await type_into(pilot, "#when", "2027-03-02 09:00")
        assert str(app.screen.query_one("#when-error", Label).render()) == ""
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
    post = services.posts.get(1)
    assert post.status == "submitted"
    assert post.body == "Registration for the Annual Meeting is open"

    app2 = make_app(AM)
    async with app2.run_test() as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app2.screen, ClearanceScreen)
        assert "Registration" in str(app2.screen.query_one("#post-text", Static).render())
        await pilot.press("a")
        await settle(pilot)
    post = services.posts.get(1)
    assert post.status == "scheduled" and post.cleared_by == AM
    deliveries = services.posts.deliveries(1)
    assert {d.outlet for d in deliveries} == {"x", "mastodon"}
    # 09:00 in Chicago on 2 March 2027 (CST, UTC-6) is 15:00 UTC.
    assert {from_db(d.due_at).hour for d in deliveries} == {15}
    assert all(d.text.endswith("^JS") for d in deliveries)


async def test_author_is_refused_clearing_their_own_post(make_app, services: Services):
    post_id = services.posts.create_draft(HQ, "Our new journal issue is out")
    services.posts.submit(HQ, post_id)
    app = make_app(HQ)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert "four-eyes" in notes(app)
    assert services.posts.get(post_id).status == "submitted"


async def test_blocked_post_is_highlighted_and_only_the_chair_overrides(make_app, services):
    app = make_app(HQ)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await type_into(pilot, "#body", "Exhibit with us BUY NOW")
        findings = app.screen.query_one(Findings)
        assert findings.has_class("block")
        rendered = findings.render()
        assert "transactional" in str(rendered)
        marked = [span for span in rendered.spans if "red" in str(span.style)]
        assert any(rendered.plain[s.start:s.end] == "BUY NOW" for s in marked)
        await pilot.press("ctrl+t")
        await settle(pilot)
    post_id = 1
    assert services.posts.get(post_id).screening_verdict == "block"

    am = make_app(AM)
    async with am.run_test() as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert not isinstance(am.screen, PromptScreen)  # refused before asking a reason
        assert "may not override a block" in notes(am)
    assert services.posts.get(post_id).status == "submitted"

    chair = make_app(CHAIR)
    async with chair.run_test() as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press(*"sponsor deal", "enter")
        await settle(pilot)
    assert services.posts.get(post_id).status == "scheduled"
    clear = [e for e in audit.history(services.db.conn, f"post:{post_id}")
             if e["action"] == "post.clear"]
    assert clear[0]["actor"] == CHAIR
    assert clear[0]["details"]["override_reason"] == "sponsor deal"


@pytest.mark.parametrize(("typed", "expected"), [
    ("2027-03-14 02:30", "does not exist"),
    ("2027-02-01 10:00", "in the past"),
    ("next tuesday", "expected a date and time"),
])
async def test_schedule_time_errors_are_shown_and_block_submission(make_app, services,
                                                                   typed, expected):
    app = make_app(HQ)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await type_into(pilot, "#body", "Webinar on safeguards")
        await type_into(pilot, "#when", typed)
        assert expected in str(app.screen.query_one("#when-error", Label).render())
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert isinstance(app.screen, ComposeScreen)
    assert services.posts.get(1).status == "draft"


async def test_draft_survives_a_restart(make_app, services):
    app = make_app(AM)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await type_into(pilot, "#body", "Half-written thought")
    # The app closed without Save or Escape.
    app2 = make_app(AM)
    async with app2.run_test() as pilot:
        await settle(pilot)
        drafts = app2.screen.query_one("#drafts", ListTable)
        assert drafts.row_count == 1
        drafts.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app2.screen, ComposeScreen)
        assert app2.screen.query_one("#body", TextArea).text == "Half-written thought"
    assert services.posts.get(1).body == "Half-written thought"


async def test_help_lists_the_screen_keys_and_lists_move_with_j_and_k(make_app):
    app = make_app(HQ)
    async with app.run_test() as pilot:
        await settle(pilot)
        table = app.screen.query_one("#queues", ListTable)
        await pilot.press("j", "j")
        assert table.cursor_row == 2
        await pilot.press("k")
        assert table.cursor_row == 1
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        keys = app.screen.query_one("#help-keys")
        described = [str(keys.get_row_at(i)[1]) for i in range(keys.row_count)]
        assert "New post" in described and "Pause or resume publishing (HQ)" in described
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_hq_pauses_publishing_and_the_banner_says_so(make_app, services):
    app = make_app(HQ)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        await pilot.press(*"platform outage", "enter")
        await settle(pilot)
        banner = app.screen.query_one(Banner)
        assert banner.has_class("paused")
        assert "PAUSED" in str(banner.render())
    from inmm_tui.domain.switches import publishing_paused

    assert publishing_paused(services.db.conn)


async def test_account_manager_cannot_pause(make_app, services):
    app = make_app(AM)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert "may not pause or resume publishing" in notes(app)


async def test_crisis_post_carries_the_hashtag_and_is_expedited(make_app, services):
    services.switches.start_event(HQ, "Site incident", "#INMMinfo", crisis=True)
    app = make_app(HQ)
    async with app.run_test() as pilot:
        await settle(pilot)
        assert app.screen.query_one(Banner).has_class("crisis")
        await pilot.press("n")
        await settle(pilot)
        await type_into(pilot, "#body", "Statement on the incident")
        await pilot.press("ctrl+t")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("a")  # the author clears a crisis post: expedited
        await settle(pilot)
    post = services.posts.get(1)
    assert post.crisis and post.status == "scheduled"
    assert all("#INMMinfo" in d.text for d in services.posts.deliveries(1))


async def test_the_watcher_refreshes_home_after_another_writer(db_path):
    from inmm_tui.ui.app import InmmApp


    app = InmmApp(build_services(db_path), HQ, watch=True)
    async with app.run_test() as pilot:
        await settle(pilot)
        other = build_services(db_path)  # e.g. the daemon, or a colleague's terminal
        post_id = other.posts.create_draft(AM, "From elsewhere")
        other.posts.submit(AM, post_id)
        table = app.screen.query_one("#queues", ListTable)
        for _ in range(40):
            await pilot.pause(0.1)
            if str(table.get_row("awaiting_clearance")[1]) == "1":
                break
        assert str(table.get_row("awaiting_clearance")[1]) == "1"


async def test_leaving_before_the_autosave_still_keeps_the_text(make_app, services,
                                                                monkeypatch):
    monkeypatch.setattr(ComposeScreen, "AUTOSAVE_DELAY", 60)
    app = make_app(AM)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await type_into(pilot, "#body", "Typed just before closing")
        assert services.queues.overview(AM).drafts == 0  # the autosave has not fired
    assert services.posts.get(1).body == "Typed just before closing"


async def test_a_rejected_post_comes_back_to_its_author_with_the_reason(make_app, services):
    post_id = services.posts.create_draft(AM, "Draft with a typo")
    services.posts.submit(AM, post_id)
    services.posts.reject(HQ, post_id, "fix the typo")
    app = make_app(AM)
    async with app.run_test() as pilot:
        await settle(pilot)
        app.screen.query_one("#drafts").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert "REJECTED: fix the typo" in str(app.screen.query_one("#save-state").render())


async def test_compose_shows_the_policy_screen_s_findings(db_path):
    """With the real policy screen (not the test's stand-in)."""
    from inmm_tui.config import embedded_default
    from inmm_tui.domain.services import Services
    from inmm_tui.store.db import open_database
    from inmm_tui.ui.app import InmmApp

    services = Services.build(embedded_default(), open_database(db_path, create=True))
    app = InmmApp(services, AM, watch=False)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await type_into(pilot, "#body", "Vote Democrat this year")
        rendered = app.screen.query_one(Findings).render()
        assert "politics" in rendered.plain.lower()
        assert any(rendered.plain[s.start:s.end] == "Vote Democrat" for s in rendered.spans)


async def test_a_due_reminder_is_marked_done_from_its_screen(make_app, services):
    from ui_support import NOW

    from inmm_tui.domain.reminders import ensure_reminder, open_reminders
    from inmm_tui.store.tx import write

    with write(services.db):
        ensure_reminder(services.db.conn, "policy_review", "policy", "Review the policy", NOW,
                        how="the Communications Chair reviews it")
    app = make_app(HQ)
    async with app.run_test() as pilot:
        await settle(pilot)
        assert str(app.screen.query_one("#queues", ListTable).get_row("reminders")[1]) == "1"
        await pilot.press("m")
        await settle(pilot)
        how = str(app.screen.query_one("#reminder-how").render())
        assert "How: the Communications Chair reviews it" in how
        await pilot.press("d")
        await settle(pilot)
        await pilot.press(*"ok", "enter")
        await settle(pilot)
    assert open_reminders(services.db.conn) == []
