"""How long the daemon takes to drain 1,000 due posts on two sandbox outlets, as a ratio to
its floor measured in the same run: the same number of plain POSTs to the same kind of
sandbox, one thread per API with a kept-alive connection each, from another process.

    python bench/drain.py [--posts 1000] [--rounds 3] [--spread 0] [--lead 1]

The sandbox runs in a process of its own (so neither side shares an interpreter with it,
nor with this one's polling); the daemon is the real `inmm-daemon` in its own. Posts
are queued due an hour ahead; once the daemon has started and finished its start-up jobs
(its first publish run is recorded), every delivery is moved to fall due `--lead` seconds later, so
the daemon's start-up is never part of the figure. The drain is timed from the first due
time to the last `sent_at`; the floor from its first request to its last answer (after
its imports). Rounds alternate floor and drain (each on a fresh sandbox) and the medians
are given, with the load average, since the machine may be shared. With `--spread S` the
due times are spread evenly over S seconds: the lateness then shows how soon the daemon
notices that a post has fallen due.

Where the CPU goes is printed beside the times (it is not part of the ratio): each
publishing worker's CPU per delivery, by outlet (the worker's process name), the daemon's
own process, and the sandbox server's CPU per request in the floor and in the drain, so
that the two can be seen to ask the same server for the same number of requests.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from inmm_tui.platforms.sandbox import SandboxControl
from inmm_tui.timeutil import from_db, to_db, utcnow
from tests.crash_harness import (
    daemon_exe,
    delivery_counts,
    publishing_workers,
    queue_posts,
    wait_for,
    write_config,
)

FLOOR_CLIENT = r"""
import json, sys, threading, time
import requests
from inmm_tui.platforms.sandbox.world import SANDBOX_MASTODON_CREDENTIALS, SANDBOX_X_CREDENTIALS

url, posts = sys.argv[1], int(sys.argv[2])
x_auth = f'OAuth oauth_token="{SANDBOX_X_CREDENTIALS["access_token"]}"'
m_auth = f'Bearer {SANDBOX_MASTODON_CREDENTIALS["access_token"]}'
failed = []

def x() -> None:
    with requests.Session() as s:
        for i in range(posts):
            r = s.post(f"{url}/2/tweets", json={"text": f"floor post {i}: https://inmm.org/n/{i}"},
                       headers={"Authorization": x_auth})
            if r.status_code != 201:
                failed.append(r.status_code)

def m() -> None:
    with requests.Session() as s:
        for i in range(posts):
            r = s.post(f"{url}/api/v1/statuses", data={"status": f"floor post {i}",
                       "visibility": "public"}, headers={"Authorization": m_auth})
            if r.status_code != 200:
                failed.append(r.status_code)

started, cpu = time.perf_counter(), time.process_time()
threads = [threading.Thread(target=x), threading.Thread(target=m)]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps({"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu,
                  "failed": len(failed)}))
"""


SANDBOX_SERVER = r"""
import sys
from inmm_tui.platforms.sandbox import Sandbox
sandbox = Sandbox(port=0)
print(sandbox.url, flush=True)
sandbox.serve_forever()
"""


@contextlib.contextmanager
def sandbox_process() -> Iterator[tuple[str, int]]:
    """A fresh sandbox server in a process of its own; yields its URL and process id."""
    proc = subprocess.Popen([sys.executable, "-c", SANDBOX_SERVER], stdout=subprocess.PIPE,
                            text=True, cwd=Path(__file__).resolve().parent.parent)
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip(), proc.pid
    finally:
        proc.kill()
        proc.wait()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def floor(posts: int) -> tuple[float, float, float]:
    """Seconds (wall, the client's CPU and the sandbox server's CPU) for `posts` plain
    POSTs to each API of a fresh sandbox, two threads."""
    with sandbox_process() as (url, server):
        server_before = own_cpu_seconds(server)
        out = subprocess.run([sys.executable, "-c", FLOOR_CLIENT, url, str(posts)],
                             check=True, capture_output=True, text=True).stdout
        server_cpu = own_cpu_seconds(server) - server_before
    answer = json.loads(out)
    if answer["failed"]:
        raise SystemExit(f"the floor's POSTs failed {answer['failed']} times")
    return float(answer["seconds"]), float(answer["cpu"]), server_cpu


def started_up(db_path: Path) -> bool:
    """The daemon has recovered, started its scheduler and finished its first publish
    run (on a fresh database no other job runs at start-up)."""
    conn = sqlite3.connect(str(db_path), timeout=30)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        if "daemon_jobs" not in tables:
            return False
        return conn.execute(
            "SELECT count(*) FROM daemon_jobs WHERE name = 'publish'").fetchone()[0] > 0
    finally:
        conn.close()


def own_cpu_seconds(pid: int) -> float:
    """User and system CPU time the process (all its threads) has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def worker_cpu_seconds(daemon: int) -> dict[str, float]:
    """Each publishing worker's CPU so far, by its process name (it names its outlet)."""
    return {Path(f"/proc/{pid}/comm").read_text().strip(): own_cpu_seconds(pid)
            for pid in publishing_workers(daemon)}


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process and its live descendants (the daemon's
    publishing workers) have used so far (Linux)."""
    own = own_cpu_seconds(pid)
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*"):  # (a thread may end meanwhile)
        with contextlib.suppress(FileNotFoundError):
            children += (task / "children").read_text().split()
    return own + sum(cpu_seconds(int(child)) for child in children)


def make_due(db_path: Path, due: dt.datetime, spread: float) -> None:
    """Move every queued delivery (and its post) to fall due at `due`, or spread over
    `spread` seconds from it in queue order: bench-only, outside the domain (the due
    time is not part of a clearance)."""
    conn = sqlite3.connect(str(db_path), timeout=30)
    try:
        with conn:
            ids = [r[0] for r in conn.execute("SELECT id FROM posts ORDER BY id")]
            for i, post_id in enumerate(ids):
                when = to_db(due + dt.timedelta(seconds=spread * i / max(len(ids), 1)))
                conn.execute("UPDATE deliveries SET due_at = ? WHERE post_id = ?", (when, post_id))
                conn.execute("UPDATE posts SET scheduled_at = ? WHERE id = ?", (when, post_id))
    finally:
        conn.close()


def drain(posts: int, spread: float, lead: float) -> dict[str, Any]:
    with sandbox_process() as (url, server), tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        cfg = write_config(workdir, url, timeout=10.0)
        queue_posts(cfg, posts, due=utcnow() + dt.timedelta(hours=1))
        db_path = workdir / "inmm.db"
        log = open(workdir / "daemon.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen([daemon_exe(), "--config", str(cfg)], stderr=log)
        try:
            if not wait_for(lambda: started_up(db_path), timeout=120, step=0.2):
                raise SystemExit("the daemon did not finish starting up; see its log")
            cpu_before = cpu_seconds(proc.pid)
            own_before, server_before = own_cpu_seconds(proc.pid), own_cpu_seconds(server)
            workers_before = worker_cpu_seconds(proc.pid)
            requests_before = sum(SandboxControl(url).state()["requests"].values())
            make_due(db_path, utcnow() + dt.timedelta(seconds=lead), spread)
            done = wait_for(lambda: delivery_counts(db_path)["sent"] >= 2 * posts,
                            timeout=lead + spread + 600, step=0.2)
            cpu = cpu_seconds(proc.pid) - cpu_before
            own_cpu = own_cpu_seconds(proc.pid) - own_before
            server_cpu = own_cpu_seconds(server) - server_before
            workers = {name: spent - workers_before.get(name, 0.0)
                       for name, spent in worker_cpu_seconds(proc.pid).items()}
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
            log.close()
        if not done:
            raise SystemExit(f"not drained: {dict(delivery_counts(db_path))}; see the log")
        conn = sqlite3.connect(str(db_path))
        rows = conn.execute("SELECT due_at, sent_at FROM deliveries").fetchall()
        conn.close()
        state = SandboxControl(url).state()
        requests = sum(state["requests"].values()) - requests_before
    late = [(from_db(sent) - from_db(due_at)).total_seconds() for due_at, sent in rows]
    first_due = min(from_db(d) for d, _ in rows)
    last_sent = max(from_db(s) for _, s in rows)
    published = sum(len([p for p in state[api]["posts"] if p["author"] == "INMMorg"])
                    for api in ("x", "mastodon"))
    return {
        "deliveries": len(rows),
        "published_on_sandbox": published,
        "drain_seconds": (last_sent - first_due).total_seconds(),
        "first_sent": min(late),
        "daemon_cpu": cpu,
        "daemon_own_cpu": own_cpu,
        "worker_cpu": workers,
        "server_cpu": server_cpu,
        "requests": requests,
        "late_median": statistics.median(late),
        "late_p99": percentile(late, 0.99),
        "late_max": max(late),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3, help="alternating floor/drain pairs")
    parser.add_argument("--spread", type=float, default=0.0,
                        help="spread the due times over this many seconds (0: all at once)")
    parser.add_argument("--lead", type=float, default=1.0,
                        help="seconds from the daemon being started up to the first due time")
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    floors, drains, ratios, cpu_ratios, ok = [], [], [], [], True
    for i in range(args.rounds):
        pair = []
        for kind in (("floor", "drain") if i % 2 == 0 else ("drain", "floor")):
            if kind == "floor":
                seconds, cpu, server_cpu = floor(args.posts)
                pair.append(("floor", seconds))
                pair.append(("floor_cpu", cpu))
                print(f"  floor: client CPU {cpu:.2f} s; sandbox server CPU {server_cpu:.2f} s "
                      f"({1000 * server_cpu / (2 * args.posts):.2f} ms a request)")
            else:
                r = drain(args.posts, args.spread, args.lead)
                ok = ok and r["published_on_sandbox"] == r["deliveries"]
                pair.append(("drain", r["drain_seconds"]))
                pair.append(("drain_cpu", r["daemon_cpu"]))
                print(f"  drain: {r['deliveries']} deliveries ({r['published_on_sandbox']} on "
                      f"the sandbox); lateness median {r['late_median']:.2f} s, "
                      f"p99 {r['late_p99']:.2f} s, max {r['late_max']:.2f} s (first sent "
                      f"{r['first_sent']:.2f} s after due); daemon CPU {r['daemon_cpu']:.2f} s")
                workers = ", ".join(f"{name} {1000 * spent / args.posts:.2f} ms"
                                    for name, spent in sorted(r["worker_cpu"].items()))
                print(f"         CPU a delivery: {workers}; the daemon's own process "
                      f"{r['daemon_own_cpu']:.2f} s in all; sandbox server "
                      f"{1000 * r['server_cpu'] / r['requests']:.2f} ms a request, "
                      f"{r['requests']} requests")
        got = dict(pair)
        floors.append(got["floor"])
        drains.append(got["drain"])
        ratios.append(got["drain"] / got["floor"])
        cpu_ratios.append(got["drain_cpu"] / got["floor_cpu"])
        print(f"round {i + 1}: drain {got['drain']:.2f} s, floor {got['floor']:.2f} s, "
              f"ratio {ratios[-1]:.2f}x; CPU {got['drain_cpu']:.2f} s against "
              f"{got['floor_cpu']:.2f} s, ratio {cpu_ratios[-1]:.2f}x  (load {os.getloadavg()[0]:.2f})")
    print(f"{args.posts} posts x 2 sandbox outlets, due "
          + ("all at once" if not args.spread else f"over {args.spread:g} s"))
    print(f"floor ({2 * args.posts} plain POSTs, 2 threads): median {statistics.median(floors):.2f} s")
    print(f"drain: median {statistics.median(drains):.2f} s "
          f"({2 * args.posts / statistics.median(drains):.0f} deliveries/s)")
    print(f"ratio drain/floor: median {statistics.median(ratios):.2f}x "
          f"(rounds: {', '.join(f'{r:.2f}' for r in ratios)})")
    # On a shared machine the wall times swing with the others' load; the CPU each side
    # spent does not, and is the steadier comparison.
    print(f"CPU ratio (daemon / floor client): median {statistics.median(cpu_ratios):.2f}x "
          f"(rounds: {', '.join(f'{r:.2f}' for r in cpu_ratios)})")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
