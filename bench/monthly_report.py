"""Time the monthly report (R22) on the five-year history database, as a person runs it.

    python bench/monthly_report.py [--runs 5] [--month 2026-10]

Builds the history with `bench/history.py` if needed, then adds what the insights need
and the history lacks (once; marked in `settings`): hourly follower counts for five years,
three engagement samples per delivery, the website's daily analytics, 60 covered events,
answered questions, EC decisions, follower types for the million followers (timed).
Puts whoever runs the bench on the roster as Communications Chair (the command writes the
report as them), then times whole processes of `inmm-tui report monthly --format html`
and `--format md`, alternately with `python -c 'import sqlite3'`, and prints the medians,
the ratio and the load average (goal: 2 s or less for the whole process). The figures
gathered in this process are printed too, as a breakdown.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from history import DEFAULT_PATH, END, START, build
from timing import alternate, compile_project, run_once, summary

from inmm_tui.config import parse_config
from inmm_tui.domain import metrics
from inmm_tui.domain.services import Services
from inmm_tui.reports import monthly
from inmm_tui.store.db import open_database
from inmm_tui.store.tx import write
from inmm_tui.timeutil import to_db

MARK = "bench_insights_v1"


def enrich(db_path: Path) -> float | None:
    """Add the insights data once; returns the seconds follower classification took."""
    db = open_database(db_path, create=True)
    conn = db.conn
    if conn.execute("SELECT 1 FROM settings WHERE key = ?", (MARK,)).fetchone():
        db.close()
        return None
    rng = random.Random(9)
    with write(db):
        hours = int((END - START).total_seconds() // 3600)
        conn.executemany(
            "INSERT OR IGNORE INTO outlet_metrics (outlet, at, followers, following) VALUES (?, ?, ?, ?)",
            ((outlet, to_db(START + dt.timedelta(hours=h)), base + h // 60, base // 2 + h // 90)
             for outlet, base in (("x", 600_000), ("mastodon", 300_000)) for h in range(hours)))
        deliveries = conn.execute(
            "SELECT id, sent_at FROM deliveries WHERE state = 'sent'").fetchall()
        conn.executemany(
            "INSERT OR IGNORE INTO post_metrics (delivery_id, at, reposts, replies, likes, quotes,"
            " impressions) VALUES (?, ?, ?, ?, ?, ?, ?)",
            ((d, to_db(dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
                       + dt.timedelta(hours=k * 12)),
              rng.randrange(20) * k, rng.randrange(5) * k, rng.randrange(80) * k, rng.randrange(3),
              rng.randrange(5000) * k) for d, s in deliveries for k in (1, 2, 3)))
        days = (END - START).days
        conn.executemany(
            "INSERT OR IGNORE INTO web_referrals (date, campaign, source, sessions, imported_at,"
            " imported_by) VALUES (?, ?, ?, ?, ?, 'bench')",
            (((START + dt.timedelta(days=d)).date().isoformat(), campaign, source,
              rng.randrange(200), to_db(END)) for d in range(days)
             for campaign in ("inmm-announcement", "annual-meeting", "membership", "awards")
             for source in ("x", "mastodon")))
        conn.executemany(
            "INSERT INTO events (name, hashtag, kind, starts_on, ends_on, active, created_by,"
            " created_at) VALUES (?, ?, 'coverage', ?, ?, 0, 'user00', ?)",
            ((f"Event {i}", f"#ev{i}", (START + dt.timedelta(days=30 * i)).date().isoformat(),
              (START + dt.timedelta(days=30 * i + 3)).date().isoformat(), to_db(START))
             for i in range(60)))
        conn.execute(
            "UPDATE mentions SET answered_post_id = (id % 40000) + 1, answered_by = 'user01',"
            " answered_at = created_at, holding_reply_at = created_at"
            " WHERE kind = 'question' AND id % 3 = 0")
        conn.execute(
            "UPDATE moderation_items SET status = 'decided', forwarded_at = opened_at,"
            " ec_decision = 'warning', ec_decided_at = opened_at WHERE id % 5 = 0")
        conn.execute("INSERT INTO settings (key, value, changed_at, changed_by)"
                     " VALUES (?, '1', ?, 'bench')", (MARK, to_db(END)))
    config = parse_config({}, None)
    rules = metrics.ProfileRules.from_config(config.metrics)
    started = time.perf_counter()
    metrics.classify_followers(db, rules)
    took = time.perf_counter() - started
    db.execute("ANALYZE")
    db.close()
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--month", default="2026-10")
    args = parser.parse_args()
    path = build(DEFAULT_PATH)
    started = time.perf_counter()
    classify = enrich(path)
    if classify is not None:
        print(f"enriched the history in {time.perf_counter() - started:.1f} s "
              f"(follower types for 1,000,000 followers: {classify:.1f} s)")
    config = parse_config({"inmm": {"database": str(path)}}, path.parent / "bench.toml")
    db = open_database(path, create=True)
    from inmm_tui.domain.people import current_login

    db.execute("INSERT OR IGNORE INTO people (login, name, initials, role, active, added_at,"
               " added_by) VALUES (?, 'Bench Chair', 'BC', 'communications_chair', 1,"
               " '2021-11-01T00:00:00.000000Z', 'bench')", [current_login()])
    svc = Services.build(config, db, clock=lambda: END, lazy_screener=True)
    month = monthly.parse_month(args.month)
    started = time.perf_counter()
    figures = monthly.gather(db.conn, config, month, svc.clock())
    gathered = time.perf_counter() - started
    print(f"{args.month}: {figures['posts']['published']} posts published, "
          f"{figures['questions']['received']} questions, {figures['referrals']['sessions']} visits, "
          f"{sum(figures['followers']['types'].values())} followers typed; gathered in this "
          f"process in {gathered * 1000:.0f} ms")
    db.close()
    compile_project()
    exe = shutil.which("inmm-tui", path=str(Path(sys.executable).parent)) or "inmm-tui"
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "inmm.toml"
        cfg.write_text(f'[inmm]\ndatabase = "{path}"\n')
        baseline = [sys.executable, "-c", "import sqlite3"]
        for fmt in ("html", "md"):
            command = [exe, "--config", str(cfg), "report", "monthly", "--month", args.month,
                       "--format", fmt, "--output", str(Path(tmp) / f"report.{fmt}")]
            ours, base = alternate(lambda c=command: run_once(c), lambda: run_once(baseline),
                                   args.runs)
            print(summary(f"inmm-tui report monthly --format {fmt} (whole process)", ours,
                          "python -c 'import sqlite3'", base,
                          "goal: the whole process in 2 s or less"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
