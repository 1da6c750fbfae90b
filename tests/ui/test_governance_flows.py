"""The governance flows walked through the pilot: a rotation waits for the daemon's
check, a compromise report raises the alert on home, a reported look-alike needs the
platform's reference, a person withdrawn at the review is refused at once, and the
crisis banner follows a person to every screen."""

from __future__ import annotations

from pathlib import Path

from gov_support import MEETING, add_suspects, gov_app, gov_services
from textual.widgets import Label
from ui_support import AM, CHAIR, COMMS, HQ, answer, notes, settle

from inmm_tui.domain.governance import record_credentials_check
from inmm_tui.store.tx import write
from inmm_tui.ui.messages import DatabaseChanged
from inmm_tui.ui.screens.governance import GovernanceScreen
from inmm_tui.ui.screens.home import HomeScreen
from inmm_tui.ui.screens.prompt import PromptScreen
from inmm_tui.ui.screens.roster_review import RosterReviewScreen
from inmm_tui.ui.widgets.banner import Banner
from inmm_tui.ui.widgets.tables import ListTable


def cell(app, table: str, row: str, column: str) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one(table, ListTable).get_cell(row, column))


async def test_recorded_rotation_awaits_the_daemons_check(db_path: Path) -> None:
    app = gov_app(db_path, HQ)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        assert isinstance(app.screen, GovernanceScreen)
        # The sandbox outlets need no rotation before a first one is recorded.
        assert cell(app, "#rotations", "x", "state") == "ok"
        assert cell(app, "#rotations", "x", "verified") == "never"
        await pilot.press("o")
        assert isinstance(app.screen, PromptScreen)
        await answer(pilot, "new app password")
        assert cell(app, "#rotations", "x", "state") == "awaiting the daemon's check"
        # Not yet verified: the outlet has still no verified rotation.
        assert cell(app, "#rotations", "x", "verified") == "never"
    services = gov_services(db_path)
    with write(services.db):
        record_credentials_check(services.db.conn, "x", False, "401 Unauthorized",
                                 services.clock())
    app = gov_app(db_path, HQ)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        assert cell(app, "#rotations", "x", "state").startswith("REFUSED")
        assert "refused by the platform" in str(app.screen.query_one("#gov-detail").render())


async def test_only_hq_is_offered_recording_a_rotation(db_path: Path) -> None:
    app = gov_app(db_path, AM)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        offered = set(app.screen.active_bindings)
        assert "x" in offered and "o" not in offered
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, GovernanceScreen)
        assert cell(app, "#rotations", "x", "state") == "ok"


async def test_a_compromise_report_raises_the_alert_on_home(db_path: Path) -> None:
    app = gov_app(db_path, AM)
    async with app.run_test() as pilot:
        await settle(pilot)
        # Governance lines show on home only when there is something to do.
        assert "alerts" not in [r.value for r in app.screen.query_one("#queues", ListTable).rows]
        await pilot.press("g")
        await settle(pilot)
        await pilot.press("down")  # the second outlet
        await pilot.press("x")
        await answer(pilot, "")  # a reason is required: the prompt stays
        assert isinstance(app.screen, PromptScreen)
        await answer(pilot, "a post I did not write appeared")
        assert "HQ is alerted" in notes(app)
        assert cell(app, "#rotations", "mastodon", "state").startswith("DUE: compromise")
        await pilot.press("escape")
        app.post_message(DatabaseChanged())  # what the database watcher sends
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert cell(app, "#queues", "alerts", "count") == "1"
    alerts = gov_services(db_path).queues.reminders_and_alerts(HQ)[1]
    assert [a.subject for a in alerts] == ["outlet:mastodon"]
    assert "a post I did not write appeared" in alerts[0].message


async def test_a_reported_look_alike_needs_the_platforms_reference(db_path: Path) -> None:
    services = gov_services(db_path)
    add_suspects(services)
    app = gov_app(db_path, AM)
    async with app.run_test() as pilot:
        await settle(pilot)
        assert cell(app, "#queues", "new_suspects", "count") == "2"
        await pilot.press("g")
        await settle(pilot)
        suspects = app.screen.query_one("#suspects", ListTable)
        suspects.focus()
        first = suspects.selected_key()
        await pilot.press("p")
        await answer(pilot, "   ")
        assert isinstance(app.screen, PromptScreen)
        assert "write something" in str(app.screen.query_one("#prompt-error", Label).render())
        await answer(pilot, "X-REPORT-4471")
        assert isinstance(app.screen, GovernanceScreen)
        # The decided one goes below the one still new.
        keys = [row.value for row in suspects.rows]
        assert keys[-1] == first
        assert cell(app, "#suspects", first, "ref") == "X-REPORT-4471"
    row = services.db.conn.execute("SELECT status, report_ref, decided_by FROM spoof_suspects"
                                   " WHERE id = ?", (int(first),)).fetchone()
    assert row == ("reported", "X-REPORT-4471", AM)


async def test_withdrawn_at_the_review_is_refused_at_once(db_path: Path,
                                                         tmp_path: Path) -> None:
    app = gov_app(db_path, HQ)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("g", "v")
        await settle(pilot)
        assert isinstance(app.screen, RosterReviewScreen)
        progress = str(app.screen.query_one("#review-progress").render())
        assert f"EC meeting {MEETING.isoformat()}" in progress and "0 of 4" in progress
        table = app.screen.query_one("#review-people", ListTable)
        table.move_cursor(row=table.get_row_index(AM))
        await pilot.press("w")
        await answer(pilot, "left the subcommittee")
        assert "withdrawn" in cell(app, "#review-people", AM, "outcome")
        # The walk-through moves on to the first person still to review.
        assert table.selected_key() in (HQ, CHAIR, COMMS)
        await pilot.press("y")
        await settle(pilot)
        assert "2 of 4" in str(app.screen.query_one("#review-progress").render())
        await pilot.press("x")
        await answer(pilot, str(tmp_path / "ec-list.md"))
    markdown = (tmp_path / "ec-list.md").read_text()
    assert "rights withdrawn (left the subcommittee)" in markdown
    assert "NOT YET REVIEWED" in markdown and "2 reviewed, 2 pending." in markdown

    refused = gov_app(db_path, AM)
    async with refused.run_test() as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert "no longer has rights" in notes(refused)
        assert "left the subcommittee" in notes(refused)


async def test_the_crisis_banner_is_on_every_screen(db_path: Path) -> None:
    services = gov_services(db_path)
    services.switches.start_event(HQ, "Facility incident", "#INMMupdate", crisis=True)
    app = gov_app(db_path, AM)
    async with app.run_test() as pilot:
        await settle(pilot)
        for key in ("g", "escape", "s", "escape", "r"):
            await pilot.press(key)
            await settle(pilot)
            banner = app.screen.query_one(Banner)
            assert banner.has_class("crisis"), type(app.screen).__name__
            assert "CRISIS MODE: Facility incident" in str(banner.render())


async def test_a_database_change_reloads_each_screen_once(db_path: Path, monkeypatch) -> None:
    """The watcher's signal goes to every screen and stops there: before, a screen's copy
    bubbled back to the app, which handed it out again, reloading for ever."""
    calls: list[str] = []
    original = HomeScreen.reload

    def counted(self: HomeScreen) -> None:
        calls.append("home")
        original(self)

    monkeypatch.setattr(HomeScreen, "reload", counted)
    app = gov_app(db_path, HQ)
    async with app.run_test() as pilot:
        await settle(pilot)
        calls.clear()
        app.post_message(DatabaseChanged())
        await settle(pilot)
        for _ in range(5):
            await pilot.pause()
        assert calls == ["home"]
