"""Reminders and alerts in one place: every duty the policy sets (credential rotation, the
roster's annual review, the policy review, follow review, unanswered questions) is a
reminder with a due date, who it is for and how it is done; it stays due until someone
marks it done. Alerts are things that went wrong (suspicious activity, dead credentials)
and stay until HQ acknowledges them.

The functions that take a `sqlite3.Connection` must run inside a write transaction; the
daemon calls them each run, so each is idempotent.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING

from inmm_tui.domain import audit
from inmm_tui.domain.alerts import raise_alert as raise_alert
from inmm_tui.domain.errors import NotFound
from inmm_tui.domain.people import authorise
from inmm_tui.domain.roles import Action
from inmm_tui.store.tx import write
from inmm_tui.timeutil import Clock, from_db, to_db, utcnow

if TYPE_CHECKING:
    from sqlite_utils import Database


@dataclass(frozen=True)
class Reminder:
    id: int
    kind: str
    subject: str
    message: str
    due_at: dt.datetime
    for_role: str | None
    how: str | None
    done_at: str | None


@dataclass(frozen=True)
class Alert:
    id: int
    kind: str
    subject: str
    message: str
    raised_at: dt.datetime


def ensure_reminder(conn: sqlite3.Connection, kind: str, subject: str, message: str,
                    due_at: dt.datetime, *, for_role: str | None = None, how: str | None = None,
                    repeat_days: int | None = None) -> bool:
    """Open a reminder unless one for the same duty (kind, subject) is already open.
    Returns True when a new one was opened."""
    open_row = conn.execute(
        "SELECT id FROM reminders WHERE kind = ? AND subject = ? AND done_at IS NULL",
        (kind, subject)).fetchone()
    if open_row:
        conn.execute("UPDATE reminders SET message = ? WHERE id = ?", (message, open_row[0]))
        return False
    cursor = conn.execute(
        "INSERT OR IGNORE INTO reminders (kind, subject, message, due_at, repeat_days, for_role,"
        " how) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (kind, subject, message, to_db(due_at), repeat_days, for_role, how))
    # Ignored when the same duty, due the same day, was already done: not a new reminder.
    if cursor.rowcount == 1:
        from inmm_tui.domain import notify  # writers only: Home's counts need none of it

        notify.on_reminder(conn, kind, subject, due_at, for_role, how, due_at)
    return cursor.rowcount == 1


def close_reminders(conn: sqlite3.Connection, kind: str, subject: str, by: str,
                    at: dt.datetime) -> int:
    """The duty was done (detected by the system, e.g. a verified rotation)."""
    return conn.execute(
        "UPDATE reminders SET done_at = ?, done_by = ? WHERE kind = ? AND subject = ?"
        " AND done_at IS NULL", (to_db(at), by, kind, subject)).rowcount


def open_reminders(conn: sqlite3.Connection, now: dt.datetime | None = None) -> list[Reminder]:
    """Open reminders, the due ones first; with `now`, only those due by then."""
    sql = ("SELECT id, kind, subject, message, due_at, for_role, how, done_at FROM reminders"
           " WHERE done_at IS NULL")
    params: tuple = ()
    if now is not None:
        sql += " AND due_at <= ?"
        params = (to_db(now),)
    rows = conn.execute(sql + " ORDER BY due_at", params).fetchall()
    return [Reminder(r[0], r[1], r[2], r[3], from_db(r[4]), r[5], r[6], r[7]) for r in rows]


def open_alerts(conn: sqlite3.Connection) -> list[Alert]:
    rows = conn.execute(
        "SELECT id, kind, subject, message, raised_at FROM alerts WHERE acknowledged_at IS NULL"
        " ORDER BY raised_at").fetchall()
    return [Alert(r[0], r[1], r[2], r[3], from_db(r[4])) for r in rows]


class Reminders:
    """What people do with reminders and alerts (permission ALERTS)."""

    def __init__(self, db: Database, clock: Clock = utcnow):
        self.db = db
        self.clock = clock

    def mark_done(self, actor: str, reminder_id: int, note: str = "") -> None:
        with write(self.db):
            authorise(self.db.conn, actor, Action.ALERTS)
            row = self.db.conn.execute(
                "SELECT kind, subject FROM reminders WHERE id = ? AND done_at IS NULL",
                (reminder_id,)).fetchone()
            if row is None:
                raise NotFound(f"there is no open reminder #{reminder_id}")
            self.db.conn.execute("UPDATE reminders SET done_at = ?, done_by = ? WHERE id = ?",
                                 (to_db(self.clock()), actor, reminder_id))
            audit.append(self.db.conn, actor, "reminder.done", f"reminder:{reminder_id}",
                         {"kind": row[0], "subject": row[1], "note": note}, at=self.clock())

    def acknowledge(self, actor: str, alert_id: int, note: str = "") -> None:
        with write(self.db):
            authorise(self.db.conn, actor, Action.ALERTS)
            row = self.db.conn.execute(
                "SELECT kind, subject FROM alerts WHERE id = ? AND acknowledged_at IS NULL",
                (alert_id,)).fetchone()
            if row is None:
                raise NotFound(f"there is no open alert #{alert_id}")
            self.db.conn.execute(
                "UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ?",
                (to_db(self.clock()), actor, alert_id))
            audit.append(self.db.conn, actor, "alert.acknowledge", f"alert:{alert_id}",
                         {"kind": row[0], "subject": row[1], "note": note}, at=self.clock())
