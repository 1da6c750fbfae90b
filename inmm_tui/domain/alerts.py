"""Raising an alert: something went wrong that HQ must see (suspicious activity, dead
credentials). Apart from `reminders` so that the roster, which `reminders` needs for its
permission checks, can raise one too."""

from __future__ import annotations

import datetime as dt
import sqlite3

from inmm_tui.domain import audit
from inmm_tui.timeutil import to_db


def raise_alert(conn: sqlite3.Connection, kind: str, subject: str, message: str,
                at: dt.datetime) -> bool:
    """Raise an alert once per (kind, subject) until acknowledged; True when new."""
    row = conn.execute("SELECT id, acknowledged_at FROM alerts WHERE kind = ? AND subject = ?",
                       (kind, subject)).fetchone()
    if row and row[1] is None:
        return False
    if row:
        conn.execute(
            "UPDATE alerts SET message = ?, raised_at = ?, acknowledged_at = NULL,"
            " acknowledged_by = NULL WHERE id = ?", (message, to_db(at), row[0]))
    else:
        conn.execute("INSERT INTO alerts (kind, subject, message, raised_at) VALUES (?, ?, ?, ?)",
                     (kind, subject, message, to_db(at)))
    audit.append(conn, audit.DAEMON, "alert.raise", subject, {"kind": kind, "message": message},
                 at=at)
    return True
