"""What the governance counts cost the home screen, on a five-year history: the overview
with and without them (the home screen reloads it on every database change), the
governance screen's state, and the spoof queue with many suspects decided.

    python bench/governance_overview.py [--db FILE] [--runs 20]

Without `--db`, builds bench/out/gov-history.db once (bench/ui_startup.py's history with
few followers, plus suspects and some failed deliveries). Prints figures; asserts nothing
(goal: the overview stays well under the 0.1 s a refresh may take)."""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def build(path: Path, suspects: int) -> None:
    import sqlite3

    from ui_startup import build_history

    from inmm_tui.timeutil import to_db

    build_history(path, followers=1000, mentions=1000)
    conn = sqlite3.connect(path)
    stamp = to_db(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    with conn:
        conn.executemany(
            "INSERT INTO spoof_suspects (outlet, handle, first_seen_at, status) VALUES"
            " (?, ?, ?, ?)", ((("x", "mastodon")[i % 2], f"inmm{i}", stamp,
                               "new" if i % 10 == 0 else "harmless") for i in range(suspects)))
        # Every 50th post failed on mastodon after going out on X: partly published.
        conn.execute("UPDATE deliveries SET state = 'failed', last_error = 'bench'"
                     " WHERE outlet = 'mastodon' AND post_id % 50 = 0 AND state = 'sent'")
    conn.close()


def timed(fn, runs: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    values = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        values.append(time.perf_counter() - began)
    values.sort()
    return statistics.median(values), values[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--suspects", type=int, default=5000)
    args = parser.parse_args()
    db_path = Path(args.db) if args.db else HERE / "out" / "gov-history.db"
    if not db_path.exists():
        db_path.parent.mkdir(parents=True, exist_ok=True)
        began = time.perf_counter()
        build(db_path, args.suspects)
        print(f"built {db_path} in {time.perf_counter() - began:.1f} s")

    from inmm_tui.config import embedded_default
    from inmm_tui.domain.governance_view import GovernanceView
    from inmm_tui.domain.queues import Queues
    from inmm_tui.domain.services import Services
    from inmm_tui.store.db import open_database

    config = embedded_default()
    services = Services.build(config, open_database(db_path, create=True))
    conn = services.db.conn
    login = conn.execute("SELECT login FROM people WHERE role = 'hq' AND active = 1"
                         " LIMIT 1").fetchone()[0]
    sizes = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
             for t in ("posts", "deliveries", "spoof_suspects")}
    print("database:", db_path, sizes)
    plain = Queues(services.db, clock=services.clock)
    view = GovernanceView(services.db, config, services.clock)
    for label, fn in (
        ("home overview without the governance counts", lambda: plain.overview(login)),
        ("home overview with the governance counts", lambda: services.queues.overview(login)),
        ("governance counts alone (attention)", lambda: view.attention(login)),
        ("governance screen state", lambda: view.state(login)),
        ("crisis/pause for the banner", lambda: view.switches(login)),
        ("schedule with each post's publication state",
         lambda: services.queues.schedule(login)),
    ):
        median, worst = timed(fn, args.runs)
        print(f"{label}: median {median * 1000:.1f} ms, worst {worst * 1000:.1f} ms"
              f" ({args.runs} runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
