"""The duties a society forgets until something goes wrong ("Management of Social Media
Pages", "Risks and Mitigation", the policy's own review date):

- credential rotation (R19): every 6 months, at once on a roster change or a suspected
  compromise; done only when the daemon has proved the new credentials work;
- the roster's annual review before the EC meeting (R18);
- the policy's review date (R25);
- squatter and spoof accounts (R24);
- suspicious activity found in the audit log (R20).

Read functions take a `sqlite3.Connection` (so `--report` can use them without
sqlite-utils); the daemon's checks take a connection inside a write transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from inmm_tui.domain import acknowledgement, audit, authority, witness
from inmm_tui.domain.authority import Finding
from inmm_tui.domain.base import DomainService
from inmm_tui.domain.duties import (
    policy_review,
    raise_rotation_trigger,
    review_status,
    rotation_status,
)
from inmm_tui.domain.errors import InvalidInput, InvalidState, NotFound
from inmm_tui.domain.people import Roster, authorise, get_person, refusals_audited
from inmm_tui.domain.posts import verify_clearance
from inmm_tui.domain.reminders import close_reminders, ensure_reminder, raise_alert
from inmm_tui.domain.roles import Action, Role
from inmm_tui.domain.switches import set_setting, setting
from inmm_tui.store.tx import write
from inmm_tui.timeutil import Clock, from_db, to_db, utcnow

if TYPE_CHECKING:
    from sqlite_utils import Database

    from inmm_tui.config import Config

SYSTEM_ACTORS = {audit.DAEMON, audit.CONFIG, "init"}
UNEXPLAINED_ALERTS = 50
"""Rows changed beside the tool alerted one by one; beyond, one alert counts the rest (a
bulk change must not bury HQ, or the log, under alerts)."""



def secrets_fingerprint(key: bytes, secret_material: bytes) -> str:
    """A keyed fingerprint of an outlet's secrets: shows a change without storing or
    revealing the secret itself."""
    return hmac.new(key, secret_material, hashlib.sha256).hexdigest()


class Governance(DomainService):
    """Rotation, reviews and spoofs as people act on them; every change audited."""

    def __init__(self, db: Database, config: Config, roster: Roster, clock: Clock = utcnow):
        self.db = db
        self.config = config
        self.roster = roster
        self.clock = clock


    def _outlet(self, name: str) -> str:
        try:
            return self.config.outlet(name).name
        except KeyError:
            names = ", ".join(o.name for o in self.config.outlets)
            raise InvalidInput(f"unknown outlet {name!r} (configured: {names})") from None

    def record_rotation(self, actor: str, outlet: str, note: str = "") -> int:
        """HQ changed the outlet's credentials. The rotation counts once the daemon has
        checked the new credentials against the platform."""
        name = self._outlet(outlet)
        with write(self.db):
            authorise(self.conn, actor, Action.RECORD_ROTATION)
            cursor = self.conn.execute(
                "INSERT INTO credential_rotations (outlet, rotated_at, recorded_by, note)"
                " VALUES (?, ?, ?, ?)", (name, to_db(self.clock()), actor, note))
            rotation_id = int(cursor.lastrowid or 0)
            audit.append(self.conn, actor, "rotation.record", f"outlet:{name}",
                         {"rotation": rotation_id, "note": note}, at=self.clock())
        return rotation_id

    def flag_compromise(self, actor: str, outlet: str | None, reason: str) -> None:
        """Anyone may say they suspect an account is compromised; rotation falls due at once."""
        if not reason.strip():
            raise InvalidInput("say what makes you suspect a compromise")
        names = [self._outlet(outlet)] if outlet else [o.name for o in self.config.outlets]
        with write(self.db):
            authorise(self.conn, actor, Action.FLAG_COMPROMISE)
            for name in names:
                raise_rotation_trigger(self.conn, name, "compromise", reason.strip(), actor,
                                       self.clock())
                audit.append(self.conn, actor, "rotation.compromise", f"outlet:{name}",
                             {"reason": reason.strip()}, at=self.clock())
                raise_alert(self.conn, "compromise", f"outlet:{name}",
                            f"suspected compromise of {name} reported by {actor}: {reason.strip()}",
                            self.clock())

    # ----- the roster's annual review ----------------------------------------------------

    def review_person(self, actor: str, login: str, outcome: str, *, role: Role | None = None,
                      reason: str = "") -> None:
        """Record one person's outcome in this year's review; withdrawing takes effect at once."""
        meeting = self.config.review.ec_meeting
        if meeting is None:
            raise InvalidState("no EC meeting date is configured ([review] ec_meeting)")
        if outcome not in ("keep", "change_role", "withdraw"):
            raise InvalidInput(f"unknown outcome {outcome!r} (keep, change_role or withdraw)")
        if outcome == "change_role" and role is None:
            raise InvalidInput("changing a role needs the new role")
        # Keeping someone changes no one's rights, so anyone who keeps the roster may
        # record it (themselves included: a lone HQ person is reviewed too); a change of
        # role or a withdrawal goes through the roster's own rules.
        details = {"outcome": outcome, "role": role.value if role else None}
        with (refusals_audited(self.db, self.clock, actor, "review", login, details),
              write(self.db)):
            authorise(self.conn, actor, Action.MANAGE_ROSTER)
            person = get_person(self.conn, login)
            if person is None:
                raise NotFound(f"no one with the login '{login}' is on the roster")
            if outcome == "withdraw":
                self.roster.revoke(actor, login, reason or "withdrawn at the annual review")
            elif outcome == "change_role" and role is not None:
                self.roster.change_role(actor, login, role)
            now = to_db(self.clock())
            self.conn.execute(
                "INSERT INTO roster_reviews (meeting, login, outcome, role, reason, reviewed_by,"
                " reviewed_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(meeting, login) DO UPDATE"
                " SET outcome = excluded.outcome, role = excluded.role, reason = excluded.reason,"
                " reviewed_by = excluded.reviewed_by, reviewed_at = excluded.reviewed_at",
                (meeting.isoformat(), login, outcome, (role or person.role).value, reason, actor,
                 now))
            self.conn.execute("UPDATE people SET last_reviewed_at = ? WHERE login = ?",
                              (now, login))
            audit.append(self.conn, actor, "roster.review", f"person:{login}",
                         {"meeting": meeting.isoformat(), "outcome": outcome,
                          "role": (role or person.role).value, "reason": reason},
                         at=self.clock())
            status = review_status(self.conn, self.config, self.clock())
            if status and not status.pending:
                close_reminders(self.conn, "roster_review", meeting.isoformat(), actor,
                                self.clock())

    # ----- spoof watch -----------------------------------------------------------------

    def mark_suspect(self, actor: str, suspect_id: int, status: str, report_ref: str = "") -> None:
        if status not in ("harmless", "reported", "gone"):
            raise InvalidInput(f"unknown decision {status!r} (harmless, reported or gone)")
        if status == "reported" and not report_ref.strip():
            raise InvalidInput("a report needs the platform's reference (ticket or report id)")
        with write(self.db):
            authorise(self.conn, actor, Action.MODERATE)
            row = self.conn.execute("SELECT outlet, handle FROM spoof_suspects WHERE id = ?",
                                    (suspect_id,)).fetchone()
            if row is None:
                raise NotFound(f"there is no suspect #{suspect_id}")
            self.conn.execute(
                "UPDATE spoof_suspects SET status = ?, decided_by = ?, decided_at = ?,"
                " report_ref = ? WHERE id = ?",
                (status, actor, to_db(self.clock()), report_ref.strip() or None, suspect_id))
            audit.append(self.conn, actor, f"spoof.{status}", f"spoof:{suspect_id}",
                         {"outlet": row[0], "handle": row[1], "report_ref": report_ref},
                         at=self.clock())



def review_markdown(conn: sqlite3.Connection, config: Config, now: dt.datetime) -> str:
    """The authorised list to take to the EC meeting."""
    status = review_status(conn, config, now)
    if status is None:
        raise InvalidState("no EC meeting date is configured ([review] ec_meeting)")
    lines = [f"# INMM social media: authorised people for the EC meeting of "
             f"{status.meeting.isoformat()}", "",
             "| Name | Login | Role | Outcome of the review | Reviewed | Policy acknowledged |",
             "|---|---|---|---|---|---|"]
    rows = conn.execute(
        "SELECT p.name, p.login, p.role, p.active, r.outcome, r.reason, r.reviewed_at,"
        " r.reviewed_by FROM people p LEFT JOIN roster_reviews r ON r.login = p.login"
        " AND r.meeting = ? ORDER BY p.active DESC, p.name", (status.meeting.isoformat(),))
    titles = {role.value: role.label for role in Role}
    for name, login, role, active, outcome, reason, at, by in rows:
        if not active and outcome is None:
            continue
        verdict = {"keep": "keep", "change_role": "role changed", "withdraw": "rights withdrawn",
                   None: "NOT YET REVIEWED"}[outcome]
        if reason:
            verdict += f" ({reason})"
        when = f"{from_db(at).date().isoformat()} by {by}" if at else ""
        lines.append(f"| {name} | {login} | {titles.get(role, role)} | {verdict} | {when} "
                     f"| {acknowledgement.describe(conn, login)} |")
    lines += ["", f"{len(status.reviewed)} reviewed, {len(status.pending)} pending."]
    return "\n".join(lines) + "\n"


# ----- spoof watch ---------------------------------------------------------------------

LOOKALIKE_DIGITS = {"o": "0", "i": "1", "l": "1", "e": "3", "a": "4", "s": "5", "g": "9",
                    "b": "8", "t": "7"}
LOOKALIKE_LETTERS = {"m": ("n", "rn"), "n": ("m",), "i": ("l",), "l": ("i",), "w": ("vv",),
                     "u": ("v",), "v": ("u",)}
ADDED_WORDS = ("official", "news", "hq", "org", "team", "info", "real", "inc")


def spoof_variants(handle: str, extra: list[str] | tuple[str, ...] = ()) -> list[str]:
    """Look-alike handles a squatter might register: swapped, doubled and dropped letters,
    digits for letters, and added words, plus any configured by hand. Lower-case, without
    the handle itself, in a stable order. A handle that is a domain name (Bluesky's
    `inmmorg.bsky.social`) varies in its first label, kept under the same domain, with `-`
    for `_` (a domain name has no underscore)."""
    base = handle.lstrip("@")
    if "." in base:
        label, domain = base.split(".", 1)
        labels = (v.replace("_", "-").strip("-") for v in
                  spoof_variants(label, [e.split(".", 1)[0] for e in extra]))
        return [f"{v}.{domain.lower()}" for v in dict.fromkeys(labels) if v and v != label.lower()]
    low = base.lower()
    found: dict[str, None] = {}

    def add(candidate: str) -> None:
        candidate = candidate.lower()
        if candidate and candidate != low and len(candidate) <= 15:
            found.setdefault(candidate, None)

    for i in range(len(low) - 1):
        add(low[:i] + low[i + 1] + low[i] + low[i + 2:])  # swapped neighbours
    for i in range(len(low)):
        add(low[:i] + low[i] + low[i:])  # doubled letter
        add(low[:i] + low[i + 1:])  # dropped letter
        digit = LOOKALIKE_DIGITS.get(low[i])
        if digit:
            add(low[:i] + digit + low[i + 1:])  # digit for a letter
        for letter in LOOKALIKE_LETTERS.get(low[i], ()):
            add(low[:i] + letter + low[i + 1:])  # a letter that looks the same
    add(low.replace("o", "0").replace("i", "1"))
    stems = [low] + [low[: -len(suffix)] for suffix in ("org", "_org", "hq")
                     if low.endswith(suffix) and len(low) > len(suffix) + 2]
    for stem in stems:
        add(stem)
        for word in ADDED_WORDS:
            add(stem + word)
            add(stem + "_" + word)
            add(word + stem)
            add(word + "_" + stem)
    add(low + "_")
    add("_" + low)
    for item in extra:
        add(item.lstrip("@"))
    return list(found)


def record_suspect(conn: sqlite3.Connection, outlet: str, handle: str, user_id: str | None,
                   name: str | None, at: dt.datetime) -> bool:
    """Queue a look-alike account once; True when it is new."""
    cursor = conn.execute(
        "INSERT OR IGNORE INTO spoof_suspects (outlet, handle, user_id, name, first_seen_at)"
        " VALUES (?, ?, ?, ?, ?)", (outlet, handle.lower(), user_id, name, to_db(at)))
    if cursor.rowcount:
        audit.append(conn, audit.DAEMON, "spoof.found", f"outlet:{outlet}",
                     {"handle": handle, "user_id": user_id, "name": name}, at=at)
        return True
    return False


# ----- suspicious activity -------------------------------------------------------------


def record_refusal(db: Database, login: str, what: str, at: dt.datetime | None = None) -> None:
    """Someone not on the roster (or withdrawn) was refused; kept for the audit check."""
    with write(db):
        db.conn.execute("INSERT INTO access_refusals (login, what, at) VALUES (?, ?, ?)",
                        (login, what, to_db(at or utcnow())))


def _set(conn: sqlite3.Connection, key: str, value: str, at: dt.datetime) -> None:
    set_setting(conn, key, value, audit.DAEMON, at)


def check_audit(conn: sqlite3.Connection, now: dt.datetime,
                check: audit.ChainCheck | None = None,
                findings: list[Finding] | None = None,
                witness_path: Path | None = None) -> list[str]:
    """The daemon's look at the audit log and the publications since its last look.
    Raises an alert for each finding (once); returns the new alerts' messages.
    Call inside a write transaction, with `check` the full chain verification and
    `findings` the rows the log does not explain, both made before it (re-hashing half a
    million entries must not hold the write lock). With `witness_path`, the verified
    head is anchored there, with what was found."""
    raised: list[str] = []

    def alert(kind: str, subject: str, message: str) -> None:
        if raise_alert(conn, kind, subject, message, now):
            raised.append(message)

    check = check or audit.verify(conn)
    findings = authority.unexplained(conn) if findings is None else findings
    if not check.ok:
        alert("audit_chain", "audit", check.describe())
    by_subject: dict[str, list[str]] = {}  # one alert per subject says all about it
    for finding in findings:
        by_subject.setdefault(finding.subject, []).append(finding.message)
    for subject, messages in list(by_subject.items())[:UNEXPLAINED_ALERTS]:
        alert("unexplained_change", subject, "changed beside the tool: " + "; ".join(messages))
    if len(by_subject) > UNEXPLAINED_ALERTS:
        alert("unexplained_change", "audit:more",
              f"and {len(by_subject) - UNEXPLAINED_ALERTS} more rows changed beside the tool "
              "(`inmm-tui audit verify` lists them)")
    anchored = None
    if witness_path is not None:
        problems = ([check.describe()] if not check.ok else []) + [
            f"{f.subject}: {f.message}" for f in findings]
        anchored, alerted = anchor_audit(conn, witness_path, now, verified=check,
                                         problems=problems)
        if alerted and anchored.problem:
            raised.append(anchored.problem)
    if check.ok and (anchored is None or anchored.problem is None):
        audit.record_checkpoint(conn, check, now)
    since_seq = int(setting(conn, "audit_check.seq") or 0)
    rows = conn.execute(
        "SELECT a.seq, a.actor, a.action, a.at, p.login, p.active, p.revoked_at FROM audit a"
        " LEFT JOIN people p ON p.login = a.actor WHERE a.seq > ? ORDER BY a.seq",
        (since_seq,)).fetchall()
    last_seq = since_seq
    for seq, actor, action, at, login, _active, revoked_at in rows:
        last_seq = seq
        if actor in SYSTEM_ACTORS:
            continue
        if login is None:
            alert("unknown_actor", f"person:{actor}",
                  f"audit entry #{seq} ({action}) was made by '{actor}', who is not on the roster")
        elif revoked_at and at > revoked_at:
            alert("revoked_actor", f"person:{actor}",
                  f"audit entry #{seq} ({action}) was made by '{actor}' after their rights "
                  "were withdrawn")
    _set(conn, "audit_check.seq", str(last_seq), now)
    since_delivery = int(setting(conn, "audit_check.delivery") or 0)
    sent = conn.execute(
        "SELECT id, post_id FROM deliveries WHERE state = 'sent' AND id > ? ORDER BY id",
        (since_delivery,)).fetchall()
    for delivery_id, post_id in sent:
        problem = verify_clearance(conn, delivery_id)
        if problem:
            alert("unexplained_publication", f"post:{post_id}",
                  f"post #{post_id} was published but no clearance explains it ({problem})")
    if sent:
        _set(conn, "audit_check.delivery", str(sent[-1][0]), now)
    since_refusal = int(setting(conn, "audit_check.refusal") or 0)
    refusals = conn.execute(
        "SELECT id, login, what, at FROM access_refusals WHERE id > ? ORDER BY id",
        (since_refusal,)).fetchall()
    for _refusal_id, login, what, at in refusals:
        alert("refused_login", f"login:{login}",
              f"'{login}', who is not an authorised person, tried to {what} "
              f"({from_db(at).isoformat(timespec='minutes')})")
    if refusals:
        _set(conn, "audit_check.refusal", str(refusals[-1][0]), now)
    return raised


def anchor_audit(conn: sqlite3.Connection, path: Path, now: dt.datetime, *,
                 verified: audit.ChainCheck | None = None,
                 problems: list[str] | None = None) -> tuple[witness.Advance, bool]:
    """Witness the audit chain's head in the file only the daemon can write (see
    `inmm_tui.domain.witness`); alert HQ when the log contradicts the witness. Returns
    the outcome and whether that alert is new. Call inside a write transaction."""
    result = witness.advance(conn, path, now, verified=verified, problems=problems)
    alerted = bool(result.problem) and raise_alert(
        conn, "audit_witness", "audit",
        f"the audit log does not match the daemon's witness: {result.problem}", now)
    return result, alerted


def unexplained_platform_posts(conn: sqlite3.Connection, outlet: str,
                               recent: list[tuple[str, str]], now: dt.datetime) -> list[str]:
    """Posts found on the platform (id, text) that did not go out through this tool: someone
    has the account's password. Raises an alert for each. The first look at an outlet only
    notes what is already there (posts from before the tool was adopted); a look while a
    delivery is being sent is skipped (its id is not known yet). Call inside a write
    transaction."""
    import json

    sending = conn.execute(
        "SELECT (SELECT count(*) FROM deliveries WHERE outlet = ?1 AND state = 'sending')"
        " + (SELECT count(*) FROM private_answers WHERE outlet = ?1 AND state = 'sending')",
        (outlet,)).fetchone()[0]
    if sending:
        return []
    baseline_key = f"platform_posts_baseline.{outlet}"
    baseline = setting(conn, baseline_key)
    if baseline is None:
        _set(conn, baseline_key, json.dumps(sorted(pid for pid, _ in recent)), now)
        return []
    known = set(json.loads(baseline)) | {row[0] for row in conn.execute(
        "SELECT platform_id FROM deliveries WHERE outlet = ?1 AND platform_id IS NOT NULL"
        " UNION SELECT platform_id FROM private_answers WHERE outlet = ?1"
        " AND platform_id IS NOT NULL", (outlet,))}
    raised = []
    for platform_id, text in recent:
        if platform_id not in known:
            message = (f"a post on {outlet} did not come through inmm-tui "
                       f"(id {platform_id}: {text[:60]!r})")
            if raise_alert(conn, "unexplained_publication", f"{outlet}:{platform_id}", message,
                           now):
                raised.append(message)
    return raised


# ----- reminders the daemon keeps -----------------------------------------------------


def raise_reminders(conn: sqlite3.Connection, config: Config, now: dt.datetime) -> int:
    """Open (once) the reminders for every duty now due; close those done. Returns how many
    were opened. Call inside a write transaction."""
    opened = 0
    for status in rotation_status(conn, config, now):
        if status.due:
            opened += ensure_reminder(
                conn, "rotation", status.outlet,
                f"rotate the credentials of {status.outlet}: " + "; ".join(status.reasons),
                now, for_role=Role.HQ.value, repeat_days=1,
                how="change the password and tokens, update the secrets file, then record the "
                    "rotation; the daemon checks the new credentials")
        else:
            close_reminders(conn, "rotation", status.outlet, audit.DAEMON, now)
    from inmm_tui.domain.tokens import raise_token_reminders

    opened += raise_token_reminders(conn, [o.name for o in config.outlets], now)
    review = review_status(conn, config, now)
    if review and review.open and review.pending:
        opened += ensure_reminder(
            conn, "roster_review", review.meeting.isoformat(),
            f"review the authorised people before the EC meeting of {review.meeting.isoformat()}"
            f" ({len(review.pending)} to review)",
            dt.datetime.combine(review.opens_on, dt.time(), tzinfo=dt.UTC),
            for_role=Role.HQ.value, repeat_days=7,
            how="walk through each person: keep, change role or withdraw")
    policy = policy_review(config, now)
    if policy.state != "ok":
        opened += ensure_reminder(
            conn, "policy_review", policy.due_on.isoformat(),
            f"the Social Media Policy is due for review on {policy.due_on.isoformat()}"
            + (" (overdue: that date has passed)" if policy.state == "overdue" else "")
            + "; the date is the one the policy gives for its next review",
            dt.datetime.combine(policy.remind_from, dt.time(), tzinfo=dt.UTC),
            for_role=Role.COMMUNICATIONS_CHAIR.value, repeat_days=7,
            how="the Communications Chair reviews the policy and the Executive Committee "
                "approves it; then write its next review date in the configuration "
                "([review] policy_next_review) and mark this reminder done")
    return opened


def note_secrets_fingerprint(conn: sqlite3.Connection, outlet: str, fingerprint: str,
                             now: dt.datetime) -> bool:
    """The daemon saw the outlet's secrets; True when they changed since last seen (then a
    rotation is offered for HQ to confirm). Call inside a write transaction."""
    key = f"secrets_fingerprint.{outlet}"
    previous = setting(conn, key)
    _set(conn, key, fingerprint, now)
    if previous is None or previous == fingerprint:
        return False
    raise_rotation_trigger(conn, outlet, "secrets_changed",
                           "the secrets file changed: record the rotation to confirm it",
                           audit.DAEMON, now)
    audit.append(conn, audit.DAEMON, "rotation.secrets_changed", f"outlet:{outlet}", {}, at=now)
    return True


def accept_secrets_fingerprint(conn: sqlite3.Connection, outlet: str, fingerprint: str,
                               now: dt.datetime) -> None:
    """The daemon itself changed the outlet's secrets (a renewed access token): remember the
    new fingerprint without offering a rotation (the renewal has its own audit entry).
    Call inside a write transaction."""
    _set(conn, f"secrets_fingerprint.{outlet}", fingerprint, now)


def fingerprint_key(conn: sqlite3.Connection, now: dt.datetime) -> bytes:
    """The key for secrets fingerprints, made once per database."""
    import secrets as random_source

    value = setting(conn, "secrets_fingerprint.key")
    if value is None:
        value = random_source.token_hex(32)
        _set(conn, "secrets_fingerprint.key", value, now)
    return bytes.fromhex(value)


def record_credentials_check(conn: sqlite3.Connection, outlet: str, ok: bool, message: str,
                             now: dt.datetime) -> None:
    """The daemon checked the credentials of the latest unverified rotation. Only an
    authentication refusal counts as a failure (a timeout proves nothing); call this only
    with `ok` or an auth failure. Call inside a write transaction."""
    row = conn.execute(
        "SELECT id, rotated_at FROM credential_rotations WHERE outlet = ? AND verified_at IS NULL"
        " ORDER BY rotated_at DESC, id DESC LIMIT 1", (outlet,)).fetchone()
    if row is None:
        return
    rotation_id, rotated_at = row
    conn.execute(
        "UPDATE credential_rotations SET verified_at = ?, verify_result = ? WHERE id = ?",
        (to_db(now), "ok" if ok else "auth_failed", rotation_id))
    audit.append(conn, audit.DAEMON, "rotation.verified" if ok else "rotation.check_failed",
                 f"outlet:{outlet}", {"rotation": rotation_id, "message": message}, at=now)
    if ok:
        conn.execute(
            "UPDATE rotation_triggers SET resolved_at = ? WHERE outlet = ? AND resolved_at IS NULL"
            " AND raised_at <= ?", (to_db(now), outlet, rotated_at))
        close_reminders(conn, "rotation", outlet, audit.DAEMON, now)
    else:
        raise_alert(conn, "credentials_refused", f"outlet:{outlet}",
                    f"the new credentials of {outlet} were refused by the platform: {message}", now)


def unverified_rotations(conn: sqlite3.Connection) -> list[str]:
    """Outlets with a recorded rotation the daemon has not checked yet."""
    return [row[0] for row in conn.execute(
        "SELECT DISTINCT outlet FROM credential_rotations WHERE verified_at IS NULL")]


PLAN_REFUSED = "plan_refused"
"""The alert kind for an operation the outlet's plan with the platform does not include."""
USAGE_CAPPED = "usage_capped"
"""The alert kind for an outlet whose plan's monthly usage cap is spent."""


def record_plan_refusal(conn: sqlite3.Connection, outlet: str, operation: str, message: str,
                        now: dt.datetime) -> bool:
    """The platform refused `operation` on `outlet` because of the plan (X's access levels:
    blocking is Enterprise-only, follower lists need a paid tier), not the credentials:
    an alert HQ sees, once per outlet and operation until acknowledged, listed on the
    governance screen. Call inside a write transaction; True when new."""
    return raise_alert(conn, PLAN_REFUSED, f"outlet:{outlet}:{operation}",
                       f"{outlet}: the plan does not include {operation}; the rest goes on "
                       f"(raise the plan to use it): {message}", now)


def record_usage_cap(conn: sqlite3.Connection, outlet: str, until: dt.datetime, message: str,
                     now: dt.datetime) -> bool:
    """The outlet's monthly usage cap is spent: its jobs wait until `until`, and HQ is told.
    Call inside a write transaction; True when new."""
    return raise_alert(conn, USAGE_CAPPED, f"outlet:{outlet}",
                       f"{outlet}: the plan's monthly usage cap is spent; its posts and jobs "
                       f"wait until {until.isoformat(timespec='minutes')} (then tried again), "
                       f"unless the plan is raised: {message}", now)
