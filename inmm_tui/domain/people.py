"""The roster of authorised people ("Management of Social Media Pages"), identified by
their login name on the host, and the one gate every action passes: `authorise`.

A person is read fresh from the database on every check, so rights withdrawn take
effect at once, even for someone with the UI already open.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from inmm_tui.domain import audit
from inmm_tui.domain.acknowledgement import refusal_reason as unacknowledged
from inmm_tui.domain.alerts import raise_alert
from inmm_tui.domain.base import DomainService
from inmm_tui.domain.duties import raise_rotation_trigger
from inmm_tui.domain.errors import InvalidInput, InvalidState, NotAuthorised, NotFound
from inmm_tui.domain.roles import (
    Action,
    Role,
    allowed,
    givers_of,
    may_give,
    may_take,
    takers_of,
)
from inmm_tui.store.tx import write
from inmm_tui.timeutil import Clock, to_db, utcnow
from inmm_tui.wording import count as n

if TYPE_CHECKING:
    from sqlite_utils import Database

LOGIN_PATTERN = re.compile(r"^[a-z_][a-z0-9_.-]{0,31}$")


def current_login() -> str:
    """The login name of whoever runs this process (they arrived over SSH as themselves)."""
    return pwd.getpwuid(os.getuid()).pw_name


def full_name(login: str) -> str:
    """The name the host knows `login` by (the first field of its account's comment), else
    the login itself."""
    try:
        gecos = pwd.getpwnam(login).pw_gecos.split(",")[0].strip()
    except KeyError:
        gecos = ""
    return gecos or login


@dataclass(frozen=True)
class Person:
    """One entry of the roster."""

    login: str
    name: str
    initials: str
    role: Role
    active: bool
    added_at: str
    revoked_at: str | None = None
    revoked_reason: str | None = None
    last_reviewed_at: str | None = None

    @classmethod
    def from_row(cls, row: sqlite3.Row | tuple) -> Person:
        login, name, initials, role, active, added_at, revoked_at, reason, reviewed = row
        return cls(login, name, initials, Role(role), bool(active), added_at, revoked_at,
                   reason, reviewed)


_PERSON_COLUMNS = (
    "login, name, initials, role, active, added_at, revoked_at, revoked_reason, last_reviewed_at"
)


def get_person(conn: sqlite3.Connection, login: str) -> Person | None:
    row = conn.execute(f"SELECT {_PERSON_COLUMNS} FROM people WHERE login = ?", (login,)).fetchone()
    return Person.from_row(row) if row else None


def authorise(conn: sqlite3.Connection, login: str, action: Action) -> Person:
    """The person behind `login`, if they are on the roster, active, and their role allows
    `action`; otherwise NotAuthorised with a message that says which of those failed."""
    person = get_person(conn, login)
    if person is None:
        raise NotAuthorised(
            f"'{login}' is not on the INMM roster of authorised people. "
            "Ask INMM Headquarters to add you.",
            refused_login=login,
        )
    if not person.active:
        raise NotAuthorised(
            f"'{login}' no longer has rights on the INMM accounts"
            + (f" ({person.revoked_reason})" if person.revoked_reason else "")
            + ".",
            refused_login=login,
        )
    if not allowed(person.role, action):
        raise NotAuthorised(
            f"{person.name} ({person.role.label}) may not {ACTION_PHRASES[action]}."
        )
    reason = unacknowledged(conn, login, person.name, action, ACTION_PHRASES[action])
    if reason is not None:
        raise NotAuthorised(reason)
    return person


def refusal(conn: sqlite3.Connection, login: str, action: Action) -> str | None:
    """What `authorise` would answer `login` doing `action`, or None if they may: a screen
    asks this before it asks the person to type anything, and refuses in the same words.
    Changes nothing; the action itself is authorised again when it is done."""
    try:
        authorise(conn, login, action)
    except NotAuthorised as refused:
        return str(refused)
    return None


ACTION_PHRASES = {
    Action.VIEW: "view the accounts",
    Action.COMPOSE: "write posts",
    Action.COMMENT: "comment on posts",
    Action.CLEAR: "clear or reject posts",
    Action.OVERRIDE_BLOCK: "override a block from the policy screen",
    Action.PUBLISH_CONTROL: "publish, retry or withdraw posts",
    Action.PAUSE_PUBLISHING: "pause or resume publishing",
    Action.CRISIS: "turn crisis mode on or off",
    Action.EVENTS: "start or end live coverage of an event",
    Action.MANAGE_ROSTER: "change the roster",
    Action.RECORD_ROTATION: "record a credential rotation",
    Action.FLAG_COMPROMISE: "report a suspected compromise",
    Action.MODERATE: "moderate replies or change whom the accounts follow",
    Action.FORWARD_TO_EC: "forward a recommendation to the Executive Committee",
    Action.EC_DECISION: "record an Executive Committee decision",
    Action.LEGAL_HOLD: "put evidence under legal hold",
    Action.MONTHLY_REPORT: "write the monthly report",
    Action.ALERTS: "acknowledge alerts",
    Action.READ_PRIVATE: "read the private messages sent to the accounts",
    Action.READ_AUDIT: "read other people's entries in the audit log",
    Action.EXPORT_EVIDENCE: "export evidence with its audit entries",
    Action.FORWARD_REPORT: ("record that the monthly report was forwarded to the Executive "
                            "Committee (the Communications Committee Chair does)"),
    Action.DELETE_PUBLISHED: "delete published posts",
}


class RosterRefusal(NotAuthorised):
    """A roster change the policy's rules do not give this person to make."""

    def __init__(self, message: str, *, alarming: bool = False):
        super().__init__(message)
        self.alarming = alarming
        """It reached for rights: the person's own role, or HQ's. HQ is alerted."""


@contextlib.contextmanager
def refusals_audited(db: Database, clock: Clock, actor: str, attempt: str, login: str,
                     details: dict[str, Any]) -> Iterator[None]:
    """Record a refused roster change in the audit log, in a transaction of its own once
    the refused one is rolled back; alert HQ when it reached for rights. Inside a caller's
    transaction (the annual review withdrawing someone) the caller records it. A login
    that is not (or no longer) on the roster is kept apart (`record_refusal`), not here."""
    try:
        yield
    except (NotAuthorised, InvalidState) as refusal:
        if db.conn.in_transaction or getattr(refusal, "refused_login", None):
            raise
        with write(db):
            audit.append(db.conn, actor, "roster.refused", f"person:{login}",
                         {"attempt": attempt, **details, "refusal": str(refusal)}, at=clock())
            if isinstance(refusal, RosterRefusal) and refusal.alarming:
                raise_alert(db.conn, "roster_escalation", f"person:{actor}",
                            f"'{actor}' tried to {_ATTEMPTS[attempt]} '{login}'"
                            + (f" (role: {details['role']})" if details.get("role") else "")
                            + f" and was refused: {refusal}", clock())
        raise


_ATTEMPTS = {"add": "add", "change_role": "change the role of", "revoke": "withdraw",
             "reinstate": "reinstate", "review": "change at the annual review"}


def _titles(roles: list[Role]) -> str:
    """'INMM Headquarters or the Communications Committee Chair'."""
    named = [role.label if role is Role.HQ else f"the {role.label}" for role in roles]
    return " or ".join(named) or "no one"


def initials_of(name: str) -> str:
    parts = [part for part in re.split(r"[\s\-]+", name.strip()) if part]
    return "".join(part[0].upper() for part in parts)[:4] or "?"


class Roster(DomainService):
    """Add, change, withdraw and review the authorised people; every change audited."""

    def __init__(self, db: Database, outlets: tuple[str, ...] = (), clock: Clock = utcnow):
        self.db = db
        self.outlets = outlets
        self.clock = clock


    def people(self, include_withdrawn: bool = True) -> list[Person]:
        where = "" if include_withdrawn else " WHERE active = 1"
        rows = self.conn.execute(
            f"SELECT {_PERSON_COLUMNS} FROM people{where} ORDER BY active DESC, name"
        ).fetchall()
        return [Person.from_row(row) for row in rows]

    def initialise(self, login: str, name: str) -> tuple[Person, bool]:
        """Create the first person, with the HQ role. Returns (person, created).

        Idempotent for the same admin; refuses when the roster already has other people,
        so that `init` can never quietly hand out HQ rights."""
        _check_login(login)
        with write(self.db):
            existing = get_person(self.conn, login)
            if existing is not None:
                if existing.role is Role.HQ and existing.active:
                    return existing, False
                raise InvalidState(
                    f"'{login}' is already on the roster as {existing.role.label}"
                    + ("" if existing.active else " (rights withdrawn)")
                    + "; init will not change that. Use `inmm-tui roster` as an HQ administrator."
                )
            count = self.conn.execute("SELECT count(*) FROM people").fetchone()[0]
            if count:
                raise InvalidState(
                    f"the roster already has {n(count, 'person', 'people')}; init only creates the first "
                    "administrator. An HQ administrator can add others with `inmm-tui roster add`."
                )
            person = self._insert(login, name, Role.HQ, added_by="init")
            audit.append(self.conn, "init", "roster.init", f"person:{login}",
                         {"name": name, "role": Role.HQ.value}, at=self.clock())
        return person, True

    def refuse_init(self, actor: str, login: str) -> list[Person]:
        """`init` on a roster that exists changes nothing: the attempt is kept (in the
        audit log when `actor` is on the roster, with the refused logins for the daemon's
        check otherwise) and the active HQ administrators are returned, for the caller to
        say whom to ask."""
        from inmm_tui.domain.governance import record_refusal  # it imports this module

        people = self.people(include_withdrawn=False)
        if any(person.login == actor for person in people):
            with write(self.db):
                audit.append(self.conn, actor, "roster.refused", f"person:{login}",
                             {"attempt": "init", "refusal": "the roster already exists"},
                             at=self.clock())
        else:
            record_refusal(self.db, actor, "`init` on an initialised database", self.clock())
        return [person for person in people if person.role is Role.HQ]

    def add(self, actor: str, login: str, name: str, role: Role) -> Person:
        """Add a person; an update to the authorised list, so every outlet's credentials
        fall due for rotation."""
        _check_login(login)
        if not name.strip():
            raise InvalidInput("a person needs a name (it signs their posts)")
        with (refusals_audited(self.db, self.clock, actor, "add", login, {"role": role.value}),
              write(self.db)):
            actor_person = authorise(self.conn, actor, Action.MANAGE_ROSTER)
            existing = get_person(self.conn, login)
            if existing is not None:
                raise InvalidState(
                    f"'{login}' is already on the roster ({existing.name}, {existing.role.label})"
                )
            self._check_rules(actor_person, login, None, gives=role)
            person = self._insert(login, name.strip(), role, added_by=actor)
            audit.append(self.conn, actor, "roster.add", f"person:{login}",
                         {"name": person.name, "role": role.value}, at=self.clock())
            self._rotation_due(actor, f"{person.name} was added as {role.label}")
        return person

    def change_role(self, actor: str, login: str, role: Role) -> Person:
        with (refusals_audited(self.db, self.clock, actor, "change_role", login,
                               {"role": role.value}),
              write(self.db)):
            actor_person = authorise(self.conn, actor, Action.MANAGE_ROSTER)
            person = self._require(login)
            self._check_rules(actor_person, login, person, gives=role, takes=person.role)
            if person.role is role:
                return person
            self.conn.execute("UPDATE people SET role = ? WHERE login = ?", (role.value, login))
            audit.append(self.conn, actor, "roster.change_role", f"person:{login}",
                         {"from": person.role.value, "to": role.value}, at=self.clock())
            self._rotation_due(actor, f"{person.name}'s role changed")
        return self._require(login)

    def revoke(self, actor: str, login: str, reason: str) -> Person:
        """Withdraw a person's rights at once; makes every outlet's credentials due for rotation."""
        if not reason.strip():
            raise InvalidInput("say why the rights are withdrawn (it goes in the audit log)")
        with (refusals_audited(self.db, self.clock, actor, "revoke", login,
                               {"reason": reason.strip()}),
              write(self.db)):
            actor_person = authorise(self.conn, actor, Action.MANAGE_ROSTER)
            person = self._require(login)
            self._check_rules(actor_person, login, person, takes=person.role)
            if not person.active:
                raise InvalidState(f"{person.name}'s rights are already withdrawn")
            now = to_db(self.clock())
            self.conn.execute(
                "UPDATE people SET active = 0, revoked_at = ?, revoked_by = ?, revoked_reason = ?"
                " WHERE login = ?",
                (now, actor, reason.strip(), login),
            )
            audit.append(self.conn, actor, "roster.revoke", f"person:{login}",
                         {"reason": reason.strip()}, at=self.clock())
            self._rotation_due(actor, f"{person.name}'s rights were withdrawn")
        return self._require(login)

    def reinstate(self, actor: str, login: str) -> Person:
        with (refusals_audited(self.db, self.clock, actor, "reinstate", login, {}),
              write(self.db)):
            actor_person = authorise(self.conn, actor, Action.MANAGE_ROSTER)
            person = self._require(login)
            self._check_rules(actor_person, login, person, gives=person.role)
            if person.active:
                return person
            self.conn.execute(
                "UPDATE people SET active = 1, revoked_at = NULL, revoked_by = NULL,"
                " revoked_reason = NULL WHERE login = ?",
                (login,),
            )
            audit.append(self.conn, actor, "roster.reinstate", f"person:{login}", {},
                         at=self.clock())
            self._rotation_due(actor, f"{person.name} was reinstated")
        return self._require(login)

    def _check_rules(self, actor: Person, login: str, person: Person | None, *,
                     gives: Role | None = None, takes: Role | None = None) -> None:
        """Refuse, naming the rule, a change that would give `login` the role `gives` or
        take from them the role `takes`, unless the policy lets `actor` make it."""
        if login == actor.login:
            ask = _titles(takers_of(actor.role))
            raise RosterRefusal(
                "refused by the rule that nobody changes their own role or withdraws their "
                f"own rights: ask {ask}.", alarming=gives not in (None, actor.role))
        if gives is not None and not may_give(actor.role, gives):
            raise RosterRefusal(
                f"refused by the rule on who may grant which role: {actor.name} "
                f"({actor.role.label}) may not make anyone {gives.label}; that is for "
                f"{_titles(givers_of(gives))}.",
                alarming=gives is Role.HQ)
        if takes is not None and person is not None and not may_take(actor.role, takes):
            raise RosterRefusal(
                f"refused by the rule on who may withdraw or move whom: {actor.name} "
                f"({actor.role.label}) may not withdraw or change the role of {person.name} "
                f"({takes.label}); that is for {_titles(takers_of(takes))}.",
                alarming=takes is Role.HQ)
        if gives is Role.SUBCOMMITTEE_CHAIR:
            chair = self.conn.execute(
                "SELECT name FROM people WHERE role = ? AND active = 1 AND login != ?",
                (Role.SUBCOMMITTEE_CHAIR.value, login)).fetchone()
            if chair:
                raise InvalidState(
                    "refused by the rule of one Subcommittee Chair at a time: "
                    f"{chair[0]} is the Social Media Subcommittee Chair; withdraw their "
                    "rights or change their role first.")
        # Kept although the rules above already keep it (only HQ takes HQ, never its own):
        # a roster without HQ could never be repaired from inside the tool.
        if (takes is Role.HQ and gives is not Role.HQ and person is not None
                and person.active):
            others = self.conn.execute(
                "SELECT count(*) FROM people WHERE role = ? AND active = 1 AND login != ?",
                (Role.HQ.value, login)).fetchone()[0]
            if not others:
                raise InvalidState(
                    f"refused by the rule that the last HQ person stays: {person.name} is "
                    "the only INMM Headquarters person with rights; add another first.")

    def _require(self, login: str) -> Person:
        person = get_person(self.conn, login)
        if person is None:
            raise NotFound(f"no one with the login '{login}' is on the roster")
        return person

    def _insert(self, login: str, name: str, role: Role, added_by: str) -> Person:
        self.conn.execute(
            "INSERT INTO people (login, name, initials, role, active, added_at, added_by)"
            " VALUES (?, ?, ?, ?, 1, ?, ?)",
            (login, name, initials_of(name), role.value, to_db(self.clock()), added_by),
        )
        person = get_person(self.conn, login)
        assert person is not None
        return person

    def _rotation_due(self, actor: str, reason: str) -> None:
        """The policy: passwords change "whenever there is an update to the authorized
        persons list"."""
        for outlet in self.outlets:
            raise_rotation_trigger(self.conn, outlet, "roster_change", reason, actor,
                                   self.clock())


def _check_login(login: str) -> None:
    if not LOGIN_PATTERN.match(login):
        raise InvalidInput(
            f"{login!r} is not a login name (expected the person's user name on this host, "
            "e.g. 'jsmith')"
        )
