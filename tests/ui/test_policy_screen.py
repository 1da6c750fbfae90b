"""The policy screen at 80x24: someone who has not acknowledged the policy and rules in
force sees them on opening, may not post until they acknowledge (with their login), and
the roster shows who has."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import TextArea
from ui_support import HQ, build_services, notes, screen_text, settle

from inmm_tui.domain.roles import Role
from inmm_tui.ui.app import InmmApp
from inmm_tui.ui.screens.compose import ComposeScreen
from inmm_tui.ui.screens.home import HomeScreen
from inmm_tui.ui.screens.policy import PolicyScreen
from inmm_tui.ui.screens.roster import RosterScreen
from inmm_tui.ui.widgets.tables import ListTable

SMALL = (80, 24)
NEW = "nnew"


async def test_a_newcomer_reads_and_acknowledges_before_posting(db_path: Path) -> None:
    services = build_services(db_path)
    services.roster.add(HQ, NEW, "Nora New", Role.ACCOUNT_MANAGER)
    version = services.policy.record_current().version
    services.db.conn.close()

    app = InmmApp(build_services(db_path), NEW, watch=False)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, PolicyScreen)
        await settle(pilot)  # the screen was pushed by a worker: its own worker loads it
        shown = screen_text(app)
        words = " ".join(shown.split())
        assert f"Version {version}" in shown
        assert f"acknowledge that you, {NEW}, have read them" in words
        assert "a Acknowledge as you" in shown and "esc Later" in shown
        assert "SOCIAL MEDIA POLICY" in shown  # the policy itself, on the first screen

        await pilot.press("escape")  # later: reading stays possible, posting does not
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ComposeScreen)
        app.screen.query_one("#body", TextArea).insert("Registration is open")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "must read and acknowledge the current policy" in notes(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)

        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, PolicyScreen)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert f"Acknowledged version {version} as {NEW}" in notes(app)

        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, RosterScreen)
        table = app.screen.query_one("#people", ListTable)
        row = table.get_row(NEW)
        assert str(row[table.get_column_index("policy")]) == "yes"

    check = build_services(db_path)
    assert check.policy.pending(NEW) is None
    assert check.db.conn.execute("SELECT count(*) FROM posts WHERE author = ?",
                                 (NEW,)).fetchone() == (0,)
    assert check.db.conn.execute(
        "SELECT actor, subject FROM audit WHERE action = 'policy.acknowledge' AND actor = ?",
        (NEW,)).fetchall() == [(NEW, f"policy:{version}")]


async def test_someone_who_has_acknowledged_goes_straight_home(db_path: Path) -> None:
    app = InmmApp(build_services(db_path), HQ, watch=False)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
