"""Taking down what was published ("monitor posts ... hide or delete them as appropriate").

A person the permission matrix allows asks for a published post to be deleted from one or
all of the outlets it went out on, with a reason; the request is a row per delivery in
`deletions`, and the daemon performs it on the platform (daemon/deletions.py). A delete
is idempotent by nature: a platform that no longer has the post (404) has done what was
asked, so a crash between the platform's answer and our record is harmless.

A delivery taken down stays `sent` in `deliveries` (it was published; the audit log says
so) and is shown as `deleted`; once every outlet it went out on has taken it down, the
post is `withdrawn`. Each step is audited: `post.delete_request`, `delivery.deleted` (which
the audit check's replay requires for every deletion marked done) and
`delivery.delete_failed`.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from inmm_tui.domain import audit
from inmm_tui.domain.base import DomainService
from inmm_tui.domain.errors import InvalidInput, InvalidState, NotAuthorised, NotFound
from inmm_tui.domain.people import authorise
from inmm_tui.domain.roles import Action
from inmm_tui.store.tx import write
from inmm_tui.timeutil import Clock, to_db, utcnow

if TYPE_CHECKING:
    from sqlite_utils import Database

MAX_ERROR = 500


@dataclass(frozen=True)
class Deletion:
    """One outlet's copy of a post, to be taken down."""

    delivery_id: int
    post_id: int
    outlet: str
    platform_id: str
    reason: str
    requested_by: str
    state: str
    """`pending`, `deleted` or `failed`."""
    attempts: int
    last_error: str | None

    @property
    def label(self) -> str:
        return f"post #{self.post_id} on {self.outlet}"


_COLUMNS = ("delivery_id, post_id, outlet, platform_id, reason, requested_by, state, attempts,"
            " last_error")


class Deletions(DomainService):
    def __init__(self, db: Database, *, max_attempts: int = 8, clock: Clock = utcnow):
        self.db = db
        self.max_attempts = max_attempts
        self.clock = clock

    # ----- asking -----------------------------------------------------------------

    def request_delete(self, actor: str, post_id: int, outlets: Iterable[str] | None,
                       reason: str) -> list[Deletion]:
        """Ask the daemon to delete post `post_id` from `outlets` (None: every outlet it
        went out on). Refused, and audited, for someone the matrix does not allow, without
        a reason, or for an outlet the post was not published on. Asking again for what is
        already asked or done changes nothing; a deletion that failed is tried again."""
        reason = reason.strip()
        authorise_deletion(self.db, actor, post_id, self.clock)
        if not reason:
            raise InvalidInput("say why the post is deleted: the reason is kept in the "
                               "audit log and shown on the post")
        with write(self.db):
            return request_in(self.conn, actor, post_id, outlets, reason, self.clock())

    # ----- reading ----------------------------------------------------------------

    def of_post(self, post_id: int) -> list[Deletion]:
        return [Deletion(*row) for row in self.conn.execute(
            f"SELECT {_COLUMNS} FROM deletions WHERE post_id = ? ORDER BY outlet", (post_id,))]

    def due(self, outlet: str) -> list[Deletion]:
        """The outlet's deletions to perform now, oldest request first."""
        return [Deletion(*row) for row in self.conn.execute(
            f"SELECT {_COLUMNS} FROM deletions WHERE outlet = ? AND state = 'pending'"
            " AND (next_attempt_at IS NULL OR next_attempt_at <= ?)"
            " ORDER BY requested_at, delivery_id", (outlet, to_db(self.clock())))]

    # ----- what the daemon records ------------------------------------------------

    def record_deleted(self, item: Deletion, *, already_gone: bool = False) -> None:
        now = self.clock()
        with write(self.db):
            updated = self.conn.execute(
                "UPDATE deletions SET state = 'deleted', deleted_at = ?, last_error = NULL,"
                " next_attempt_at = NULL, attempts = attempts + 1"
                " WHERE delivery_id = ? AND state = 'pending'",
                (to_db(now), item.delivery_id)).rowcount
            if not updated:
                return  # recorded already (by another run): once is enough
            audit.append(self.conn, audit.DAEMON, "delivery.deleted", f"post:{item.post_id}",
                         {"outlet": item.outlet, "delivery": item.delivery_id,
                          "platform_id": item.platform_id, "already_gone": already_gone},
                         at=now)
            _settle(self.conn, item.post_id, now)

    def record_retry(self, item: Deletion, message: str, retry_at: dt.datetime) -> str:
        """A transient failure: try again at `retry_at`, or `failed` once the attempts are
        spent. Returns the new state."""
        now = self.clock()
        attempts = item.attempts + 1
        if attempts >= self.max_attempts:
            self.record_failed(item, f"failed after {attempts} attempts: {message}",
                               attempts=attempts)
            return "failed"
        error = f"attempt {attempts}: {message}"[:MAX_ERROR]
        with write(self.db):
            self.conn.execute(
                "UPDATE deletions SET attempts = ?, last_error = ?, next_attempt_at = ?"
                " WHERE delivery_id = ? AND state = 'pending'",
                (attempts, error, to_db(retry_at), item.delivery_id))
            audit.append(self.conn, audit.DAEMON, "delivery.delete_retry_later",
                         f"post:{item.post_id}",
                         {"outlet": item.outlet, "delivery": item.delivery_id,
                          "attempt": attempts, "next_attempt_at": to_db(retry_at),
                          "error": error}, at=now)
        return "pending"

    def wait_until(self, outlet: str, when: dt.datetime) -> None:
        """The outlet refused every call until `when` (a rate limit): its pending deletions
        wait until then, without spending an attempt."""
        with write(self.db):
            self.conn.execute(
                "UPDATE deletions SET next_attempt_at = ? WHERE outlet = ? AND state = 'pending'"
                " AND (next_attempt_at IS NULL OR next_attempt_at < ?)",
                (to_db(when), outlet, to_db(when)))

    def record_failed(self, item: Deletion, message: str, *, attempts: int | None = None) -> None:
        """The platform refused for good (or the attempts are spent): a person must look."""
        from inmm_tui.domain.reminders import raise_alert

        now = self.clock()
        error = f"{item.label}: deletion failed: {message}"[:MAX_ERROR]
        with write(self.db):
            self.conn.execute(
                "UPDATE deletions SET state = 'failed', last_error = ?, next_attempt_at = NULL,"
                " attempts = ? WHERE delivery_id = ? AND state = 'pending'",
                (error, attempts if attempts is not None else item.attempts + 1,
                 item.delivery_id))
            audit.append(self.conn, audit.DAEMON, "delivery.delete_failed",
                         f"post:{item.post_id}",
                         {"outlet": item.outlet, "delivery": item.delivery_id, "error": error},
                         at=now)
            raise_alert(self.conn, "deletion_failed", f"delivery:{item.delivery_id}",
                        f"{error}; it is still public on {item.outlet}: ask for the deletion "
                        "again, or delete it on the platform", now)


def authorise_deletion(db: Database, actor: str, post_id: int, clock: Clock) -> None:
    """NotAuthorised, recorded, unless `actor` may delete published posts. Call outside
    any transaction: the refusal must be kept although the action is not done."""
    try:
        authorise(db.conn, actor, Action.DELETE_PUBLISHED)
    except NotAuthorised as refusal:
        if refusal.refused_login is not None:
            # Not on the roster, or withdrawn: kept apart, as every such refusal is.
            from inmm_tui.domain.governance import record_refusal

            record_refusal(db, actor, f"delete post #{post_id}", clock())
        else:
            with write(db):
                audit.append(db.conn, actor, "post.delete_refused", f"post:{post_id}",
                             {"refusal": str(refusal)}, at=clock())
        raise


def request_in(conn: sqlite3.Connection, actor: str, post_id: int,
               outlets: Iterable[str] | None, reason: str, now: dt.datetime,
               *, on_behalf_of: str | None = None) -> list[Deletion]:
    """`Deletions.request_delete` inside the caller's write transaction, permission already
    checked (also used when a correction that asked for it is published)."""
    row = conn.execute("SELECT status FROM posts WHERE id = ?", (post_id,)).fetchone()
    if row is None:
        raise NotFound(f"there is no post #{post_id}")
    # Outlet → its posts of this one: every part of a thread goes.
    published: dict[str, list[tuple[int, str]]] = {}
    for delivery_id, outlet, platform_id in conn.execute(
            "SELECT id, outlet, platform_id FROM deliveries WHERE post_id = ?"
            " AND state = 'sent' AND platform_id IS NOT NULL ORDER BY outlet, part",
            (post_id,)):
        published.setdefault(outlet, []).append((delivery_id, platform_id))
    wanted = sorted(published) if outlets is None else list(dict.fromkeys(outlets))
    if not wanted:
        raise InvalidState(f"post #{post_id} was not published on any outlet; there is "
                           "nothing to delete (withdraw it instead)")
    for outlet in wanted:
        if outlet not in published:
            raise InvalidState(f"post #{post_id} was not published on {outlet}; there is "
                               "nothing there to delete")
    asked = []
    for outlet in wanted:
        for delivery_id, platform_id in published[outlet]:
            existing = conn.execute("SELECT state FROM deletions WHERE delivery_id = ?",
                                    (delivery_id,)).fetchone()
            if existing is not None and existing[0] != "failed":
                continue  # asked already, or done: asking twice deletes once
            conn.execute(
                "INSERT INTO deletions (delivery_id, post_id, outlet, platform_id, reason,"
                " requested_by, requested_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (delivery_id) DO UPDATE SET state = 'pending', attempts = 0,"
                " next_attempt_at = NULL, last_error = NULL, reason = excluded.reason,"
                " requested_by = excluded.requested_by, requested_at = excluded.requested_at",
                (delivery_id, post_id, outlet, platform_id, reason, on_behalf_of or actor,
                 to_db(now)))
            if outlet not in asked:
                asked.append(outlet)
    details: dict[str, object] = {"outlets": wanted, "reason": reason, "new": asked}
    if on_behalf_of:
        details["on_behalf_of"] = on_behalf_of
    audit.append(conn, actor, "post.delete_request", f"post:{post_id}", details, at=now)
    return [Deletion(*r) for r in conn.execute(
        f"SELECT {_COLUMNS} FROM deletions WHERE post_id = ? ORDER BY outlet", (post_id,))]


def request_for_correction(conn: sqlite3.Connection, post_id: int, now: dt.datetime) -> None:
    """A correction that asked for its original's deletion has just been published: ask
    for it now, in the name of the correction's author, who must still have the right
    (checked when the correction was made, and again here)."""
    row = conn.execute("SELECT author, correction_of, delete_original FROM posts WHERE id = ?",
                       (post_id,)).fetchone()
    if row is None or row[1] is None or not row[2]:
        return
    author, original, _ = row
    try:
        authorise(conn, author, Action.DELETE_PUBLISHED)
    except NotAuthorised as refusal:
        audit.append(conn, audit.DAEMON, "post.delete_refused", f"post:{original}",
                     {"refusal": str(refusal), "correction": post_id}, at=now)
        return
    try:
        request_in(conn, audit.DAEMON, original, None, f"corrected by post #{post_id}", now,
                   on_behalf_of=author)
    except InvalidState:  # nothing of the original is public any more
        return


def _settle(conn: sqlite3.Connection, post_id: int, now: dt.datetime) -> None:
    """The post is `withdrawn` once every outlet it went out on has taken it down."""
    remaining = conn.execute(
        "SELECT count(*) FROM deliveries d LEFT JOIN deletions x ON x.delivery_id = d.id"
        " WHERE d.post_id = ? AND d.state = 'sent' AND coalesce(x.state, '') != 'deleted'",
        (post_id,)).fetchone()[0]
    if remaining:
        return
    changed = conn.execute("UPDATE posts SET status = 'withdrawn', updated_at = ? WHERE id = ?"
                           " AND status != 'withdrawn'", (to_db(now), post_id)).rowcount
    if changed:
        audit.append(conn, audit.DAEMON, "post.withdrawn", f"post:{post_id}",
                     {"why": "deleted from every outlet it was published on"}, at=now)


def deleted_deliveries(conn: sqlite3.Connection) -> dict[int, str]:
    """Delivery id → platform id of every deletion recorded as done."""
    return {int(r[0]): str(r[1]) for r in conn.execute(
        "SELECT delivery_id, platform_id FROM deletions WHERE state = 'deleted'")}
