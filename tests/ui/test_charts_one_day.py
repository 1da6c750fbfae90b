"""The metrics screen at 80x24: with one day of data, a narrow bar where the day falls in
the period (it was a block the plot's width) and the follower axis in whole followers (it
stepped by tenths); a monthly report for a month not begun is refused."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from ui_support import AM, HQ, NOW, build_services, settle

from inmm_tui.store.tx import write
from inmm_tui.timeutil import to_db
from inmm_tui.ui.app import InmmApp
from inmm_tui.ui.widgets.charts import EngagementChart, FollowerChart


def one_day(db_path: Path) -> None:
    """One post sent two days ago with its counts, one poll of X's followers."""
    s = build_services(db_path)
    conn = s.db.conn
    post = s.posts.create_draft(AM, "Journal issue 1 https://inmm.org/journal", topic="Journal")
    s.posts.submit(AM, post)
    s.posts.clear(HQ, post)
    s.posts.schedule(HQ, post, None)
    sent = NOW - dt.timedelta(days=2)
    with write(s.db):
        conn.execute("UPDATE deliveries SET state = 'sent', sent_at = ?, platform_id = 'p1'"
                     " WHERE post_id = ?", (to_db(sent), post))
        conn.execute("UPDATE posts SET status = 'published' WHERE id = ?", (post,))
        conn.execute("INSERT INTO post_metrics (delivery_id, at, reposts, replies, likes, quotes)"
                     " SELECT id, ?, 1, 0, 3, 0 FROM deliveries WHERE post_id = ?",
                     (to_db(sent + dt.timedelta(hours=6)), post))
        conn.execute("INSERT INTO outlet_metrics (outlet, at, followers, following)"
                     " VALUES ('x', ?, 1025, 40)", (to_db(NOW - dt.timedelta(days=1)),))
    conn.close()


def _plot_lines(text: str) -> list[str]:
    """The rows inside the plot's frame."""
    return [line for line in text.splitlines() if "┤" in line or "│" in line]


async def test_one_day_of_data_is_a_narrow_bar_and_whole_followers(db_path: Path) -> None:
    one_day(db_path)
    app = InmmApp(build_services(db_path), HQ, watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        engagement = app.screen.query_one(EngagementChart)
        assert engagement.size.width > 20
        drawn = str(engagement.render())
        widest = max((len(run) for line in _plot_lines(drawn)
                      for run in re.findall("[█▌▐▀▄]+", line)), default=0)
        assert 0 < widest <= engagement.size.width // 8, drawn
        followers = str(app.screen.query_one(FollowerChart).render())
        ticks = re.findall(r"^\s*([0-9.,]+)\s*┤", followers, re.M)
        assert ticks and all(re.fullmatch(r"\d+", tick) for tick in ticks), followers
        assert "1025" in ticks


async def test_a_month_not_begun_is_refused_from_the_metrics_screen(
        make_app, services, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from ui_support import answer

    monkeypatch.chdir(tmp_path)  # the embedded config writes reports under the working folder
    app = make_app(HQ)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("w")
        await answer(pilot, "2027-04")  # the clock: 2027-03-01
        await settle(pilot)
        said = [(n.title, str(n.message)) for n in app._notifications]
        assert any(title == "Refused" and "month 2027-04: it has not begun yet" in message
                   for title, message in said), said
    assert services.db.conn.execute("SELECT count(*) FROM monthly_reports").fetchone()[0] == 0
    assert not list(tmp_path.rglob("inmm-monthly-2027-04*"))
