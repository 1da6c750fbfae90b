"""How fast the terminal UI is on a big history: time to the first interactive screen
(home with its queues counted), and keystroke-to-screening-update in compose.

    python bench/ui_startup.py [--db FILE] [--runs 5]

With `--db`, uses that database (e.g. the five-year history from bench/history.py);
otherwise builds a smaller synthetic history in bench/out/ui-history.db once. Prints
figures; asserts nothing (goal: first screen at most 0.6 s).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCH_LOGIN = "benchhq"


def build_history(path: Path, years: int = 5, posts_per_day: int = 12,
                  followers: int = 300_000, mentions: int = 100_000) -> None:
    """A synthetic history: posts with deliveries and audit entries, followers, following,
    mentions. Written with plain SQL (the domain would take minutes for this)."""
    from inmm_tui.domain.audit import GENESIS, entry_hash
    from inmm_tui.store.db import open_database
    from inmm_tui.timeutil import to_db

    rng = random.Random(7)
    db = open_database(path, create=True)
    conn = db.conn
    start = dt.datetime(2022, 1, 1, tzinfo=dt.UTC)
    now = dt.datetime.now(dt.UTC)
    conn.execute("BEGIN")
    conn.execute("INSERT INTO people (login, name, initials, role, active, added_at, added_by)"
                 " VALUES (?, 'Bench HQ', 'BH', 'hq', 1, ?, 'bench')", (BENCH_LOGIN, to_db(start)))
    post_rows, delivery_rows, audit_rows = [], [], []
    prev, seq = GENESIS, 0
    n_posts = years * 365 * posts_per_day
    for post_id in range(1, n_posts + 1):
        when = start + dt.timedelta(minutes=post_id * 1440 // posts_per_day)
        status = "published" if when < now else "scheduled"
        stamp = to_db(when)
        post_rows.append((post_id, BENCH_LOGIN, status, f"Post number {post_id}", "Membership",
                          stamp, stamp, stamp))
        for outlet in ("x", "mastodon"):
            state = "sent" if status == "published" else "pending"
            delivery_rows.append((post_id, outlet, state, f"Post number {post_id} ^BH",
                                  "0" * 64, stamp, stamp if state == "sent" else None))
        for action in ("post.create", "post.submit", "post.clear"):
            seq += 1
            digest = entry_hash(prev, seq, stamp, BENCH_LOGIN, action, f"post:{post_id}", "{}")
            audit_rows.append((seq, stamp, BENCH_LOGIN, action, f"post:{post_id}", "{}", prev,
                               digest))
            prev = digest
    conn.executemany("INSERT INTO posts (id, author, status, body, topic, scheduled_at,"
                     " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", post_rows)
    conn.executemany("INSERT INTO deliveries (post_id, outlet, state, text, content_hash, due_at,"
                     " sent_at) VALUES (?, ?, ?, ?, ?, ?, ?)", delivery_rows)
    conn.executemany("INSERT INTO audit (seq, at, actor, action, subject, details, prev_hash,"
                     " hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", audit_rows)
    conn.execute("INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?)", (seq, prev))
    stamp = to_db(start)
    conn.executemany(
        "INSERT INTO followers (outlet, user_id, handle, first_seen_at, followed_back_at)"
        " VALUES (?, ?, ?, ?, ?)",
        ((("x", "mastodon")[i % 2], str(i), f"user{i}", stamp, stamp) for i in range(followers)))
    conn.executemany(
        "INSERT INTO following (outlet, user_id, handle, reason, followed_at, followed_by,"
        " reviewed_at) VALUES (?, ?, ?, 'follow_back', ?, 'daemon', ?)",
        ((("x", "mastodon")[i % 2], str(i), f"user{i}", stamp,
          stamp if rng.random() < 0.9 else None) for i in range(followers)))
    conn.executemany(
        "INSERT INTO mentions (outlet, platform_id, author_id, author_handle, text, created_at,"
        " ingested_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        ((("x", "mastodon")[i % 2], str(i), str(i % 5000), f"user{i % 5000}", "hello @INMMorg",
          stamp, stamp) for i in range(mentions)))
    conn.execute("COMMIT")
    conn.close()


def child(db_path: str, login: str, t0: float) -> None:
    """Runs in a fresh interpreter: from process start to home with its counts shown."""
    from inmm_tui.config import embedded_default
    from inmm_tui.domain.services import Services
    from inmm_tui.store.db import open_database
    from inmm_tui.ui.app import InmmApp
    from inmm_tui.ui.messages import OverviewLoaded
    from inmm_tui.ui.screens.home import HomeScreen

    marks: dict[str, float] = {}
    loaded: list[bool] = []

    def hook(message: object) -> None:
        if isinstance(message, OverviewLoaded):
            loaded.append(True)

    marks["imported"] = time.time() - t0
    services = Services.build(embedded_default(), open_database(db_path, create=True), lazy_screener=True)
    app = InmmApp(services, login, watch=False)

    async def go() -> None:
        async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
            for _ in range(3000):  # at most 30 s
                if isinstance(app.screen, HomeScreen) and "shown" not in marks:
                    marks["shown"] = time.time() - t0  # home on screen, keys live
                if loaded:
                    await pilot.pause()  # the counts are drawn
                    marks["interactive"] = time.time() - t0
                    break
                await asyncio.sleep(0.005)

    asyncio.run(go())
    print(json.dumps(marks))


async def keystrokes(db_path: str, login: str, count: int) -> tuple[list[float], list[float]]:
    """Keystroke to screening shown, with the compose debounce and without it."""
    from inmm_tui.config import embedded_default
    from inmm_tui.domain.services import Services
    from inmm_tui.store.db import open_database
    from inmm_tui.ui.app import InmmApp
    from inmm_tui.ui.messages import PreviewReady
    from inmm_tui.ui.screens.compose import ComposeScreen

    results: dict[str, list[float]] = {}
    # Measure counting and screening only: keep the drafts out of the history database.
    ComposeScreen.AUTOSAVE_DELAY = 3600
    ComposeScreen.save_now = lambda self: None  # type: ignore[method-assign]
    for delay in (ComposeScreen.PREVIEW_DELAY, 0.001):
        ComposeScreen.PREVIEW_DELAY = delay
        services = Services.build(embedded_default(), open_database(db_path, create=True))
        app = InmmApp(services, login, watch=False)
        shown: list[float] = []

        def hook(message: object, _shown: list[float] = shown) -> None:
            if isinstance(message, PreviewReady):
                _shown.append(time.perf_counter())

        times: list[float] = []
        async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
            await pilot.press("n")
            await pilot.pause(0.5)
            for index in range(count):
                before = len(shown)
                pressed = time.perf_counter()
                await pilot.press("abcdefghij"[index % 10])
                for _ in range(200):  # at most 2 s
                    if len(shown) > before:
                        break
                    await asyncio.sleep(0.001)
                if len(shown) > before:
                    times.append(shown[-1] - pressed)
            await pilot.press("escape")
        results[str(delay)] = times
        services.db.conn.close()
    with_debounce, without = results.values()
    return with_debounce, without


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an existing history database")
    parser.add_argument("--login", help="an HQ login on that database (default: the first)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keys", type=int, default=20)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], float(args.child[2]))
        return 0
    if args.db:
        db_path = Path(args.db)
    else:
        db_path = HERE / "out" / "ui-history.db"
        if not db_path.exists():
            db_path.parent.mkdir(parents=True, exist_ok=True)
            began = time.perf_counter()
            build_history(db_path)
            print(f"built {db_path} in {time.perf_counter() - began:.1f} s")
    import sqlite3

    conn = sqlite3.connect(db_path)
    login = args.login or conn.execute(
        "SELECT login FROM people WHERE role = 'hq' AND active = 1 LIMIT 1").fetchone()[0]
    sizes = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
             for t in ("posts", "deliveries", "followers", "following", "mentions", "audit")}
    conn.close()
    print("database:", db_path, json.dumps(sizes))
    figures = []
    for _ in range(args.runs):
        t0 = time.time()
        out = subprocess.run([sys.executable, __file__, "--child", str(db_path), login, str(t0)],
                             capture_output=True, text=True, timeout=120, check=True)
        figures.append(json.loads(out.stdout.strip().splitlines()[-1]))
    interactive = [f["interactive"] for f in figures]
    imported = [f["imported"] for f in figures]
    shown = [f["shown"] for f in figures]
    print(f"process start to imports done: median {statistics.median(imported):.3f} s")
    print(f"process start to home screen drawn (keys live, counts loading): "
          f"median {statistics.median(shown):.3f} s")
    print(f"process start to first interactive screen (home, queues counted): "
          f"median {statistics.median(interactive):.3f} s, worst {max(interactive):.3f} s "
          f"(goal <= 0.6 s) over {args.runs} runs")
    with_debounce, without = asyncio.run(keystrokes(str(db_path), login, args.keys))
    for label, values in (("with the 0.15 s debounce", with_debounce),
                          ("screening work alone (no debounce)", without)):
        if values:
            values.sort()
            p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
            print(f"keystroke to screening update, {label}: median "
                  f"{statistics.median(values) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms "
                  f"({len(values)} keys)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
