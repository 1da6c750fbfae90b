"""Switches everyone sees: publishing paused (HQ), crisis mode with its hashtag, live coverage
of an event ("Interaction", "Hashtags", "Objectives": events covered per year)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING

from inmm_tui.domain import audit
from inmm_tui.domain.errors import InvalidInput, InvalidState, NotFound
from inmm_tui.domain.people import authorise
from inmm_tui.domain.roles import Action
from inmm_tui.store.tx import write
from inmm_tui.timeutil import Clock, to_db, utcnow

if TYPE_CHECKING:
    from sqlite_utils import Database

PUBLISHING_PAUSED = "publishing_paused"


def setting(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def set_setting(conn: sqlite3.Connection, key: str, value: str, by: str,
                at: dt.datetime) -> None:
    """Write one setting (inside the caller's write transaction), with who and when."""
    conn.execute(
        "INSERT INTO settings (key, value, changed_at, changed_by) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value,"
        " changed_at = excluded.changed_at, changed_by = excluded.changed_by",
        (key, value, to_db(at), by))


def publishing_paused(conn: sqlite3.Connection) -> bool:
    return setting(conn, PUBLISHING_PAUSED) == "1"


@dataclass(frozen=True)
class Event:
    """A live event or a crisis, with its hashtag."""

    id: int
    name: str
    hashtag: str
    kind: str
    active: bool
    starts_on: str | None
    ends_on: str | None


def active_crisis(conn: sqlite3.Connection) -> Event | None:
    row = conn.execute(
        "SELECT id, name, hashtag, kind, active, starts_on, ends_on FROM events"
        " WHERE kind = 'crisis' AND active = 1 ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return Event(*row) if row else None


def active_events(conn: sqlite3.Connection) -> list[Event]:
    rows = conn.execute(
        "SELECT id, name, hashtag, kind, active, starts_on, ends_on FROM events"
        " WHERE active = 1 ORDER BY kind, id"
    ).fetchall()
    return [Event(*row) for row in rows]


def normalise_hashtag(tag: str) -> str:
    tag = tag.strip()
    if not tag.startswith("#"):
        tag = "#" + tag
    if len(tag) < 2 or not all(ch.isalnum() or ch == "_" for ch in tag[1:]):
        raise InvalidInput(f"{tag!r} is not a hashtag (letters, digits and _ after the #)")
    return tag


class Switches:
    def __init__(self, db: Database, clock: Clock = utcnow):
        self.db = db
        self.clock = clock

    def set_paused(self, actor: str, paused: bool, reason: str = "") -> None:
        with write(self.db):
            authorise(self.db.conn, actor, Action.PAUSE_PUBLISHING)
            set_setting(self.db.conn, PUBLISHING_PAUSED, "1" if paused else "0", actor,
                        self.clock())
            audit.append(self.db.conn, actor,
                         "publishing.pause" if paused else "publishing.resume", "publishing",
                         {"reason": reason}, at=self.clock())

    def start_event(self, actor: str, name: str, hashtag: str, *, crisis: bool = False,
                    starts_on: dt.date | None = None, ends_on: dt.date | None = None) -> int:
        tag = normalise_hashtag(hashtag)
        if not name.strip():
            raise InvalidInput("an event needs a name")
        with write(self.db):
            authorise(self.db.conn, actor, Action.CRISIS if crisis else Action.EVENTS)
            if crisis and active_crisis(self.db.conn):
                raise InvalidState("crisis mode is already on; end it before starting another")
            cursor = self.db.conn.execute(
                "INSERT INTO events (name, hashtag, kind, starts_on, ends_on, active, created_by,"
                " created_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)",
                (name.strip(), tag, "crisis" if crisis else "coverage",
                 (starts_on or self.clock().date()).isoformat(),
                 ends_on.isoformat() if ends_on else None, actor, to_db(self.clock())),
            )
            event_id = int(cursor.lastrowid or 0)
            audit.append(self.db.conn, actor, "crisis.start" if crisis else "event.start",
                         f"event:{event_id}", {"name": name.strip(), "hashtag": tag},
                         at=self.clock())
        return event_id

    def end_event(self, actor: str, event_id: int) -> None:
        with write(self.db):
            row = self.db.conn.execute(
                "SELECT kind, active FROM events WHERE id = ?", (event_id,)).fetchone()
            if row is None:
                raise NotFound(f"there is no event #{event_id}")
            authorise(self.db.conn, actor, Action.CRISIS if row[0] == "crisis" else Action.EVENTS)
            if not row[1]:
                raise InvalidState(f"event #{event_id} has already ended")
            self.db.conn.execute(
                "UPDATE events SET active = 0, ends_on = coalesce(ends_on, ?) WHERE id = ?",
                (self.clock().date().isoformat(), event_id))
            audit.append(self.db.conn, actor, "crisis.end" if row[0] == "crisis" else "event.end",
                         f"event:{event_id}", {}, at=self.clock())
