"""What `--report` and the monthly report count without reading the whole history: the
post and delivery counts kept by triggers, follower types from an index alone, and an
audit log too long since its last full check reported rather than re-hashed."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

from inmm_tui.domain import audit, metrics
from inmm_tui.domain.people import current_login
from inmm_tui.reports.status import QUICK_CHECK_MOST
from inmm_tui.store.db import open_database
from inmm_tui.store.tx import write
from inmm_tui.timeutil import to_db, utcnow

from .cli_helpers import run_cli

POST_STATES = ("draft", "submitted", "cleared", "scheduled", "published", "rejected", "withdrawn")
DELIVERY_STATES = ("pending", "sending", "sent", "failed", "held", "withdrawn")


def _counted(conn, table: str, column: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return dict(conn.execute(f"SELECT {column}, count(*) FROM {table} GROUP BY {column}"))


def _kept(conn, table: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return dict(conn.execute("SELECT state, n FROM state_counts WHERE tbl = ? AND n != 0",
                             (table,)))


def test_post_and_delivery_counts_follow_every_insert_change_and_delete(tmp_path: Path) -> None:
    db = open_database(tmp_path / "inmm.db", create=True)
    conn = db.conn
    rng = random.Random(16)
    now = to_db(utcnow())
    conn.execute("INSERT INTO people (login, name, initials, role, active, added_at, added_by)"
                 " VALUES ('ada', 'Ada', 'AA', 'hq', 1, ?, 'init')", (now,))
    for step in range(400):
        post_ids = [r[0] for r in conn.execute("SELECT id FROM posts")]
        delivery_ids = [r[0] for r in conn.execute("SELECT id FROM deliveries")]
        choice = rng.random()
        if choice < 0.3 or not post_ids:
            conn.execute("INSERT INTO posts (author, status, body, created_at, updated_at)"
                         " VALUES ('ada', ?, 'b', ?, ?)", (rng.choice(POST_STATES), now, now))
        elif choice < 0.5:
            conn.execute("UPDATE posts SET status = ? WHERE id = ?",
                         (rng.choice(POST_STATES), rng.choice(post_ids)))
        elif choice < 0.7:
            conn.execute(
                "INSERT INTO deliveries (post_id, outlet, state, text, content_hash, due_at)"
                " VALUES (?, ?, ?, 't', 'h', ?)",
                (rng.choice(post_ids), f"outlet{step}", rng.choice(DELIVERY_STATES), now))
        elif choice < 0.85 and delivery_ids:
            # several rows at once, some keeping their state
            conn.execute("UPDATE deliveries SET state = ?, attempts = attempts + 1 WHERE id % 3 = ?",
                         (rng.choice(DELIVERY_STATES), rng.randrange(3)))
        elif choice < 0.93 and delivery_ids:
            conn.execute("DELETE FROM deliveries WHERE id = ?", (rng.choice(delivery_ids),))
        else:
            conn.execute("DELETE FROM deliveries WHERE post_id = ?", (post_ids[-1],))
            conn.execute("DELETE FROM posts WHERE id = ?", (post_ids[-1],))
        assert _kept(conn, "posts") == _counted(conn, "posts", "status"), step
        assert _kept(conn, "deliveries") == _counted(conn, "deliveries", "state"), step
    db.close()


def test_follower_types_as_at_a_moment_read_only_the_index(tmp_path: Path) -> None:
    db = open_database(tmp_path / "inmm.db", create=True)
    conn = db.conn
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    conn.executemany(
        "INSERT INTO followers (outlet, user_id, handle, first_seen_at, gone_at, kind)"
        " VALUES ('x', ?, ?, ?, ?, ?)",
        [(str(i), f"f{i}", to_db(start + dt.timedelta(days=i)),
          to_db(start + dt.timedelta(days=i + 10)) if i % 4 == 0 else None,
          ("member", "staff", None)[i % 3]) for i in range(60)])
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    as_of = start + dt.timedelta(days=30, hours=12)
    types = metrics.follower_types_at(conn, as_of)
    conn.set_trace_callback(None)
    # first seen on days 0..30; of those, gone by then: days 0, 4, ..., 20 (gone 10 days later)
    here = [i for i in range(31) if not (i % 4 == 0 and i + 10 <= 30)]
    assert types is not None
    assert types["member"] == sum(1 for i in here if i % 3 == 0)
    assert types["staff"] == sum(1 for i in here if i % 3 == 1)
    assert types["unknown"] == sum(1 for i in here if i % 3 == 2)
    counting = [s for s in statements if "count(*)" in s]
    assert counting
    for statement in counting:
        plan = " ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + statement))
        assert "COVERING INDEX" in plan, plan
    db.close()


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "inmm.toml"
    path.write_text('[inmm]\ndatabase = "inmm.db"\n[review]\npolicy_next_review = "2099-12-01"\n')
    return path


def test_an_audit_log_long_unchecked_is_reported_not_rehashed(tmp_path: Path) -> None:
    cfg = str(_config(tmp_path))
    assert run_cli("--config", cfg, "init", "--admin", current_login()).returncode == 0
    db = open_database(tmp_path / "inmm.db", create=True)
    with write(db):
        for i in range(QUICK_CHECK_MOST):
            audit.append(db.conn, audit.DAEMON, "bench.step", f"step:{i}")
        db.conn.execute("INSERT INTO heartbeat (name, at, pid) VALUES ('daemon', ?, 1)",
                        (to_db(utcnow()),))
    entries = db.conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    db.close()

    result = run_cli("--config", cfg, "--report", "--json")
    status = json.loads(result.stdout)
    assert result.returncode == 1
    assert status["audit"]["rehashed"] == 0 and status["audit"]["unverified"] == entries
    assert status["audit"]["chain_ok"] is None and not status["audit"]["ok"]
    assert any("audit chain not verified" in item and "inmm-tui audit verify" in item
               for item in status["attention"]), status["attention"]
    text = run_cli("--config", cfg, "--report").stdout
    assert f"audit chain: NOT VERIFIED: {entries} entries since the last full check" in text

    # the full check leaves a checkpoint; the report then has nothing left to re-hash
    assert run_cli("--config", cfg, "audit", "verify").returncode == 0
    after = run_cli("--config", cfg, "--report", "--json")
    status = json.loads(after.stdout)
    assert after.returncode == 0, status["attention"]
    assert status["audit"]["ok"] and status["audit"]["chain_ok"]
    assert status["audit"]["rehashed"] == 0 and status["audit"]["unverified"] == 0
