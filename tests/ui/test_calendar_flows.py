"""The calendar screen (issue 17) through the pilot: open it from home, switch between
week and month, move a post (keeping its clearance, or saying first that it must be
cleared again), and a refusal for a role that may not schedule posts; and how the month
looks in a small terminal."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from ui_support import AM, CHAIR, COMMS, HQ, NOW, answer, build_services, notes, screen_text, settle, still

from inmm_tui.config import embedded_default
from inmm_tui.domain import audit
from inmm_tui.domain.services import Services
from inmm_tui.domain.when import parse_local_time
from inmm_tui.store.db import open_database
from inmm_tui.ui.app import InmmApp
from inmm_tui.ui.screens.calendar import CalendarScreen
from inmm_tui.ui.screens.confirm import ConfirmItemScreen
from inmm_tui.ui.screens.prompt import PromptScreen
from inmm_tui.ui.widgets.tables import ListTable

# The fixed clock is Monday 1 March 2027, 09:00 in Chicago.


def _scheduled(s: Services, body: str, when: str, **kw: object) -> int:
    post_id = s.posts.create_draft(AM, body, topic="Annual Meeting",
                                   scheduled_at=parse_local_time(when, s.config.tz, s.clock()),
                                   **kw)
    s.posts.submit(AM, post_id)
    s.posts.clear(HQ, post_id)
    return post_id


@pytest.fixture
def seeded(db_path: Path) -> tuple[Path, dict[str, int]]:
    s = build_services(db_path)
    meeting = s.switches.start_event(HQ, "Annual Meeting 2027", "#INMM27",
                                     starts_on=dt.date(2027, 3, 9),
                                     ends_on=dt.date(2027, 3, 11))
    ids = {
        "registration": _scheduled(s, "Registration is open: https://inmm.org/am27",
                                   "2027-03-03 10:00"),
        "plenary": _scheduled(s, "Plenary [bold]at 10[/bold]: https://inmm.org/am27",
                              "2027-03-10 09:30", event_id=meeting),
        "journal": _scheduled(s, "New journal issue: https://inmm.org/j", "2027-03-22 12:00",
                              outlet_texts={"x": "Journal out: https://inmm.org/j"}),
    }
    s.db.conn.close()
    return db_path, ids


async def open_calendar(pilot) -> CalendarScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("d")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CalendarScreen)
    return screen


def rows(screen: CalendarScreen) -> list[str]:
    table = screen.query_one("#cal-posts", ListTable)
    return [str(key.value) for key in table.rows]


async def select_post(pilot, screen: CalendarScreen, post_id: int) -> None:  # type: ignore[no-untyped-def]
    table = screen.query_one("#cal-posts", ListTable)
    key = next(k for k in rows(screen) if k.startswith(f"post-{post_id}-"))
    table.focus()
    table.move_cursor(row=table.get_row_index(key))
    await settle(pilot)


async def test_open_from_home_then_week_and_month(seeded) -> None:  # type: ignore[no-untyped-def]
    db_path, ids = seeded
    app = InmmApp(build_services(db_path), HQ, watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_calendar(pilot)
        # This week: every day listed, the empty ones said to be empty.
        assert rows(screen)[:2] == ["empty-2027-03-01", "empty-2027-03-02"]
        assert f"post-{ids['registration']}-2027-03-03" in rows(screen)
        assert len(rows(screen)) == 7
        shown = screen_text(app)
        assert "Week of Mon 1 Mar 2027 — all outlets (America/Chicago)" in shown
        assert "nothing scheduled" in shown
        assert not screen.query_one("#cal-grid").display

        await pilot.press("n")
        await settle(pilot)
        shown = screen_text(app)
        assert "Week of Mon 8 Mar 2027" in shown
        # The plenary is event coverage, marked, and its text drawn as it was written.
        assert "coverage: Annual Meeting 2027" in shown
        assert "Plenary [bold]at 10[/bold]" in shown

        await pilot.press("v")
        await settle(pilot)
        assert screen.query_one("#cal-grid").display
        shown = screen_text(app)
        assert "March 2027 — all outlets" in shown
        assert "10 1 *" in shown and "22 1" in shown  # the plenary's day and marks
        # The selected day (the 8th, kept from the week) has nothing.
        assert rows(screen) == ["empty-2027-03-08"]
        grid = screen.query_one("#cal-grid", ListTable)
        await pilot.press("right", "right")  # to Wednesday the 10th
        await settle(pilot)
        assert screen.shown_day == dt.date(2027, 3, 10)
        assert rows(screen) == [f"post-{ids['plenary']}-2027-03-10"]
        assert grid.has_focus

        await pilot.press("o")  # one outlet at a time
        await settle(pilot)
        assert "March 2027 — x (America/Chicago)" in screen_text(app)
        await pilot.press("p")
        await settle(pilot)
        assert "February 2027" in screen_text(app)


async def test_a_post_moved_to_a_new_slot_keeps_its_clearance(seeded) -> None:  # type: ignore[no-untyped-def]
    db_path, ids = seeded
    app = InmmApp(build_services(db_path), CHAIR, watch=False)
    post_id = ids["registration"]
    s = build_services(db_path)
    before = s.posts.get(post_id)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_calendar(pilot)
        await select_post(pilot, screen, post_id)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)
        await answer(pilot, "2027-03-05 16:30")
        assert "moved to Fri 5 Mar 16:30; it keeps its clearance" in notes(app)
        assert f"post-{post_id}-2027-03-05" in rows(screen)  # shown where it now is
    after = s.posts.get(post_id)
    assert after.status == "scheduled" and after.clearance_hash == before.clearance_hash
    assert after.scheduled_at == dt.datetime(2027, 3, 5, 22, 30, tzinfo=dt.UTC)
    assert {d.due_at for d in s.posts.deliveries(post_id)} == {"2027-03-05T22:30:00.000000Z"}
    entry = audit.history(s.db.conn, f"post:{post_id}")[-1]
    assert (entry["action"], entry["actor"]) == ("post.move", CHAIR)


async def test_a_move_needing_clearance_says_so_before_it_happens(db_path: Path) -> None:
    # The real policy screen: "tonight" going out another evening is not timely.
    def services() -> Services:
        return Services.build(embedded_default(), open_database(db_path), clock=lambda: NOW)

    s = services()
    post_id = _scheduled(s, "Reception tonight at 7: https://inmm.org/am27", "2027-03-01 18:00")
    app = InmmApp(services(), HQ, watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_calendar(pilot)
        await select_post(pilot, screen, post_id)
        await pilot.press("m")
        await settle(pilot)
        await answer(pilot, "2027-03-02 18:00")
        assert isinstance(app.screen, ConfirmItemScreen)
        shown = screen_text(app)
        assert "needs it cleared again" in shown and '"tonight"' in shown
        assert s.posts.get(post_id).status == "scheduled"  # nothing done yet
        await pilot.press("escape")
        await settle(pilot)
        assert s.posts.get(post_id).scheduled_at == NOW + dt.timedelta(hours=9)
        assert "not moved" in notes(app)
        declined = audit.history(s.db.conn, f"post:{post_id}")[-1]
        assert (declined["action"], declined["actor"]) == ("post.move_declined", HQ)
        assert declined["details"]["to"] == "2027-03-03T00:00:00.000000Z"

        await pilot.press("m")
        await settle(pilot)
        await answer(pilot, "2027-03-02 18:00")
        await pilot.press("enter")
        await settle(pilot)
        assert "sent back for clearance" in notes(app)
    post = s.posts.get(post_id)
    assert post.status == "submitted" and post.clearance_hash is None
    assert post.scheduled_at == dt.datetime(2027, 3, 3, 0, 0, tzinfo=dt.UTC)


async def test_a_role_that_may_not_move_posts_is_refused_at_once(seeded) -> None:  # type: ignore[no-untyped-def]
    db_path, ids = seeded
    app = InmmApp(build_services(db_path), COMMS, watch=False)
    post_id = ids["registration"]
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_calendar(pilot)
        await select_post(pilot, screen, post_id)
        await pilot.press("m")
        await settle(pilot)
        assert not isinstance(app.screen, PromptScreen)  # no time asked for
        assert "may not publish, retry or withdraw posts" in notes(app)
    s = build_services(db_path)
    refused = audit.history(s.db.conn, f"post:{post_id}")[-1]
    assert (refused["action"], refused["actor"]) == ("post.move_refused", COMMS)
    assert s.posts.get(post_id).scheduled_at == dt.datetime(2027, 3, 3, 16, 0, tzinfo=dt.UTC)


def test_month_view_small_terminal(snap_compare, seeded) -> None:  # type: ignore[no-untyped-def]
    db_path, _ = seeded

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        for key in ("d", "v", "down", "right", "right"):
            await pilot.press(key)
            await settle(pilot)
        still(pilot)
        await pilot.pause()

    assert snap_compare(InmmApp(build_services(db_path), HQ, watch=False),
                        terminal_size=(80, 24), run_before=run_before)
