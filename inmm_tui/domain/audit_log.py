"""Reading the audit log (oversight): who did what, when, on which post, and whether each
entry is covered by an intact chain. Everyone with an oversight duty reads all of it
(`Action.READ_AUDIT`); anyone else on the roster reads their own entries only. A refused
read is itself audited."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from inmm_tui.domain import audit
from inmm_tui.domain.errors import InvalidInput, NotAuthorised
from inmm_tui.domain.people import authorise
from inmm_tui.domain.roles import Action, allowed
from inmm_tui.store.tx import write
from inmm_tui.timeutil import Clock, to_db

if TYPE_CHECKING:
    from sqlite_utils import Database

MAX_ENTRIES = 100_000


@dataclass(frozen=True)
class Entry:
    seq: int
    at: str
    actor: str
    action: str
    subject: str
    details: dict[str, Any]
    verified: bool
    """Re-hashed just now and found intact, with every entry before it."""


@dataclass(frozen=True)
class Log:
    entries: list[Entry]
    chain: audit.ChainCheck
    only_own: bool
    """The reader may read their own entries only, so only those are here."""


def parse_since(text: str, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """`2027-03-15` (the start of that day, local time) or `2027-03-15 09:30`."""
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"):
        try:
            return dt.datetime.strptime(text, fmt).replace(tzinfo=tz).astimezone(dt.UTC)
        except ValueError:
            continue
    raise InvalidInput(f"--since {text!r}: expected a date like 2027-03-15, or a date and time "
                       f"like 2027-03-15 09:30 ({tz.key})")


def read(db: Database, reader: str, clock: Clock, *, person: str | None = None,
         since: dt.datetime | None = None, action: str | None = None,
         limit: int = MAX_ENTRIES) -> Log:
    """Entries oldest first, filtered by who acted, from when, and what (`post` matches
    every `post.*` action; `post.clear` only itself)."""
    try:
        who = authorise(db.conn, reader, Action.VIEW)
        only_own = not allowed(who.role, Action.READ_AUDIT)
        if only_own and person not in (None, reader):
            raise NotAuthorised(f"{who.name} ({who.role.label}) may read only their own "
                                "entries in the audit log; the chairs, HQ and the Executive "
                                "Committee read everyone's")
    except NotAuthorised as refusal:
        with write(db):
            audit.append(db.conn, reader, "audit.refused", f"person:{person or ''}",
                         {"reason": str(refusal)}, at=clock())
        raise
    chain = audit.verify(db.conn)
    where, params = [], []
    if only_own or person:
        where.append("actor = ?")
        params.append(reader if only_own else person)
    if since is not None:
        where.append("at >= ?")
        params.append(to_db(since))
    if action:
        where.append("(action = ? OR action LIKE ? ESCAPE '\\')")
        escaped = action.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params += [action, f"{escaped}.%"]
    sql = "SELECT seq, at, actor, action, subject, details FROM audit"
    if where:
        sql += " WHERE " + " AND ".join(where)
    rows = db.conn.execute(sql + " ORDER BY seq LIMIT ?", (*params, limit)).fetchall()
    broken = chain.broken_seq if not chain.ok else None
    entries = [Entry(seq, at, actor, act, subject, _details(details),
                     broken is None or seq < broken)
               for seq, at, actor, act, subject, details in rows]
    return Log(entries, chain, only_own)


def _details(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {"unreadable": text}
    return value if isinstance(value, dict) else {"value": value}
