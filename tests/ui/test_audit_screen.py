"""The audit screen through the pilot: the Communications Chair oversees everyone's
entries and filters them; an account manager sees their own only; a broken chain shows.
And notification settings set from the roster screen."""

from __future__ import annotations

from pathlib import Path

from gov_support import gov_app, gov_services
from ui_support import AM, COMMS, HQ, answer, settle

from inmm_tui.ui.screens.audit import AuditScreen
from inmm_tui.ui.widgets.literal import Literal
from inmm_tui.ui.widgets.tables import ListTable


def shown(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    table = app.screen.query_one("#audit-entries", ListTable)
    return [(str(table.get_row_at(i)[2]), str(table.get_row_at(i)[3]))
            for i in range(table.row_count)]


def chain_line(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one("#audit-chain", Literal).render())


async def test_the_communications_chair_reads_and_filters_the_log(db_path: Path) -> None:
    app = gov_app(db_path, COMMS)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, AuditScreen)
        rows = shown(app)
        assert {who for who, _ in rows} >= {HQ, COMMS} and rows[-1][1] == "roster.init"
        assert "audit chain intact" in chain_line(app)
        await pilot.press("p")
        await answer(pilot, COMMS)
        # newest first: the acknowledgement of the policy (tests/ui/conftest.py), the addition
        assert shown(app) == [(COMMS, "policy.acknowledge"), (COMMS, "roster.add")]
        await pilot.press("x", "a")
        await answer(pilot, "roster")
        assert {action for _, action in shown(app)} == {"roster.init", "roster.add"}


async def test_an_account_manager_sees_their_own_and_a_broken_chain_shows(
        db_path: Path) -> None:
    svc = gov_services(db_path)
    post_id = svc.posts.create_draft(AM, "Registration is open")
    svc.db.conn.execute("UPDATE audit SET details = '{}' WHERE action = 'roster.init'")
    svc.db.conn.commit()
    app = gov_app(db_path, AM)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert shown(app) == [(AM, "post.create"), (AM, "policy.acknowledge")]
        line = chain_line(app)
        assert "BROKEN at entry #1" in line and "your own entries only" in line
        table = app.screen.query_one("#audit-entries", ListTable)
        assert str(table.get_row_at(0)[5]) == "NOT VERIFIED"
        await pilot.press("p")
        await answer(pilot, HQ)
        # refused: the list stays as it was
        assert shown(app) == [(AM, "post.create"), (AM, "policy.acknowledge")]
    assert post_id
    refused = svc.db.conn.execute("SELECT actor FROM audit WHERE action = 'audit.refused'"
                                  ).fetchall()
    assert refused == [(AM,)]


async def test_notification_settings_from_the_roster_screen(db_path: Path) -> None:
    from ui_support import notes

    from inmm_tui.domain import notify
    from inmm_tui.ui.screens.roster import RosterScreen

    app = gov_app(db_path, AM)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, RosterScreen)
        table = app.screen.query_one("#people", ListTable)
        table.move_cursor(row=table.get_row_index(AM))
        await pilot.press("n")
        await answer(pilot, "adoe@example.org; post_rejected,clearance_needed; digest; "
                            "22:00-07:00")
        assert f"{AM}: e-mail adoe@example.org" in notes(app)
        await settle(pilot)
        column = table.get_column_index("notify")
        assert str(table.get_row(AM)[column]) == "digest, 2 events, quiet 22:00-07:00"
        assert str(table.get_row(HQ)[column]) == "none"
        await pilot.press("n")
        await answer(pilot, "; ; ; late")  # refused, nothing changed
        assert "expected HH:MM-HH:MM" in notes(app)
        table.move_cursor(row=table.get_row_index(HQ))
        await pilot.press("n")
        await answer(pilot, "someone@example.org")
        assert "only their own notifications" in notes(app)
    mine = notify.settings(gov_services(db_path).db.conn, AM)
    assert mine is not None and (mine.email, mine.mode, notify.quiet_text(mine)) == (
        "adoe@example.org", "digest", "22:00-07:00")
    assert mine.events == ("post_rejected", "clearance_needed")
    assert notify.settings(gov_services(db_path).db.conn, HQ) is None
