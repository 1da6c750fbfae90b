"""How fast the terminal UI starts on the five-year history: from spawning `inmm-tui` on a
real pseudo-terminal (80x24) until Home has drawn its queue counts, against the floor of a
minimal Textual app (Header, DataTable, Footer) spawned the same way, alternately.

    python bench/ui_startup.py [--db FILE] [--runs 7] [--keys 20]

Uses the five-year history of bench/history.py (built once) unless `--db` names another
database, and puts whoever runs the bench on its roster as HQ (the UI opens for the login
that runs it). Prints both medians, the ratio (goal: at most 1.3x) and the load average.
`--keys N` also times N keystrokes to the compose screen's screening update, in-process.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import datetime as dt
import fcntl
import json
import os
import pty
import random
import re
import select
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
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


MINIMAL_APP = """
from textual.app import App
from textual.widgets import DataTable, Footer, Header


class Minimal(App):
    def compose(self):
        yield Header()
        yield DataTable()
        yield Footer()

    def on_mount(self):
        table = self.query_one(DataTable)
        table.add_columns("Queue", "Count")
        table.add_row("Signed in as", "0")


Minimal().run()
"""
"""The floor: a minimal Textual app (Header, DataTable, Footer) drawing one table row."""
MARK = b"Signed in as"
"""What both draw once ready: Home writes it when its queues have been counted."""
ESCAPES = re.compile(rb"\x1b(\[[0-9;?<>=$ ]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|.)")


def time_on_pty(command: list[str], env: dict[str, str], timeout: float = 60) -> float:
    """Seconds from spawning `command` on an 80x24 pseudo-terminal until MARK is on it, as a
    person at a terminal would see it; then the program is told to quit (Ctrl+Q)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, env=env,
                            start_new_session=True, close_fds=True)
    os.close(slave)
    seen, took = b"", None
    try:
        while time.perf_counter() - started < timeout:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            seen += chunk
            if MARK in ESCAPES.sub(b"", seen[-65536:]):
                took = time.perf_counter() - started
                break
        if took is None:
            raise RuntimeError(f"{command[0]} never showed {MARK!r}: "
                               f"{ESCAPES.sub(b'', seen)[-400:]!r}")
        os.write(master, b"\x11")  # Ctrl+Q
        deadline = time.perf_counter() + 10
        while proc.poll() is None and time.perf_counter() < deadline:
            if select.select([master], [], [], 0.1)[0]:
                try:
                    os.read(master, 65536)
                except OSError:
                    pass
        return took
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an existing history database (default: the five-year "
                        "history of bench/history.py)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keys", type=int, default=0,
                        help="also time this many keystrokes in compose (in-process)")
    args = parser.parse_args()
    if args.db:
        db_path = Path(args.db)
    else:
        sys.path.insert(0, str(HERE))
        from history import DEFAULT_PATH, build

        db_path = build(DEFAULT_PATH)
    from inmm_tui.config import load_config
    from inmm_tui.domain.people import current_login
    from inmm_tui.domain.services import Services
    from inmm_tui.store.db import open_database

    login = current_login()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "inmm.toml"
        cfg.write_text(f'[inmm]\ndatabase = "{db_path}"\n')
        db = open_database(db_path)  # migrated now, not during the first timed start
        # The UI opens for whoever runs it: put them on the roster as HQ, having
        # acknowledged the policy in force (else the policy screen covers Home).
        db.execute("INSERT OR IGNORE INTO people (login, name, initials, role, active, added_at,"
                   " added_by) VALUES (?, 'Bench HQ', 'BH', 'hq', 1,"
                   " '2021-11-01T00:00:00.000000Z', 'bench')", [login])
        policy = Services.build(load_config(str(cfg)), db, lazy_screener=True).policy
        policy.acknowledge(login, policy.record_current().version)  # once: it is idempotent
        sizes = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                 for t in ("posts", "deliveries", "followers", "following", "mentions", "audit")}
        db.close()
        print("database:", db_path, json.dumps(sizes))
        exe = shutil.which("inmm-tui", path=str(Path(sys.executable).parent)) or "inmm-tui"
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"}
        env.pop("INMM_CONFIG", None)
        ours_cmd, floor_cmd = [exe, "--config", str(cfg)], [sys.executable, "-c", MINIMAL_APP]
        # Bytecode as an installed copy has it: compiled now, since an editable install
        # has none and PYTHONDONTWRITEBYTECODE (if set) would keep every run compiling.
        import inmm_tui

        compileall.compile_dir(Path(inmm_tui.__file__).parent, quiet=1)
        time_on_pty(ours_cmd, env), time_on_pty(floor_cmd, env)  # warm-up: caches
        ours, floor = [], []
        for _ in range(args.runs):  # alternately, so both see the same load
            ours.append(time_on_pty(ours_cmd, env))
            floor.append(time_on_pty(floor_cmd, env))
    m_ours, m_floor = statistics.median(ours), statistics.median(floor)
    ratios = sorted(o / f for o, f in zip(ours, floor, strict=True))
    print(f"load average before/after: {LOAD_BEFORE} / {os.getloadavg()[0]:.2f}")
    print(f"inmm-tui to home with its queues counted (real pty, 80x24): median {m_ours:.3f} s "
          f"(min {min(ours):.3f}, max {max(ours):.3f}) over {args.runs} runs")
    print(f"minimal Textual app (Header, DataTable, Footer) to its table drawn: median "
          f"{m_floor:.3f} s (min {min(floor):.3f}, max {max(floor):.3f})")
    print(f"ratio of medians: {m_ours / m_floor:.2f}x; pairwise ratios "
          f"{ratios[0]:.2f}-{ratios[-1]:.2f}, median {statistics.median(ratios):.2f}x "
          "(goal <= 1.3x)")
    if args.keys:
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


LOAD_BEFORE = f"{os.getloadavg()[0]:.2f}"


if __name__ == "__main__":
    sys.exit(main())
