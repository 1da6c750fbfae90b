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
        assert parts == [("mastodon", 3), ("x", 3)]
        votes = conn.execute("SELECT d.outlet, r.votes FROM poll_results r JOIN deliveries d"
                             " ON d.id = r.delivery_id ORDER BY d.outlet").fetchall()
        assert [outlet for outlet, _ in votes] == ["mastodon", "x"]
        assert all('"Safeguards by design"' in v and v != '[["Safeguards by design", 0], '
                   '["Security culture", 0], ["Both", 0]]' for _, v in votes), votes
    finally:
        world.close()
