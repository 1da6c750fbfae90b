"""Items a daemon job could not process and skipped, so that one bad item never blocks a
queue: each is recorded (and audited) with the error, the job moves on past it, and an
alert is raised once `alert_after` of them have piled up on an outlet unannounced.

A skipped item is not lost: its platform id is kept here, for a person to look up on the
platform (the alert says where)."""

from __future__ import annotations

import datetime as dt
import sqlite3

from inmm_tui.domain import audit
from inmm_tui.domain.reminders import raise_alert
from inmm_tui.outside_text import storable
from inmm_tui.timeutil import to_db

ALERT_AFTER = 3
"""Skipped items on one outlet and job before an alert is raised."""
MAX_ERROR = 300


def record_skip(conn: sqlite3.Connection, job: str, outlet: str, item: str, error: str,
                now: dt.datetime, *, alert_after: int = ALERT_AFTER) -> bool:
    """Record that `job` skipped `item` (a platform id, or a row id) on `outlet` because
    of `error`; True when this raised the alert. Call inside a write transaction."""
    item, error = storable(item), storable(error)[:MAX_ERROR]
    conn.execute(
        "INSERT INTO skipped_items (job, outlet, item, error, skipped_at, failures)"
        " VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT (job, outlet, item) DO UPDATE SET"
        " error = excluded.error, skipped_at = excluded.skipped_at, failures = failures + 1",
        (job, outlet, item, error, to_db(now)))
    audit.append(conn, audit.DAEMON, f"{job}.skipped", f"{outlet}:{item}",
                 {"job": job, "outlet": outlet, "item": item, "error": error}, at=now)
    pending = conn.execute(
        "SELECT item FROM skipped_items WHERE job = ? AND outlet = ? AND alerted_at IS NULL"
        " ORDER BY skipped_at, item", (job, outlet)).fetchall()
    if len(pending) < alert_after:
        return False
    conn.execute("UPDATE skipped_items SET alerted_at = ? WHERE job = ? AND outlet = ?"
                 " AND alerted_at IS NULL", (to_db(now), job, outlet))
    items = ", ".join(row[0] for row in pending[-5:])
    return raise_alert(
        conn, "items_skipped", f"{job}:{outlet}",
        f"{job} on {outlet}: {len(pending)} items could not be processed and were skipped "
        f"(the latest: {items}; the last error: {error}); the job goes on with the others. "
        f"Look them up on {outlet}; the daemon's log says more", now)


def skipped(conn: sqlite3.Connection, job: str, outlet: str | None = None
            ) -> list[tuple[str, str, str, int]]:
    """(outlet, item, error, failures) of what `job` skipped, oldest first."""
    where, args = "job = ?", [job]
    if outlet is not None:
        where, args = where + " AND outlet = ?", [job, outlet]
    return [(str(r[0]), str(r[1]), str(r[2]), int(r[3])) for r in conn.execute(
        f"SELECT outlet, item, error, failures FROM skipped_items WHERE {where}"
        " ORDER BY skipped_at, item", args)]
