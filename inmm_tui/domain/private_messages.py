"""Private messages to the accounts: Mastodon's `direct` statuses (seen only by those
mentioned) and `private` ones (seen only by the author's followers). They come with the
mentions but are not public: they never enter the mentions, the moderation queue or the
questions (so nothing answers them in public), and only those the policy gives inquiries
to may read them (`Action.READ_PRIVATE`: HQ and the Subcommittee Chair; see roles.py).
Everyone who may view the accounts sees how many came (the policy's metric "feedback
from followers"), never who sent them or what they say.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING

from inmm_tui.domain import audit
from inmm_tui.domain.errors import NotAuthorised
from inmm_tui.domain.governance import record_refusal
from inmm_tui.domain.people import authorise
from inmm_tui.domain.roles import Action
from inmm_tui.store.tx import write
from inmm_tui.timeutil import Clock, to_db, utcnow

if TYPE_CHECKING:
    from sqlite_utils import Database

    from inmm_tui.domain.moderation import IncomingMention

PUBLIC = ("public", "unlisted")
"""Visibilities anyone can read; any other (`private`, `direct`, one we do not know yet)
is a private message."""


def is_private(visibility: str) -> bool:
    return visibility not in PUBLIC


@dataclass(frozen=True)
class PrivateMessage:
    id: int
    outlet: str
    platform_id: str
    author_handle: str
    author_name: str | None
    text: str
    visibility: str
    created_at: str
    received_at: str


def keep(conn: sqlite3.Connection, outlet: str, message: IncomingMention,
         now: dt.datetime) -> bool:
    """Store a private message (inside the caller's write transaction); False if it was
    already kept."""
    cursor = conn.execute(
        "INSERT INTO private_messages (outlet, platform_id, author_id, author_handle,"
        " author_name, text, visibility, in_reply_to, created_at, received_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (outlet, platform_id) DO NOTHING",
        (outlet, message.platform_id, message.author_id, message.author_handle.lstrip("@"),
         message.author_name, message.text, message.visibility, message.in_reply_to,
         to_db(message.created_at), to_db(now)))
    return bool(cursor.rowcount)


def read(db: Database, login: str, *, outlet: str | None = None, limit: int = 200,
         clock: Clock = utcnow) -> list[PrivateMessage]:
    """The newest private messages, for someone the policy lets read them. The reading is
    audited (who, how many; never what), and so is a refusal."""
    authorise_reading(db, login, outlet, clock)
    where, args = ("WHERE outlet = ?", (outlet,)) if outlet else ("", ())
    with write(db):
        rows = db.conn.execute(
            "SELECT id, outlet, platform_id, author_handle, author_name, text, visibility,"
            f" created_at, received_at FROM private_messages {where}"
            " ORDER BY received_at DESC, id DESC LIMIT ?", (*args, limit)).fetchall()
        audit.append(db.conn, login, "private.read", "private_messages",
                     {"outlet": outlet, "count": len(rows)}, at=clock())
    return [PrivateMessage(*row) for row in rows]


def authorise_reading(db: Database, login: str, outlet: str | None,
                      clock: Clock = utcnow) -> None:
    """Refuse, and audit the refusal, unless the policy lets `login` read private messages."""
    try:
        authorise(db.conn, login, Action.READ_PRIVATE)
    except NotAuthorised as refusal:
        _record_refusal(db, login, outlet, refusal, clock)
        raise


def count(conn: sqlite3.Connection, outlet: str | None = None) -> int:
    """How many private messages came (to `outlet`, or to any): a number anyone who may
    view the accounts may see."""
    where, args = ("WHERE outlet = ?", (outlet,)) if outlet else ("", ())
    return int(conn.execute(f"SELECT count(*) FROM private_messages {where}", args).fetchone()[0])


def _record_refusal(db: Database, login: str, outlet: str | None, refusal: NotAuthorised,
                    clock: Clock) -> None:
    if refusal.refused_login is not None:
        # Not on the roster, or withdrawn: kept apart, as every such refusal is (a login
        # that is no one must not write in the log as if it were someone).
        record_refusal(db, login, "read private messages", clock())
        return
    with write(db):
        audit.append(db.conn, login, "private.refused", "private_messages",
                     {"outlet": outlet, "refusal": str(refusal)}, at=clock())


def counts(conn: sqlite3.Connection, start: str, end: str) -> dict[str, int]:
    """How many private messages each outlet was sent in [start, end) (database times,
    by when they were written, as the mentions are counted): a number anyone who may view
    the accounts may see."""
    return dict(conn.execute(
        "SELECT outlet, count(*) FROM private_messages WHERE created_at >= ?"
        " AND created_at < ? GROUP BY outlet ORDER BY outlet", (start, end)).fetchall())
