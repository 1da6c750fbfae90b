"""Compose a thread with a poll, see each part counted and the poll checked, submit it;
the clearer sees every part and the poll's options, and clears it (issue 17)."""

from __future__ import annotations

import pytest
from test_flows import type_into
from textual.widgets import Label, Static
from ui_support import AM, HQ, notes, settle

from inmm_tui.domain.polls import Poll
from inmm_tui.ui.screens.clearance import ClearanceScreen
from inmm_tui.ui.screens.compose import ComposeScreen
from inmm_tui.ui.screens.home import HomeScreen
from inmm_tui.ui.widgets.screening import OutletCounts


@pytest.fixture(autouse=True)
def quick_debounce(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ComposeScreen, "PREVIEW_DELAY", 0.01)
    monkeypatch.setattr(ComposeScreen, "AUTOSAVE_DELAY", 0.05)


async def test_compose_a_thread_with_a_poll_then_the_clearer_sees_it_all(make_app, services):
    app = make_app(HQ)
    async with app.run_test(size=(120, 50)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ComposeScreen)
        await type_into(pilot, "#body", "Live from the Annual Meeting: the plenary begins")
        await type_into(pilot, "#parts", "The first speaker on safeguards\n---\n"
                                         + "Questions on the election " * 12)
        counts = str(app.screen.query_one(OutletCounts).render())
        # each part counted on each outlet; the long third part is over X's 280
        assert "part 3" in counts and "over by" in counts
        await type_into(pilot, "#poll-options", "Plenary")
        assert "2 to 4 options; 1 given" in str(app.screen.query_one("#poll-error",
                                                                     Label).render())
        await pilot.press("ctrl+t")  # refused while the poll is not right
        await settle(pilot)
        assert isinstance(app.screen, ComposeScreen) and "2 to 4 options" in notes(app)
        await type_into(pilot, "#poll-options", " | Workshops")
        await type_into(pilot, "#poll-duration", "12h")
        assert str(app.screen.query_one("#poll-error", Label).render()) == ""
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
    post = services.posts.get(1)
    assert post.status == "submitted"
    assert post.parts == ("The first speaker on safeguards", ("Questions on the election " * 12)
                          .strip())
    assert post.poll == Poll(("Plenary", "Workshops"), 720)
    # the screen ran on part 3 and names it
    assert [f["outlet"].split(", ")[1] for f in post.screening] == ["part 3"]

    clearer = make_app(AM)
    async with clearer.run_test(size=(120, 50)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(clearer.screen, ClearanceScreen)
        shown = str(clearer.screen.query_one("#post-text", Static).render())
        assert "A THREAD of 3 parts" in shown
        assert "part 2: The first speaker on safeguards" in shown
        assert "part 3: Questions on the election" in shown
        assert "POLL with the first part, open 720 min" in shown
        assert "1. Plenary" in shown and "2. Workshops" in shown
        findings = str(clearer.screen.query_one("#post-findings").render())
        assert "part 3]" in findings and "politics" in findings
        await pilot.press("a")
        await settle(pilot)
    post = services.posts.get(1)
    assert post.status == "scheduled" and post.cleared_by == AM
    assert sorted((d.outlet, d.part) for d in services.posts.deliveries(1)) == [
        ("mastodon", 1), ("mastodon", 2), ("mastodon", 3), ("x", 1), ("x", 2), ("x", 3)]


async def test_reopening_a_draft_shows_its_parts_and_poll(make_app, services):
    post_id = services.posts.create_draft(HQ, "First", parts=["Second", "Third"],
                                          poll=Poll(("Yes", "No"), 2880))
    app = make_app(HQ)
    async with app.run_test(size=(120, 50)) as pilot:
        await settle(pilot)
        app.push_screen(ComposeScreen(app.backend, post_id))
        await settle(pilot)
        screen = app.screen
        assert screen.query_one("#parts").text == "Second\n---\nThird"
        assert screen.query_one("#poll-options").value == "Yes | No"
        assert screen.query_one("#poll-duration").value == "2d"
        await pilot.press("escape")
        await settle(pilot)
    assert services.posts.get(post_id).parts == ("Second", "Third")
    assert services.posts.get(post_id).poll == Poll(("Yes", "No"), 2880)


def test_the_demo_history_holds_a_published_thread_and_a_poll_with_votes(tmp_path) -> None:
    from inmm_tui.commands import demo

    world = demo.build(tmp_path, "newcomer")
    try:
        conn = world.services.db.conn
        parts = conn.execute(
            "SELECT outlet, count(*) FROM deliveries WHERE state = 'sent' AND post_id ="
            " (SELECT post_id FROM post_parts LIMIT 1) GROUP BY outlet").fetchall()
        assert parts == [("bluesky", 3), ("mastodon", 3), ("x", 3)]  # not LinkedIn
        votes = conn.execute("SELECT d.outlet, r.votes FROM poll_results r JOIN deliveries d"
                             " ON d.id = r.delivery_id ORDER BY d.outlet").fetchall()
        assert [outlet for outlet, _ in votes] == ["mastodon", "x"]
        assert all('"Safeguards by design"' in v and v != '[["Safeguards by design", 0], '
                   '["Security culture", 0], ["Both", 0]]' for _, v in votes), votes
    finally:
        world.close()


async def test_a_thread_stopped_half_way_shows_in_the_schedule_and_is_retried_from_there(
        make_app, services):
    from ui_support import CHAIR, screen_text

    from inmm_tui.domain.publishing import Queue
    from inmm_tui.ui.screens.schedule import ScheduleScreen
    from inmm_tui.ui.widgets.tables import ListTable

    post_id = services.posts.create_draft(AM, "Live: the plenary begins", outlets=["x"],
                                          parts=["First speaker on safeguards",
                                                 "Questions from the floor"])
    services.posts.submit(AM, post_id)
    services.posts.clear(CHAIR, post_id, publish_if_untimed=True)
    queue = Queue(services.db, clock=services.clock)
    first = queue.claim(["x"])
    queue.record_sent(first, "x-1", "https://x.example/1")
    second = queue.claim(["x"])
    assert second is not None and second.part == 2 and second.in_reply_to == "x-1"
    queue.record_failed(second, "403 Forbidden")
    assert queue.claim(["x"]) is None  # part 3 waits for part 2
    app = make_app(HQ)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, ScheduleScreen)
        shown = screen_text(app)
        assert "PARTLY PUBLISHED (thread stopped at part 2)" in shown
        assert f"#{post_id}.2" in shown and f"#{post_id}.3" in shown
        table = app.screen.query_one("#deliveries", ListTable)
        table.move_cursor(row=table.get_row_index(str(second.delivery_id)))
        await settle(pilot)
        assert "its thread stopped at part 2; retry (t) goes on from this part" in screen_text(app)
        await pilot.press("t")
        await settle(pilot)
    parts = {d.part: d.state for d in services.posts.deliveries(post_id)}
    assert parts == {1: "sent", 2: "pending", 3: "pending"}
    again = Queue(services.db, clock=services.clock).claim(["x"])
    assert again is not None and again.part == 2 and again.in_reply_to == "x-1"


async def test_the_schedule_shows_a_published_polls_results_on_each_outlet(make_app, services):
    import datetime as dt

    from ui_support import CHAIR, screen_text

    from inmm_tui.domain.polls import PollTally, save_results
    from inmm_tui.domain.publishing import Queue
    from inmm_tui.store.tx import write
    from inmm_tui.ui.screens.schedule import ScheduleScreen
    from inmm_tui.ui.widgets.tables import ListTable

    post_id = services.posts.create_draft(AM, "Straw poll: which session?",
                                          outlets=["x", "mastodon"],
                                          poll=Poll(("Plenary", "Workshops"), 1440))
    services.posts.submit(AM, post_id)
    services.posts.clear(CHAIR, post_id, publish_if_untimed=True)
    queue = Queue(services.db, clock=services.clock)
    sent = {}
    for _ in range(2):
        claim = queue.claim(["x", "mastodon"])
        assert claim is not None
        queue.record_sent(claim, f"{claim.outlet}-1", f"https://{claim.outlet}.example/1")
        sent[claim.outlet] = claim.delivery_id
    # what the metrics job stored from X's answer: the option names are X's
    hostile = "Plenary\x1b[2J[bold red]WIN[/bold red]\nforged"
    with write(services.db):
        save_results(services.db.conn, sent["x"],
                     PollTally(((hostile, 3), ("Workshops", 1)), closed=True),
                     services.clock() + dt.timedelta(minutes=5))
    app = make_app(HQ)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, ScheduleScreen)
        table = app.screen.query_one("#deliveries", ListTable)
        table.move_cursor(row=table.get_row_index(str(sent["x"])))
        await settle(pilot)
        shown = screen_text(app)
        assert "Poll results: closed, final count, read at " in shown
        assert "Plenary\u241b[2J[bold red]WIN[/bold red] \u23ce forged: 3 votes (75%)" in shown
        assert "Workshops: 1 vote (25%)" in shown and "total: 4 votes" in shown
        table.move_cursor(row=table.get_row_index(str(sent["mastodon"])))
        await settle(pilot)
        shown = screen_text(app)
        assert "Poll results: not read yet" in shown and "Workshops:" not in shown
