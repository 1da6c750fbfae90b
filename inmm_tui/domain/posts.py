"""A post's life: draft → submitted → cleared → scheduled → published, with rejected and
withdrawn on the side ("Roles", "Risks and Mitigation": clearance of all postings).

A clearance covers exactly what was cleared: the final text for each outlet (signature
and hashtag included), the outlets, and the time, hashed with SHA-256. Any edit after
clearance sends the post back for clearance; the daemon refuses a delivery whose text no
longer matches (`verify_clearance`).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import inspect
import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from inmm_tui.domain import audit, shares
from inmm_tui.domain.base import DomainService
from inmm_tui.domain.errors import (
    InvalidInput,
    InvalidState,
    NotAuthorised,
    NotFound,
    Refused,
    ScreenRefusal,
)
from inmm_tui.domain.lengths import limit_for, weighted_length
from inmm_tui.domain.people import Person, authorise
from inmm_tui.domain.polls import Poll, poll_of, store_poll
from inmm_tui.domain.roles import Action, Role
from inmm_tui.domain.threads import (
    check_parts,
    digest_of_deliveries,
    hashed_parts,
    parts_of,
    screen_extras,
    signed_parts,
    store_parts,
)
from inmm_tui.domain.threads import refusals as thread_refusals
from inmm_tui.outside_text import describe, forbidden_character, where
from inmm_tui.store.tx import write
from inmm_tui.timeutil import Clock, from_db, to_db, utcnow

if TYPE_CHECKING:
    from sqlite_utils import Database

EDITABLE = ("draft", "submitted", "rejected", "cleared", "scheduled")
MAX_BODY = 5000


@dataclass(frozen=True)
class ScreenRequest:
    """What the policy screen is asked about one outlet's final text."""

    text: str
    outlet: str
    api: str
    topic: str
    announcement: bool
    author_role: Role
    event_date: dt.date | None = None
    now: dt.datetime | None = None
    """The services' clock, so that "already past" is judged on the same time as the rest."""
    publish_at: dt.datetime | None = None
    """When the post is scheduled to go out: "yesterday" written today reads wrong then."""


@dataclass(frozen=True)
class ScreenOutcome:
    verdict: str  # pass | warn | block
    findings: list[dict[str, Any]] = field(default_factory=list)


Screener = Callable[[ScreenRequest], ScreenOutcome]


@dataclass(frozen=True)
class OutletPreview:
    outlet: str
    api: str
    text: str
    """The text as it would be published (signature and hashtag added)."""
    length: int
    """Counted the platform's way."""
    limit: int
    part: int = 1
    """Which part of a thread."""


@dataclass(frozen=True)
class Preview:
    outlets: list[OutletPreview]
    outcome: ScreenOutcome
    signature: str
    hashtag: str | None


def _no_screen(request: ScreenRequest) -> ScreenOutcome:
    return ScreenOutcome("pass")


@dataclass(frozen=True)
class Post:
    id: int
    author: str
    status: str
    body: str
    topic: str
    announcement: bool
    crisis: bool
    event_id: int | None
    scheduled_at: dt.datetime | None
    created_at: str
    updated_at: str
    cleared_by: str | None
    cleared_at: str | None
    clearance_hash: str | None
    rejected_reason: str | None
    screening_verdict: str | None
    screening: list[dict[str, Any]]
    outlets: dict[str, str | None]
    """Outlet name → its own text, or None where the common body is used."""
    correction_of: int | None = None
    """The published post this one corrects (published as a reply to it on each outlet)."""
    delete_original: bool = False
    """Whether the corrected post is to be deleted once this one is published."""
    parts: tuple[str, ...] = ()
    """A thread's parts after the first (`body`), in order (`inmm_tui.domain.threads`)."""
    poll: Poll | None = None
    """A poll published with the first part (`inmm_tui.domain.polls`)."""


@dataclass(frozen=True)
class Delivery:
    id: int
    post_id: int
    outlet: str
    state: str
    text: str
    due_at: str
    attempts: int
    last_error: str | None
    platform_id: str | None
    platform_url: str | None
    sent_at: str | None
    part: int = 1
    """Which part of a thread this delivery publishes on its outlet."""


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def clearance_digest(texts: dict[str, str], cleared_at: str,
                     replies: Mapping[str, str | None] | None = None,
                     media: list[list[str]] | None = None,
                     share: Mapping[str, Any] | None = None, *,
                     parts: Mapping[str, Sequence[str]] | None = None,
                     poll: Poll | None = None) -> str:
    """SHA-256 over each outlet's text, the set of outlets, and the time of clearance; and,
    for a correction, the platform post it answers on each outlet (`replies`), so that a
    changed link needs clearing again; the attached files' SHA-256 and alt text, in
    order (`media`); for a share, what it shares (`share`, from `shares.digest_part`);
    for a thread, every part's text on each outlet in order (`parts`); a poll's
    options and duration. Without them the digest is what it always was."""
    content: dict[str, Any] = {
        "outlets": {name: content_hash(text) for name, text in sorted(texts.items())},
        "cleared_at": cleared_at}
    links = {outlet: link for outlet, link in (replies or {}).items() if link}
    if links:
        content["replies"] = links
    if media:
        content["media"] = media
    if share:
        content["share"] = dict(share)
    if (thread := hashed_parts(parts or {})) is not None:
        content["parts"] = thread
    if poll is not None:
        content["poll"] = poll.hashed()
    payload = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def sign(body: str, signature: str, hashtag: str | None = None) -> str:
    """The text as published: the body, the event's hashtag if missing, then the signature."""
    text = body.rstrip()
    if hashtag and hashtag.lower() not in text.lower():
        text = f"{text} {hashtag}"
    if signature and not text.endswith(signature):
        text = f"{text} {signature}"
    return text


def signature_for(person: Person, template: str) -> str:
    return template.format(initials=person.initials, name=person.name, login=person.login)


_Method = TypeVar("_Method", bound=Callable[..., Any])


def refusals_audited(attempt: str) -> Callable[[_Method], _Method]:
    """The method, with a refusal by the rules (not allowed, four eyes, not the author, a
    time the clearance did not cover, a post in no state for it, what an outlet cannot
    carry: `NotAuthorised`, `InvalidState`, `Refused`) written in the audit log as
    `post.refused`, in a transaction of its own once the refused one is rolled back,
    whoever asked (the UI, a command). Inside a caller's transaction the caller records
    it (the command line's `post new`/`post edit`). Plain input errors (a text too long,
    an unknown outlet) and what does not exist are not refusals. A login that is not (or
    no longer) on the roster is kept apart (`governance.record_refusal`), not here."""
    def decorate(method: _Method) -> _Method:
        signature = inspect.signature(method)

        @functools.wraps(method)
        def audited(self: Posts, actor: str, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, actor, *args, **kwargs)
            except (NotAuthorised, InvalidState, Refused) as refusal:
                if (getattr(refusal, "refused_login", None) is None
                        and not self.conn.in_transaction and not refusal.audited):
                    named = signature.bind(self, actor, *args, **kwargs).arguments
                    subject = (f"post:{named['post_id']}" if named.get("post_id") is not None
                               else f"delivery:{named['delivery_id']}"
                               if "delivery_id" in named else "post")
                    record_refusal(self.db, actor, subject, attempt, refusal, self.clock())
                    refusal.audited = True
                raise
        return audited  # type: ignore[return-value]
    return decorate


def record_refusal(db: Database, actor: str, subject: str, attempt: str,
                   refusal: Exception, at: dt.datetime) -> None:
    """`post.refused` in the audit log, in a transaction of its own (outside the refused
    one, which is rolled back)."""
    with write(db):
        audit.append(db.conn, actor, "post.refused", subject,
                     {"attempt": attempt, "refusal": str(refusal)}, at=at)


class Posts(DomainService):
    """The post lifecycle, permissions checked here; every refusal audited."""

    def __init__(self, db: Database, *, outlets: dict[str, str], signature: str = "^{initials}",
                 four_eyes: bool = True, screener: Screener = _no_screen, clock: Clock = utcnow,
                 announcement_limit: int = 140,
                 limits: Callable[[], Mapping[str, int]] | None = None,
                 tz: dt.tzinfo = dt.UTC):
        self.db = db
        self.tz = tz
        """The configured time zone, for the days a refusal names."""
        self.announcement_limit = announcement_limit
        self.limits = limits
        """The policy rules' limits per api (read when first needed), so that the counts in
        compose and the screen's `length` finding use the same numbers."""
        self.outlet_apis = outlets  # outlet name → api ("x" | "mastodon")
        self.signature = signature
        self.four_eyes = four_eyes
        self.screener = screener
        self.clock = clock


    # ----- reading -------------------------------------------------------------

    def get(self, post_id: int) -> Post:
        row = self.conn.execute(
            "SELECT id, author, status, body, topic, announcement, crisis, event_id, scheduled_at,"
            " created_at, updated_at, cleared_by, cleared_at, clearance_hash, rejected_reason,"
            " screening_verdict, screening_json, correction_of, delete_original"
            " FROM posts WHERE id = ?",
            (post_id,),
        ).fetchone()
        if row is None:
            raise NotFound(f"there is no post #{post_id}")
        outlets = dict(self.conn.execute(
            "SELECT outlet, text FROM post_outlets WHERE post_id = ? ORDER BY outlet", (post_id,)
        ).fetchall())
        return Post(
            id=row[0], author=row[1], status=row[2], body=row[3], topic=row[4],
            announcement=bool(row[5]), crisis=bool(row[6]), event_id=row[7],
            scheduled_at=from_db(row[8]) if row[8] else None, created_at=row[9],
            updated_at=row[10], cleared_by=row[11], cleared_at=row[12], clearance_hash=row[13],
            rejected_reason=row[14], screening_verdict=row[15],
            screening=json.loads(row[16]) if row[16] else [], outlets=outlets,
            correction_of=row[17], delete_original=bool(row[18]),
            parts=parts_of(self.conn, post_id), poll=poll_of(self.conn, post_id),
        )

    def deliveries(self, post_id: int) -> list[Delivery]:
        # A delivery taken down since stays `sent` in its table and is shown `deleted`.
        rows = self.conn.execute(
            "SELECT d.id, d.post_id, d.outlet, CASE WHEN x.state = 'deleted' THEN 'deleted'"
            " ELSE d.state END, d.text, d.due_at, d.attempts, coalesce(x.last_error,"
            " d.last_error), d.platform_id, d.platform_url, d.sent_at, d.part FROM deliveries d"
            " LEFT JOIN deletions x ON x.delivery_id = d.id WHERE d.post_id = ?"
            " ORDER BY d.outlet, d.part", (post_id,),
        ).fetchall()
        return [Delivery(*row) for row in rows]

    def final_texts(self, post: Post, author: Person | None = None) -> dict[str, str]:
        """Each outlet's text as it would be published."""
        author = author or self._person(post.author)
        signature = signature_for(author, self.signature)
        hashtag = self._hashtag(post.event_id)
        share = shares.of_post(self.conn, post.id)
        return {
            outlet: shares.final_text(share, outlet, own or post.body,
                                      lambda body: sign(body, signature, hashtag))
            for outlet, own in post.outlets.items()
        }

    def final_parts(self, post: Post, author: Person | None = None) -> dict[str, list[str]]:
        """Each outlet's parts as they would be published, part 1 first (one part for a
        post that is no thread)."""
        author = author or self._person(post.author)
        signature = signature_for(author, self.signature)
        hashtag = self._hashtag(post.event_id)
        return signed_parts(post, self.final_texts(post, author),
                            lambda body: sign(body, signature, hashtag))

    def comments(self, post_id: int) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT login, body, at FROM comments WHERE post_id = ? ORDER BY id", (post_id,)
        ).fetchall()
        return [{"login": login, "body": body, "at": at} for login, body, at in rows]

    # ----- writing -------------------------------------------------------------

    @refusals_audited("new")
    def create_draft(self, actor: str, body: str, *, outlets: list[str] | None = None,
                     topic: str = "", announcement: bool = False, event_id: int | None = None,
                     scheduled_at: dt.datetime | None = None,
                     outlet_texts: dict[str, str] | None = None,
                     reply_to_mention_id: int | None = None, parts: Sequence[str] = (),
                     poll: Poll | None = None) -> int:
        outlets = list(outlets) if outlets is not None else list(self.outlet_apis)
        self._check_outlets(outlets)
        self._check_body(body)
        parts = check_parts(parts)
        now = to_db(self.clock())
        with write(self.db):
            authorise(self.conn, actor, Action.COMPOSE)
            cursor = self.conn.execute(
                "INSERT INTO posts (author, status, body, topic, announcement, crisis, event_id,"
                " reply_to_mention_id, scheduled_at, created_at, updated_at)"
                " VALUES (?, 'draft', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (actor, body, topic, int(announcement), int(self._is_crisis(event_id)), event_id,
                 reply_to_mention_id, to_db(scheduled_at) if scheduled_at else None, now, now),
            )
            post_id = int(cursor.lastrowid or 0)
            self._set_outlets(post_id, outlets, outlet_texts or {})
            store_parts(self.conn, post_id, parts)
            store_poll(self.conn, post_id, poll)
            details: dict[str, Any] = {"outlets": outlets, "topic": topic}
            if parts:
                details["parts"] = len(parts) + 1
            if poll is not None:
                details["poll"] = poll.hashed()
            audit.append(self.conn, actor, "post.create", f"post:{post_id}", details,
                         at=self.clock())
        return post_id

    @refusals_audited("correct")
    def create_correction(self, actor: str, original_post_id: int, text: str,
                          delete_original: bool = False) -> int:
        """A draft correcting a published post: it goes to each outlet the original is
        still up on, as a reply to it there, and is screened and cleared like any post
        (the clearance covers the reply links). With `delete_original`, the original's
        deletion is asked for when the correction is published; that needs the right to
        delete published posts, checked now and again then."""
        self._check_body(text)
        if not text.strip():
            raise InvalidInput("a correction needs a text saying what changed")
        if delete_original:
            from inmm_tui.domain.deletions import authorise_deletion

            authorise_deletion(self.db, actor, original_post_id, self.clock)
        with write(self.db):
            authorise(self.conn, actor, Action.COMPOSE)
            original = self.get(original_post_id)
            outlets = [outlet for (outlet,) in self.conn.execute(
                "SELECT d.outlet FROM deliveries d LEFT JOIN deletions x ON x.delivery_id = d.id"
                " WHERE d.post_id = ? AND d.state = 'sent' AND d.platform_id IS NOT NULL"
                " AND x.delivery_id IS NULL AND d.part = 1 ORDER BY d.outlet",
                (original_post_id,))
                if outlet in self.outlet_apis]
            if not outlets:
                raise InvalidState(f"post #{original_post_id} is not up on any outlet; there is "
                                   "nothing to correct (write a new post instead)")
            post_id = self.create_draft(actor, text, outlets=outlets, topic=original.topic,
                                        announcement=original.announcement,
                                        event_id=original.event_id)
            self.conn.execute("UPDATE posts SET correction_of = ?, delete_original = ?"
                              " WHERE id = ?", (original_post_id, int(delete_original), post_id))
            audit.append(self.conn, actor, "post.correction", f"post:{post_id}",
                         {"corrects": original_post_id, "outlets": outlets,
                          "delete_original": delete_original}, at=self.clock())
        return post_id

    @refusals_audited("edit")
    def edit(self, actor: str, post_id: int, *, body: str | None = None,
             outlets: list[str] | None = None, topic: str | None = None,
             announcement: bool | None = None, event_id: int | str | None = "unchanged",
             scheduled_at: dt.datetime | str | None = "unchanged",
             outlet_texts: dict[str, str] | None = None, parts: Sequence[str] | None = None,
             poll: Poll | str | None = "unchanged") -> Post:
        """Change a post. After clearance, this sends it back to be cleared again (a
        thread's parts and a poll's options are content like the text)."""
        if body is not None:
            self._check_body(body)
        if parts is not None:
            parts = check_parts(parts)
        if outlets is not None:
            self._check_outlets(outlets)
        with write(self.db):
            person = authorise(self.conn, actor, Action.COMPOSE)
            post = self.get(post_id)
            if post.status not in EDITABLE:
                raise InvalidState(f"post #{post_id} is {post.status} and can no longer be edited")
            if post.author != actor and not _is_clearer(person):
                raise NotAuthorised(f"only the author or an account manager may edit post #{post_id}")
            sent = self.conn.execute(
                "SELECT count(*) FROM deliveries WHERE post_id = ? AND state IN ('sending', 'sent')",
                (post_id,),
            ).fetchone()[0]
            if sent:
                raise InvalidState(
                    f"post #{post_id} has already gone out on at least one outlet; "
                    "write a new post instead of editing it"
                )
            changes: dict[str, Any] = {}
            if body is not None and body != post.body:
                changes["body"] = body
            if topic is not None and topic != post.topic:
                changes["topic"] = topic
            if announcement is not None and announcement != post.announcement:
                changes["announcement"] = int(announcement)
            if event_id != "unchanged" and event_id != post.event_id:
                changes["event_id"] = event_id
                changes["crisis"] = int(self._is_crisis(event_id))  # type: ignore[arg-type]
            if scheduled_at != "unchanged":
                new_time = to_db(scheduled_at) if isinstance(scheduled_at, dt.datetime) else None
                old_time = to_db(post.scheduled_at) if post.scheduled_at else None
                if new_time != old_time:
                    changes["scheduled_at"] = new_time
            outlets_changed = False
            if outlets is not None or outlet_texts is not None:
                new_outlets = outlets if outlets is not None else list(post.outlets)
                new_texts = outlet_texts if outlet_texts is not None else {
                    k: v for k, v in post.outlets.items() if v
                }
                wanted = {o: (new_texts.get(o) or None) for o in new_outlets}
                if wanted != post.outlets:
                    self.conn.execute("DELETE FROM post_outlets WHERE post_id = ?", (post_id,))
                    self._set_outlets(post_id, new_outlets, new_texts)
                    outlets_changed = True
            # A thread's parts and a poll are content: a change needs clearing again.
            extra = [name for name, changed in (
                ("parts", parts is not None and store_parts(self.conn, post_id, parts)),
                ("poll", not isinstance(poll, str) and store_poll(self.conn, post_id, poll)),
            ) if changed]
            outlets_changed = outlets_changed or bool(extra)
            if not changes and not outlets_changed:
                return post
            content_changed = outlets_changed or bool(
                set(changes) & {"body", "topic", "announcement", "event_id"})
            only_time = not content_changed
            changes["updated_at"] = to_db(self.clock())
            untimely: tuple[str, ...] = ()
            if post.status == "scheduled" and only_time and changes.get("scheduled_at"):
                # A new time keeps the clearance unless the screen finds something new for
                # it, as for a move in the calendar (see inmm_tui/domain/calendar.py).
                from inmm_tui.domain.calendar import slot_screening

                outcome, untimely = slot_screening(self, post, from_db(changes["scheduled_at"]))
                if untimely:
                    changes.update(screening_verdict=outcome.verdict,
                                   screening_json=json.dumps(outcome.findings))
            back_to_clearance = post.status in ("cleared", "scheduled") and not (
                only_time and post.status == "scheduled" and not untimely
            )
            if back_to_clearance:
                changes.update(status="submitted", cleared_by=None, cleared_at=None,
                               clearance_hash=None)
                self.conn.execute(
                    "DELETE FROM deliveries WHERE post_id = ? AND state IN"
                    " ('pending', 'held', 'failed', 'withdrawn')", (post_id,))
            elif post.status == "rejected":
                changes["status"] = "draft"
            elif post.status == "scheduled" and only_time:
                # A new time for an already-cleared text needs no new clearance.
                due = changes["scheduled_at"] or to_db(self.clock())
                self.conn.execute(
                    "UPDATE deliveries SET due_at = ?, next_attempt_at = NULL"
                    " WHERE post_id = ? AND state IN ('pending', 'held')", (due, post_id))
            assignments = ", ".join(f"{column} = ?" for column in changes)
            self.conn.execute(f"UPDATE posts SET {assignments} WHERE id = ?",
                              (*changes.values(), post_id))
            details: dict[str, Any] = {
                "fields": sorted([k for k in changes if k != "updated_at"] + extra)}
            if changes.get("status", post.status) == "submitted" and not untimely:
                # The clearer reads (and a block is judged by) the screening kept with the
                # post: it is of the post as it now is, for its time now, as on submitting.
                outcome = self.screen_kept(self.get(post_id))
                self.conn.execute(
                    "UPDATE posts SET screening_verdict = ?, screening_json = ? WHERE id = ?",
                    (outcome.verdict, json.dumps(outcome.findings), post_id))
                details["verdict"] = outcome.verdict
            if back_to_clearance:
                details["clearance"] = "withdrawn: the post changed after clearance"
            if untimely:
                details["reasons"] = list(untimely)
            audit.append(self.conn, actor, "post.edit", f"post:{post_id}", details, at=self.clock())
        return self.get(post_id)

    @refusals_audited("submit")
    def submit(self, actor: str, post_id: int) -> Post:
        """Ask for clearance; the policy screen runs and its findings are kept."""
        from inmm_tui.domain import media

        media.refuse_unready(self, actor, post_id)
        with write(self.db):
            authorise(self.conn, actor, Action.COMPOSE)
            post = self.get(post_id)
            if post.author != actor:
                raise NotAuthorised(f"only the author may submit post #{post_id}")
            if post.status not in ("draft", "rejected"):
                raise InvalidState(f"post #{post_id} is {post.status}, not a draft")
            share = shares.of_post(self.conn, post_id)
            if not post.body.strip() and share is None:
                raise Refused(f"post #{post_id} is empty")
            if not post.outlets:
                raise Refused(f"post #{post_id} has no outlet to go to")
            refused = thread_refusals(self.outlet_apis, list(post.outlets), post.parts,
                                      post.poll, self.conn)
            if refused:
                raise Refused(f"post #{post_id} cannot go out as it is: "
                                   + "; ".join(refused))
            shares.check_submittable(self.conn, post_id, {
                outlet: own or post.body for outlet, own in post.outlets.items()})
            outcome = self.screen_kept(post)
            now = to_db(self.clock())
            self.conn.execute(
                "UPDATE posts SET status = 'submitted', submitted_at = ?, updated_at = ?,"
                " screening_verdict = ?, screening_json = ?, rejected_reason = NULL,"
                " rejected_by = NULL WHERE id = ?",
                (now, now, outcome.verdict, json.dumps(outcome.findings), post_id),
            )
            audit.append(self.conn, actor, "post.submit", f"post:{post_id}",
                         {"verdict": outcome.verdict,
                          "rules": sorted({f.get("rule", "") for f in outcome.findings})},
                         at=self.clock())
        return self.get(post_id)

    def screen_kept(self, post: Post) -> ScreenOutcome:
        """The screening kept with a post for its clearer (submit, an edit, a file change):
        its texts (`screen`) and its files' alt texts."""
        from inmm_tui.domain import media

        return media.screen_alt_texts(self, post, self.screen(post))

    def screen(self, post: Post, *, now: dt.datetime | None = None) -> ScreenOutcome:
        """Screen each outlet's final text; the worst verdict wins, findings name the outlet.
        Timeliness is judged as written at `now` (default: the clock) for publication at the
        post's `scheduled_at`."""
        author = self._person(post.author)
        event_date = self._event_date(post.event_id)

        def screen_texts(texts: dict[str, str]) -> ScreenOutcome:
            return self._screen_texts(texts, post.topic, post.announcement, author.role,
                                      event_date, publish_at=post.scheduled_at, now=now)

        # A repost carries no text of ours: what it says is the original's, screened below.
        outcome = screen_texts({o: text for o, text in self.final_texts(post, author).items()
                                if text})
        if post.parts or post.poll is not None:
            signature = signature_for(author, self.signature)
            hashtag = self._hashtag(post.event_id)
            outcome = screen_extras(screen_texts, lambda text: sign(text, signature, hashtag),
                                    post, self.final_parts(post, author), outcome)
        share = shares.of_post(self.conn, post.id)
        if share is None or share.original is None:
            return outcome
        return shares.with_original_screened(
            outcome, share, lambda text, outlet: screen_texts({outlet: text}),
            list(post.outlets))

    def _screen_texts(self, texts: dict[str, str], topic: str, announcement: bool,
                      role: Role, event_date: dt.date | None = None, *,
                      publish_at: dt.datetime | None = None,
                      now: dt.datetime | None = None) -> ScreenOutcome:
        verdicts = {"pass": 0, "warn": 1, "block": 2}
        worst = "pass"
        findings: list[dict[str, Any]] = []
        seen: set[tuple[str, str]] = set()
        for outlet, text in texts.items():
            outcome = self.screener(ScreenRequest(
                text=text, outlet=outlet, api=self.outlet_apis.get(outlet, "x"),
                topic=topic, announcement=announcement, author_role=role,
                event_date=event_date, now=now or self.clock(), publish_at=publish_at,
            ))
            if verdicts[outcome.verdict] > verdicts[worst]:
                worst = outcome.verdict
            for finding in outcome.findings:
                key = (finding.get("rule", ""), json.dumps(finding.get("span")))
                if finding.get("category") == "length" or key not in seen:
                    seen.add(key)
                    findings.append({**finding, "outlet": outlet})
        return ScreenOutcome(worst, findings)

    def preview(self, actor: str, body: str, *, outlets: list[str],
                outlet_texts: dict[str, str] | None = None, topic: str = "",
                announcement: bool = False, event_id: int | None = None,
                parts: Sequence[str] = (), poll: Poll | None = None) -> Preview:
        """What the text being typed would become on each outlet (each part of a thread),
        counted each platform's way, and what the policy screen says of it, with what an
        outlet cannot publish (a thread, a poll) as a blocking finding. Nothing is written."""
        self._check_outlets(outlets)
        person = authorise(self.conn, actor, Action.COMPOSE)
        signature = signature_for(person, self.signature)
        hashtag = self._hashtag(event_id)
        texts = {o: sign((outlet_texts or {}).get(o) or body, signature, hashtag)
                 for o in outlets}
        draft = Post(id=0, author=actor, status="draft", body=body, topic=topic,
                     announcement=announcement, crisis=False, event_id=event_id,
                     scheduled_at=None, created_at="", updated_at="", cleared_by=None,
                     cleared_at=None, clearance_hash=None, rejected_reason=None,
                     screening_verdict=None, screening=[], outlets=dict.fromkeys(outlets),
                     parts=tuple(p.strip() for p in parts if p.strip()), poll=poll)
        signed = signed_parts(draft, texts, lambda text: sign(text, signature, hashtag))
        counts = []
        for outlet, outlet_parts in signed.items():
            api = self.outlet_apis[outlet]
            limit = self.limits()[api] if self.limits else limit_for(api)
            if announcement:
                limit = min(limit, self.announcement_limit)
            counts += [OutletPreview(outlet, api, text, weighted_length(text, api), limit, part)
                       for part, text in enumerate(outlet_parts, 1)]
        event_date = self._event_date(event_id)

        def screen_texts(texts: dict[str, str]) -> ScreenOutcome:
            return self._screen_texts(texts, topic, announcement, person.role, event_date)

        outcome = screen_texts(texts) if body.strip() else ScreenOutcome("pass")
        if body.strip() and (draft.parts or poll is not None):
            outcome = screen_extras(screen_texts, lambda text: sign(text, signature, hashtag),
                                    draft, signed, outcome)
        refused = thread_refusals(self.outlet_apis, outlets, draft.parts, poll, self.conn)
        if refused:
            outcome = ScreenOutcome("block", outcome.findings + [
                {"rule": "outlet.cannot", "category": "outlet", "message": why,
                 "severity": "block"} for why in refused])
        return Preview(counts, outcome, signature, hashtag)

    @refusals_audited("save")
    def save_draft(self, actor: str, post_id: int | None, body: str, *, outlets: list[str],
                   topic: str = "", announcement: bool = False, event_id: int | None = None,
                   scheduled_at: dt.datetime | None = None,
                   outlet_texts: dict[str, str] | None = None, parts: Sequence[str] = (),
                   poll: Poll | None = None) -> int:
        """Create the draft on the first save, update it after: what compose calls as the
        person types, so that closing the terminal loses nothing. Returns the post id."""
        if post_id is None:
            return self.create_draft(actor, body, outlets=outlets, topic=topic,
                                     announcement=announcement, event_id=event_id,
                                     scheduled_at=scheduled_at, outlet_texts=outlet_texts,
                                     parts=parts, poll=poll)
        self.edit(actor, post_id, body=body, outlets=outlets, topic=topic,
                  announcement=announcement, event_id=event_id, scheduled_at=scheduled_at,
                  outlet_texts=outlet_texts or {}, parts=parts, poll=poll)
        return post_id

    @refusals_audited("comment")
    def comment(self, actor: str, post_id: int, body: str) -> None:
        if not body.strip():
            raise InvalidInput("a comment cannot be empty")
        with write(self.db):
            authorise(self.conn, actor, Action.COMMENT)
            self.get(post_id)
            self.conn.execute(
                "INSERT INTO comments (post_id, login, body, at) VALUES (?, ?, ?, ?)",
                (post_id, actor, body.strip(), to_db(self.clock())),
            )
            audit.append(self.conn, actor, "post.comment", f"post:{post_id}",
                         {"length": len(body.strip())}, at=self.clock())

    @refusals_audited("clear")
    def clear(self, actor: str, post_id: int, *, override_reason: str | None = None,
              expedited: bool = False, publish_if_untimed: bool = False) -> Post:
        """Clear a submitted post. Four-eyes unless configured otherwise or a crisis post is
        expedited; a `block` from the screen needs the Subcommittee Chair and a reason.
        A post with a time (or a crisis post) is queued at once; one without a time waits
        to be scheduled, unless `publish_if_untimed` queues it now, in the same transaction."""
        self._refuse_poll_beyond_limits(post_id)
        with write(self.db):
            clearer = authorise(self.conn, actor, Action.CLEAR)
            post = self.get(post_id)
            if post.status != "submitted":
                raise InvalidState(f"post #{post_id} is {post.status}; only submitted posts are cleared")
            if expedited and not post.crisis:
                raise InvalidState(f"post #{post_id} is not a crisis post; it cannot be expedited")
            if post.author == actor and self.four_eyes and not expedited:
                raise NotAuthorised(
                    f"you wrote post #{post_id}; another account manager must clear it "
                    "(four-eyes rule)"
                )
            if post.screening_verdict == "block":
                authorise(self.conn, actor, Action.OVERRIDE_BLOCK)
                if not (override_reason or "").strip():
                    raise Refused(
                        f"post #{post_id} was blocked by the policy screen; clearing it needs "
                        "a reason for the override"
                    )
            cleared_at = to_db(self.clock())
            texts = self.final_texts(post)
            replies = self._replies(post)
            from inmm_tui.domain.media import clearance_items

            digest = clearance_digest(
                texts, cleared_at, replies, clearance_items(self.conn, post_id),
                shares.digest_part(self.conn, post_id, texts),
                parts=self.final_parts(post), poll=post.poll)
            self.conn.execute(
                "UPDATE posts SET status = 'cleared', cleared_by = ?, cleared_at = ?,"
                " clearance_hash = ?, override_reason = ?, updated_at = ? WHERE id = ?",
                (clearer.login, cleared_at, digest, override_reason, cleared_at, post_id),
            )
            details: dict[str, Any] = {"clearance_hash": digest, "outlets": sorted(texts)}
            if override_reason:
                details["override_reason"] = override_reason
            if replies:
                details["replies"] = replies
            if post.parts:
                details["parts"] = len(post.parts) + 1
            if post.poll is not None:
                details["poll"] = post.poll.hashed()
            if expedited:
                details["expedited"] = True
            audit.append(self.conn, actor, "post.clear", f"post:{post_id}", details,
                         at=self.clock())
            if post.scheduled_at is not None or post.crisis or publish_if_untimed:
                self._queue(actor, self.get(post_id), post.scheduled_at)
        return self.get(post_id)

    @refusals_audited("reject")
    def reject(self, actor: str, post_id: int, reason: str) -> Post:
        if not reason.strip():
            raise InvalidInput("say why the post is rejected, so the author can mend it")
        with write(self.db):
            authorise(self.conn, actor, Action.CLEAR)
            post = self.get(post_id)
            if post.status != "submitted":
                raise InvalidState(f"post #{post_id} is {post.status}; only submitted posts are rejected")
            now = to_db(self.clock())
            self.conn.execute(
                "UPDATE posts SET status = 'rejected', rejected_by = ?, rejected_reason = ?,"
                " updated_at = ? WHERE id = ?",
                (actor, reason.strip(), now, post_id),
            )
            audit.append(self.conn, actor, "post.reject", f"post:{post_id}",
                         {"reason": reason.strip()}, at=self.clock())
        return self.get(post_id)

    @refusals_audited("schedule")
    def schedule(self, actor: str, post_id: int, when: dt.datetime | None) -> Post:
        """Queue a cleared post for publication at `when` (None: as soon as possible)."""
        with write(self.db):
            authorise(self.conn, actor, Action.PUBLISH_CONTROL)
            post = self.get(post_id)
            if post.status != "cleared":
                raise InvalidState(f"post #{post_id} is {post.status}; only cleared posts are scheduled")
            self._refuse_untimely(post, when or self.clock())
            if when is not None:
                self.conn.execute("UPDATE posts SET scheduled_at = ? WHERE id = ?",
                                  (to_db(when), post_id))
            self._queue(actor, post, when)
        return self.get(post_id)

    @refusals_audited("withdraw")
    def withdraw(self, actor: str, post_id: int, reason: str = "") -> Post:
        """Stop what has not gone out yet. What was sent stays sent."""
        with write(self.db):
            post = self.get(post_id)
            person = authorise(self.conn, actor, Action.COMPOSE if post.author == actor
                               else Action.PUBLISH_CONTROL)
            if post.status in ("published", "withdrawn"):
                raise InvalidState(f"post #{post_id} is already {post.status}")
            sending = self.conn.execute(
                "SELECT count(*) FROM deliveries WHERE post_id = ? AND state = 'sending'",
                (post_id,)).fetchone()[0]
            if sending:
                raise InvalidState(
                    f"post #{post_id} is being sent right now; try again in a moment")
            self.conn.execute(
                "UPDATE deliveries SET state = 'withdrawn' WHERE post_id = ?"
                " AND state IN ('pending', 'held', 'failed')", (post_id,))
            sent = self.conn.execute(
                "SELECT count(*) FROM deliveries WHERE post_id = ? AND state = 'sent'",
                (post_id,)).fetchone()[0]
            status = "published" if sent else "withdrawn"
            self.conn.execute("UPDATE posts SET status = ?, updated_at = ? WHERE id = ?",
                              (status, to_db(self.clock()), post_id))
            audit.append(self.conn, person.login, "post.withdraw", f"post:{post_id}",
                         {"reason": reason, "already_sent": sent}, at=self.clock())
        if status == "withdrawn":
            self._release_media(person.login, post_id, "the post was withdrawn before it "
                                "went out")
        return self.get(post_id)

    @refusals_audited("delete")
    def delete_draft(self, actor: str, post_id: int) -> Post:
        """Delete a draft (or a rejected post) its author no longer wants: it leaves every
        queue and list of drafts, shown as withdrawn. The row stays, so that a post number
        is never given to another post and the audit log's history of it stays whole. Only
        what is not under clearance is deleted this way: a submitted or cleared post is
        withdrawn, and what was published is taken down from the platforms by a separate,
        audited step, never by this."""
        with write(self.db):
            authorise(self.conn, actor, Action.COMPOSE)
            post = self.get(post_id)
            if post.author != actor:
                raise NotAuthorised(f"only the author may delete post #{post_id} "
                                    f"(it is {post.author}'s)")
            if post.status in ("published", "withdrawn"):
                raise InvalidState(
                    f"post #{post_id} is {post.status}; `post delete` only deletes drafts. "
                    "Taking a published post down from the platforms is a separate step")
            if post.status not in ("draft", "rejected"):
                raise InvalidState(f"post #{post_id} is {post.status}; only drafts are deleted "
                                   f"(withdraw it instead: inmm-tui post withdraw {post_id})")
            self.conn.execute("UPDATE posts SET status = 'withdrawn', updated_at = ? WHERE id = ?",
                              (to_db(self.clock()), post_id))
            audit.append(self.conn, actor, "post.delete", f"post:{post_id}",
                         {"status": post.status}, at=self.clock())
        self._release_media(actor, post_id, "the draft was deleted")
        return self.get(post_id)

    def _refuse_poll_beyond_limits(self, post_id: int) -> None:
        """Refused (and so audited) when the post's poll is beyond a server's own limits,
        which it may have lowered since the post was submitted (the daemon reads them)."""
        poll = poll_of(self.conn, post_id)
        if poll is None:
            return
        refused = thread_refusals(self.outlet_apis, list(self.get(post_id).outlets), (), poll,
                                  self.conn)
        if refused:
            raise Refused(f"post #{post_id} cannot go out as it is: " + "; ".join(refused))

    def _release_media(self, actor: str, post_id: int, why: str) -> None:
        """After the commit that discarded a post that never went out: its stored files
        that no other post needs are deleted (see `media`'s docstring on retention)."""
        from inmm_tui.domain import media

        if self.conn.execute("SELECT 1 FROM post_media WHERE post_id = ? LIMIT 1",
                             (post_id,)).fetchone():
            media.release(self.db, actor, post_id, why, self.clock())

    @refusals_audited("retry")
    def retry(self, actor: str, delivery_id: int) -> None:
        """Send a failed delivery again (only that outlet)."""
        with write(self.db):
            authorise(self.conn, actor, Action.PUBLISH_CONTROL)
            post_id, outlet = self._delivery_in(delivery_id, "failed")
            # A person asked for it now: it is due now, not held for being late.
            self.conn.execute(
                "UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = NULL,"
                " due_at = max(due_at, ?) WHERE id = ?", (to_db(self.clock()), delivery_id))
            audit.append(self.conn, actor, "delivery.retry", f"post:{post_id}",
                         {"outlet": outlet, "delivery": delivery_id}, at=self.clock())

    @refusals_audited("release")
    def release_held(self, actor: str, delivery_id: int) -> None:
        """Publish now a delivery that was held for being too late."""
        with write(self.db):
            authorise(self.conn, actor, Action.PUBLISH_CONTROL)
            post_id, outlet = self._delivery_in(delivery_id, "held")
            self.conn.execute(
                "UPDATE deliveries SET state = 'pending', due_at = ?, next_attempt_at = NULL"
                " WHERE id = ?", (to_db(self.clock()), delivery_id))
            audit.append(self.conn, actor, "delivery.release", f"post:{post_id}",
                         {"outlet": outlet, "delivery": delivery_id}, at=self.clock())

    def _delivery_in(self, delivery_id: int, state: str) -> tuple[int, str]:
        """(post id, outlet) of a delivery that must be in `state`."""
        row = self.conn.execute(
            "SELECT post_id, state, outlet FROM deliveries WHERE id = ?", (delivery_id,)
        ).fetchone()
        if row is None:
            raise NotFound(f"there is no delivery #{delivery_id}")
        post_id, actual, outlet = row
        if actual != state:
            raise InvalidState(f"post #{post_id} on {outlet} is {actual}, not {state}")
        return post_id, outlet

    # ----- helpers ---------------------------------------------------------------

    def _refuse_untimely(self, post: Post, when: dt.datetime) -> None:
        """ScreenRefusal when, going out at `when`, the post says something untimely that
        the clearer was not shown (policy, "INMM Content": Timely)."""
        from inmm_tui.domain.calendar import cleared_for, slot_screening

        seen_for = cleared_for(post)
        if seen_for is None:
            raise InvalidState(f"post #{post.id} has no clearance")
        # Only timeliness counts: the time is all a schedule changes (a new finding of
        # another kind comes from rules changed since, which undo no clearance elsewhere).
        _, reasons = slot_screening(self, post, when, seen_for=seen_for,
                                    category="timeliness")
        if not reasons:
            return
        day = seen_for.astimezone(self.tz).date()
        ways = "edit it and submit it again for clearance"
        if day >= self.clock().astimezone(self.tz).date():
            ways += f", or schedule it for a time on {day:%A %-d %B}, the day it was cleared for"
        raise ScreenRefusal(
            f"post #{post.id} was cleared for {day:%A %-d %B %Y}; going out "
            f"{when.astimezone(self.tz):%A %-d %B %Y at %H:%M} it would say what its "
            f"clearer was not shown: {'; '.join(r.rstrip('.') for r in reasons)}. "
            f"To publish it then, {ways}")

    def _queue(self, actor: str, post: Post, when: dt.datetime | None) -> None:
        if post.clearance_hash is None or post.cleared_at is None:
            raise InvalidState(f"post #{post.id} has no clearance")
        due = to_db(when or self.clock())
        replies = self._replies(post)
        for outlet, texts in self.final_parts(post).items():
            # A thread: one delivery per part, all due together; the queue sends each
            # part once the part before it is sent, as a reply to it.
            for part, text in enumerate(texts, 1):
                self.conn.execute(
                    "INSERT INTO deliveries (post_id, outlet, state, text, content_hash, due_at,"
                    " in_reply_to, part) VALUES (?, ?, 'pending', ?, ?, ?, ?, ?)",
                    (post.id, outlet, text, content_hash(text), due,
                     replies.get(outlet) if part == 1 else None, part),
                )
        self.conn.execute("UPDATE posts SET status = 'scheduled', updated_at = ? WHERE id = ?",
                          (to_db(self.clock()), post.id))
        audit.append(self.conn, actor, "post.schedule", f"post:{post.id}",
                     {"due_at": due, "outlets": sorted(post.outlets)}, at=self.clock())

    def _replies(self, post: Post) -> dict[str, str]:
        """For a correction: outlet → the platform id of the corrected post there."""
        if post.correction_of is None:
            return {}
        return dict(self.conn.execute(
            "SELECT outlet, platform_id FROM deliveries WHERE post_id = ? AND state = 'sent'"
            " AND platform_id IS NOT NULL AND part = 1", (post.correction_of,)).fetchall())

    def _set_outlets(self, post_id: int, outlets: list[str], texts: dict[str, str]) -> None:
        for outlet in outlets:
            own = (texts.get(outlet) or "").strip() or None
            if own is not None:
                self._check_body(own)
            self.conn.execute(
                "INSERT INTO post_outlets (post_id, outlet, text) VALUES (?, ?, ?)",
                (post_id, outlet, own),
            )

    def _check_outlets(self, outlets: list[str]) -> None:
        unknown = [o for o in outlets if o not in self.outlet_apis]
        if unknown:
            raise InvalidInput(
                f"unknown outlet {unknown[0]!r} (configured: {', '.join(self.outlet_apis)})"
            )
        if len(set(outlets)) != len(outlets):
            raise InvalidInput("an outlet is listed twice")

    def _check_body(self, body: str) -> None:
        check_body(body)

    def _person(self, login: str) -> Person:
        from inmm_tui.domain.people import get_person

        person = get_person(self.conn, login)
        if person is None:
            raise NotFound(f"the author '{login}' is not on the roster")
        return person

    def _is_crisis(self, event_id: int | None) -> bool:
        if event_id is None:
            return False
        row = self.conn.execute("SELECT kind FROM events WHERE id = ?", (event_id,)).fetchone()
        if row is None:
            raise InvalidInput(f"there is no event #{event_id}")
        return row[0] == "crisis"

    def _event_date(self, event_id: int | None) -> dt.date | None:
        """The last day of the covered event the post belongs to ("Timely": a post about an
        event already past is flagged). Crisis communications have no such date."""
        if event_id is None:
            return None
        row = self.conn.execute(
            "SELECT coalesce(ends_on, starts_on) FROM events WHERE id = ? AND kind = 'coverage'",
            (event_id,)).fetchone()
        return dt.date.fromisoformat(row[0]) if row and row[0] else None

    def _hashtag(self, event_id: int | None) -> str | None:
        if event_id is None:
            return None
        row = self.conn.execute("SELECT hashtag FROM events WHERE id = ?", (event_id,)).fetchone()
        return row[0] if row else None


def check_each(texts: Sequence[str], first: int, name: str) -> list[str]:
    """The texts trimmed, each checked as a post's text (`check_body`): InvalidInput naming
    it by `name` and its number, counted from `first` ("part 2 of the thread is empty")."""
    cleaned = [text.strip() for text in texts]
    for number, text in enumerate(cleaned, first):
        label = name.format(number)
        if not text:
            raise InvalidInput(f"{label} is empty")
        try:
            check_body(text)
        except InvalidInput as exc:
            raise InvalidInput(f"{label}: {exc}") from None
    return cleaned


def check_body(body: str) -> None:
    """InvalidInput, saying what and where, for a text no post may hold: too long, or with
    a control, bidi-override or lone-surrogate character (compose, the command line and
    imports all check here)."""
    if len(body) > MAX_BODY:
        raise InvalidInput(f"the text is {len(body)} characters; the most any outlet "
                           f"takes is far less (kept under {MAX_BODY})")
    found = forbidden_character(body)
    if found is not None:
        index, char = found
        raise InvalidInput(f"the text holds {describe(char)} at {where(body, index)}: a "
                           "post cannot hold control characters; remove it")


def _is_clearer(person: Person) -> bool:
    from inmm_tui.domain.roles import allowed

    return allowed(person.role, Action.CLEAR)


def verify_clearance(conn: sqlite3.Connection, delivery_id: int) -> str | None:
    """None when the delivery's text is what was cleared; otherwise why not.

    Recomputes the post's clearance digest from every delivery's text, so a text edited
    in the database (by any route that bypassed the domain) is refused; and the clearance
    itself must be the one the audit log records, so a clearance written into the
    database by hand (even with a correctly computed hash) is refused too."""
    row = conn.execute(
        "SELECT d.post_id, d.text, d.content_hash, p.cleared_at, p.clearance_hash,"
        " p.cleared_by FROM deliveries d JOIN posts p ON p.id = d.post_id WHERE d.id = ?",
        (delivery_id,),
    ).fetchone()
    if row is None:
        return f"delivery #{delivery_id} does not exist"
    post_id, text, stored_hash, cleared_at, clearance, cleared_by = row
    if not clearance or not cleared_at:
        return f"post #{post_id} has no clearance"
    recorded = conn.execute(
        "SELECT seq, actor, details FROM audit WHERE subject = ? AND action = 'post.clear'"
        " ORDER BY seq DESC LIMIT 1", (f"post:{post_id}",)).fetchone()
    problem = clearance_unrecorded(post_id, clearance, cleared_by, recorded)
    if problem:
        return problem
    if content_hash(text) != stored_hash:
        return f"post #{post_id}: the text differs from the text that was cleared"
    from inmm_tui.domain.media import file_problem

    if digest_of_deliveries(conn, post_id, cleared_at) != clearance:
        return f"post #{post_id}: the outlets or texts differ from what was cleared"
    return file_problem(conn, post_id)



def clearance_unrecorded(post_id: int, clearance: str, cleared_by: str | None,
                         recorded: tuple[int, str, str] | None) -> str | None:
    """Why a post's clearance is not the one its last `post.clear` audit entry (seq, actor,
    details) records; None when it is."""
    if recorded is None:
        return f"post #{post_id}: no audit entry records its clearance"
    seq, actor, details = recorded
    try:
        recorded_hash = json.loads(details).get("clearance_hash")
    except (ValueError, AttributeError):
        recorded_hash = None
    if recorded_hash != clearance:
        return (f"post #{post_id}: its clearance is not the one audit entry #{seq} records")
    if actor != cleared_by:
        return (f"post #{post_id}: cleared by '{cleared_by}' in the database, by '{actor}' in "
                f"audit entry #{seq}")
    return None
