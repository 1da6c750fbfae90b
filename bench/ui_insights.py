"""How fast the metrics screen and the questions inbox are on the five-year history, and
whether the interface stays responsive while they load.

    python bench/ui_insights.py [PATH] [--scale 1.0] [--runs 3]

Builds (or reuses) the history of bench/history.py at PATH, adds five years of metrics to
it once (hourly follower counts per outlet, four polls of every post sent, daily web
referrals, follower types, covered events), then prints:
- the time to gather the metrics screen's figures for each period (median of --runs);
- in the headless app: key press to figures shown, for 30 days and then 12 months, and the
  longest the event loop went without running while they loaded (a frozen screen shows
  as a long gap);
- key press to the questions inbox shown.
Asserts nothing (goal: figures within 1 s, event-loop gap under 0.1 s).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from history import DEFAULT_PATH, END, START, build  # noqa: E402

from inmm_tui.store.db import open_database  # noqa: E402
from inmm_tui.store.tx import write  # noqa: E402
from inmm_tui.timeutil import to_db  # noqa: E402

LOGIN = "user00"  # the history's HQ person


def add_metrics(path: Path) -> None:
    """Five years of what the daemon's metrics job records; once per database."""
    db = open_database(path, create=True)
    conn = db.conn
    if conn.execute("SELECT count(*) FROM outlet_metrics").fetchone()[0]:
        db.close()
        return
    rng = random.Random(9)
    hours = int((END - START).total_seconds() // 3600)
    with write(db):
        for outlet, base, growth in (("x", 20_000, 0.35), ("mastodon", 2_000, 0.08)):
            conn.executemany(
                "INSERT INTO outlet_metrics (outlet, at, followers, following) VALUES (?, ?, ?, ?)",
                ((outlet, to_db(START + dt.timedelta(hours=h)), int(base + growth * h)
                  + rng.randint(-20, 20), 500 + h // 200) for h in range(hours)))
        conn.execute(
            "INSERT INTO post_metrics (delivery_id, at, reposts, replies, likes, quotes)"
            " SELECT d.id, strftime('%Y-%m-%dT%H:%M:%S.000000Z', d.sent_at, '+' || h.n || ' hours'),"
            " (d.id * 7 + h.n) % 13, (d.id * 3) % 5, (d.id * 11 + h.n) % 61, d.id % 3"
            " FROM deliveries d, (SELECT 1 AS n UNION ALL SELECT 6 UNION ALL SELECT 24"
            "   UNION ALL SELECT 72) h WHERE d.state = 'sent'")
        days = (END - START).days
        conn.executemany(
            "INSERT INTO web_referrals (date, campaign, source, sessions, imported_at, imported_by)"
            " VALUES (?, 'inmm-announcement', ?, ?, ?, 'bench')",
            (((START + dt.timedelta(days=d)).date().isoformat(), source, rng.randint(0, 90),
              to_db(END)) for d in range(days) for source in ("x", "mastodon")))
        conn.executemany(
            "INSERT INTO events (name, hashtag, kind, starts_on, ends_on, created_by, created_at)"
            " VALUES (?, ?, 'coverage', ?, ?, 'user00', ?)",
            ((f"Meeting {y}-{m}", f"#INMM{y % 100}{m}", f"{y}-{m:02d}-10", f"{y}-{m:02d}-12",
              to_db(END)) for y in range(START.year, END.year + 1) for m in (3, 7, 10)))
        conn.execute(
            "UPDATE followers SET kind = CASE abs(user_id) % 10 WHEN 0 THEN 'organisation'"
            " WHEN 1 THEN 'member' WHEN 2 THEN 'staff' WHEN 3 THEN 'unknown' ELSE 'individual' END")
    db.execute("ANALYZE")
    db.close()


def services_for(path: Path):  # type: ignore[no-untyped-def]
    from inmm_tui.config import embedded_default
    from inmm_tui.domain.services import Services

    return Services.build(embedded_default(), open_database(path, create=True), clock=lambda: END)


def time_gather(path: Path, runs: int) -> None:
    from inmm_tui.reports.insights import PERIODS, gather

    s = services_for(path)
    for period in PERIODS:
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            ins = gather(s.db.conn, s.config, LOGIN, period, END)
            times.append(time.perf_counter() - t0)
        print(f"gather {period:>4}: median {statistics.median(times):.3f} s, max {max(times):.3f} s"
              f" ({ins.posts:,} deliveries, {sum(len(o.series) for o in ins.outlets):,} chart points)")
    s.db.close()


async def time_app(path: Path) -> None:
    from textual.pilot import Pilot

    from inmm_tui.ui.app import InmmApp
    from inmm_tui.ui.screens.metrics import MetricsScreen
    from inmm_tui.ui.screens.questions import QuestionsScreen

    app = InmmApp(services_for(path), LOGIN, watch=False)
    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    async def until(pilot: Pilot, done, t0: float, limit: float = 60.0) -> float:  # type: ignore[no-untyped-def]
        """Seconds from t0 (before the key: the pilot's press waits for the screen too)."""
        while not done() and time.perf_counter() - t0 < limit:
            await pilot.pause(0.005)
        return time.perf_counter() - t0

    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(2.0)  # home loaded, screener warmed
        app.set_interval(0.01, tick)
        await pilot.pause(0.1)
        gaps.clear()
        last[0] = time.perf_counter()
        t0 = time.perf_counter()
        await pilot.press("t")
        shown = await until(pilot, lambda: isinstance(app.screen, MetricsScreen)
                            and app.screen.insights is not None, t0)
        month_gap = max(gaps, default=0.0)
        gaps.clear()
        t0 = time.perf_counter()
        await pilot.press("3")
        year = await until(pilot, lambda: app.screen.insights.period == "12m", t0)
        year_gap = max(gaps, default=0.0)
        print(f"app: metrics shown (30 days) {shown:.3f} s after the key, longest event-loop gap "
              f"{month_gap * 1000:.0f} ms")
        print(f"app: 12 months shown {year:.3f} s after the key, longest event-loop gap "
              f"{year_gap * 1000:.0f} ms")
        await pilot.press("escape")
        gaps.clear()
        t0 = time.perf_counter()
        await pilot.press("i")
        inbox = await until(pilot, lambda: isinstance(app.screen, QuestionsScreen)
                            and bool(app.screen.questions), t0)
        print(f"app: questions inbox shown {inbox:.3f} s after the key "
              f"({len(app.screen.questions)} questions listed), longest event-loop gap "
              f"{max(gaps, default=0.0) * 1000:.0f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=str(DEFAULT_PATH))
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    path = build(Path(args.path), args.scale)
    t0 = time.perf_counter()
    add_metrics(path)
    print(f"history {path} (scale {args.scale}); metrics ready in {time.perf_counter() - t0:.1f} s")
    time_gather(path, args.runs)
    asyncio.run(time_app(path))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
