"""The follow review walked through the pilot: newest first with why and when, the
balance and the review dates, mark reviewed, unfollow and block as intents, an
organisation followed only with a reason (never an individual), the full review, paging."""

from __future__ import annotations

from pathlib import Path

from oversight_support import seed_follows
from textual.widgets import Checkbox, Input, Static
from ui_support import AM, CHAIR, HQ, answer, build_services, notes, settle

from inmm_tui.ui.app import InmmApp
from inmm_tui.ui.screens.follows import FollowOrganisationScreen, FollowsScreen
from inmm_tui.ui.widgets.tables import ListTable


def handles(app: InmmApp) -> list[str]:
    table = app.screen.query_one("#followed", ListTable)
    return [str(table.get_row_at(n)[0]) for n in range(table.row_count)]


def following(db_path: Path, user_id: str) -> dict[str, object] | None:
    s = build_services(db_path)
    cursor = s.db.conn.execute("SELECT * FROM following WHERE user_id = ?", (user_id,))
    row = cursor.fetchone()
    names = [c[0] for c in cursor.description]
    s.db.conn.close()
    return dict(zip(names, row, strict=True)) if row else None


async def open_review(pilot, row: int = 0) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("f")
    await settle(pilot)
    assert isinstance(pilot.app.screen, FollowsScreen)
    pilot.app.screen.query_one("#followed", ListTable).move_cursor(row=row)
    await settle(pilot)


async def test_list_newest_first_with_balance_and_review_dates(make_app, db_path):
    seed_follows(db_path)
    app = make_app(AM)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_review(pilot)
        assert handles(app) == ["@fan0005", "@fan0004", "@fan0003", "@fan0002", "@fan0001",
                                "@fan0000", "@IAEAorg"]
        table = app.screen.query_one("#followed", ListTable)
        org = table.get_row("org1")
        assert str(org[2]) == "organisation" and str(org[4]) == "2027-02-19"
        assert str(table.get_row("u0005")[4]) == "not yet"
        assert str(table.get_row("u0000")[5]) == "error"
        summary = str(app.screen.query_one("#follow-summary", Static).render())
        assert "X (sandbox): 6 followers, follows 7" in summary
        assert "Mastodon (sandbox): 1 follower, follows 0" in summary
        assert "last never" in summary and "OVERDUE" in summary
        table.move_cursor(row=6)
        await settle(pilot)
        assert "Why: The safeguards authority" in str(
            app.screen.query_one("#follow-detail", Static).render())


async def test_mark_reviewed_unfollow_and_block(make_app, db_path):
    seed_follows(db_path)
    app = make_app(AM)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_review(pilot, row=0)
        await pilot.press("v")
        await settle(pilot)
        assert "1 account marked reviewed" in notes(app)
        assert str(app.screen.query_one("#followed", ListTable).get_row("u0005")[4]) == \
            "2027-03-01"
        app.screen.query_one("#followed", ListTable).move_cursor(row=1)
        await settle(pilot)
        await pilot.press("u")
        await answer(pilot, "spam account")
        app.screen.query_one("#followed", ListTable).move_cursor(row=2)
        await settle(pilot)
        await pilot.press("b")
        await answer(pilot, "")
        assert str(app.screen.query_one("#followed", ListTable).get_row("u0004")[5]) == \
            "unfollow"
    assert following(db_path, "u0005")["reviewed_by"] == AM
    assert following(db_path, "u0004")["pending_action"] == "unfollow"
    assert following(db_path, "u0003")["pending_action"] == "block"
    assert following(db_path, "u0003")["blocked_at"] is None  # the daemon blocks


async def fill_organisation(pilot, *, why: str, organisation: bool) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("o")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, FollowOrganisationScreen)
    screen.query_one("#org-id", Input).value = "42"
    screen.query_one("#org-handle", Input).value = "@WINSorg"
    screen.query_one("#org-why", Input).value = why
    screen.query_one("#org-is-org", Checkbox).value = organisation
    screen.query_one("#org-why", Input).focus()
    await pilot.press("enter")
    await settle(pilot)


async def test_organisation_follow_needs_a_reason_and_an_organisation(make_app, db_path):
    seed_follows(db_path)
    app = make_app(HQ)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_review(pilot)
        await fill_organisation(pilot, why="", organisation=True)
        assert "say why INMM should follow this organisation" in notes(app)
        await fill_organisation(pilot, why="Nuclear security peers", organisation=False)
        assert "does not initiate follows of individuals" in notes(app)
        assert following(db_path, "42") is None
        await fill_organisation(pilot, why="Nuclear security peers", organisation=True)
        assert "Follow of @WINSorg requested" in notes(app)
        assert handles(app)[0] == "@WINSorg"
    row = following(db_path, "42")
    assert row is not None
    assert (row["reason"], row["pending_action"], row["note"]) == (
        "organisation", "follow", "Nuclear security peers")


async def test_full_review_recorded_sets_the_next_due_date(make_app, db_path):
    seed_follows(db_path)
    app = make_app(CHAIR)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_review(pilot)
        await pilot.press("w")
        await answer(pilot, "all appropriate")
        summary = str(app.screen.query_one("#follow-summary", Static).render())
        assert "last 2027-03-01" in summary and "next due 2027-05-" in summary
        assert "OVERDUE" not in summary
    status = build_services(db_path).follows.review_status()
    assert status.last_full_review is not None and not status.overdue


async def test_pages_of_a_hundred_forward_and_back(make_app, db_path):
    seed_follows(db_path, accounts=230)
    app = make_app(AM)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_review(pilot)
        assert len(handles(app)) == 100 and handles(app)[0] == "@fan0229"
        # The organisation was followed the same second as fan0190: the key breaks the tie.
        assert handles(app)[40:42] == ["@IAEAorg", "@fan0189"]
        await pilot.press("n")
        await settle(pilot)
        assert handles(app)[0] == "@fan0130" and handles(app)[-1] == "@fan0031"
        assert "101-200" in str(app.screen.query_one("#follow-page", Static).render())
        await pilot.press("n")
        await settle(pilot)
        assert len(handles(app)) == 31 and handles(app)[-1] == "@fan0000"
        await pilot.press("n")
        await settle(pilot)
        assert "last page" in notes(app)
        await pilot.press("p", "p")
        await settle(pilot)
        assert handles(app)[0] == "@fan0229"
        await pilot.press("t")
        await settle(pilot)
        assert handles(app) == []
        assert "Mastodon (sandbox): accounts followed none" in str(
            app.screen.query_one("#follow-page", Static).render())
