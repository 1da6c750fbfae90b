"""How long the daemon takes to drain 1,000 due posts on two sandbox outlets, and how late
after its due time each delivery went out (median and 99th percentile).

    python bench/drain.py [--posts 1000] [--spread 0]

The sandbox runs in this process; the daemon is the real `inmm-daemon`, started on a fresh
database once every post is queued. With `--spread 0` (the default) every post falls due
at the same moment, a few seconds after the daemon is up: a backlog, as after an outage.
With `--spread S` the due times are spread evenly over S seconds: the lateness then shows
how soon the daemon notices that a post has fallen due.
"""

from __future__ import annotations

import argparse
import datetime as dt
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from inmm_tui.platforms.sandbox import Sandbox, SandboxControl
from inmm_tui.timeutil import from_db, utcnow
from tests.crash_harness import daemon_exe, delivery_counts, queue_posts, wait_for, write_config


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def run(posts: int, spread: float, lead: float) -> dict[str, float]:
    sandbox = Sandbox(port=0).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            cfg = write_config(workdir, sandbox.url, timeout=10.0)
            queued_at = time.perf_counter()
            due = utcnow() + dt.timedelta(seconds=lead + posts * 0.004)
            queue_posts(cfg, posts, due=due, spread_seconds=spread)
            queue_seconds = time.perf_counter() - queued_at
            db_path = workdir / "inmm.db"
            log = open(workdir / "daemon.log", "wb")  # noqa: SIM115
            proc = subprocess.Popen([daemon_exe(), "--config", str(cfg)], stderr=log)
            try:
                done = wait_for(lambda: delivery_counts(db_path)["sent"] >= 2 * posts,
                                timeout=lead + spread + 600, step=0.2)
            finally:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=60)
                log.close()
            if not done:
                raise SystemExit(f"not drained: {dict(delivery_counts(db_path))}; see the log")
            conn = sqlite3.connect(str(db_path))
            rows = conn.execute("SELECT due_at, sent_at FROM deliveries").fetchall()
            conn.close()
            state = SandboxControl(sandbox.url).state()
    finally:
        sandbox.stop()
    late = [(from_db(sent) - from_db(due_at)).total_seconds() for due_at, sent in rows]
    first_due = min(from_db(d) for d, _ in rows)
    last_sent = max(from_db(s) for _, s in rows)
    published = sum(len([p for p in state[api]["posts"] if p["author"] == "INMMorg"])
                    for api in ("x", "mastodon"))
    return {
        "deliveries": len(rows),
        "published_on_sandbox": published,
        "queue_seconds": queue_seconds,
        "drain_seconds": (last_sent - first_due).total_seconds(),
        "late_median": statistics.median(late),
        "late_p99": percentile(late, 0.99),
        "late_max": max(late),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--spread", type=float, default=0.0,
                        help="spread the due times over this many seconds (0: all at once)")
    parser.add_argument("--lead", type=float, default=4.0,
                        help="seconds between starting the daemon and the first due time")
    args = parser.parse_args()
    r = run(args.posts, args.spread, args.lead)
    rate = r["deliveries"] / r["drain_seconds"] if r["drain_seconds"] > 0 else float("inf")
    print(f"{args.posts} posts x 2 sandbox outlets = {r['deliveries']} deliveries "
          f"({r['published_on_sandbox']} on the sandbox), due "
          + ("all at once" if not args.spread else f"over {args.spread:g} s"))
    print(f"queued in {r['queue_seconds']:.1f} s (compose, submit, clear each post)")
    print(f"drained in {r['drain_seconds']:.1f} s from the first due time ({rate:.0f} deliveries/s)")
    print(f"lateness after due time: median {r['late_median']:.2f} s, "
          f"p99 {r['late_p99']:.2f} s, max {r['late_max']:.2f} s")
    return 0 if r["published_on_sandbox"] == r["deliveries"] else 1


if __name__ == "__main__":
    sys.exit(main())
