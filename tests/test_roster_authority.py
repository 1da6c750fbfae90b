"""Who may grant what on the roster: every roster action, as every role, on themselves and
on someone of each role, against a table written here from the policy's own words,
independently of `roles.ROSTER_AUTHORITY`. Every refusal leaves the roster as it was and
is in the audit log; the issue's attack (a chair making themselves HQ, then withdrawing
HQ) is refused and HQ is alerted."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from inmm_tui.config import Config
from inmm_tui.domain import audit, roles
from inmm_tui.domain.errors import DomainError, InvalidState, NotAuthorised
from inmm_tui.domain.governance import Governance
from inmm_tui.domain.people import Roster, current_login, get_person
from inmm_tui.domain.reminders import open_alerts
from inmm_tui.domain.roles import Role
from inmm_tui.store.db import open_database

from .cli_helpers import run_cli
from .conftest import START, make_config

EC, HQ, CC, SC, AM = (Role.EXECUTIVE_COMMITTEE, Role.HQ, Role.COMMUNICATIONS_CHAIR,
                      Role.SUBCOMMITTEE_CHAIR, Role.ACCOUNT_MANAGER)

# Read from the policy ("Roles and Responsibilities", "Management of Social Media Pages"):
# - HQ "Maintain the subcommittee membership list in accordance with Communications
#   Committee"; "INMM Headquarters (HQ) will maintain access and passwords": HQ keeps the
#   whole list and may withdraw or move anyone, but the Subcommittee Chair is not its
#   appointment to make.
# - The Communications Committee Chair: "Appoint the chair of the INMM subcommittee
#   responsible for social media"; "Provide oversight to ensure effective functioning of
#   the subcommittee" (its chair and account managers).
# - The Subcommittee Chair: "assign account managers and administrators".
# - The Executive Committee evaluates the list at its meeting; account managers keep none.
# Roles a person may give (add as, change to, reinstate in) and take (withdraw, move from):
GIVES = {HQ: {HQ, EC, CC, AM}, CC: {SC, AM}, SC: {AM}, EC: set(), AM: set()}
TAKES = {HQ: {HQ, EC, CC, SC, AM}, CC: {SC, AM}, SC: {AM}, EC: set(), AM: set()}
# Keeping someone at the annual review changes no one's rights: any list keeper records it.
KEEPERS = {HQ, CC, SC}

MEETING = dt.date(2026, 12, 1)
ACTOR_OF = {HQ: "hq", CC: "comms", SC: "chair", EC: "ec", AM: "alice"}
OTHER_OF = {HQ: "hq2", CC: "comms2", SC: "chair", EC: "ec2", AM: "bob"}
WITHDRAWN_OF = {HQ: "old_hq", CC: "old_comms", SC: "old_chair", EC: "old_ec", AM: "old_am"}


@dataclass(frozen=True)
class World:
    """A roster: one active person of each role (the chair only when `chair`), a second
    HQ person only when `two_hq`, a second of the other roles, and a withdrawn one of each."""

    name: str
    two_hq: bool
    chair: bool

    def active(self) -> dict[str, Role]:
        people = {login: role for role, login in ACTOR_OF.items()}
        people |= {login: role for role, login in OTHER_OF.items()}
        if not self.two_hq:
            del people["hq2"]
        if not self.chair:
            del people["chair"]
        return people


WORLDS = [World("two HQ, a chair", True, True), World("two HQ, no chair", True, False),
          World("one HQ, a chair", False, True)]


@dataclass(frozen=True)
class Case:
    actor: str
    attempt: str
    """add, change_role, revoke, reinstate, review_keep, review_change, review_withdraw."""
    login: str
    role: Role | None = None
    """The role asked for (add, change_role, review_change)."""


def expected(world: World, actor_role: Role, case: Case, target: Role | None) -> bool:
    """The policy's answer, from the tables above."""
    if actor_role not in KEEPERS:
        return False
    if case.attempt == "review_keep":
        return True
    if case.login == case.actor:  # nobody changes their own role or withdraws themselves
        return False
    give = case.role if case.role is not None else (
        target if case.attempt == "reinstate" else None)
    take = target if case.attempt in ("change_role", "review_change", "revoke",
                                      "review_withdraw") else None
    if give is not None and give not in GIVES[actor_role]:
        return False
    if take is not None and take not in TAKES[actor_role]:
        return False
    if give is SC and world.chair and case.login != "chair":  # one chair at a time
        return False
    last_hq = take is HQ and give is not HQ and not world.two_hq
    return not last_hq


def cases(world: World, actor: str) -> Iterator[tuple[Case, Role | None]]:
    active = world.active()
    targets = {actor: active[actor]} | {
        login: role for role in Role for login in (ACTOR_OF[role], OTHER_OF[role])
        if login in active and login != actor}
    for role in Role:
        yield Case(actor, "add", "newcomer", role), None
        yield Case(actor, "reinstate", WITHDRAWN_OF[role]), role
    for login, target in targets.items():
        for attempt in ("revoke", "review_keep", "review_withdraw"):
            yield Case(actor, attempt, login), target
        for role in Role:
            yield Case(actor, "change_role", login, role), target
            yield Case(actor, "review_change", login, role), target


def perform(roster: Roster, governance: Governance, case: Case) -> None:
    a, login, role = case.actor, case.login, case.role
    if case.attempt == "add":
        assert role is not None
        roster.add(a, login, "New Comer", role)
    elif case.attempt == "change_role":
        assert role is not None
        roster.change_role(a, login, role)
    elif case.attempt == "revoke":
        roster.revoke(a, login, "test")
    elif case.attempt == "reinstate":
        roster.reinstate(a, login)
    elif case.attempt == "review_keep":
        governance.review_person(a, login, "keep")
    elif case.attempt == "review_change":
        governance.review_person(a, login, "change_role", role=role)
    else:
        governance.review_person(a, login, "withdraw", reason="test")


def _config(tmp_path: Path) -> Config:
    config = make_config(tmp_path)
    return dataclasses.replace(config, review=dataclasses.replace(config.review,
                                                                  ec_meeting=MEETING))


def build_world(world: World, config: Config) -> sqlite3.Connection:
    """The world built through the domain, as the policy's people would, copied into memory."""
    db = open_database(config.database_path, create=True)
    roster = Roster(db, ("x", "mastodon"), clock=lambda: START)
    roster.initialise("hq", "Harriet Quinn")
    for role in (HQ, CC, EC, AM):
        roster.add("hq", OTHER_OF[role], f"Other {role.label}", role)
        roster.add("hq", WITHDRAWN_OF[role], f"Former {role.label}", role)
    for role in (CC, EC, AM):
        roster.add("hq", ACTOR_OF[role], f"Active {role.label}", role)
    roster.add("comms", "old_chair", "Former Chair", SC)
    for role in Role:
        roster.revoke("hq" if role is not SC else "comms", WITHDRAWN_OF[role], "left")
    if world.chair:
        roster.add("comms", "chair", "Sam Chair", SC)
    if not world.two_hq:
        roster.revoke("hq", "hq2", "left")  # HQ is alone
    assert {p.login for p in roster.people(include_withdrawn=False)} == set(world.active())
    template = sqlite3.connect(":memory:")
    db.conn.backup(template)
    db.close()
    return template


def check_outcome(conn: sqlite3.Connection, case: Case, refusal: DomainError | None,
                  before: list[tuple], seq: int, triggers: int) -> list[str]:
    """What is wrong with the roster, the audit log and the rotation triggers after `case`."""
    problems = []
    new = [row[0] for row in conn.execute(
        "SELECT action FROM audit WHERE seq > ? AND actor = ? ORDER BY seq", (seq, case.actor))]
    added = _count(conn, "SELECT count(*) FROM rotation_triggers") - triggers
    if refusal is not None:
        if not isinstance(refusal, NotAuthorised | InvalidState):
            problems.append(f"refused with {type(refusal).__name__}: {refusal}")
        if "rule" not in str(refusal) and "may not change the roster" not in str(refusal):
            problems.append(f"the refusal does not name its rule: {refusal}")
        if _state(conn) != before:
            problems.append("refused, yet the roster changed")
        if new != ["roster.refused"] or added:
            problems.append(f"refused: audit {new}, {added} rotation triggers")
        return problems
    person = get_person(conn, case.login)
    if person is None or (case.role is not None and person.role is not case.role):
        problems.append(f"allowed, but the person is now {person}")
    elif person.active != (case.attempt not in ("revoke", "review_withdraw")):
        problems.append(f"allowed, but active is {person.active}")
    if (added == 2) != (_state(conn) != before):  # both outlets fall due on any change
        problems.append(f"{added} rotation triggers")
    if "roster.refused" in new:
        problems.append(f"allowed, yet audited as refused: {new}")
    return problems


def _state(conn: sqlite3.Connection) -> list[tuple]:
    return conn.execute("SELECT login, role, active FROM people ORDER BY login").fetchall()


def _count(conn: sqlite3.Connection, sql: str) -> int:
    return int(conn.execute(sql).fetchone()[0])


@pytest.mark.parametrize(("world", "actor_role"), [
    pytest.param(world, role, id=f"{world.name}-{role.value}")
    for world in WORLDS for role in Role if ACTOR_OF[role] in world.active()])
def test_every_roster_action_as_every_role(tmp_path: Path, world: World,
                                            actor_role: Role) -> None:
    actor = ACTOR_OF[actor_role]
    config = _config(tmp_path)
    template = build_world(world, config)
    db = open_database(config.database_path, create=True)
    roster = Roster(db, ("x", "mastodon"), clock=lambda: START)
    governance = Governance(db, config, roster, clock=lambda: START)
    conn = db.conn
    wrong: list[str] = []
    tried = 0
    for case, target in cases(world, actor):
        template.backup(conn)
        before = _state(conn)
        seq = _count(conn, "SELECT coalesce(max(seq), 0) FROM audit")
        triggers = _count(conn, "SELECT count(*) FROM rotation_triggers")
        want = expected(world, actor_role, case, target)
        try:
            perform(roster, governance, case)
            refusal = None
        except DomainError as exc:
            refusal = exc
        tried += 1
        got = refusal is None
        if got != want:
            wrong.append(f"{case} on a {target}: expected {'allowed' if want else 'refused'},"
                         f" got {'allowed' if got else f'refused ({refusal})'}")
            continue
        wrong += [f"{case}: {problem}" for problem in check_outcome(conn, case, refusal, before,
                                                                    seq, triggers)]
    assert not wrong, f"{len(wrong)} of {tried} differ from the policy:\n" + "\n".join(wrong)
    assert tried > 60 and audit.verify(conn).ok
    db.close()


def test_the_expected_table_covers_every_role() -> None:
    assert set(GIVES) == set(TAKES) == set(Role) == set(roles.ROSTER_AUTHORITY)


@pytest.fixture
def people(tmp_path: Path) -> Iterator[tuple[Roster, Governance, sqlite3.Connection]]:
    config = _config(tmp_path)
    build_world(WORLDS[2], config)  # one HQ person, a chair
    db = open_database(config.database_path, create=True)
    roster = Roster(db, ("x", "mastodon"), clock=lambda: START)
    yield roster, Governance(db, config, roster, clock=lambda: START), db.conn
    db.close()


@pytest.mark.parametrize("chair", ["comms", "chair"])
def test_a_chair_cannot_make_themselves_hq_then_remove_hq(people, chair: str) -> None:
    roster, governance, conn = people
    before = _state(conn)
    with pytest.raises(NotAuthorised, match="nobody changes their own role") as own:
        roster.change_role(chair, chair, HQ)
    assert own.value.exit_code == 3
    with pytest.raises(NotAuthorised, match=r"who may grant which role.*that is for INMM Head"):
        roster.add(chair, "crony", "A Crony", HQ)
    with pytest.raises(NotAuthorised, match="who may withdraw or move whom"):
        roster.revoke(chair, "hq", "taking over")
    with pytest.raises(NotAuthorised, match="who may withdraw or move whom"):
        governance.review_person(chair, "hq", "withdraw", reason="taking over")
    assert _state(conn) == before
    refused = [e["details"]["attempt"] for e in audit.history(conn, f"person:{chair}")
               + audit.history(conn, "person:crony") + audit.history(conn, "person:hq")
               if e["action"] == "roster.refused"]
    assert sorted(refused) == ["add", "change_role", "review", "revoke"]
    # Withdrawing at the review is recorded once, by the review, not again by the roster.
    alerts = [a for a in open_alerts(conn) if a.kind == "roster_escalation"]
    assert [a.subject for a in alerts] == [f"person:{chair}"]
    assert alerts[0].message.startswith(
        f"'{chair}' tried to change the role of '{chair}' (role: hq) and was refused: ")
    assert audit.verify(conn).ok


def test_a_refusal_that_reaches_for_no_rights_alerts_no_one(people) -> None:
    roster, _governance, conn = people
    with pytest.raises(NotAuthorised, match="that is for the Communications Committee Chair"):
        roster.add("hq", "newchair", "New Chair", SC)
    assert [a for a in open_alerts(conn) if a.kind == "roster_escalation"] == []
    assert audit.history(conn, "person:newchair")[-1]["details"]["attempt"] == "add"


def test_one_subcommittee_chair_at_a_time(people) -> None:
    roster, _governance, conn = people
    with pytest.raises(InvalidState, match="one Subcommittee Chair at a time: Sam Chair"):
        roster.change_role("comms", "bob", SC)
    # The handover: the outgoing chair stays on as an account manager, then the new one.
    roster.change_role("comms", "chair", AM)
    assert roster.change_role("comms", "bob", SC).role is SC
    assert audit.history(conn, "person:bob")[-2]["action"] == "roster.refused"


def test_adding_someone_makes_every_outlet_due_for_rotation(people) -> None:
    roster, _governance, conn = people
    roster.add("chair", "newam", "New Am", AM)
    reasons = conn.execute("SELECT outlet, cause, reason FROM rotation_triggers"
                           " WHERE reason LIKE 'New Am%'").fetchall()
    assert sorted(reasons) == [("mastodon", "roster_change", "New Am was added as Account Manager"),
                               ("x", "roster_change", "New Am was added as Account Manager")]


def test_the_last_hq_person_stays_even_if_the_table_allowed_otherwise(
        people, monkeypatch: pytest.MonkeyPatch) -> None:
    """The table alone keeps HQ (only HQ takes HQ, never its own); the rule stands behind
    it should the table ever change."""
    roster, governance, conn = people
    loose = dataclasses.replace(roles.ROSTER_AUTHORITY[CC], takes=frozenset(Role))
    monkeypatch.setitem(roles.ROSTER_AUTHORITY, CC, loose)
    attempts: list[Callable[[], object]] = [
        lambda: roster.revoke("comms", "hq", "gone"),
        lambda: roster.change_role("comms", "hq", AM),
        lambda: governance.review_person("comms", "hq", "withdraw", reason="gone"),
    ]
    for attempt in attempts:
        with pytest.raises(InvalidState, match="the last HQ person stays: Harriet Quinn"):
            attempt()
    assert get_person(conn, "hq").active and get_person(conn, "hq").role is HQ
    roster.change_role("comms", "comms2", AM)  # the loosened table is in force otherwise


def test_the_command_line_refuses_with_exit_3_and_the_rule(tmp_path: Path) -> None:
    me = current_login()
    config = make_config(tmp_path)
    db = open_database(config.database_path, create=True)
    roster = Roster(db, (), clock=lambda: START)
    roster.initialise("hq", "Harriet Quinn")
    roster.add("hq", me, "Cora Comms", CC)
    db.close()
    cfg = tmp_path / "inmm.toml"
    cfg.write_text(f'[inmm]\ndatabase = "{config.database_path}"\n')
    made_hq = run_cli("--config", str(cfg), "roster", "role", me, "hq")
    assert made_hq.returncode == 3, made_hq.stderr
    assert "nobody changes their own role" in made_hq.stderr
    assert "Traceback" not in made_hq.stderr
    revoked = run_cli("--config", str(cfg), "roster", "revoke", "hq", "--reason", "mine now")
    assert revoked.returncode == 3 and "who may withdraw or move whom" in revoked.stderr
    db = open_database(config.database_path, create=True)
    assert _state(db.conn) == [("hq", "hq", 1), (me, "communications_chair", 1)]
    actions = [row[0] for row in db.conn.execute("SELECT action FROM audit ORDER BY seq")]
    assert actions[-3:] == ["roster.refused", "alert.raise", "roster.refused"]
    db.close()
