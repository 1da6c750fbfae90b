"""The metrics screen and the questions inbox, walked through the pilot."""

from __future__ import annotations

from pathlib import Path

import pytest
from insights_seed import seed_insights
from textual.widgets import Static
from ui_support import AM, HQ, answer, settle

from inmm_tui.domain.questions import questions_for
from inmm_tui.ui.screens.metrics import MetricsScreen
from inmm_tui.ui.screens.questions import QuestionsScreen
from inmm_tui.ui.widgets.tables import ListTable


@pytest.fixture
def seeded(db_path):  # type: ignore[no-untyped-def]
    seed_insights(db_path)
    return db_path


def cells(table: ListTable, column: str) -> list[str]:
    return [str(table.get_cell(row, column)) for row in table.rows]


async def test_a_question_goes_from_mention_to_holding_reply_to_answered(make_app, seeded,
                                                                         services):
    inbox = questions_for(services)
    first = inbox.inbox()[0]
    assert first.author_handle == "early_bird"  # the oldest question
    app = make_app(AM)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, QuestionsScreen)
        table = app.screen.query_one("#questions", ListTable)
        assert table.selected_key() == str(first.id)  # the cursor starts on the oldest
        assert cells(table, "state") == ["", "new", "new", "new"]

        await pilot.press("t")
        await answer(pilot, "Registration")
        assert inbox.get(first.id).theme == "Registration"
        # The theme's group comes first (its question is the oldest), header then question.
        assert str(table.get_row_at(0)[-1]).startswith("Registration (1)")
        assert table.selected_key() == str(first.id)

        await pilot.press("h")
        await answer(pilot, "research")
        holding = inbox.get(first.id)
        # Written and submitted, not sent: it waits for another person to clear it.
        assert holding.holding_post_id is not None
        assert holding.state == "holding reply awaiting clearance"
        assert services.posts.get(holding.holding_post_id).body.startswith(
            "@early_bird Good question")
        assert cells(table, "state")[1] == "hold.clr"
        assert "post #" in str(app.screen.query_one("#question-detail", Static).render())

        await pilot.press("a")
        await answer(pilot, "Registration opens on 1 April: https://inmm.org/am27")
        answered = inbox.get(first.id)
        assert answered.answered_by == AM and answered.state == "answer awaiting clearance"
        # An unanswered list no longer holds it; the others are still there, oldest first.
        assert str(first.id) not in [str(k.value) for k in table.rows]
        assert cells(table, "from")[1:] == ["mastodon @researcher", "x @student1"]

    # Another person clears it and the daemon publishes it.
    services.posts.clear(HQ, answered.answered_post_id)
    services.posts.schedule(HQ, answered.answered_post_id, None)
    services.db.conn.execute("UPDATE posts SET status = 'published' WHERE id = ?",
                             (answered.answered_post_id,))
    assert inbox.get(first.id).state == "answered"
    services.db.conn.execute("UPDATE posts SET status = 'published' WHERE id = ?",
                             (holding.holding_post_id,))
    assert inbox.get(first.id).state == "answered"  # the answer says more than the holding

    app = make_app(HQ)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("i", "u")
        await settle(pilot)
        table = app.screen.query_one("#questions", ListTable)
        row = table.get_row(str(first.id))
        assert "answered" in [str(c) for c in row]
        assert any(str(c).startswith(f"{AM} ") for c in row)  # who answered, and when


async def test_period_switch_changes_what_the_metrics_screen_shows(make_app, seeded):
    app = make_app(HQ)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MetricsScreen)
        summary = lambda: str(screen.query_one("#insights-summary", Static).render())  # noqa: E731
        top = screen.query_one("#top-posts", ListTable)
        assert "Last 30 days: 10 posts" in summary()
        month = top.row_count
        assert month == 2 * 5  # five posts in 30 days, on both outlets
        assert len(screen.insights.outlets[0].series) == 30

        await pilot.press("1")
        await settle(pilot)
        assert "Last 7 days: 6 posts" in summary()
        assert top.row_count == 2 * 3
        assert len(screen.insights.outlets[0].series) == 7
        week_change = screen.insights.outlets[0].change

        await pilot.press("3")
        await settle(pilot)
        assert "Last 12 months: 14 posts" in summary()
        assert top.row_count == 10  # the best ten of fourteen
        assert screen.insights.outlets[0].change > week_change > 0
        assert "events covered 2027: 1" in summary()


async def test_the_monthly_report_is_written_from_the_metrics_screen_by_those_allowed(
        make_app, seeded, services, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the embedded config writes reports under the working folder
    app = make_app(AM)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert app.screen.check_action("write_report", ()) is False  # hidden for an AM
    app = make_app(HQ)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("w")
        await answer(pilot, "")
        reports = app.screen.query_one("#reports", ListTable)
        assert cells(reports, "month") == ["2027-02", "2027-01"]  # newest first
        assert cells(reports, "by") == [HQ, "daemon"]
    row = services.db.conn.execute("SELECT month, written_by, path FROM monthly_reports"
                                   " WHERE month = '2027-02'").fetchone()
    assert row[:2] == ("2027-02", HQ)
    assert "monthly summary for February 2027" in Path(row[2]).read_text(encoding="utf-8")


async def test_both_screens_say_so_when_there_is_nothing_yet(make_app):
    app = make_app(HQ)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        summary = str(app.screen.query_one("#insights-summary", Static).render())
        assert "0 posts" in summary and "x: — followers" in summary
        assert "none recorded yet" in summary
        await pilot.press("escape", "i")
        await settle(pilot)
        assert "No questions waiting" in str(app.screen.query_one("#question-detail",
                                                                  Static).render())
        assert not [n for n in app._notifications if n.severity == "error"]
