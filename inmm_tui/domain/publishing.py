"""The publishing queue: the database is the queue (R26, "Risks and Mitigation").

Each outlet has its own queue of deliveries in due order. The daemon claims the head of
an outlet's queue in a write transaction (state `sending`, with an attempt key), calls
the platform outside any transaction, then records what happened here. Nothing in this
module talks to a platform: the daemon maps the platform's errors onto these calls.

Rules kept here, so that the UI, `--report` and the daemon agree on them:

- nothing is claimed while HQ has paused publishing;
- an outlet's deliveries go out in order of due time, and an outlet whose head is waiting
  (backing off, rate limited) waits as a whole, so a down outlet is not hammered once per
  post; other outlets are not held back by it;
- a delivery whose text is not what was cleared is refused and audited, never sent;
- a delivery later than `late_hold_minutes` past due is held for a person to publish now
  or withdraw (crisis posts are never held);
- an attempt whose outcome is unknown (a crash, a lost response) leaves the delivery *in
  doubt*: the next attempt reconciles against the platform first and reuses the same
  attempt key, so that a crash at any instant neither loses nor doubles a post;
- after `max_attempts` failed attempts a delivery is `failed`, with the platform's message;
- every failure message names the post and the outlet.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from inmm_tui.domain import audit
from inmm_tui.domain.attempt_keys import new_attempt_key
from inmm_tui.domain.base import DomainService
from inmm_tui.domain.deletions import request_for_correction
from inmm_tui.domain.polls import Poll, poll_of
from inmm_tui.domain.posts import verify_clearance
from inmm_tui.domain.referrals import tag_for_publication
from inmm_tui.domain.reminders import raise_alert
from inmm_tui.domain.shares import delivery_share
from inmm_tui.domain.switches import publishing_paused
from inmm_tui.store.tx import write
from inmm_tui.timeutil import Clock, from_db, to_db, utcnow

if TYPE_CHECKING:
    from sqlite_utils import Database

ACTOR = audit.DAEMON
MAX_ERROR = 500
"""Platform messages are cut to this many characters before they are stored."""


@dataclass(frozen=True)
class Claim:
    """A delivery the daemon has claimed and must now send (or reconcile)."""

    delivery_id: int
    post_id: int
    outlet: str
    text: str
    attempt_key: str
    """Sent as the Idempotency-Key; the same key as before while the delivery is in doubt."""
    attempt: int
    """This attempt's number, from 1."""
    in_doubt: bool
    """An earlier attempt may have reached the platform: reconcile before sending."""
    in_reply_to: str | None
    """The platform id of the mention this post answers, on the same outlet."""
    crisis: bool
    due_at: dt.datetime
    attempt_began: dt.datetime | None = None
    """When the first attempt with this key began: a post made before it is not this
    delivery's (None for a delivery put in doubt before this was recorded)."""
    share: tuple[str, str] | None = None
    """A native share: ("repost" or "quote", the original's platform id)."""
    part: int = 1
    """Which part of a thread (1 for a post of one part)."""
    parts: int = 1
    """How many parts the thread has on this outlet."""
    poll: Poll | None = None
    """The poll the first part carries."""

    @property
    def part_detail(self) -> dict[str, int]:
        """For the audit log: which part of a thread (nothing for a post of one part)."""
        return {"part": self.part} if self.parts > 1 else {}

    @property
    def label(self) -> str:
        if self.parts > 1:
            return f"post #{self.post_id} part {self.part}/{self.parts} on {self.outlet}"
        return f"post #{self.post_id} on {self.outlet}"


class Queue(DomainService):
    """The queue operations, each one write transaction with its audit entry."""

    def __init__(self, db: Database, *, max_attempts: int = 8, late_hold_minutes: int = 120,
                 society_domains: tuple[str, ...] | list[str] = (), clock: Clock = utcnow):
        self.db = db
        self.society_domains = tuple(society_domains)
        """Links to these domains get the referral (UTM) tags as they are sent."""
        self.max_attempts = max_attempts
        self.late_hold = dt.timedelta(minutes=late_hold_minutes)
        self.clock = clock


    # ----- claiming -----------------------------------------------------------------

    def claim(self, outlets: Iterable[str]) -> Claim | None:
        """Claim the next delivery due on one of `outlets`, earliest due first; None when
        nothing is due (or publishing is paused)."""
        outlets = list(outlets)
        now = self.clock()
        with write(self.db):
            if publishing_paused(self.conn):
                return None
            best: tuple[str, int, str] | None = None  # (due_at, id, outlet)
            for outlet in outlets:
                head = self._ready_head(outlet, now)
                if head is not None and (best is None or head[:2] < best[:2]):
                    best = (*head, outlet)
            if best is None:
                return None
            return self._mark_sending(best[1], now)

    def _ready_head(self, outlet: str, now: dt.datetime) -> tuple[str, int] | None:
        """The head of the outlet's queue if it may be attempted now, after holding the
        late ones and refusing the ones not matching their clearance. None if the outlet
        has nothing due or its head is waiting."""
        for _ in range(10_000):  # bounded: each turn removes one delivery from the queue
            row = self._head(outlet, now)
            if row is None:
                return None
            delivery_id, post_id, due_at, next_attempt_at, crisis, in_doubt, part = row
            if next_attempt_at and next_attempt_at > to_db(now):
                return None  # the whole outlet waits for its head (backoff, rate limit)
            late = now - from_db(due_at)
            # A thread once begun is finished: its later parts are never held as late.
            if late > self.late_hold and not crisis and part == 1:
                self._hold(delivery_id, post_id, outlet, late, bool(in_doubt), now)
                continue
            refusal = verify_clearance(self.conn, delivery_id)
            if refusal is not None:
                self._refuse(delivery_id, post_id, outlet, refusal, now)
                continue
            return due_at, delivery_id
        return None

    def _head(self, outlet: str, now: dt.datetime) -> tuple | None:
        # In-doubt deliveries first: they must be reconciled before anything newer goes
        # out (X is reconciled by looking among the most recent posts). A thread's part
        # waits until the part before it on the outlet is sent: it answers that post.
        for in_doubt in (1, 0):
            row = self.conn.execute(
                "SELECT d.id, d.post_id, d.due_at, d.next_attempt_at, p.crisis, d.in_doubt,"
                " d.part FROM deliveries d JOIN posts p ON p.id = d.post_id"
                " WHERE d.outlet = ? AND d.state = 'pending' AND d.in_doubt = ?"
                " AND d.due_at <= ? AND p.status = 'scheduled'"
                " AND (d.part = 1 OR EXISTS (SELECT 1 FROM deliveries b WHERE"
                " b.post_id = d.post_id AND b.outlet = d.outlet AND b.part = d.part - 1"
                " AND b.state = 'sent' AND b.platform_id IS NOT NULL))"
                " ORDER BY d.due_at, d.id LIMIT 1",
                (outlet, in_doubt, to_db(now)),
            ).fetchone()
            if row is not None:
                return row
        return None

    def _mark_sending(self, delivery_id: int, now: dt.datetime) -> Claim:
        row = self.conn.execute(
            "SELECT d.post_id, d.outlet, d.text, d.attempts, d.attempt_key, d.in_doubt,"
            " d.due_at, p.crisis, m.platform_id, m.outlet, d.attempt_began_at, d.in_reply_to,"
            " d.part, (SELECT b.platform_id FROM deliveries b WHERE b.post_id = d.post_id"
            " AND b.outlet = d.outlet AND b.part = d.part - 1),"
            " (SELECT max(t.part) FROM deliveries t WHERE t.post_id = d.post_id"
            " AND t.outlet = d.outlet)"
            " FROM deliveries d JOIN posts p ON p.id = d.post_id"
            " LEFT JOIN mentions m ON m.id = p.reply_to_mention_id WHERE d.id = ?",
            (delivery_id,),
        ).fetchone()
        (post_id, outlet, text, attempts, key, in_doubt, due_at, crisis, reply_id, reply_outlet,
         began, correcting, part, previous, parts) = row
        if not (in_doubt and key):
            key, began = new_attempt_key(now), to_db(now)
        attempt = attempts + 1
        self.conn.execute(
            "UPDATE deliveries SET state = 'sending', attempts = ?, attempt_key = ?,"
            " attempt_began_at = ?, claimed_at = ? WHERE id = ? AND state = 'pending'",
            (attempt, key, began, to_db(now), delivery_id),
        )
        audit.append(self.conn, ACTOR, "delivery.send", f"post:{post_id}",
                     {"outlet": outlet, "delivery": delivery_id, "attempt": attempt,
                      "attempt_key": key, "reconcile_first": bool(in_doubt)}, at=now)
        # What is sent: the cleared text (checked above) with the society's links tagged
        # for the website's analytics. Tagging is deterministic, so a retry sends the same.
        sent_text = tag_for_publication(self.conn, post_id, outlet, text, self.society_domains)
        return Claim(
            delivery_id=delivery_id, post_id=post_id, outlet=outlet, text=sent_text,
            attempt_key=key, attempt=attempt, in_doubt=bool(in_doubt),
            # A thread's later part answers the part before it; a correction answers the
            # corrected post (the link its clearance covers).
            in_reply_to=previous if part > 1 else (
                correcting or (reply_id if reply_outlet == outlet else None)),
            crisis=bool(crisis),
            due_at=from_db(due_at), attempt_began=from_db(began) if began else None,
            share=delivery_share(self.conn, post_id, outlet, text),
            part=part, parts=parts, poll=poll_of(self.conn, post_id) if part == 1 else None,
        )

    # ----- recording what happened ----------------------------------------------------

    def record_sent(self, claim: Claim, platform_id: str, url: str, *,
                    reconciled: bool = False) -> bool:
        """The platform has the post (published now, or found there by reconciliation).

        A platform id already recorded for another delivery on the outlet is never
        recorded again (the database refuses it too): the two cannot both be that post,
        so this delivery fails for a person to check the account, with an alert. False
        then."""
        now = self.clock()
        with write(self.db):
            self._expect_sending(claim)
            owner = self.owner_of(claim.outlet, platform_id)
            if owner is not None and owner != claim.delivery_id:
                self._platform_id_taken(claim, platform_id, owner, reconciled, now)
                return False
            self.conn.execute(
                "UPDATE deliveries SET state = 'sent', platform_id = ?, platform_url = ?,"
                " sent_at = ?, last_error = NULL, next_attempt_at = NULL, in_doubt = 0"
                " WHERE id = ?",
                (platform_id, url, to_db(now), claim.delivery_id),
            )
            audit.append(self.conn, ACTOR, "delivery.sent", f"post:{claim.post_id}",
                         {"outlet": claim.outlet, "delivery": claim.delivery_id,
                          "platform_id": platform_id, "attempt": claim.attempt,
                          "reconciled": reconciled}, at=now)
            self._settle_post(claim.post_id, now)
        return True

    def _platform_id_taken(self, claim: Claim, platform_id: str, owner: int, reconciled: bool,
                           now: dt.datetime) -> None:
        how = "found on reconciling" if reconciled else "returned on publishing"
        error = _message(claim, (
            f"{claim.outlet} post {platform_id} ({how}) is already recorded for delivery "
            f"#{owner}; not marked sent: check the account on {claim.outlet}, then publish "
            "again or withdraw"))
        self.conn.execute(
            "UPDATE deliveries SET state = 'failed', last_error = ?, next_attempt_at = NULL,"
            " in_doubt = 0 WHERE id = ?", (error, claim.delivery_id))
        audit.append(self.conn, ACTOR, "delivery.failed", f"post:{claim.post_id}",
                     {"outlet": claim.outlet, "delivery": claim.delivery_id,
                      "attempts": claim.attempt, "platform_id": platform_id,
                      "recorded_for": owner, "error": error, **claim.part_detail}, at=now)
        raise_alert(self.conn, "platform_id_taken", f"delivery:{claim.delivery_id}", error, now)

    def owner_of(self, outlet: str, platform_id: str) -> int | None:
        """The delivery on `outlet` recorded with this platform id, if any."""
        row = self.conn.execute(
            "SELECT id FROM deliveries WHERE outlet = ? AND platform_id = ?",
            (outlet, platform_id)).fetchone()
        return int(row[0]) if row else None

    def record_retry(self, claim: Claim, message: str, *, retry_at: dt.datetime,
                     in_doubt: bool, counts: bool = True) -> str:
        """The attempt did not succeed but may later: back to `pending` until `retry_at`,
        or `failed` once `max_attempts` counted attempts are spent. `counts=False` for a
        refusal that is no fault of the delivery (a rate limit, refused credentials).
        Returns the delivery's new state."""
        now = self.clock()
        attempts = claim.attempt if counts else claim.attempt - 1
        with write(self.db):
            self._expect_sending(claim)
            if counts and attempts >= self.max_attempts:
                error = _message(claim, f"failed after {attempts} attempts: {message}")
                self.conn.execute(
                    "UPDATE deliveries SET state = 'failed', attempts = ?, last_error = ?,"
                    " next_attempt_at = NULL, in_doubt = ? WHERE id = ?",
                    (attempts, error, int(in_doubt), claim.delivery_id),
                )
                audit.append(self.conn, ACTOR, "delivery.failed", f"post:{claim.post_id}",
                             {"outlet": claim.outlet, "delivery": claim.delivery_id,
                              "attempts": attempts, "error": error, **claim.part_detail},
                             at=now)
                return "failed"
            error = _message(claim, f"attempt {claim.attempt}: {message}; "
                                    f"next attempt at {retry_at.isoformat(timespec='seconds')}")
            self.conn.execute(
                "UPDATE deliveries SET state = 'pending', attempts = ?, last_error = ?,"
                " next_attempt_at = ?, in_doubt = ?,"
                " attempt_key = CASE WHEN ? THEN attempt_key END WHERE id = ?",
                (attempts, error, to_db(retry_at), int(in_doubt), int(in_doubt),
                 claim.delivery_id),
            )
            audit.append(self.conn, ACTOR, "delivery.retry_later", f"post:{claim.post_id}",
                         {"outlet": claim.outlet, "delivery": claim.delivery_id,
                          "attempt": claim.attempt, "counted": counts, "in_doubt": in_doubt,
                          "next_attempt_at": to_db(retry_at), "error": error}, at=now)
            return "pending"

    def record_failed(self, claim: Claim, message: str) -> None:
        """The platform refused the post for good (too long, forbidden, ...)."""
        now = self.clock()
        error = _message(claim, f"refused by the platform: {message}")
        with write(self.db):
            self._expect_sending(claim)
            self.conn.execute(
                "UPDATE deliveries SET state = 'failed', last_error = ?, next_attempt_at = NULL,"
                " in_doubt = 0 WHERE id = ?", (error, claim.delivery_id))
            audit.append(self.conn, ACTOR, "delivery.failed", f"post:{claim.post_id}",
                         {"outlet": claim.outlet, "delivery": claim.delivery_id,
                          "attempts": claim.attempt, "error": error, **claim.part_detail},
                         at=now)

    def release(self, claim: Claim, reason: str) -> None:
        """Give a claimed delivery back untried (the daemon is stopping): it does not
        count as an attempt and keeps whatever doubt it had."""
        now = self.clock()
        with write(self.db):
            self._expect_sending(claim)
            self.conn.execute(
                "UPDATE deliveries SET state = 'pending', attempts = ?,"
                " attempt_key = CASE WHEN in_doubt THEN attempt_key END WHERE id = ?",
                (claim.attempt - 1, claim.delivery_id))
            audit.append(self.conn, ACTOR, "delivery.release", f"post:{claim.post_id}",
                         {"outlet": claim.outlet, "delivery": claim.delivery_id,
                          "reason": reason}, at=now)

    def requeue_orphans(self, outlets: Iterable[str] | None = None) -> int:
        """At start-up: every delivery left in `sending` by a daemon that died is put back
        in doubt, to be reconciled before anything else on its outlet; with `outlets`, on
        those only (their publisher died, the others' are still sending). Returns how many."""
        now = self.clock()
        wanted = None if outlets is None else set(outlets)
        with write(self.db):
            rows = [row for row in self.conn.execute(
                "SELECT id, post_id, outlet, attempt_key FROM deliveries WHERE state = 'sending'"
            ).fetchall() if wanted is None or row[2] in wanted]
            for delivery_id, post_id, outlet, key in rows:
                self.conn.execute(
                    "UPDATE deliveries SET state = 'pending', in_doubt = 1, next_attempt_at = NULL"
                    " WHERE id = ?", (delivery_id,))
                audit.append(self.conn, ACTOR, "delivery.in_doubt", f"post:{post_id}",
                             {"outlet": outlet, "delivery": delivery_id, "attempt_key": key,
                              "why": "found in sending at start-up"}, at=now)
        return len(rows)

    # ----- reading ------------------------------------------------------------------

    def next_due(self, outlets: Iterable[str]) -> dt.datetime | None:
        """When the next attempt on any of `outlets` may be made (None: nothing queued, or
        publishing is paused)."""
        if publishing_paused(self.conn):
            return None
        moments = []
        for outlet in outlets:
            row = self._head(outlet, dt.datetime.max.replace(tzinfo=dt.UTC))
            if row is not None:
                moments.append(max(row[2], row[3] or row[2]))
        return from_db(min(moments)) if moments else None

    def _expect_sending(self, claim: Claim) -> None:
        row = self.conn.execute("SELECT state, attempt_key FROM deliveries WHERE id = ?",
                                (claim.delivery_id,)).fetchone()
        if row is None or row[0] != "sending" or row[1] != claim.attempt_key:
            raise RuntimeError(
                f"{claim.label}: delivery #{claim.delivery_id} is no longer claimed by this "
                f"attempt (state {row[0] if row else 'gone'})")

    def _hold(self, delivery_id: int, post_id: int, outlet: str, late: dt.timedelta,
              in_doubt: bool, now: dt.datetime) -> None:
        why = (f"post #{post_id} on {outlet}: held, {_duration(late)} past its due time; "
               "publish now or withdraw")
        if in_doubt:
            why += " (an earlier attempt may have gone out; publishing now checks first)"
        self.conn.execute(
            "UPDATE deliveries SET state = 'held', last_error = ?, next_attempt_at = NULL"
            " WHERE id = ?", (why, delivery_id))
        audit.append(self.conn, ACTOR, "delivery.held", f"post:{post_id}",
                     {"outlet": outlet, "delivery": delivery_id,
                      "late_minutes": int(late.total_seconds() // 60)}, at=now)

    def _refuse(self, delivery_id: int, post_id: int, outlet: str, refusal: str,
                now: dt.datetime) -> None:
        error = f"post #{post_id} on {outlet}: not sent: {refusal}"
        self.conn.execute(
            "UPDATE deliveries SET state = 'failed', last_error = ?, next_attempt_at = NULL"
            " WHERE id = ?", (error, delivery_id))
        audit.append(self.conn, ACTOR, "delivery.refused", f"post:{post_id}",
                     {"outlet": outlet, "delivery": delivery_id, "why": refusal}, at=now)

    def _settle_post(self, post_id: int, now: dt.datetime) -> None:
        states = dict(self.conn.execute(
            "SELECT state, count(*) FROM deliveries WHERE post_id = ? GROUP BY state",
            (post_id,)).fetchall())
        if states.get("sent") and set(states) <= {"sent", "withdrawn"}:
            self.conn.execute(
                "UPDATE posts SET status = 'published', updated_at = ? WHERE id = ?"
                " AND status = 'scheduled'", (to_db(now), post_id))
            audit.append(self.conn, ACTOR, "post.published", f"post:{post_id}",
                         {"outlets": states.get("sent")}, at=now)
            request_for_correction(self.conn, post_id, now)


def publication_state(conn: sqlite3.Connection, post_id: int) -> str:
    """How a post stands across its outlets, in words the UI and reports show:
    `published`, `partly published`, `failed`, `held`, `sending`, `queued` or `not queued`."""
    states = {row[0] for row in conn.execute(
        "SELECT state FROM deliveries WHERE post_id = ? AND state != 'withdrawn'", (post_id,))}
    if not states:
        return "not queued"
    if states == {"sent"}:
        return "published"
    if "sent" in states:
        return "partly published"
    for state, words in (("failed", "failed"), ("held", "held"), ("sending", "sending")):
        if state in states:
            return words
    return "queued"


def _message(claim: Claim, text: str) -> str:
    full = f"{claim.label}: {text}"
    return full if len(full) <= MAX_ERROR else full[: MAX_ERROR - 1] + "…"


def _duration(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h {minutes % 60} min"
    return f"{hours // 24} days"


@dataclass(frozen=True)
class Problem:
    """A delivery a person must act on: `failed` (retry or withdraw) or `held` (publish
    now or withdraw)."""

    delivery_id: int
    post_id: int
    outlet: str
    state: str
    attempts: int
    due_at: dt.datetime
    message: str
    post_state: str
    """`partly published` when another outlet has it already."""


def problems(conn: sqlite3.Connection, limit: int = 200) -> list[Problem]:
    """Failed and held deliveries, earliest due first, with the platform's message."""
    rows = conn.execute(
        "SELECT id, post_id, outlet, state, attempts, due_at, coalesce(last_error, '')"
        " FROM deliveries WHERE state IN ('failed', 'held') ORDER BY due_at, id LIMIT ?",
        (limit,)).fetchall()
    return [Problem(r[0], r[1], r[2], r[3], r[4], from_db(r[5]), r[6],
                    publication_state(conn, r[1])) for r in rows]
