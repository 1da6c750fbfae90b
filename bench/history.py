"""Build a synthetic five-year history database for benchmarks.

    python bench/history.py [PATH] [--scale 1.0]

At scale 1: 50,000 posts, 100,000 deliveries, 1,000,000 follower rows, 200,000 mentions,
500,000 audit entries (a valid hash chain, checkpointed as the daemon's hourly check would
leave it), a roster of 12, 2,000 moderation items with evidence rows. Reuses PATH when it
already exists at that scale. Prints the path and the time taken.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from pathlib import Path

from inmm_tui.domain import audit
from inmm_tui.domain.posts import content_hash
from inmm_tui.store.db import open_database
from inmm_tui.store.tx import write
from inmm_tui.timeutil import to_db

DEFAULT_PATH = Path(__file__).parent / "out" / "history.db"
END = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
START = END - dt.timedelta(days=5 * 365)
SPAN = (END - START).total_seconds()
ROLES = ["hq", "subcommittee_chair", "communications_chair", "executive_committee"] + [
    "account_manager"] * 8
WORDS = ("safeguards nuclear security annual meeting registration workshop award webinar "
         "journal members chapter students paper deadline INMM Vienna Indianapolis session "
         "keynote nonproliferation verification transport packaging").split()


def _moment(rng: random.Random) -> dt.datetime:
    return START + dt.timedelta(seconds=rng.random() * SPAN)


def build(path: Path, scale: float = 1.0) -> Path:
    marker = path.with_suffix(".scale")
    if path.exists() and marker.exists() and marker.read_text() == str(scale):
        return path
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(2016)
    db = open_database(path, create=True)
    conn = db.conn
    n_posts, n_followers = int(50_000 * scale), int(1_000_000 * scale)
    n_mentions, n_audit = int(200_000 * scale), int(500_000 * scale)
    logins = [f"user{i:02d}" for i in range(len(ROLES))]
    with write(db):
        conn.executemany(
            "INSERT INTO people (login, name, initials, role, active, added_at, added_by)"
            " VALUES (?, ?, ?, ?, 1, ?, 'init')",
            [(login, f"Person {i}", f"P{i}", role, to_db(START))
             for i, (login, role) in enumerate(zip(logins, ROLES, strict=True))])
        posts, deliveries = [], []
        for post_id in range(1, n_posts + 1):
            when = _moment(rng)
            body = " ".join(rng.choices(WORDS, k=18))
            future = post_id > n_posts - 40
            status = "scheduled" if future else rng.choices(
                ["published", "withdrawn", "rejected", "draft"], [0.94, 0.02, 0.02, 0.02])[0]
            if future:
                when = END + dt.timedelta(hours=post_id % 40)
            posts.append((post_id, rng.choice(logins), status, body, "INMM announcement",
                          to_db(when), to_db(when), to_db(when)))
            if status in ("published", "scheduled"):
                for outlet in ("x", "mastodon"):
                    text = f"{body} ^P1"
                    state = "pending" if future else "sent"
                    deliveries.append((post_id, outlet, state, text, content_hash(text),
                                       to_db(when), to_db(when) if state == "sent" else None,
                                       f"{outlet}-{post_id}" if state == "sent" else None))
        conn.executemany(
            "INSERT INTO posts (id, author, status, body, topic, scheduled_at, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", posts)
        conn.executemany(
            "INSERT INTO deliveries (post_id, outlet, state, text, content_hash, due_at,"
            " sent_at, platform_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", deliveries)
        conn.executemany(
            "INSERT INTO post_outlets (post_id, outlet) VALUES (?, ?)",
            [(p[0], o) for p in posts for o in ("x", "mastodon")])
        conn.executemany(
            "INSERT INTO followers (outlet, user_id, handle, first_seen_at, followed_back_at)"
            " VALUES (?, ?, ?, ?, ?)",
            ((("x" if i % 3 else "mastodon"), str(10_000_000 + i), f"follower{i}",
              to_db(START), to_db(START)) for i in range(n_followers)))
        conn.executemany(
            "INSERT INTO mentions (outlet, platform_id, author_id, author_handle, text,"
            " created_at, ingested_at, verdict, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ((("x" if i % 2 else "mastodon"), str(i), str(10_000_000 + i % 50_000),
              f"follower{i % 50_000}", "@INMMorg " + " ".join(rng.choices(WORDS, k=12)),
              to_db(_moment(rng)), to_db(END), "pass",
              "question" if i % 10 == 0 else ("moderation" if i % 100 == 1 else "mention"))
             for i in range(n_mentions)))
        conn.execute(
            "INSERT INTO moderation_items (mention_id, status, opened_at, closed_at)"
            " SELECT id, CASE WHEN id % 7 = 0 THEN 'open' ELSE 'dismissed' END, ingested_at,"
            " CASE WHEN id % 7 = 0 THEN NULL ELSE ingested_at END"
            " FROM mentions WHERE kind = 'moderation'")
        conn.execute(
            "INSERT INTO evidence (mention_id, captured_at, raw_payload, rendered_svg, sha256)"
            " SELECT mention_id, opened_at, '{}', '<svg/>', '' FROM moderation_items")
        prev = audit.GENESIS
        rows = []
        step = SPAN / max(n_audit, 1)
        actions = ["post.create", "post.submit", "post.clear", "post.schedule",
                   "delivery.sent", "follow.back"]
        for seq in range(1, n_audit + 1):
            at = to_db(START + dt.timedelta(seconds=seq * step))
            actor = logins[seq % len(logins)] if seq % 3 else audit.DAEMON
            action = actions[seq % len(actions)]
            subject = f"post:{seq % max(n_posts, 1) + 1}"
            details = json.dumps({"n": seq}, separators=(",", ":"))
            digest = audit.entry_hash(prev, seq, at, actor, action, subject, details)
            rows.append((seq, at, actor, action, subject, details, prev, digest))
            prev = digest
        conn.executemany("INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        conn.execute("INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?)", (n_audit, prev))
        conn.execute("INSERT INTO heartbeat (name, at, pid) VALUES ('daemon', ?, 1)",
                     (to_db(END),))
    check = audit.verify(conn)
    with write(db):
        audit.record_checkpoint(conn, check)
    db.execute("ANALYZE")
    db.close()
    marker.write_text(str(scale))
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=str(DEFAULT_PATH))
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    started = time.perf_counter()
    path = build(Path(args.path), args.scale)
    size = path.stat().st_size / 1e6
    print(f"{path} ({size:.0f} MB) ready in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
