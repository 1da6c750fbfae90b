"""How fast the follow review pages on a million followed accounts, all stamped with the
same `followed_at` (what the first sync of an account does), plus the balance counts.

    python bench/follow_review.py [--rows 1000000]

Builds bench/out/follow-review-ROWS.db once (plain SQL), then prints the time of the
first page, of the next pages (by key), of the first and a middle page by OFFSET (the
domain's `Follows.followed`) for comparison, of `Follows.balance`, and through the UI
(pilot) from `f` to the first page shown and from `n` to the next. Asserts only that
`n` moved the page.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
LOGIN = "benchhq"


def build(path: Path, rows: int) -> None:
    from inmm_tui.store.db import open_database
    from inmm_tui.timeutil import to_db

    db = open_database(path, create=True)
    conn = db.conn
    now = to_db(dt.datetime(2027, 3, 1, tzinfo=dt.UTC))
    conn.execute("BEGIN")
    conn.execute("INSERT INTO people (login, name, initials, role, active, added_at, added_by)"
                 " VALUES (?, 'Bench HQ', 'BH', 'hq', 1, ?, 'bench')", (LOGIN, now))
    conn.executemany(
        "INSERT INTO following (outlet, user_id, handle, name, reason, followed_at,"
        " followed_by, confirmed_at) VALUES ('x', ?, ?, ?, 'follow_back', ?, 'platform', ?)",
        ((f"{n:09d}", f"user{n}", f"User {n}", now, now) for n in range(rows)))
    conn.executemany(
        "INSERT INTO followers (outlet, user_id, handle, name, first_seen_at)"
        " VALUES ('x', ?, ?, ?, ?)",
        ((f"{n:09d}", f"user{n}", f"User {n}", now) for n in range(rows)))
    conn.execute("COMMIT")
    db.conn.close()


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    from inmm_tui.domain.follows import Follows
    from inmm_tui.domain.oversight import followed_page
    from inmm_tui.store.db import open_database

    path = HERE / "out" / f"follow-review-{args.rows}.db"
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        print(f"building {args.rows} followed accounts in {path} ...")
        build(path, args.rows)
    db = open_database(path, create=True)
    conn = db.conn
    follows = Follows(db)
    first = timed(lambda: followed_page(conn, LOGIN, "x", limit=100))
    page = followed_page(conn, LOGIN, "x", limit=100)
    pages = 0
    start = time.perf_counter()
    while page.next_key and pages < 50:
        page = followed_page(conn, LOGIN, "x", after=page.next_key, limit=100)
        pages += 1
    by_key = (time.perf_counter() - start) / max(pages, 1)
    balance = timed(lambda: follows.balance("x"))
    print(f"rows={args.rows}")
    print(f"first page (key):         {first * 1000:8.1f} ms")
    print(f"next page (key, mean/50): {by_key * 1000:8.1f} ms")
    print(f"balance (two counts):     {balance * 1000:8.1f} ms")
    db.conn.close()
    opened, paged = asyncio.run(through_the_ui(path))
    print(f"UI: f to first page shown:  {opened * 1000:6.1f} ms (with the balance counted)")
    print(f"UI: n to next page shown:   {paged * 1000:6.1f} ms")


async def through_the_ui(path: Path) -> tuple[float, float]:
    """Key press to the follow review's table filled, through the pilot."""
    from inmm_tui.config import embedded_default
    from inmm_tui.domain.services import Services
    from inmm_tui.store.db import open_database
    from inmm_tui.ui.app import InmmApp
    from inmm_tui.ui.widgets.tables import ListTable

    app = InmmApp(Services.build(embedded_default(), open_database(path, create=True)), LOGIN, watch=False)

    async def idle(pilot) -> None:  # type: ignore[no-untyped-def]
        for _ in range(200):  # bounded: at most 200 rounds of waiting
            await pilot.pause()
            busy = [w for w in app.workers if w.is_running and w.group != "warm"]
            if not busy:
                return
            await asyncio.gather(*(w.wait() for w in busy), return_exceptions=True)

    async with app.run_test(size=(120, 40)) as pilot:
        await idle(pilot)
        start = time.perf_counter()
        await pilot.press("f")
        await idle(pilot)
        opened = time.perf_counter() - start
        first = app.screen.query_one("#followed", ListTable).get_row_at(0)[0]
        start = time.perf_counter()
        await pilot.press("n")
        await idle(pilot)
        paged = time.perf_counter() - start
        assert app.screen.query_one("#followed", ListTable).get_row_at(0)[0] != first
    return opened, paged


if __name__ == "__main__":
    main()
