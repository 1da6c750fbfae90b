"""Members, volunteers and staff of INMM, imported from the society's CSV, so that the poster
of a questionable reply can be looked up ("If the poster is a member, volunteer or staff
member of the INMM, the Executive Committee may take further disciplinary action").

The CSV has a header row with `name`, `kind` (member, volunteer or staff), `email` and
`handles` (the person's social-media handles, separated by spaces, commas or semicolons).
An import replaces the whole list: the CSV is the society's own record.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING

from inmm_tui.domain import audit
from inmm_tui.domain.base import DomainService
from inmm_tui.domain.errors import InvalidInput
from inmm_tui.domain.people import authorise
from inmm_tui.domain.roles import Action
from inmm_tui.store.tx import write
from inmm_tui.timeutil import Clock, to_db, utcnow

if TYPE_CHECKING:
    from sqlite_utils import Database

KINDS = ("member", "volunteer", "staff")
COLUMNS = ("name", "kind", "email", "handles")
_SPLIT = re.compile(r"[\s,;]+")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_HANDLE = re.compile(r"^[a-z0-9_.\-]+(@[a-z0-9.\-]+)?$")


@dataclass(frozen=True)
class MemberRow:
    line: int
    name: str
    kind: str
    email: str
    handles: tuple[str, ...]


@dataclass(frozen=True)
class Member:
    id: int
    name: str
    kind: str
    email: str | None
    handles: tuple[str, ...]
    matched_on: str = ""
    """How this person was matched: `handle` (certain) or `name` (possible)."""


def normalise_handle(handle: str) -> str:
    """`@JDoe` → `jdoe`; `@jdoe@mastodon.social` → `jdoe@mastodon.social`."""
    return handle.strip().lstrip("@").lower()


def parse_csv(text: str, source: str = "the CSV") -> list[MemberRow]:
    """The rows of a members CSV; InvalidInput naming the file, line and column of the first
    bad row."""
    if text.startswith("\ufeff"):
        text = text[1:]  # spreadsheets often save a byte-order mark
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in ("name", "kind") if c not in header]
    if missing:
        raise InvalidInput(f"{source}, line 1: the header must name the columns "
                           f"{', '.join(COLUMNS)} (missing: {', '.join(missing)})")
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise InvalidInput(f"{source}, line 1: unknown column {unknown[0]!r} "
                           f"(expected {', '.join(COLUMNS)})")
    reader.fieldnames = header
    rows: list[MemberRow] = []
    for record in reader:
        line = reader.line_num
        if None in record:
            raise InvalidInput(f"{source}, line {line}: more fields than the header has columns")
        values = {k: (v or "").strip() for k, v in record.items()}
        if not any(values.values()):
            continue
        where = f"{source}, line {line}"
        if not values.get("name"):
            raise InvalidInput(f"{where}: the name is empty")
        kind = values.get("kind", "").lower()
        if kind not in KINDS:
            raise InvalidInput(f"{where}: kind {values.get('kind')!r} is not one of "
                               f"{', '.join(KINDS)}")
        email = values.get("email", "")
        if email and not _EMAIL.match(email):
            raise InvalidInput(f"{where}: {email!r} is not an e-mail address")
        handles = tuple(normalise_handle(h) for h in _SPLIT.split(values.get("handles", "")) if h)
        for handle in handles:
            if not _HANDLE.match(handle):
                raise InvalidInput(f"{where}: {handle!r} is not a social-media handle")
        rows.append(MemberRow(line, values["name"], kind, email, handles))
    return rows


class Members(DomainService):
    def __init__(self, db: Database, clock: Clock = utcnow):
        self.db = db
        self.clock = clock


    def import_rows(self, actor: str, rows: list[MemberRow], source: str = "",
                    content: bytes = b"") -> int:
        """Replace the members list with `rows`; audited with the file's SHA-256."""
        now = to_db(self.clock())
        with write(self.db):
            authorise(self.conn, actor, Action.MANAGE_ROSTER)
            before = self.conn.execute("SELECT count(*) FROM members").fetchone()[0]
            self.conn.execute("DELETE FROM members")
            self.conn.executemany(
                "INSERT INTO members (name, kind, email, handles, imported_at) VALUES (?, ?, ?, ?, ?)",
                ((r.name, r.kind, r.email or None, " ".join(r.handles), now) for r in rows))
            audit.append(self.conn, actor, "members.import", "members",
                         {"source": source, "rows": len(rows), "replaced": before,
                          "sha256": hashlib.sha256(content).hexdigest() if content else ""},
                         at=self.clock())
        return len(rows)

    def count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM members").fetchone()[0]


def lookup(conn: sqlite3.Connection, handle: str, name: str | None = None) -> list[Member]:
    """Members whose handles include `handle` (certain), then those with the same name
    (possible; names are not unique)."""
    wanted = normalise_handle(handle)
    found: dict[int, Member] = {}
    rows = conn.execute(
        "SELECT id, name, kind, email, handles FROM members"
        " WHERE instr(' ' || handles || ' ', ' ' || ? || ' ') > 0", (wanted,)).fetchall()
    for member_id, member_name, kind, email, handles in rows:
        found[member_id] = Member(member_id, member_name, kind, email, tuple(handles.split()),
                                  "handle")
    if name and name.strip():
        for member_id, member_name, kind, email, handles in conn.execute(
                "SELECT id, name, kind, email, handles FROM members WHERE lower(name) = lower(?)",
                (name.strip(),)):
            found.setdefault(member_id, Member(member_id, member_name, kind, email,
                                               tuple(handles.split()), "name"))
    return sorted(found.values(), key=lambda m: (m.matched_on != "handle", m.name))
