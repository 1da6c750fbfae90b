"""The calendar: what goes out (and went out) on which day, a week or a month at a time,
and moving a scheduled post to another slot.

Which moves keep the clearance (policy, "Risks and Mitigation": clearance of all
postings; "INMM Content": Timely). The clearance binds the words and the outlets
(`posts.clearance_digest` hashes each outlet's text and the time of the clearance, not the
time of publication), so a move changes nothing the clearer approved, except whether
the post is still timely on its new day. A move therefore keeps the clearance when the
policy screen, asked again about the new slot, finds nothing it had not already shown the
clearer; when it finds something new (a "tomorrow" that would now name the wrong day, a
covered event over by then, a date in the text already past on the new day), the post
goes back for clearance. That is said before the move is made: `Calendar.move` refuses
such a move unless asked to send the post back (`reclear=True`). A change of text or
outlets always needs clearing again (`Posts.edit`).
"""

from __future__ import annotations

import calendar as _calendar
import contextlib
import dataclasses
import datetime as dt
import json
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from inmm_tui.domain import audit
from inmm_tui.domain.base import DomainService
from inmm_tui.domain.errors import InvalidInput, InvalidState, NotAuthorised, ScreenRefusal
from inmm_tui.domain.people import authorise
from inmm_tui.domain.posts import Post, Posts, ScreenOutcome
from inmm_tui.domain.roles import Action
from inmm_tui.store.tx import write
from inmm_tui.timeutil import Clock, from_db, to_db, utcnow

if TYPE_CHECKING:
    from sqlite_utils import Database

Span = Literal["week", "month"]
MOVABLE = ("pending", "held")
"""Delivery states a move reschedules; a post with any other open state is not moved."""


@dataclass(frozen=True)
class CalendarEntry:
    """One post on one day: when it goes (or went) out and where."""

    post_id: int
    at: dt.datetime
    """The earliest of its outlets' times that day (due, or sent), in the calendar's zone."""
    outlets: tuple[tuple[str, str], ...]
    """(outlet, state) for each outlet: scheduled, held, failed, sending, published, deleted."""
    text: str
    """The post's text as written (not ours to trust as markup: the UI draws it literally)."""
    crisis: bool
    event: str | None
    """The covered event the post belongs to (its name), None for none or a crisis."""
    movable: bool
    """Scheduled, nothing of it gone out or failing: a move can pick it up."""


@dataclass(frozen=True)
class CalendarDay:
    day: dt.date
    entries: tuple[CalendarEntry, ...]
    events: tuple[str, ...]
    """Live coverage running that day (event names)."""
    crisis: bool
    """A crisis was on that day, or a crisis post goes out on it."""

    @property
    def empty(self) -> bool:
        return not self.entries


@dataclass(frozen=True)
class CalendarView:
    span: Span
    first: dt.date
    last: dt.date
    days: tuple[CalendarDay, ...]
    """Every day from `first` to `last`, the empty ones included."""
    outlet: str | None
    """The one outlet shown, or None for all."""

    def day(self, day: dt.date) -> CalendarDay | None:
        index = (day - self.first).days
        return self.days[index] if 0 <= index < len(self.days) else None


@dataclass(frozen=True)
class MoveCheck:
    """What moving a post to a slot would do, said before it is done."""

    post_id: int
    when: dt.datetime
    keeps_clearance: bool
    reasons: tuple[str, ...]
    """Why it must be cleared again: the screen's new findings at the new slot."""
    outcome: ScreenOutcome
    """The screen at the new slot, kept with the post when it goes back for clearance."""


def span_bounds(span: Span, anchor: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of the week (Monday to Sunday) or month holding `anchor`."""
    if span == "week":
        first = anchor - dt.timedelta(days=anchor.weekday())
        return first, first + dt.timedelta(days=6)
    if span == "month":
        days = _calendar.monthrange(anchor.year, anchor.month)[1]
        return anchor.replace(day=1), anchor.replace(day=days)
    raise InvalidInput(f"calendar span {span!r}: expected week or month")


def shift(span: Span, anchor: dt.date, steps: int) -> dt.date:
    """The anchor `steps` weeks or months away (a month keeps the day where it exists)."""
    if span == "week":
        return anchor + dt.timedelta(weeks=steps)
    month = anchor.month - 1 + steps
    year, month = anchor.year + month // 12, month % 12 + 1
    return anchor.replace(year=year, month=month,
                          day=min(anchor.day, _calendar.monthrange(year, month)[1]))


def calendar_view(conn: Any, span: Span, anchor: dt.date, tz: zoneinfo.ZoneInfo, *,
                  outlet: str | None = None) -> CalendarView:
    """The week or month holding `anchor`, day by day in `tz`: each post scheduled or
    published on it (withdrawn ones left out), the events covered, crisis days."""
    first, last = span_bounds(span, anchor)
    start = dt.datetime.combine(first, dt.time(), tz).astimezone(dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tz).astimezone(dt.UTC)
    # A sent delivery is placed when it went out; any other when it is due.
    rows = conn.execute(
        "SELECT d.post_id, d.outlet, CASE WHEN x.state = 'deleted' THEN 'deleted'"
        " ELSE d.state END, CASE WHEN d.state = 'sent' THEN coalesce(d.sent_at, d.due_at)"
        " ELSE d.due_at END AS at, p.body, p.crisis, e.name, e.kind, p.status"
        " FROM deliveries d JOIN posts p ON p.id = d.post_id"
        " LEFT JOIN events e ON e.id = p.event_id"
        " LEFT JOIN deletions x ON x.delivery_id = d.id"
        " WHERE d.state != 'withdrawn' AND at >= ? AND at < ?"
        + (" AND d.outlet = ?" if outlet else "") + " ORDER BY at, d.post_id, d.outlet",
        (to_db(start), to_db(end), *([outlet] if outlet else [])),
    ).fetchall()
    grouped: dict[tuple[dt.date, int], dict[str, Any]] = {}
    for post_id, name, state, at, body, crisis, event, kind, status in rows:
        local = from_db(at).astimezone(tz)
        item = grouped.setdefault((local.date(), post_id), {
            "at": local, "outlets": [], "text": body, "crisis": bool(crisis),
            "event": event if kind == "coverage" else None, "status": status})
        item["outlets"].append((name, _STATE_NAMES.get(state, state)))
    # Whether a post is movable depends on all its outlets, not only those shown.
    open_states = _open_states(conn, {post_id for _, post_id in grouped})
    events = conn.execute(
        "SELECT name, kind, starts_on, ends_on, active FROM events"
        " WHERE starts_on IS NOT NULL AND starts_on <= ?", (last.isoformat(),)).fetchall()
    days = []
    day = first
    while day <= last:
        entries = tuple(
            CalendarEntry(post_id, item["at"], tuple(item["outlets"]), item["text"],
                          item["crisis"], item["event"],
                          item["status"] == "scheduled"
                          and open_states.get(post_id, set()) <= set(MOVABLE))
            for (when, post_id), item in grouped.items() if when == day)
        running = [(name, kind) for name, kind, starts, ends, active in events
                   if dt.date.fromisoformat(starts) <= day
                   and (day <= dt.date.fromisoformat(ends) if ends else bool(active))]
        days.append(CalendarDay(
            day, entries, tuple(name for name, kind in running if kind == "coverage"),
            any(kind == "crisis" for _, kind in running) or any(e.crisis for e in entries)))
        day += dt.timedelta(days=1)
    return CalendarView(span, first, last, tuple(days), outlet)


_STATE_NAMES = {"pending": "scheduled", "sent": "published"}


def _open_states(conn: Any, post_ids: set[int]) -> dict[int, set[str]]:
    """Each post's delivery states other than withdrawn."""
    found: dict[int, set[str]] = {}
    if not post_ids:
        return found
    marks = ", ".join("?" for _ in post_ids)
    for post_id, state in conn.execute(
            f"SELECT post_id, state FROM deliveries WHERE post_id IN ({marks})"
            " AND state != 'withdrawn'", tuple(post_ids)):
        found.setdefault(post_id, set()).add(state)
    return found


class Calendar(DomainService):
    """The calendar's reading and its one change: moving a scheduled post."""

    def __init__(self, db: Database, posts: Posts, tz: zoneinfo.ZoneInfo,
                 clock: Clock = utcnow) -> None:
        self.db = db
        self.posts = posts
        self.tz = tz
        self.clock = clock

    def view(self, login: str, span: Span, anchor: dt.date, *,
             outlet: str | None = None) -> CalendarView:
        authorise(self.conn, login, Action.VIEW)
        if outlet is not None and outlet not in self.posts.outlet_apis:
            raise InvalidInput(f"unknown outlet {outlet!r} "
                               f"(configured: {', '.join(self.posts.outlet_apis)})")
        return calendar_view(self.conn, span, anchor, self.tz, outlet=outlet)

    def may_move(self, login: str, post_id: int) -> None:
        """NotAuthorised (and the refusal audited) unless `login` may move posts: asked
        before the new slot is, so that nobody types a time only to be refused."""
        self._authorise(login, post_id, None)

    def check_move(self, login: str, post_id: int, when: dt.datetime) -> MoveCheck:
        """What moving post `post_id` to `when` would do; changes nothing. Refused (and
        the refusal audited) for someone who may not schedule posts."""
        self._authorise(login, post_id, when)
        return self._check(post_id, when)

    def move(self, login: str, post_id: int, when: dt.datetime, *,
             reclear: bool = False) -> MoveCheck:
        """Move a scheduled post to `when`. When the new slot needs a new clearance (see the
        module's docstring), the move is refused unless `reclear` says the person was told
        and agrees: the post then goes back to the clearance queue, with the screen's
        findings for its new time. A refused move (`reclear` not given) is audited as
        declined: the person was told the slot needs clearing again and did not agree."""
        self._authorise(login, post_id, when)
        declined = None
        with self._refusal_kept(login, post_id, when), write(self.db):
            authorise(self.conn, login, Action.PUBLISH_CONTROL)
            check = self._check(post_id, when)
            post = self.posts.get(post_id)
            old = to_db(post.scheduled_at) if post.scheduled_at else None
            new = to_db(when)
            now = to_db(self.clock())
            if check.keeps_clearance:
                self.conn.execute(
                    "UPDATE deliveries SET due_at = ?, state = 'pending', next_attempt_at = NULL"
                    " WHERE post_id = ? AND state IN ('pending', 'held')", (new, post_id))
                self.conn.execute("UPDATE posts SET scheduled_at = ?, updated_at = ?"
                                  " WHERE id = ?", (new, now, post_id))
            elif not reclear:
                declined = ScreenRefusal(
                    f"moving post #{post_id} to {when.astimezone(self.tz):%Y-%m-%d %H:%M} "
                    f"needs it cleared again: {'; '.join(check.reasons)}")
                # Committed with nothing else: the decline is kept although nothing moves.
                self._declined(login, post_id, old, new, check)
            else:
                self.conn.execute("DELETE FROM deliveries WHERE post_id = ? AND state IN"
                                  " ('pending', 'held')", (post_id,))
                self.conn.execute(
                    "UPDATE posts SET status = 'submitted', scheduled_at = ?, updated_at = ?,"
                    " cleared_by = NULL, cleared_at = NULL, clearance_hash = NULL,"
                    " screening_verdict = ?, screening_json = ? WHERE id = ?",
                    (new, now, check.outcome.verdict, json.dumps(check.outcome.findings),
                     post_id))
            if declined is None:
                details: dict[str, Any] = {"from": old, "to": new,
                                           "clearance": "kept" if check.keeps_clearance else
                                           "withdrawn: the new slot needs clearing again"}
                if check.reasons:
                    details["reasons"] = list(check.reasons)
                audit.append(self.conn, login, "post.move", f"post:{post_id}", details,
                             at=self.clock())
        if declined is not None:
            raise declined
        return check

    def decline(self, login: str, post_id: int, when: dt.datetime) -> None:
        """The person was told that moving the post to `when` needs it cleared again and
        did not agree (the UI's question answered No): kept in the audit log, nothing
        moves, whatever the slot needs by now."""
        self._authorise(login, post_id, when)
        with self._refusal_kept(login, post_id, when), write(self.db):
            check = self._check(post_id, when)
            post = self.posts.get(post_id)
            self._declined(login, post_id,
                           to_db(post.scheduled_at) if post.scheduled_at else None,
                           to_db(when), check)

    def _declined(self, login: str, post_id: int, old: str | None, new: str,
                  check: MoveCheck) -> None:
        audit.append(self.conn, login, "post.move_declined", f"post:{post_id}",
                     {"from": old, "to": new, "reasons": list(check.reasons)},
                     at=self.clock())

    def _authorise(self, login: str, post_id: int, when: dt.datetime | None) -> None:
        """NotAuthorised, kept in the audit log, unless `login` may schedule posts."""
        with self._refusal_kept(login, post_id, when):
            authorise(self.conn, login, Action.PUBLISH_CONTROL)

    @contextlib.contextmanager
    def _refusal_kept(self, login: str, post_id: int,
                      when: dt.datetime | None) -> Iterator[None]:
        """A move refused by the rules (not allowed; a post not scheduled, or gone out
        on an outlet) kept in the audit log as `post.move_refused`, in a transaction of
        its own once the refused one is rolled back: kept although nothing moves."""
        try:
            yield
        except (NotAuthorised, InvalidState) as refusal:
            if getattr(refusal, "refused_login", None) is not None:
                from inmm_tui.domain.governance import record_refusal

                record_refusal(self.db, login, f"move post #{post_id}", self.clock())
            elif not self.conn.in_transaction:
                with write(self.db):
                    audit.append(self.conn, login, "post.move_refused", f"post:{post_id}",
                                 {"to": to_db(when) if when else None,
                                  "refusal": str(refusal)}, at=self.clock())
            raise

    def _check(self, post_id: int, when: dt.datetime) -> MoveCheck:
        if when.tzinfo is None:
            raise InvalidInput("a slot needs its time zone")
        if when <= self.clock():
            raise InvalidInput(
                f"{when.astimezone(self.tz):%Y-%m-%d %H:%M} ({self.tz.key}) is in the past; "
                "pick a slot still to come")
        post = self.posts.get(post_id)
        if post.status != "scheduled":
            raise InvalidState(f"post #{post_id} is {post.status}; only a scheduled post is "
                               "moved")
        states = _open_states(self.conn, {post_id}).get(post_id, set())
        if not states <= set(MOVABLE):
            raise InvalidState(
                f"post #{post_id} is {', '.join(sorted(states - set(MOVABLE)))} on at least "
                "one outlet; only a post none of whose outlets has gone out or failed is "
                "moved (retry or withdraw it from the schedule)")
        outcome, reasons = slot_screening(self.posts, post, when)
        return MoveCheck(post_id, when, not reasons, reasons, outcome)


def slot_screening(posts: Posts, post: Post, when: dt.datetime, *,
                   seen_for: dt.datetime | None = None,
                   category: str | None = None) -> tuple[ScreenOutcome, tuple[str, ...]]:
    """The policy screen of the post (`Posts.screen`, as on submitting: every outlet, every
    part of a thread, a shared original) for publication at `when`, asked twice: as
    written for `seen_for` (default: the time the clearer read it for) and read on that
    day (relative dates), and as read on that day (an event or a date already past by
    then); and, outlet by outlet, what it finds that the screening the clearer saw did not
    (empty: the clearance holds at `when`), counting only findings of `category` when one
    is given."""
    if seen_for is None:
        seen_for = cleared_for(post) or posts.clock()
    outcomes = (posts.screen(dataclasses.replace(post, scheduled_at=when), now=seen_for),
                posts.screen(dataclasses.replace(post, scheduled_at=None), now=when))
    verdicts = {"pass": 0, "warn": 1, "block": 2}
    worst = max((outcome.verdict for outcome in outcomes), key=verdicts.__getitem__)
    findings: list[dict[str, Any]] = []
    keys: set[tuple[Any, ...]] = set()
    for outcome in outcomes:
        for finding in outcome.findings:
            if _finding_key(finding) not in keys:
                keys.add(_finding_key(finding))
                findings.append(finding)
    seen = {_finding_key(f) for f in post.screening}
    reasons = tuple(dict.fromkeys(
        f"{f.get('outlet', '')}: {f.get('message', f.get('rule', ''))}"
        for f in findings if _finding_key(f) not in seen
        and (category is None or f.get("category") == category)))
    return ScreenOutcome(worst, findings), reasons


def cleared_for(post: Post) -> dt.datetime | None:
    """When the clearer read the post as going out (None: not cleared). Its time, if it
    had one when cleared: a cleared post's time changes only by a schedule, a move or an
    edit, each screened against this (a time that names a day wrongly is refused or sent
    back for clearance), so the time it has stands for the one the clearer saw. Without a
    time, the day of the clearance: a post cleared to go out as soon as it is scheduled."""
    if post.cleared_at is None:
        return None
    return post.scheduled_at or from_db(post.cleared_at)


def _finding_key(finding: dict[str, Any]) -> tuple[Any, ...]:
    """A finding, whatever day it was worded on: its rule, outlet and place in the text."""
    return (finding.get("rule"), finding.get("outlet"), json.dumps(finding.get("span")))
