"""What the audit log authorises, re-derived from the log alone, and the rows it does not
explain.

The database must be writable by every administrator, so a row can be changed beside the
tool: a role raised in `people`, a cleared post inserted with a hash computed with our own
functions, a delivery marked sent. Each such row is checked against what the log says:

- the roster: replaying `roster.init`, `roster.add`, `roster.change_role`,
  `roster.revoke` and `roster.reinstate` gives each person's role and whether they have
  rights; `people` must agree. Each of these entries must have been made by someone the
  replay shows allowed to change the roster at that moment;
- posts: each must have been created (`post.create`); a post carrying a clearance must
  carry the one its last `post.clear` entry records (hash and clearer), and that clearer
  must have been allowed to clear at that moment;
- the policy: each version recorded, and the one in force, is the one a `policy.version`
  entry (the last, for the one in force) records; each acknowledgement is one a
  `policy.acknowledge` entry records, made by someone the replay shows on the roster;
- deliveries: their texts must be what was cleared (the clearance hash covers every
  outlet's text and, for a correction, the post it answers), a post without a clearance
  has none queued or sent, one marked sent is the one a `delivery.sent` entry records
  (same platform id), and one marked deleted is the one a `delivery.deleted` entry
  records (a post taken down beside the tool, or marked so, is not explained).

It reads the whole log (one pass over the entries of those actions): the daemon's hourly
audit check and `audit verify` run it; `--report` shows the alerts it raised.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from inmm_tui.domain.posts import clearance_unrecorded, content_hash
from inmm_tui.domain.roles import Action, Role, allowed
from inmm_tui.domain.threads import digest_of_deliveries

ROSTER_ACTIONS = ("roster.init", "roster.add", "roster.change_role", "roster.revoke",
                  "roster.reinstate")
READ = (*ROSTER_ACTIONS, "post.create", "post.clear", "delivery.sent", "delivery.deleted",
        "policy.version", "policy.acknowledge")


@dataclass(frozen=True)
class Finding:
    subject: str
    """`person:LOGIN`, `post:ID`, `delivery:ID` or `audit:SEQ`: one alert per subject."""
    message: str


@dataclass
class _Person:
    role: str
    active: bool


def unexplained(conn: sqlite3.Connection) -> list[Finding]:
    """Every row of `people`, `posts` and `deliveries` the audit log does not explain, and
    every roster or clearance entry made without the rights the log gives its author."""
    if conn.in_transaction:
        return _unexplained(conn)
    conn.execute("BEGIN")  # one snapshot: the log and the rows read together
    try:
        return _unexplained(conn)
    finally:
        conn.execute("COMMIT")


def _may(people: dict[str, _Person], login: str, action: Action) -> bool:
    person = people.get(login)
    if person is None or not person.active:
        return False
    try:
        return allowed(Role(person.role), action)
    except ValueError:
        return False


def _details(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _unexplained(conn: sqlite3.Connection) -> list[Finding]:
    findings: list[Finding] = []
    people: dict[str, _Person] = {}
    created: set[int] = set()
    clears: dict[int, tuple[int, str, str]] = {}
    sent: dict[int, str] = {}
    deleted: dict[int, str] = {}
    versions: list[str] = []
    acknowledged: set[tuple[str, str]] = set()
    marks = ", ".join("?" for _ in READ)
    rows = conn.execute(
        f"SELECT seq, actor, action, subject, details FROM audit WHERE action IN ({marks})"
        " ORDER BY seq", READ)
    for seq, actor, action, subject, details in rows:
        _, _, key = subject.partition(":")
        if action in ROSTER_ACTIONS:
            _replay_roster(people, seq, actor, action, key, _details(details), findings)
        elif action == "post.create" and key.isdigit():
            created.add(int(key))
        elif action == "post.clear" and key.isdigit():
            clears[int(key)] = (seq, actor, details)
            if not _may(people, actor, Action.CLEAR):
                findings.append(Finding(
                    f"audit:{seq}", f"audit entry #{seq} clears post #{key} in the name of "
                    f"'{actor}', who per the log could not clear posts then"))
        elif action == "delivery.sent":
            data = _details(details)
            if isinstance(data.get("delivery"), int):
                sent[data["delivery"]] = str(data.get("platform_id"))
        elif action == "delivery.deleted":
            data = _details(details)
            if isinstance(data.get("delivery"), int):
                deleted[data["delivery"]] = str(data.get("platform_id"))
        elif action == "policy.version":
            versions.append(key)
        elif action == "policy.acknowledge":
            acknowledged.add((actor, key))
            if not _may(people, actor, Action.VIEW):
                findings.append(Finding(
                    f"audit:{seq}", f"audit entry #{seq} acknowledges the policy in the name "
                    f"of '{actor}', who per the log was not on the roster then"))
    findings += _people(conn, people)
    findings += _policy(conn, versions, acknowledged)
    cleared = _posts(conn, created, clears, findings)
    findings += _deliveries(conn, cleared, sent)
    findings += _deletions(conn, deleted)
    return findings


def _replay_roster(people: dict[str, _Person], seq: int, actor: str, action: str, login: str,
                   data: dict[str, Any], findings: list[Finding]) -> None:
    if action == "roster.init":
        if people:
            findings.append(Finding(f"audit:{seq}", f"audit entry #{seq} starts the roster "
                                    "again although it already had people"))
    elif not _may(people, actor, Action.MANAGE_ROSTER):
        findings.append(Finding(f"audit:{seq}", f"audit entry #{seq} ({action} of '{login}') "
                                f"was made in the name of '{actor}', who per the log could "
                                "not change the roster then"))
    if action in ("roster.init", "roster.add"):
        people[login] = _Person(str(data.get("role")), True)
    elif login in people:
        if action == "roster.change_role":
            people[login].role = str(data.get("to"))
        else:
            people[login].active = action == "roster.reinstate"


def _people(conn: sqlite3.Connection, derived: dict[str, _Person]) -> list[Finding]:
    found = []
    table = {login: (role, bool(active)) for login, role, active in
             conn.execute("SELECT login, role, active FROM people")}
    for login in sorted(set(table) | set(derived)):
        subject = f"person:{login}"
        if login not in derived:
            found.append(Finding(subject, f"'{login}' is on the roster as {table[login][0]}, "
                                 "but the audit log never added them"))
            continue
        if login not in table:
            found.append(Finding(subject, f"'{login}' was added per the audit log but has "
                                 "been removed from the roster beside the tool"))
            continue
        role, active = table[login]
        expected = derived[login]
        if role != expected.role:
            found.append(Finding(subject, f"'{login}' has the role {role} on the roster, but "
                                 f"the audit log gave them {expected.role}"))
        if active != expected.active:
            found.append(Finding(subject, f"'{login}' " + (
                "has rights on the roster, but the audit log withdrew them" if active else
                "has no rights on the roster, but the audit log never withdrew them")))
    return found


def _policy(conn: sqlite3.Connection, versions: list[str],
            acknowledged: set[tuple[str, str]]) -> list[Finding]:
    found = []
    for version, current in conn.execute("SELECT version, current FROM policy_versions"):
        if version not in versions:
            found.append(Finding(f"policy:{version}", f"policy version {version} is recorded, "
                                 "but the audit log never put it in force"))
        elif current and version != versions[-1]:
            found.append(Finding(f"policy:{version}", f"policy version {version} is marked in "
                                 f"force, but the audit log last put {versions[-1]} in force"))
    for login, version in conn.execute("SELECT login, version FROM policy_acknowledgements"):
        if (login, version) not in acknowledged:
            found.append(Finding(f"person:{login}", f"'{login}' is recorded as having "
                                 f"acknowledged policy version {version}, but the audit log "
                                 "has no such acknowledgement"))
    return found


def _posts(conn: sqlite3.Connection, created: set[int],
           clears: dict[int, tuple[int, str, str]],
           findings: list[Finding]) -> dict[int, tuple[str, str] | str]:
    """Adds the posts' findings; returns post id → (clearance hash, cleared at) when the
    log explains its clearance, else "none" (no clearance) or "unexplained"."""
    cleared: dict[int, tuple[str, str] | str] = {}
    rows = conn.execute(
        "SELECT id, status, cleared_by, cleared_at, clearance_hash FROM posts ORDER BY id")
    for post_id, status, cleared_by, cleared_at, clearance in rows:
        subject = f"post:{post_id}"
        if post_id not in created:
            findings.append(Finding(subject, f"post #{post_id} ({status}) is in the database, "
                                    "but the audit log never created it"))
        if not clearance:
            cleared[post_id] = "none"
            if status in ("cleared", "scheduled", "published"):
                findings.append(Finding(subject, f"post #{post_id} is {status} without a "
                                        "clearance"))
            continue
        problem = clearance_unrecorded(post_id, clearance, cleared_by, clears.get(post_id))
        if problem:
            findings.append(Finding(subject, problem))
            cleared[post_id] = "unexplained"
        else:
            cleared[post_id] = (clearance, cleared_at or "")
    return cleared


def _deliveries(conn: sqlite3.Connection, cleared: dict[int, tuple[str, str] | str],
                sent: dict[int, str]) -> list[Finding]:
    found = []
    by_post: dict[int, list[tuple[int, str, str, str, str, str | None]]] = defaultdict(list)
    for row in conn.execute("SELECT post_id, id, outlet, state, text, content_hash,"
                            " platform_id FROM deliveries ORDER BY post_id, id"):
        by_post[row[0]].append(row[1:7])
    for post_id, items in by_post.items():
        clearance = cleared.get(post_id)
        if isinstance(clearance, tuple) and digest_of_deliveries(
                conn, post_id, clearance[1]) != clearance[0]:
            found.append(Finding(f"post:{post_id}", f"post #{post_id}: the outlets or "
                                 "texts of its deliveries differ from what was cleared"))
        for delivery_id, outlet, state, text, stored, platform_id in items:
            subject = f"delivery:{delivery_id}"
            what = f"delivery #{delivery_id} (post #{post_id} on {outlet})"
            if clearance is None:
                found.append(Finding(subject, f"{what}: the post does not exist"))
            elif clearance == "none" and state != "withdrawn":
                found.append(Finding(subject, f"{what} is {state}, but the post has no "
                                     "clearance"))
            if content_hash(text) != stored:
                found.append(Finding(subject, f"{what}: its text does not match its "
                                     "recorded hash"))
            if state == "sent" and sent.get(delivery_id) != str(platform_id):
                found.append(Finding(subject, f"{what} is marked sent, but no audit entry "
                                     "records that publication"))
    return found


def _deletions(conn: sqlite3.Connection, deleted: dict[int, str]) -> list[Finding]:
    """Each deletion marked done must be the one a `delivery.deleted` entry records."""
    found = []
    for delivery_id, post_id, outlet, platform_id in conn.execute(
            "SELECT delivery_id, post_id, outlet, platform_id FROM deletions"
            " WHERE state = 'deleted' ORDER BY delivery_id"):
        if deleted.get(delivery_id) != str(platform_id):
            found.append(Finding(
                f"delivery:{delivery_id}", f"delivery #{delivery_id} (post #{post_id} on "
                f"{outlet}) is marked deleted, but no audit entry records that deletion"))
    return found
