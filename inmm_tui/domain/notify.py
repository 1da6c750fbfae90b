"""Notifications for people away from the terminal: what happened, to whom, by e-mail or
webhook, delivered by the daemon from an outbox with the same discipline as posts.

Events are recorded by `on_audit`, which `audit.append` calls for every entry: every
action that should reach someone is already audited, so the event is written in the same
transaction as the action and the entry (both commit, or neither). A duty that falls due
is recorded by `on_reminder`; an overdue one by the daemon's `notify` job.

An event names its recipients (logins) when it happens. The daemon turns it into messages
(`fan_out`): one e-mail per recipient whose settings want it, one post per webhook. Each
message has its own id, fixed when the message is made; it is the e-mail's Message-ID and
the webhook's `X-INMM-Event-Id`, so a message sent again after a crash (the server took it,
the daemon died before recording so) carries the same id and the receiver can drop the
copy. See README, "Notifications", for what "exactly once" can mean.

No message holds a token, the text of a private message, a comment, or a platform's error
text: it says what happened, on which post or item, and which key or command handles it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from inmm_tui.domain.roles import PERMISSIONS, Action, Role
from inmm_tui.timeutil import Clock, from_db, to_db

if TYPE_CHECKING:
    from sqlite_utils import Database

NAMESPACE = uuid.UUID("5d1f5a0e-5b1e-4c3e-9a51-1a2b3c4d5e6f")

EVENTS: dict[str, str] = {
    "clearance_needed": "a post awaits your clearance",
    "post_cleared": "your post was cleared",
    "post_rejected": "your post was rejected",
    "post_commented": "your post was commented on",
    "delivery_failed": "a delivery failed",
    "delivery_held": "a delivery was held for being late",
    "partly_published": "a post is partly published",
    "forwarded_to_ec": "an item was forwarded to the Executive Committee",
    "alert": "an alert was raised",
    "duty_due": "a duty is due",
    "duty_overdue": "a duty is overdue",
    "monthly_report": "the monthly report is ready",
    "compromise": "a suspected compromise was reported",
}
"""Every event kind and what it means, as `inmm-tui roster notify --events` names them."""
URGENT = frozenset({"compromise"})
"""Sent at once, whatever the person's digest or quiet hours: it cannot wait till morning."""
MODES = ("immediate", "digest")
OVERDUE_AFTER = dt.timedelta(days=1)
"""A duty still open this long after its due time is overdue (it was told as due when it
opened)."""
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")


# ----- recording events (inside the action's transaction) ------------------------------

def record(conn: sqlite3.Connection, kind: str, subject: str, summary: str,
           recipients: list[str], at: dt.datetime, *, dedupe: str | None = None) -> str | None:
    """Record one event for `recipients`; its id, or None when there is nobody to tell or
    an event with the same `dedupe` key was recorded already."""
    if kind not in EVENTS:
        raise ValueError(f"unknown notification event {kind!r}")
    logins = sorted(set(recipients))
    if not logins:
        return None
    event_id = uuid.uuid4().hex
    cursor = conn.execute(
        "INSERT OR IGNORE INTO notify_events (id, kind, subject, summary, recipients, urgent,"
        " dedupe, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (event_id, kind, subject, summary, json.dumps(logins), int(kind in URGENT), dedupe,
         to_db(at)))
    return event_id if cursor.rowcount == 1 else None


def holders(conn: sqlite3.Connection, *roles: Role | str) -> list[str]:
    """Active people holding any of `roles`."""
    names = [str(role) for role in roles]
    marks = ",".join("?" * len(names))
    return [row[0] for row in conn.execute(
        f"SELECT login FROM people WHERE active = 1 AND role IN ({marks})", names)]


def on_audit(conn: sqlite3.Connection, actor: str, action: str, subject: str,
             details: dict[str, Any], at: dt.datetime) -> None:
    """The event an audited action makes, if any (called by `audit.append`)."""
    handler = _HANDLERS.get(action)
    if handler is None:
        return
    try:
        handler(conn, actor, subject, details, at)
    except sqlite3.OperationalError as exc:
        # An old migration audits before the outbox exists: nobody to tell yet.
        if "no such table: notify_" not in str(exc):
            raise


def on_reminder(conn: sqlite3.Connection, kind: str, subject: str, due_at: dt.datetime,
                for_role: str | None, how: str | None, at: dt.datetime) -> None:
    """A duty newly due (called by `reminders.ensure_reminder` when it opens one)."""
    owners = holders(conn, for_role or Role.HQ)
    what = kind.replace("_", " ")
    record(conn, "duty_due", subject, f"A duty is due on {due_at.date().isoformat()}: {what}"
           f" ({subject}). {how or 'See the Reminders screen (key m) or `inmm-tui reminders`.'}",
           owners, at)


def note_overdue(conn: sqlite3.Connection, now: dt.datetime) -> int:
    """An event for each open reminder overdue, once per reminder (the daemon's
    `notify` job calls this each run)."""
    rows = conn.execute(
        "SELECT id, kind, subject, due_at, for_role FROM reminders WHERE done_at IS NULL"
        " AND due_at < ?", (to_db(now - OVERDUE_AFTER),)).fetchall()
    made = 0
    for reminder_id, kind, subject, due_at, for_role in rows:
        made += record(
            conn, "duty_overdue", subject,
            f"A duty is overdue since {from_db(due_at).date().isoformat()}:"
            f" {kind.replace('_', ' ')} ({subject}). Mark it done in the Reminders screen"
            " (key m) or with `inmm-tui reminders`.",
            holders(conn, for_role or Role.HQ), now,
            dedupe=f"overdue:reminder:{reminder_id}") is not None
    return made


def _post(conn: sqlite3.Connection, subject: str) -> tuple[int, str] | None:
    if not subject.startswith("post:"):
        return None
    post_id = int(subject.split(":", 1)[1])
    row = conn.execute("SELECT author FROM posts WHERE id = ?", (post_id,)).fetchone()
    return (post_id, row[0]) if row else None


def _submitted(conn, actor, subject, details, at) -> None:
    post = _post(conn, subject)
    if post:
        clearers = [login for login in holders(conn, *PERMISSIONS[Action.CLEAR])
                    if login != post[1]]
        record(conn, "clearance_needed", subject,
               f"Post #{post[0]} by {post[1]} awaits your clearance. Clear or reject it in the"
               " Clearance screen (key c).", clearers, at)


def _to_author(kind: str, verb: str, how: str):
    def handler(conn, actor, subject, details, at) -> None:
        post = _post(conn, subject)
        if post and post[1] != actor:
            record(conn, kind, subject, f"Your post #{post[0]} was {verb} by {actor}. {how}",
                   [post[1]], at)
    return handler


def _delivery(state: str):
    def handler(conn, actor, subject, details, at) -> None:
        post = _post(conn, subject)
        if post is None:
            return
        outlet = str(details.get("outlet", "?"))
        sent = conn.execute("SELECT count(*) FROM deliveries WHERE post_id = ? AND state = 'sent'",
                            (post[0],)).fetchone()[0]
        kind = "partly_published" if sent else f"delivery_{state}"
        part = int(details.get("part", 1))  # a thread's part (the queue says which)
        where = f"part {part} on {outlet}" if part > 1 else f"on {outlet}"
        what = f"Post #{post[0]} {where}: {'failed' if state == 'failed' else 'held'}"
        if sent and part > 1:
            what += " (its thread stopped there: partly published; retrying goes on from it)"
        elif sent:
            what += " (it is out on another outlet: partly published)"
        how = ("Retry, release or withdraw it in the Schedule screen (key s) or with"
               " `inmm-tui publishing retry|release|withdraw`.")
        record(conn, kind, subject, f"{what}. {how}", [post[1], *holders(conn, Role.HQ)], at)
    return handler


def _sent(conn, actor, subject, details, at) -> None:
    post = _post(conn, subject)
    if post is None:
        return
    stuck = conn.execute("SELECT DISTINCT outlet FROM deliveries WHERE post_id = ? AND state"
                         " IN ('failed', 'held') ORDER BY outlet", (post[0],)).fetchall()
    if stuck:
        record(conn, "partly_published", subject,
               f"Post #{post[0]} went out on {details.get('outlet', '?')} but not on"
               f" {', '.join(row[0] for row in stuck)}: partly published. Retry, release or"
               " withdraw the rest in the Schedule screen (key s) or with `inmm-tui publishing`.",
               [post[1], *holders(conn, Role.HQ)], at)


def _forwarded(conn, actor, subject, details, at) -> None:
    record(conn, "forwarded_to_ec", subject,
           f"{actor} forwarded {subject} to the Executive Committee for a decision. Record the"
           " decision in the Moderation screen (key o).",
           holders(conn, Role.EXECUTIVE_COMMITTEE), at)


def _alert(conn, actor, subject, details, at) -> None:
    record(conn, "alert", subject,
           f"Alert raised: {str(details.get('kind', '?')).replace('_', ' ')} ({subject}). See"
           " it in the Reminders screen (key m) or with `inmm-tui alerts`.",
           holders(conn, Role.HQ), at)


def _monthly(conn, actor, subject, details, at) -> None:
    # Written in two formats, audited once each: one message a month and day of writing.
    record(conn, "monthly_report", subject,
           f"The monthly report is ready ({subject}). List it with `inmm-tui report list`;"
           f" once forwarded to the Executive Committee, record it with `inmm-tui report"
           f" forwarded {subject.removeprefix('report:')}` (or key f in the Metrics screen).",
           [login for login in holders(conn, Role.COMMUNICATIONS_CHAIR) if login != actor], at,
           dedupe=f"monthly:{subject}:{at.date().isoformat()}")


def _compromise(conn, actor, subject, details, at) -> None:
    record(conn, "compromise", subject,
           f"{actor} reported a suspected compromise of {subject}. Rotate its credentials and"
           " record it (`inmm-tui rotation record`, or key o in the Governance screen).",
           holders(conn, Role.HQ), at)


_HANDLERS = {
    "post.submit": _submitted,
    "post.clear": _to_author("post_cleared", "cleared",
                             "It is queued when it has a time; see the Schedule screen (key s)."),
    "post.reject": _to_author("post_rejected", "rejected",
                              "Read why and mend it in the Clearance screen (key c)."),
    "post.comment": _to_author("post_commented", "commented on",
                               "Read the comment in the Clearance screen (key c)."),
    "delivery.failed": _delivery("failed"),
    "delivery.held": _delivery("held"),
    "delivery.sent": _sent,
    "moderation.forward_to_ec": _forwarded,
    "alert.raise": _alert,
    "report.monthly": _monthly,
    "rotation.compromise": _compromise,
}


# ----- per-person settings -----------------------------------------------------------

@dataclass(frozen=True)
class Settings:
    login: str
    email: str | None
    events: tuple[str, ...]
    """The kinds wanted; empty: every kind."""
    mode: str
    quiet_start: dt.time | None
    quiet_end: dt.time | None

    def wants(self, kind: str) -> bool:
        return not self.events or kind in self.events

    def quiet_until(self, now: dt.datetime, tz: dt.tzinfo) -> dt.datetime | None:
        """The end of the quiet hours `now` falls in (local time), else None."""
        if self.quiet_start is None or self.quiet_end is None:
            return None
        local = now.astimezone(tz)
        start = local.replace(hour=self.quiet_start.hour, minute=self.quiet_start.minute,
                              second=0, microsecond=0)
        end = local.replace(hour=self.quiet_end.hour, minute=self.quiet_end.minute, second=0,
                            microsecond=0)
        if self.quiet_start <= self.quiet_end:  # e.g. 12:00-14:00
            inside = start <= local < end
        else:  # across midnight, e.g. 22:00-07:00
            inside = local >= start or local < end
            if local >= start:
                end += dt.timedelta(days=1)
        return end.astimezone(dt.UTC) if inside else None


def parse_quiet(text: str) -> tuple[dt.time, dt.time] | None:
    """`22:00-07:00` (local time), or `off`; ValueError naming what is expected."""
    if text.strip().lower() in ("", "off", "none"):
        return None
    parts = text.strip().split("-")
    if len(parts) != 2 or not all(_HHMM.match(p.strip()) for p in parts):
        raise ValueError(f"quiet hours {text!r}: expected HH:MM-HH:MM, e.g. 22:00-07:00, or off")
    start, end = (dt.time.fromisoformat(p.strip()) for p in parts)
    if start == end:
        raise ValueError(f"quiet hours {text!r}: the start and the end are the same time")
    return start, end


def check_email(address: str) -> str:
    address = address.strip()
    if not _EMAIL.match(address) or len(address) > 254:
        raise ValueError(f"{address!r} is not an e-mail address (expected e.g. name@inmm.org)")
    return address


def check_events(kinds: list[str]) -> tuple[str, ...]:
    unknown = [k for k in kinds if k not in EVENTS]
    if unknown:
        raise ValueError(f"unknown event {unknown[0]!r} (expected some of "
                         f"{', '.join(EVENTS)}, or all)")
    return tuple(dict.fromkeys(kinds))


def settings(conn: sqlite3.Connection, login: str) -> Settings | None:
    row = conn.execute("SELECT email, events, mode, quiet_start, quiet_end FROM notify_settings"
                       " WHERE login = ?", (login,)).fetchone()
    if row is None:
        return None
    return Settings(login, row[0], tuple(json.loads(row[1])), row[2],
                    dt.time.fromisoformat(row[3]) if row[3] else None,
                    dt.time.fromisoformat(row[4]) if row[4] else None)


def everyone_settings(conn: sqlite3.Connection) -> dict[str, Settings]:
    """Login -> settings, for those who have set any (the roster shows them)."""
    logins = [row[0] for row in conn.execute("SELECT login FROM notify_settings")]
    return {login: found for login in logins if (found := settings(conn, login))}


def summary(s: Settings | None) -> str:
    """A few words for the roster: how the person is e-mailed, or "none" (no address set;
    the configuration's webhooks still carry every event)."""
    if s is None or not s.email:
        return "none"
    parts = [s.mode]
    if s.events:
        parts.append(f"{len(s.events)} event{'s' if len(s.events) != 1 else ''}")
    if s.quiet_start is not None:
        parts.append(f"quiet {quiet_text(s)}")
    return ", ".join(parts)


def save_settings(conn: sqlite3.Connection, new: Settings, by: str, at: dt.datetime) -> None:
    """Call inside a write transaction (the caller authorises and audits)."""
    conn.execute(
        "INSERT INTO notify_settings (login, email, events, mode, quiet_start, quiet_end,"
        " updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(login) DO UPDATE"
        " SET email = excluded.email, events = excluded.events, mode = excluded.mode,"
        " quiet_start = excluded.quiet_start, quiet_end = excluded.quiet_end,"
        " updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        (new.login, new.email, json.dumps(list(new.events)), new.mode,
         new.quiet_start.strftime("%H:%M") if new.quiet_start else None,
         new.quiet_end.strftime("%H:%M") if new.quiet_end else None, to_db(at), by))


# ----- the outbox (the daemon's side) ------------------------------------------------

@dataclass(frozen=True)
class Webhook:
    name: str
    events: tuple[str, ...] = ()
    """The kinds it takes; empty: every kind."""


@dataclass(frozen=True)
class Message:
    id: int
    message_id: str
    channel: str
    login: str | None
    target: str
    kind: str
    subject: str
    summary: str
    created_at: dt.datetime
    attempts: int


def message_id(event_id: str, channel: str, target: str) -> str:
    """Fixed by the event and where it goes: the same message always has the same id."""
    return uuid.uuid5(NAMESPACE, f"{event_id}/{channel}/{target}").hex


def recover(conn: sqlite3.Connection) -> int:
    """Messages left `sending` by a daemon that died: in doubt, sent again with the same id
    (the receiver drops the copy). Only one daemon runs on a database (its lock), and its
    `notify` job never runs twice at once, so at the job's start nothing is really sending."""
    return conn.execute("UPDATE notify_outbox SET state = 'pending', in_doubt = 1"
                        " WHERE state = 'sending'").rowcount


def fan_out(conn: sqlite3.Connection, webhooks: list[Webhook], email: bool,
            now: dt.datetime) -> int:
    """Turn new events into messages: an e-mail per recipient who has an address and wants
    the kind (when e-mail is configured), a post per webhook that takes the kind."""
    made = 0
    events = conn.execute("SELECT id, kind, recipients, urgent FROM notify_events"
                          " WHERE fanned_out_at IS NULL ORDER BY created_at, id").fetchall()
    for event_id, kind, recipients, urgent in events:
        targets: list[tuple[str, str | None, str, int]] = []
        if email:
            for login in json.loads(recipients):
                wanted = settings(conn, login)
                active = conn.execute("SELECT active FROM people WHERE login = ?",
                                      (login,)).fetchone()
                if wanted and wanted.email and wanted.wants(kind) and active and active[0]:
                    digest = int(wanted.mode == "digest" and not urgent)
                    targets.append(("email", login, wanted.email, digest))
        targets += [("webhook", None, hook.name, 0) for hook in webhooks
                    if not hook.events or kind in hook.events]
        for channel, login, target, digest in targets:
            made += conn.execute(
                "INSERT OR IGNORE INTO notify_outbox (message_id, event_id, channel, login,"
                " target, digest, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (message_id(event_id, channel, target), event_id, channel, login, target,
                 digest, to_db(now))).rowcount
        conn.execute("UPDATE notify_events SET fanned_out_at = ? WHERE id = ?",
                     (to_db(now), event_id))
    return made


def make_digests(conn: sqlite3.Connection, digest_hour: int, tz: dt.tzinfo,
                 now: dt.datetime) -> int:
    """Once a day, from `digest_hour` local time: one digest message per person gathering
    the messages that waited for it. Gathered and made in one transaction, so each waiting
    message goes in exactly one digest."""
    local = now.astimezone(tz)
    if local.hour < digest_hour:
        return 0
    day = local.date().isoformat()
    made = 0
    people = conn.execute("SELECT DISTINCT login, target FROM notify_outbox WHERE digest = 1"
                          " AND state = 'pending' AND channel = 'email'").fetchall()
    for login, target in people:
        digest_key = f"digest/{login}/{target}/{day}"
        cursor = conn.execute(
            "INSERT OR IGNORE INTO notify_outbox (message_id, event_id, channel, login, target,"
            " digest, created_at) VALUES (?, NULL, 'email', ?, ?, 0, ?)",
            (uuid.uuid5(NAMESPACE, digest_key).hex, login, target, to_db(now)))
        if cursor.rowcount != 1:
            continue  # today's digest is made already: the rest wait for tomorrow's
        conn.execute("UPDATE notify_outbox SET state = 'digested', digest_of = ? WHERE digest = 1"
                     " AND state = 'pending' AND login = ? AND target = ?",
                     (cursor.lastrowid, login, target))
        made += 1
    return made


def digest_items(conn: sqlite3.Connection, outbox_id: int) -> list[tuple[str, str, str]]:
    """(kind, summary, created_at) of the messages a digest carries, oldest first."""
    return conn.execute(
        "SELECT e.kind, e.summary, e.created_at FROM notify_outbox o JOIN notify_events e"
        " ON e.id = o.event_id WHERE o.digest_of = ? ORDER BY e.created_at, o.id",
        (outbox_id,)).fetchall()


def due(conn: sqlite3.Connection, now: dt.datetime, limit: int = 100) -> list[Message]:
    rows = conn.execute(
        "SELECT o.id, o.message_id, o.channel, o.login, o.target, coalesce(e.kind, 'digest'),"
        " coalesce(e.subject, ''), coalesce(e.summary, ''), o.created_at, o.attempts"
        " FROM notify_outbox o LEFT JOIN notify_events e ON e.id = o.event_id"
        " WHERE o.state = 'pending' AND o.digest = 0 AND (o.next_attempt_at IS NULL"
        " OR o.next_attempt_at <= ?) ORDER BY o.id LIMIT ?", (to_db(now), limit)).fetchall()
    return [Message(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], from_db(r[8]), r[9])
            for r in rows]


def defer(conn: sqlite3.Connection, outbox_id: int, until: dt.datetime) -> None:
    conn.execute("UPDATE notify_outbox SET next_attempt_at = ? WHERE id = ?",
                 (to_db(until), outbox_id))


def claim(conn: sqlite3.Connection, outbox_id: int) -> bool:
    """Mark one message as being sent (committed before the send)."""
    return conn.execute("UPDATE notify_outbox SET state = 'sending', attempts = attempts + 1"
                        " WHERE id = ? AND state = 'pending'", (outbox_id,)).rowcount == 1


def drop_if_withdrawn(conn: sqlite3.Connection, message: Message) -> bool:
    """A person whose rights were withdrawn since is told nothing more about the accounts."""
    if message.login is None:
        return False
    row = conn.execute("SELECT active FROM people WHERE login = ?", (message.login,)).fetchone()
    if row and row[0]:
        return False
    conn.execute("UPDATE notify_outbox SET state = 'dropped', last_error = 'not sent: the"
                 " person no longer has rights' WHERE id = ?", (message.id,))
    return True


def mark_sent(conn: sqlite3.Connection, outbox_id: int, now: dt.datetime) -> None:
    conn.execute("UPDATE notify_outbox SET state = 'sent', sent_at = ?, last_error = NULL,"
                 " next_attempt_at = NULL WHERE id = ?", (to_db(now), outbox_id))


def mark_failed(conn: sqlite3.Connection, outbox_id: int, error: str,
                retry_at: dt.datetime) -> None:
    """Not lost: pending again, tried after `retry_at`; `--report` shows it meanwhile."""
    conn.execute("UPDATE notify_outbox SET state = 'pending', last_error = ?,"
                 " next_attempt_at = ? WHERE id = ?", (error[:500], to_db(retry_at), outbox_id))


KEEP = dt.timedelta(days=90)
"""Sent messages and their events are kept this long (what was sent, to whom, when), then
deleted so that the outbox does not grow for ever."""


def purge(conn: sqlite3.Connection, now: dt.datetime) -> int:
    """Delete what was settled (sent, dropped, or carried by a sent digest) before `KEEP`,
    and the events nothing refers to any more. Call inside a write transaction."""
    cutoff = to_db(now - KEEP)
    settled = ("state IN ('sent', 'dropped') AND coalesce(sent_at, created_at) < ?")
    conn.execute(f"DELETE FROM notify_outbox WHERE state = 'digested' AND digest_of IN"
                 f" (SELECT id FROM notify_outbox WHERE {settled})", (cutoff,))
    deleted = conn.execute(f"DELETE FROM notify_outbox WHERE {settled}", (cutoff,)).rowcount
    conn.execute("DELETE FROM notify_events WHERE fanned_out_at < ? AND NOT EXISTS"
                 " (SELECT 1 FROM notify_outbox o WHERE o.event_id = notify_events.id)",
                 (cutoff,))
    return deleted


def failing(conn: sqlite3.Connection) -> list[tuple[str, str, int, str]]:
    """(channel, target, attempts, last error) of messages whose last attempt failed."""
    return conn.execute(
        "SELECT channel, target, attempts, last_error FROM notify_outbox WHERE state IN"
        " ('pending', 'sending') AND last_error IS NOT NULL ORDER BY id").fetchall()


def set_settings(db: Database, actor: str, login: str, clock: Clock, *,
                 email: str | None = "unchanged", events: list[str] | None = None,
                 mode: str | None = None, quiet: str | None = None) -> Settings:
    """Change `login`'s notification settings. Everyone on the roster sets their own; HQ,
    who "will maintain access", may set anyone's. Refusals are audited too."""
    from inmm_tui.domain import audit
    from inmm_tui.domain.errors import InvalidInput, NotAuthorised, NotFound
    from inmm_tui.domain.people import authorise, get_person
    from inmm_tui.store.tx import write

    try:
        new_email = None if email in (None, "", "off", "unchanged") else check_email(email or "")
        chosen = None if events is None else (
            () if events in (["all"], []) else check_events(events))
        hours = None if quiet is None else parse_quiet(quiet)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    if mode is not None and mode not in MODES:
        raise InvalidInput(f"mode {mode!r}: expected immediate or digest")
    try:
        with write(db):
            person = authorise(db.conn, actor, Action.VIEW)
            if actor != login and person.role is not Role.HQ:
                raise NotAuthorised(f"{person.name} may set only their own notifications; "
                                    "INMM Headquarters sets other people's")
            if get_person(db.conn, login) is None:
                raise NotFound(f"'{login}' is not on the roster")
            old = settings(db.conn, login) or Settings(login, None, (), "immediate", None, None)
            new = Settings(
                login, old.email if email == "unchanged" else new_email,
                old.events if chosen is None else chosen, mode or old.mode,
                *((old.quiet_start, old.quiet_end) if quiet is None else (hours or (None, None))))
            save_settings(db.conn, new, actor, clock())
            audit.append(db.conn, actor, "notify.settings", f"person:{login}", {
                "email": "set" if new.email else "none", "events": list(new.events) or "all",
                "mode": new.mode, "quiet": quiet_text(new)}, at=clock())
            return new
    except NotAuthorised as refusal:
        with write(db):
            audit.append(db.conn, actor, "notify.refused", f"person:{login}",
                         {"reason": str(refusal)}, at=clock())
        raise


def quiet_text(s: Settings) -> str:
    if s.quiet_start is None or s.quiet_end is None:
        return "none"
    return f"{s.quiet_start:%H:%M}-{s.quiet_end:%H:%M}"
