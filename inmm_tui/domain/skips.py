"""Items a daemon job could not process and skipped, so that one bad item never blocks a
queue: each is recorded (and audited) with the error, the job moves on past it, and an
alert is raised once `alert_after` of them have piled up on an outlet unannounced.

A skipped item is not lost: its platform id is kept here, for a person to look up on the
platform (the alert says where)."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from typing import TYPE_CHECKING

from inmm_tui.domain import audit
from inmm_tui.domain.reminders import raise_alert
from inmm_tui.outside_text import printable, storable
from inmm_tui.store.tx import write
from inmm_tui.timeutil import to_db

if TYPE_CHECKING:
    from sqlite_utils import Database

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


def database_failing(exc: BaseException) -> bool:
    """An error of the database (locked, full, read-only, damaged) rather than of what was
    being stored in it: not the item's fault, so the job stops instead of skipping it."""
    return isinstance(exc, sqlite3.DatabaseError) and not isinstance(
        exc, sqlite3.IntegrityError | sqlite3.DataError | sqlite3.ProgrammingError)


def skip(db: Database, job: str, outlet: str, item: str, exc: BaseException | str,
         now: dt.datetime, log: logging.Logger, what: str) -> str:
    """Log, record and audit that `job` skipped `item` (`what` names it in the log) for
    `exc` (an exception, or what was wrong), outside any transaction; returns the
    one-line error. A failure to record is logged, never raised: the job goes on with
    the next item either way."""
    # The error's message, never the item's content: that is someone else's text.
    error = printable(exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}",
                      limit=200)
    label = printable(item, limit=60)
    log.warning("%s: %s %s could not be processed and is skipped: %s", outlet, what, label,
                error)
    try:
        with write(db):
            alerted = record_skip(db.conn, job, outlet, item, error, now)
    except Exception:
        log.exception("%s: could not record the skipped %s %s", outlet, what, label)
        return error
    if alerted:
        log.error("%s: several items skipped by %s; an alert is raised", outlet, job)
    return error
