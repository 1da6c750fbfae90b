"""Reconcile one million followers, as the follow-back job does, and report time and peak
memory (goal: 10 s and 300 MB or less for a full pass).

    python bench/followers.py [--followers 1000000] [--page 1000]

A synthetic pager feeds pages of 1,000 accounts with random-looking 19-digit ids (as
X's are, in no useful order), generated as they are paged through the same domain calls the daemon
makes (`Follows.begin` / `record_page`, one transaction per page with its cursor), on a
fresh database file. Three passes are timed:

1. the first pass over an account that already follows its followers back (the
   `following` list is synced first, as the job does), which stores every follower;
2. a second pass where 1% of the followers left and 1% are new: the diff (who is new,
   who is gone) happens in SQL, at the end of the run and in the pending query;
3. the query for followers awaiting a follow-back.

Peak memory is the process's maximum resident set size (SQLite's page cache included).
Wall and CPU times are both printed: on a shared machine the wall time varies.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

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


def rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 1024 / 1024


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--followers", type=int, default=1_000_000)
    parser.add_argument("--page", type=int, default=1000)
    args = parser.parse_args()
    n, size = args.followers, args.page
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(Path(tmp) / "bench.db", create=True)
        follows = Follows(db)
        print(f"{n:,} followers in pages of {size:,}; start RSS {rss_mb():.0f} MB")

        started = time.perf_counter()
        reconcile(follows, FOLLOWING, range(n), size)
        following_s = time.perf_counter() - started
        print(f"sync following ({n:,} already followed back): {following_s:6.2f} s")

        started, cpu = time.perf_counter(), time.process_time()
        reconcile(follows, FOLLOWERS, range(n), size)
        first_s = time.perf_counter() - started
        print(f"first pass over followers:                   {first_s:6.2f} s"
              f"  (CPU {time.process_time() - cpu:.2f} s)")

        churn = n // 100
        second_ids = range(churn, n + churn)  # the first 1% left, 1% are new
        started, cpu = time.perf_counter(), time.process_time()
        gone = reconcile(follows, FOLLOWERS, second_ids, size)
        second_s = time.perf_counter() - started
        print(f"second pass (1% gone, 1% new):               {second_s:6.2f} s"
              f"  (CPU {time.process_time() - cpu:.2f} s)  gone={gone:,}")

        started = time.perf_counter()
        pending = follows.pending_follow_backs("x", 50)
        total_pending = db.conn.execute(
            "SELECT count(*) FROM followers WHERE outlet = 'x' AND followed_back_at IS NULL"
            " AND gone_at IS NULL").fetchone()[0]
        query_ms = (time.perf_counter() - started) * 1000
        print(f"pending follow-backs query:                  {query_ms:6.1f} ms  "
              f"next={len(pending)} of {total_pending:,}")
        balance = follows.balance("x")
        print(f"balance: {balance.followers:,} followers, {balance.following:,} following")
        assert gone == churn and total_pending == churn, "the diff is wrong"
        db.close()
    peak = rss_mb()
    worst = max(first_s, second_s)
    print(f"\nslowest pass: {worst:.2f} s (goal 10 s)  peak RSS: {peak:.0f} MB (goal 300 MB)")
    return 0 if worst <= 10 and peak <= 300 else 1


if __name__ == "__main__":
    sys.exit(main())
