"""Reconcile one million followers, as the follow-back job does, and report time and peak
memory, each pass as a ratio to its floor measured in the same run (goal: 1.2x the floor
and 300 MB or less).

    python bench/followers.py [--followers 1000000] [--page 1000] [--rounds 1]

A synthetic pager feeds pages of 1,000 accounts with random-looking 19-digit ids (as
X's are, in no useful order), generated as they are paged through the same domain calls the daemon
makes (`Follows.begin` / `record_page`, one transaction per page with its cursor), on a
fresh database file. Three passes are timed:

1. the first pass over an account that already follows its followers back (the
   `following` list is synced first, as the job does), which stores every follower;
2. a second pass where 1% of the followers left and 1% are new: the diff (who is new,
   who is gone) happens in SQL, at the end of the run and in the pending query;
3. the query for followers awaiting a follow-back.

The floor is the same staging and merge in plain SQLite, with nothing of the domain
around it: the same tables and indexes (copied from a migrated database), the same pages
appended to `sync_pages` with one commit each, then the one index build, the upsert in
key order and (on the second pass) the anti-join for who is gone. With `--rounds` above
1 the domain passes and the floor alternate and the medians are given.

Peak memory is the process's maximum resident set size (SQLite's page cache included).
Wall and CPU times are both printed: on a shared machine the wall time varies.
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from inmm_tui.domain.follows import FOLLOWERS, FOLLOWING, Follows
from inmm_tui.store.db import open_database


def account_id(n: int) -> str:
    """The n-th synthetic account's id: a bijective scramble of n, so the ids look random
    (as X's do in follower order) without holding a million of them in memory."""
    return str(10**18 + (n * 0x9E3779B97F4A7C15) % 2**63)


def pages(ids: Iterable[int], size: int) -> Iterator[list[tuple[str, str, str]]]:
    page: list[tuple[str, str, str]] = []
    for n in ids:
        page.append((account_id(n), f"user{n}", f"User {n}"))
        if len(page) == size:
            yield page
            page = []
    if page:
        yield page


def reconcile(follows: Follows, job: str, ids: Iterable[int], size: int) -> int:
    position = follows.begin("x", job)
    assert position is not None
    stored = 0
    batches = pages(ids, size)
    current = next(batches, [])
    cursor = 0
    while True:
        following = next(batches, None)
        cursor += 1
        result = follows.record_page("x", job, position.run, current,
                                     None if following is None else str(cursor))
        stored += result.stored
        if following is None:
            return result.gone
        current = following


def floor(path: Path, n: int, size: int) -> tuple[float, float]:
    """Seconds for the first and the second pass of the same staging and merge in plain
    SQLite, on a file with the same tables and indexes as ours."""
    source = open_database(path.with_suffix(".schema.db"), create=True)
    schema = [sql for (sql,) in source.conn.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name IN ('followers', 'sync_pages')"
        " AND sql IS NOT NULL ORDER BY type DESC")]  # tables before their indexes
    source.close()
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    for sql in schema:
        conn.execute(sql)
    times = []
    for run, ids in ((1, range(n)), (2, range(n // 100, n + n // 100))):
        started = time.perf_counter()
        for page in pages(ids, size):
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany("INSERT INTO sync_pages VALUES ('x', 'followers', ?, ?, ?, ?)",
                             [(run, uid, handle, name) for uid, handle, name in page])
            conn.execute("COMMIT")
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("CREATE INDEX merge ON sync_pages(outlet, job, run, user_id)")
        conn.execute(
            "INSERT INTO followers (outlet, user_id, handle, name, first_seen_at, last_seen_run)"
            " SELECT 'x', user_id, handle, name, 'now', ?1 FROM sync_pages INDEXED BY merge"
            " WHERE outlet = 'x' AND job = 'followers' AND run = ?1 ORDER BY user_id"
            " ON CONFLICT (outlet, user_id) DO UPDATE SET gone_at = NULL,"
            " handle = excluded.handle, name = excluded.name,"
            " last_seen_run = excluded.last_seen_run WHERE followers.gone_at IS NOT NULL"
            " OR followers.handle IS NOT excluded.handle OR followers.name IS NOT excluded.name",
            (run,))
        if run > 1:
            conn.execute(
                "UPDATE followers SET gone_at = 'now' WHERE outlet = 'x' AND gone_at IS NULL"
                " AND NOT EXISTS (SELECT 1 FROM sync_pages s WHERE s.outlet = 'x'"
                " AND s.job = 'followers' AND s.run = ? AND s.user_id = followers.user_id)",
                (run,))
        conn.execute("DROP INDEX merge")
        conn.execute("DELETE FROM sync_pages")
        conn.execute("COMMIT")
        times.append(time.perf_counter() - started)
    conn.close()
    return times[0], times[1]


def domain(path: Path, n: int, size: int) -> dict[str, float]:
    """The passes through the domain calls the daemon makes, timed (wall and CPU)."""
    db = open_database(path, create=True)
    follows = Follows(db)
    out: dict[str, float] = {}
    started = time.perf_counter()
    reconcile(follows, FOLLOWING, range(n), size)
    out["following"] = time.perf_counter() - started

    started, cpu = time.perf_counter(), time.process_time()
    reconcile(follows, FOLLOWERS, range(n), size)
    out["first"], out["first_cpu"] = time.perf_counter() - started, time.process_time() - cpu

    churn = n // 100
    second_ids = range(churn, n + churn)  # the first 1% left, 1% are new
    started, cpu = time.perf_counter(), time.process_time()
    gone = reconcile(follows, FOLLOWERS, second_ids, size)
    out["second"], out["second_cpu"] = time.perf_counter() - started, time.process_time() - cpu

    started = time.perf_counter()
    pending = follows.pending_follow_backs("x", 50)
    total_pending = db.conn.execute(
        "SELECT count(*) FROM followers WHERE outlet = 'x' AND followed_back_at IS NULL"
        " AND gone_at IS NULL").fetchone()[0]
    out["query_ms"] = (time.perf_counter() - started) * 1000
    balance = follows.balance("x")
    assert gone == churn and total_pending == churn and len(pending) == min(50, churn), \
        "the diff is wrong"
    assert balance.followers == n and balance.following == n, "the balance is wrong"
    db.close()
    return out


def rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 1024 / 1024


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--followers", type=int, default=1_000_000)
    parser.add_argument("--page", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=1, help="alternating domain/floor pairs")
    args = parser.parse_args()
    n, size = args.followers, args.page
    print(f"{n:,} followers in pages of {size:,}; start RSS {rss_mb():.0f} MB; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    ratios: list[float] = []
    worst_domain: list[float] = []
    worst_floor: list[float] = []
    for i in range(args.rounds):
        with tempfile.TemporaryDirectory() as tmp:
            got: dict[str, float] = {}
            floors: tuple[float, float] = (0.0, 0.0)
            for kind in (("domain", "floor") if i % 2 == 0 else ("floor", "domain")):
                if kind == "domain":
                    got = domain(Path(tmp) / "bench.db", n, size)
                else:
                    floors = floor(Path(tmp) / "floor.db", n, size)
        print(f"round {i + 1}: sync following {got['following']:.2f} s")
        for name, label, fl in (("first", "first pass over followers", floors[0]),
                                ("second", "second pass (1% gone, 1% new)", floors[1])):
            print(f"  {label:31s} {got[name]:6.2f} s (CPU {got[name + '_cpu']:.2f} s); "
                  f"floor {fl:6.2f} s; ratio {got[name] / fl:.2f}x")
        print(f"  pending follow-backs query: {got['query_ms']:.1f} ms; "
              f"load {os.getloadavg()[0]:.2f}")
        worst_domain.append(max(got["first"], got["second"]))
        worst_floor.append(max(floors))
        ratios.append(max(got["first"] / floors[0], got["second"] / floors[1]))
    peak = rss_mb()
    ratio = statistics.median(ratios)
    print(f"\nslowest pass: median {statistics.median(worst_domain):.2f} s; its floor "
          f"{statistics.median(worst_floor):.2f} s; worst ratio median {ratio:.2f}x "
          f"(rounds: {', '.join(f'{r:.2f}' for r in ratios)}; goal 1.2x)")
    print(f"peak RSS: {peak:.0f} MB (goal 300 MB); load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0 if ratio <= 1.2 and peak <= 300 else 1


if __name__ == "__main__":
    sys.exit(main())
