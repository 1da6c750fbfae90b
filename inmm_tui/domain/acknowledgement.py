"""Reading and acknowledging the policy and the screening rules before posting.

The policy wants administrators "educated on appropriate posting protocol". A version is
the SHA-256 of the policy's text and of the screening rules file together; whoever reads
the configuration (every command, the UI) records the version it finds as the one in
force (`record_current`). A person may post, clear, comment, moderate and publish only
once they have acknowledged the version in force (`needs_acknowledgement`, checked in
`people.authorise`); when either file changes, everyone acknowledges again before their
next post. Viewing, the roster, the safety switches (pause, crisis, reporting a
compromise), alerts and the Executive Committee's business never wait for it.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from inmm_tui.domain import audit
from inmm_tui.domain.base import DomainService
from inmm_tui.domain.errors import InvalidInput, InvalidState
from inmm_tui.domain.roles import Action
from inmm_tui.store.tx import write
from inmm_tui.timeutil import Clock, to_db, utcnow

if TYPE_CHECKING:
    from sqlite_utils import Database

NEEDS_ACKNOWLEDGEMENT = frozenset({
    Action.COMPOSE, Action.COMMENT, Action.CLEAR, Action.OVERRIDE_BLOCK,
    Action.PUBLISH_CONTROL, Action.EVENTS, Action.MODERATE,
})
"""What a person does on the accounts' behalf, in public: the "posting protocol"."""

ACKNOWLEDGE_HOW = ("run `inmm-tui policy show`, then `inmm-tui policy acknowledge` "
                   "(in the terminal UI: a on the home screen)")


@dataclass(frozen=True)
class PolicyVersion:
    """The policy text and screening rules in force, as one version people acknowledge."""

    version: str
    """The first 16 hex digits of SHA-256(text digest + rules digest): what people compare."""
    text_sha256: str
    rules_sha256: str


def version_of(text_path: Path, rules_path: Path) -> PolicyVersion:
    """The version of these two files; InvalidInput naming the file that cannot be read."""
    digests = []
    for what, path in (("policy text", text_path), ("screening rules", rules_path)):
        try:
            digests.append(hashlib.sha256(path.read_bytes()).hexdigest())
        except OSError as exc:
            raise InvalidInput(f"cannot read the {what} file {path}: "
                               f"{exc.strerror or exc}") from None
    combined = hashlib.sha256("\n".join(digests).encode()).hexdigest()[:16]
    return PolicyVersion(combined, *digests)


def current_version(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT version FROM policy_versions WHERE current = 1").fetchone()
    return row[0] if row else None


def acknowledged(conn: sqlite3.Connection, login: str, version: str) -> bool:
    return conn.execute("SELECT 1 FROM policy_acknowledgements WHERE login = ? AND version = ?",
                        (login, version)).fetchone() is not None


def pending(conn: sqlite3.Connection, login: str) -> str | None:
    """The version in force, when `login` has not acknowledged it yet."""
    version = current_version(conn)
    if version is None or acknowledged(conn, login, version):
        return None
    return version


def refusal_reason(conn: sqlite3.Connection, login: str, name: str, action: Action,
                   doing: str) -> str | None:
    """Why `login` may not do `action` yet (they have not acknowledged the version in
    force), or None. Before any version is recorded nothing is in force to acknowledge."""
    if action not in NEEDS_ACKNOWLEDGEMENT:
        return None
    version = pending(conn, login)
    if version is None:
        return None
    return (f"{name} must read and acknowledge the current policy and screening rules "
            f"(version {version}) before they {doing}: {ACKNOWLEDGE_HOW}.")


def latest(conn: sqlite3.Connection, login: str) -> tuple[str, str] | None:
    """(version, acknowledged at) of what `login` acknowledged: the version in force if
    they did, else the newest."""
    row = conn.execute("SELECT version, acknowledged_at FROM policy_acknowledgements"
                       " WHERE login = ? ORDER BY version IS ? DESC, acknowledged_at DESC,"
                       " rowid DESC LIMIT 1", (login, current_version(conn))).fetchone()
    return (row[0], row[1]) if row else None


def describe(conn: sqlite3.Connection, login: str) -> str:
    """What `login` has acknowledged, in words, for the annual review's list."""
    found = latest(conn, login)
    if found is None:
        return "NOT ACKNOWLEDGED"
    done = f"version {found[0]} on {found[1][:10]}"
    return done if found[0] == current_version(conn) else f"NOT the current version (last: {done})"


@dataclass(frozen=True)
class Acknowledgement:
    """One person of the roster and what they acknowledged last."""

    login: str
    name: str
    role: str
    active: bool
    version: str | None
    """The newest version they acknowledged, if any."""
    acknowledged_at: str | None
    current: bool
    """They acknowledged the version in force."""


class PolicyAcknowledgements(DomainService):
    """The version in force, and who has acknowledged it; every change audited."""

    def __init__(self, db: Database, text_path: Path, rules_path: Path,
                 clock: Clock = utcnow) -> None:
        self.db = db
        self.text_path = text_path
        self.rules_path = rules_path
        self.clock = clock

    def version(self) -> PolicyVersion:
        return version_of(self.text_path, self.rules_path)

    def text(self) -> str:
        """The policy's words, as people read them before acknowledging."""
        try:
            return self.text_path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise InvalidInput(f"cannot read the policy text file {self.text_path}: "
                               f"{exc.strerror or exc}") from None

    def pending(self, login: str) -> str | None:
        """The version in force, when `login` has not acknowledged it yet."""
        return pending(self.conn, login)

    def record_current(self) -> PolicyVersion:
        """Make the files' version the one in force, if it is not already (audited)."""
        found = self.version()
        if current_version(self.conn) == found.version:
            return found
        with write(self.db):
            previous = current_version(self.conn)
            if previous == found.version:  # another process recorded it meanwhile
                return found
            self.conn.execute("UPDATE policy_versions SET current = 0 WHERE current = 1")
            self.conn.execute(
                "INSERT INTO policy_versions (version, text_sha256, rules_sha256, current,"
                " recorded_at) VALUES (?, ?, ?, 1, ?) ON CONFLICT(version) DO UPDATE SET"
                " current = 1",
                (found.version, found.text_sha256, found.rules_sha256, to_db(self.clock())))
            audit.append(self.conn, audit.CONFIG, "policy.version", f"policy:{found.version}",
                         {"previous": previous, "text": str(self.text_path),
                          "text_sha256": found.text_sha256, "rules": str(self.rules_path),
                          "rules_sha256": found.rules_sha256}, at=self.clock())
        return found

    def acknowledge(self, actor: str, version: str) -> PolicyVersion:
        """Record that `actor` read and acknowledged `version`, which must be the one in
        force (what they were shown is what they acknowledge)."""
        from inmm_tui.domain.people import authorise  # it imports this module

        found = self.record_current()
        person = authorise(self.conn, actor, Action.VIEW)
        if version != found.version:
            with write(self.db):
                audit.append(self.conn, actor, "policy.refused", f"policy:{version}",
                             {"current": found.version}, at=self.clock())
            raise InvalidState(
                f"version {version} is not the policy in force (it is {found.version}); "
                "read it again with `inmm-tui policy show`")
        with write(self.db):
            authorise(self.conn, actor, Action.VIEW)  # rights withdrawn meanwhile
            if not acknowledged(self.conn, person.login, version):
                self.conn.execute(
                    "INSERT INTO policy_acknowledgements (login, version, acknowledged_at)"
                    " VALUES (?, ?, ?)", (person.login, version, to_db(self.clock())))
                audit.append(self.conn, actor, "policy.acknowledge", f"policy:{version}",
                             {"text_sha256": found.text_sha256,
                              "rules_sha256": found.rules_sha256}, at=self.clock())
        return found

    def status(self) -> list[Acknowledgement]:
        """Everyone on the roster with what they acknowledged (`latest`)."""
        version = current_version(self.conn)
        rows = self.conn.execute("SELECT login, name, role, active FROM people"
                                 " ORDER BY active DESC, name").fetchall()
        found = []
        for login, name, role, active in rows:
            ack = latest(self.conn, login)
            found.append(Acknowledgement(login, name, role, bool(active),
                                         ack[0] if ack else None, ack[1] if ack else None,
                                         ack is not None and ack[0] == version))
        return found
