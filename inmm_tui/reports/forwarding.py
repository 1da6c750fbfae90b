"""The monthly report's last step: "reported through the Communications Chair to the
Executive Committee" (policy, "Handling Questionable Information"). The Chair is told when
a report is written (notification `monthly_report`) and records here the date it was
forwarded; `--report` names last month's report until that is recorded.

`pending` takes a plain `sqlite3.Connection` and costs two indexed look-ups, and this module
imports the rest only when recording: `--report` runs `pending`.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from typing import TYPE_CHECKING

from inmm_tui.domain.errors import InvalidInput, InvalidState, NotAuthorised
from inmm_tui.timeutil import Clock, from_db, to_db

if TYPE_CHECKING:
    from sqlite_utils import Database

FORWARDED = "report.forwarded"
REFUSED = "report.forwarded_refused"


def previous_month(today: dt.date) -> dt.date:
    """The first day of the month before `today`'s: the last complete month."""
    first = today.replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


def parse_day(text: str) -> dt.date:
    """`2027-03-04`; InvalidInput naming `--on` otherwise."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
            raise ValueError
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"--on {text!r}: expected a date like 2027-03-04") from None


def record_forwarded(db: Database, actor: str, month: dt.date, clock: Clock, tz: dt.tzinfo,
                     on: dt.date | None = None) -> dt.date:
    """Record that the report for `month` was forwarded to the EC on `on` (default: today,
    local time); returns that date. Only the Communications Committee Chair may; a refusal
    is audited."""
    from inmm_tui.domain import audit
    from inmm_tui.domain.people import authorise
    from inmm_tui.domain.roles import Action
    from inmm_tui.store.tx import write

    key = month.strftime("%Y-%m")
    conn = db.conn
    try:
        authorise(conn, actor, Action.FORWARD_REPORT)
    except NotAuthorised as refusal:
        with write(db):
            audit.append(conn, actor, REFUSED, f"report:{key}", {"reason": str(refusal)},
                         at=clock())
        raise
    now = clock()
    today = now.astimezone(tz).date()
    day = on or today
    if day > today:
        raise InvalidInput(f"--on {day.isoformat()}: that is after today ({today.isoformat()})")
    with write(db):
        authorise(conn, actor, Action.FORWARD_REPORT)
        written = conn.execute("SELECT min(written_at) FROM monthly_reports WHERE month = ?",
                               (key,)).fetchone()[0]
        if written is None:
            raise InvalidState(f"no report for {key} has been written; write it first "
                               f"(`inmm-tui report monthly --month {key}`)")
        written_day = from_db(written).astimezone(tz).date()
        if day < written_day:
            raise InvalidInput(f"--on {day.isoformat()}: the {key} report was written on "
                               f"{written_day.isoformat()}, it cannot have been forwarded before")
        done = conn.execute("SELECT forwarded_on, recorded_by FROM report_forwards"
                            " WHERE month = ?", (key,)).fetchone()
        if done is not None:
            raise InvalidState(f"the {key} report is already recorded as forwarded to the "
                               f"Executive Committee on {done[0]} (by {done[1]})")
        conn.execute("INSERT INTO report_forwards (month, forwarded_on, recorded_by, recorded_at)"
                     " VALUES (?, ?, ?, ?)", (key, day.isoformat(), actor, to_db(now)))
        audit.append(conn, actor, FORWARDED, f"report:{key}",
                     {"forwarded_on": day.isoformat()}, at=now)
    return day


def pending(conn: sqlite3.Connection, month: str) -> str | None:
    """When the report for `month` (`YYYY-MM`) was first written, if it has been and its
    forwarding to the EC is not recorded; else None."""
    row = conn.execute(
        "SELECT min(written_at) FROM monthly_reports WHERE month = ?"
        " AND NOT EXISTS (SELECT 1 FROM report_forwards WHERE month = ?)",
        (month, month)).fetchone()
    return row[0] if row else None
