"""Who may grant what, walked through the pilot: the roster screen and the annual review
go through the same rules as the command line, and a refusal says which rule refused."""

from __future__ import annotations

from pathlib import Path

from gov_support import gov_app, gov_services
from ui_support import AM, CHAIR, COMMS, HQ, answer, notes, settle

from inmm_tui.domain.people import get_person
from inmm_tui.domain.reminders import open_alerts
from inmm_tui.domain.roles import Role
from inmm_tui.ui.screens.roster import RosterScreen
from inmm_tui.ui.screens.roster_review import RosterReviewScreen
from inmm_tui.ui.widgets.tables import ListTable


def roles_now(db_path: Path) -> dict[str, tuple[str, bool]]:
    conn = gov_services(db_path).db.conn
    return {login: (role, bool(active)) for login, role, active in
            conn.execute("SELECT login, role, active FROM people")}


async def test_the_communications_chair_at_the_review(db_path: Path) -> None:
    before = roles_now(db_path)
    app = gov_app(db_path, COMMS)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("g", "v")
        await settle(pilot)
        assert isinstance(app.screen, RosterReviewScreen)
        table = app.screen.query_one("#review-people", ListTable)
        table.move_cursor(row=table.get_row_index(COMMS))
        await pilot.press("c")
        await answer(pilot, "hq")
        assert "nobody changes their own role" in notes(app)
        table.move_cursor(row=table.get_row_index(AM))
        await pilot.press("c")
        await answer(pilot, "subcommittee_chair")
        assert "one Subcommittee Chair at a time: Bea Chair" in notes(app)
        assert roles_now(db_path) == before
        # The chair's handover is the Communications Chair's to make.
        table.move_cursor(row=table.get_row_index(CHAIR))
        await pilot.press("c")
        await answer(pilot, "account_manager")
        assert f"{CHAIR}: role changed to Account Manager" in notes(app)
    conn = gov_services(db_path).db.conn
    assert get_person(conn, CHAIR).role is Role.ACCOUNT_MANAGER  # type: ignore[union-attr]
    assert [a.subject for a in open_alerts(conn) if a.kind == "roster_escalation"] == [
        f"person:{COMMS}"]


async def test_the_subcommittee_chair_on_the_roster_screen(db_path: Path) -> None:
    app = gov_app(db_path, CHAIR)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, RosterScreen)
        await pilot.press("a")
        await answer(pilot, "crony, A Crony, hq")
        assert "may not make anyone INMM Headquarters; that is for INMM Headquarters" in notes(
            app)
        table = app.screen.query_one("#people", ListTable)
        table.move_cursor(row=table.get_row_index(HQ))
        await pilot.press("w")
        await answer(pilot, "taking over")
        assert "may not withdraw or change the role of Jo Smith" in notes(app)
        await pilot.press("a")
        await answer(pilot, "newam, New Am, account_manager")
        assert "New Am added as Account Manager" in notes(app)
    now = roles_now(db_path)
    assert now[HQ] == ("hq", True) and "crony" not in now
    assert now["newam"] == ("account_manager", True)
