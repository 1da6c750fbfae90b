"""Replies and mentions: ingested, screened as incoming text, questionable ones queued with
their evidence; then hidden, blocked, reported, looked up among members, forwarded to the
Executive Committee, decided, or answered with correct information (policy: "Handling
Questionable Information Posted to Social Media", "INMM Response to Questionable Social
Media Posts"; R13-R16).

The UI records an intention (hide, block, report); the daemon performs it on the platform
and records the result. Hiding is impossible before the evidence exists and verifies.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from inmm_tui.capabilities import for_api
from inmm_tui.domain import audit, evidence, members, private_messages
from inmm_tui.domain.base import DomainService
from inmm_tui.domain.errors import InvalidInput, InvalidState, NotFound
from inmm_tui.domain.people import authorise
from inmm_tui.domain.questions import ANSWER_TOPIC
from inmm_tui.domain.reminders import close_reminders, ensure_reminder
from inmm_tui.domain.roles import Action, Role
from inmm_tui.store.tx import write
from inmm_tui.timeutil import Clock, to_db, utcnow

if TYPE_CHECKING:
    from sqlite_utils import Database

    from inmm_tui.config import Config
    from inmm_tui.domain.posts import Posts

REQUESTS = ("hide", "block", "report")
EC_REMINDER = "ec_decision"
"""The reminder kind that asks the Executive Committee for a decision on a forwarded item."""


@dataclass(frozen=True)
class IncomingMention:
    """A reply or mention as the daemon received it (platform-neutral)."""

    platform_id: str
    author_id: str
    author_handle: str
    author_name: str
    text: str
    created_at: dt.datetime
    in_reply_to: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    visibility: str = "public"
    """Anything but public is a private message, kept apart (`private_messages`)."""


@dataclass(frozen=True)
class IncomingVerdict:
    verdict: str
    """`pass`, `warn` or `block`; anything but `pass` is questionable and queued."""
    findings: list[dict[str, Any]] = field(default_factory=list)


IncomingScreen = Callable[[str, str], IncomingVerdict]
"""(text, outlet) → verdict: the policy screen applied to incoming text."""


def pass_all(text: str, outlet: str) -> IncomingVerdict:
    return IncomingVerdict("pass")


def default_incoming_screen(config: Config) -> IncomingScreen:
    """The policy screen (`inmm_tui.screening`) with the configured rules, applied to
    incoming text; anything it does not pass is questionable."""
    from inmm_tui.screening.bridge import incoming_screener_for

    screener = incoming_screener_for(config)

    def run(text: str, outlet: str) -> IncomingVerdict:
        result = screener(text)
        return IncomingVerdict(result.verdict, [f.as_dict() for f in result.findings])

    return run


@dataclass(frozen=True)
class IngestResult:
    new: int = 0
    duplicates: int = 0
    queued: int = 0
    last_platform_id: str | None = None
    private: int = 0
    """New private messages, kept apart from the mentions."""


@dataclass(frozen=True)
class Item:
    id: int
    mention_id: int
    status: str
    outlet: str
    platform_id: str
    author_id: str
    author_handle: str
    author_name: str | None
    text: str
    created_at: str
    verdict: str | None
    findings: list[dict[str, Any]]
    opened_at: str
    evidence_id: int | None
    hide_requested_at: str | None
    hidden_at: str | None
    block_requested_at: str | None
    blocked_at: str | None
    report_requested_at: str | None
    reported_at: str | None
    report_ref: str | None
    action_error: str | None
    member_match: list[dict[str, Any]]
    recommendation: str | None
    ec_decision: str | None


@dataclass(frozen=True)
class Request:
    """An intention the daemon is to perform on the platform."""

    item_id: int
    kind: str
    platform_id: str
    author_id: str
    reason: str


_ITEM_SQL = (
    "SELECT i.id, i.mention_id, i.status, m.outlet, m.platform_id, m.author_id, m.author_handle,"
    " m.author_name, m.text, m.created_at, m.verdict, m.screening_json, i.opened_at,"
    " (SELECT e.id FROM evidence e WHERE e.mention_id = m.id), i.hide_requested_at, i.hidden_at,"
    " i.block_requested_at, i.blocked_at, i.report_requested_at, i.reported_at, i.report_ref,"
    " i.action_error, i.member_match, i.recommendation, i.ec_decision"
    " FROM moderation_items i JOIN mentions m ON m.id = i.mention_id"
)


def _item(row: tuple) -> Item:
    values = list(row)
    values[11] = json.loads(values[11]) if values[11] else []
    values[22] = json.loads(values[22]) if values[22] else []
    return Item(*values)


class Moderation(DomainService):
    def __init__(self, db: Database, posts: Posts | None = None, *, clock: Clock = utcnow,
                 screen: IncomingScreen = pass_all, outlets: Mapping[str, str] | None = None):
        self.db = db
        self.posts = posts
        self.clock = clock
        self.screen = screen
        self.outlet_apis: Mapping[str, str] = (
            outlets if outlets is not None else posts.outlet_apis if posts is not None else {})
        """Outlet name → platform API, to refuse at once what an outlet cannot do."""


    # ----- ingestion (daemon) ---------------------------------------------------

    def ingest(self, outlet: str, mentions: Iterable[IncomingMention]) -> IngestResult:
        """Store new mentions (deduplicated on outlet and platform id), screen each, and queue
        the questionable ones with their evidence, each in its own transaction."""
        new = duplicates = queued = private = 0
        last: str | None = None
        for mention in mentions:
            last = mention.platform_id
            if private_messages.is_private(mention.visibility):
                # Never a public mention: not queued, not screened, never answered.
                with write(self.db):
                    kept = private_messages.keep(self.conn, outlet, mention, self.clock())
                private, duplicates = private + kept, duplicates + (not kept)
                continue
            outcome = self.screen(mention.text, outlet)
            now = self.clock()
            with write(self.db):
                cursor = self.conn.execute(
                    "INSERT INTO mentions (outlet, platform_id, author_id, author_handle,"
                    " author_name, text, in_reply_to, created_at, ingested_at, verdict,"
                    " screening_json, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (outlet, platform_id) DO NOTHING",
                    (outlet, mention.platform_id, mention.author_id,
                     mention.author_handle.lstrip("@"), mention.author_name, mention.text,
                     mention.in_reply_to, to_db(mention.created_at), to_db(now), outcome.verdict,
                     json.dumps(outcome.findings, ensure_ascii=False, default=str),
                     "moderation" if outcome.verdict != "pass" else "mention"))
                if not cursor.rowcount:
                    duplicates += 1
                    continue
                new += 1
                if outcome.verdict == "pass":
                    continue
                mention_id = int(cursor.lastrowid or 0)
                item = self.conn.execute(
                    "INSERT INTO moderation_items (mention_id, status, opened_at)"
                    " VALUES (?, 'open', ?)", (mention_id, to_db(now))).lastrowid
                evidence.capture(self.conn, mention_id, mention.raw or None, now)
                audit.append(self.conn, audit.DAEMON, "moderation.queue", f"moderation:{item}",
                             {"outlet": outlet, "platform_id": mention.platform_id,
                              "author": mention.author_handle, "verdict": outcome.verdict},
                             at=now)
                queued += 1
        return IngestResult(new, duplicates, queued, last, private)

    # ----- the queue (UI) -------------------------------------------------------

    def items(self, login: str, *, open_only: bool = True, limit: int = 200) -> list[Item]:
        """The queue, newest first, for someone allowed to view it (it shows posters' text)."""
        authorise(self.conn, login, Action.VIEW)
        where = " WHERE i.closed_at IS NULL" if open_only else ""
        rows = self.conn.execute(f"{_ITEM_SQL}{where} ORDER BY i.opened_at DESC, i.id DESC LIMIT ?",
                                 (limit,)).fetchall()
        return [_item(row) for row in rows]

    def get(self, login: str, item_id: int) -> Item:
        authorise(self.conn, login, Action.VIEW)
        return self._get(item_id)

    def _get(self, item_id: int) -> Item:
        row = self.conn.execute(f"{_ITEM_SQL} WHERE i.id = ?", (item_id,)).fetchone()
        if row is None:
            raise NotFound(f"there is no moderation item #{item_id}")
        return _item(row)

    def cannot(self, outlet: str, request: str) -> str | None:
        """Why `outlet` cannot perform `request` (hide, block, report), or None when it can."""
        if outlet not in self.outlet_apis:
            return f"the outlet {outlet!r} is not in the configuration"
        return for_api(self.outlet_apis[outlet]).cannot(request)

    def hide_deletes(self, outlet: str) -> bool:
        """Whether hiding a reply on `outlet` deletes it for good (a LinkedIn page's admin
        deletes the comment: there is no hiding there)."""
        return outlet in self.outlet_apis and for_api(self.outlet_apis[outlet]).hide_deletes

    def _refuse_unsupported(self, actor: str, item_id: int, request: str) -> None:
        """Refuse, and audit the refusal, a request the item's outlet cannot perform."""
        authorise(self.conn, actor, Action.MODERATE)
        item = self._get(item_id)
        why = self.cannot(item.outlet, request)
        if why is None:
            return
        with write(self.db):
            audit.append(self.conn, actor, "moderation.refused", f"moderation:{item_id}",
                         {"request": request, "outlet": item.outlet, "reason": why},
                         at=self.clock())
        raise InvalidState(f"{item.outlet} cannot {request} #{item_id}: {why}")

    def request_hide(self, actor: str, item_id: int) -> None:
        """Ask the daemon to hide the reply; refused unless its outlet can hide replies and
        its evidence exists and verifies."""
        self._refuse_unsupported(actor, item_id, "hide")
        with write(self.db):
            authorise(self.conn, actor, Action.MODERATE)
            item = self._open_item(item_id)
            self._require_evidence(item)
            if item.hidden_at or item.hide_requested_at:
                raise InvalidState(f"moderation item #{item_id} is already hidden or being hidden")
            self._set(item_id, hide_requested_at=to_db(self.clock()), hide_requested_by=actor,
                      action_error=None, handled_by=actor)
            audit.append(self.conn, actor, "moderation.hide", f"moderation:{item_id}",
                         {"evidence_id": item.evidence_id}, at=self.clock())

    def request_block(self, actor: str, item_id: int, reason: str = "") -> None:
        self._refuse_unsupported(actor, item_id, "block")
        with write(self.db):
            authorise(self.conn, actor, Action.MODERATE)
            item = self._open_item(item_id)
            if item.blocked_at or item.block_requested_at:
                raise InvalidState(f"@{item.author_handle} is already blocked or being blocked")
            self._set(item_id, block_requested_at=to_db(self.clock()), block_requested_by=actor,
                      action_error=None, handled_by=actor)
            audit.append(self.conn, actor, "moderation.block", f"moderation:{item_id}",
                         {"account": item.author_id, "reason": reason}, at=self.clock())

    def request_report(self, actor: str, item_id: int, reason: str) -> None:
        self._refuse_unsupported(actor, item_id, "report")
        if not reason.strip():
            raise InvalidInput("a report to the platform needs a reason")
        with write(self.db):
            authorise(self.conn, actor, Action.MODERATE)
            item = self._open_item(item_id)
            if item.reported_at or item.report_requested_at:
                raise InvalidState(f"@{item.author_handle} is already reported or being reported")
            self._set(item_id, report_requested_at=to_db(self.clock()), report_requested_by=actor,
                      report_reason=reason.strip(), action_error=None, handled_by=actor)
            audit.append(self.conn, actor, "moderation.report", f"moderation:{item_id}",
                         {"account": item.author_id, "reason": reason.strip()}, at=self.clock())

    def dismiss(self, actor: str, item_id: int, reason: str) -> None:
        """Nothing to do about it after all (the evidence stays)."""
        if not reason.strip():
            raise InvalidInput("say why the item needs no action")
        with write(self.db):
            authorise(self.conn, actor, Action.MODERATE)
            self._open_item(item_id)
            now = to_db(self.clock())
            self._set(item_id, status="dismissed", dismissed_reason=reason.strip(), closed_at=now,
                      handled_by=actor)
            close_reminders(self.conn, EC_REMINDER, f"moderation:{item_id}", actor, self.clock())
            audit.append(self.conn, actor, "moderation.dismiss", f"moderation:{item_id}",
                         {"reason": reason.strip()}, at=self.clock())

    def lookup_poster(self, actor: str, item_id: int) -> list[members.Member]:
        """The poster among members, volunteers and staff; the result is kept on the item."""
        with write(self.db):
            authorise(self.conn, actor, Action.MODERATE)
            item = self._get(item_id)
            found = members.lookup(self.conn, item.author_handle, item.author_name)
            match = [{"id": m.id, "name": m.name, "kind": m.kind, "matched_on": m.matched_on}
                     for m in found]
            self._set(item_id, member_match=json.dumps(match, ensure_ascii=False))
            audit.append(self.conn, actor, "moderation.lookup", f"moderation:{item_id}",
                         {"matches": match}, at=self.clock())
        return found

    def forward_to_ec(self, actor: str, item_id: int, recommendation: str) -> None:
        if not recommendation.strip():
            raise InvalidInput("the recommendation to the Executive Committee is empty")
        with write(self.db):
            authorise(self.conn, actor, Action.FORWARD_TO_EC)
            item = self._get(item_id)
            if item.status in ("decided", "dismissed"):
                raise InvalidState(f"moderation item #{item_id} is already {item.status}")
            now = to_db(self.clock())
            self._set(item_id, status="forwarded", recommendation=recommendation.strip(),
                      forwarded_by=actor, forwarded_at=now)
            # The Committee's members learn of it from their reminders, due at once and open
            # until the decision is recorded (or the item dismissed).
            ensure_reminder(
                self.conn, EC_REMINDER, f"moderation:{item_id}",
                f"decide on moderation item #{item_id} ({item.outlet}), forwarded by {actor}",
                self.clock(), for_role=Role.EXECUTIVE_COMMITTEE.value,
                how="open the moderation queue (o from home), select the item, read the "
                    "recommendation, and record the Committee's decision (x)")
            audit.append(self.conn, actor, "moderation.forward_to_ec", f"moderation:{item_id}",
                         {"recommendation": recommendation.strip()}, at=self.clock())

    def record_ec_decision(self, actor: str, item_id: int, decision: str) -> None:
        if not decision.strip():
            raise InvalidInput("the Executive Committee's decision is empty")
        with write(self.db):
            authorise(self.conn, actor, Action.EC_DECISION)
            item = self._get(item_id)
            if item.status != "forwarded":
                raise InvalidState(f"moderation item #{item_id} was not forwarded to the "
                                   f"Executive Committee (it is {item.status})")
            now = to_db(self.clock())
            self._set(item_id, status="decided", ec_decision=decision.strip(), ec_decided_by=actor,
                      ec_decided_at=now, closed_at=now)
            close_reminders(self.conn, EC_REMINDER, f"moderation:{item_id}", actor, self.clock())
            audit.append(self.conn, actor, "moderation.ec_decision", f"moderation:{item_id}",
                         {"decision": decision.strip()}, at=self.clock())

    def draft_answer(self, actor: str, mention_id: int, body: str,
                     outlets: list[str] | None = None) -> int:
        """A reply with correct information to a derogatory or inaccurate comment: a normal
        post, screened and cleared like any other."""
        if self.posts is None:
            raise RuntimeError("Moderation was built without the posts service")
        row = self.conn.execute("SELECT outlet FROM mentions WHERE id = ?", (mention_id,)).fetchone()
        if row is None:
            raise NotFound(f"there is no mention #{mention_id}")
        with write(self.db):
            post_id = self.posts.create_draft(actor, body, outlets=outlets or [row[0]],
                                              topic=ANSWER_TOPIC, reply_to_mention_id=mention_id)
            self.conn.execute("UPDATE mentions SET answered_post_id = ? WHERE id = ?",
                              (post_id, mention_id))
            audit.append(self.conn, actor, "mention.answer_drafted", f"mention:{mention_id}",
                         {"post_id": post_id}, at=self.clock())
        return post_id

    # ----- evidence -------------------------------------------------------------

    def set_legal_hold(self, actor: str, evidence_id: int, reason: str) -> None:
        if not reason.strip():
            raise InvalidInput("a legal hold needs a reason (e.g. the matter it is kept for)")
        with write(self.db):
            authorise(self.conn, actor, Action.LEGAL_HOLD)
            row = self._evidence_row(evidence_id)
            if row[1]:
                raise InvalidState(f"evidence #{evidence_id} was purged; nothing left to hold")
            self.conn.execute(
                "UPDATE evidence SET legal_hold = 1, legal_hold_by = ?, legal_hold_at = ?,"
                " legal_hold_reason = ? WHERE id = ?",
                (actor, to_db(self.clock()), reason.strip(), evidence_id))
            audit.append(self.conn, actor, "evidence.legal_hold", f"evidence:{evidence_id}",
                         {"reason": reason.strip()}, at=self.clock())

    def release_legal_hold(self, actor: str, evidence_id: int, reason: str = "") -> None:
        with write(self.db):
            authorise(self.conn, actor, Action.LEGAL_HOLD)
            row = self._evidence_row(evidence_id)
            if not row[0]:
                raise InvalidState(f"evidence #{evidence_id} is not under legal hold")
            self.conn.execute("UPDATE evidence SET legal_hold = 0 WHERE id = ?", (evidence_id,))
            audit.append(self.conn, actor, "evidence.legal_hold_released",
                         f"evidence:{evidence_id}", {"reason": reason}, at=self.clock())

    def purge_evidence(self, actor: str, retention_days: int) -> int:
        """Blank the content of evidence older than the retention period; the row, its hash
        and the audit entry stay. Never touches evidence under legal hold, nor evidence of an
        item still open."""
        if retention_days < 1:
            raise InvalidInput("the evidence retention must be at least one day")
        cutoff = to_db(self.clock() - dt.timedelta(days=retention_days))
        with write(self.db):
            if actor != audit.DAEMON:
                authorise(self.conn, actor, Action.LEGAL_HOLD)
            ids = [r[0] for r in self.conn.execute(
                "SELECT e.id FROM evidence e LEFT JOIN moderation_items i"
                " ON i.mention_id = e.mention_id WHERE e.purged_at IS NULL AND e.legal_hold = 0"
                " AND e.captured_at < ? AND (i.id IS NULL OR i.closed_at IS NOT NULL)",
                (cutoff,))]
            self.conn.executemany(
                "UPDATE evidence SET raw_payload = '', rendered_svg = '', purged_at = ?"
                " WHERE id = ? AND legal_hold = 0", ((to_db(self.clock()), i) for i in ids))
            if ids:
                audit.append(self.conn, actor, "evidence.purge", "evidence",
                             {"ids": ids[:1000], "count": len(ids), "older_than": cutoff},
                             at=self.clock())
        return len(ids)

    # ----- performing requests (daemon) -----------------------------------------

    def pending_requests(self, outlet: str, limit: int = 100) -> list[Request]:
        rows = self.conn.execute(
            "SELECT i.id, m.platform_id, m.author_id, i.hide_requested_at, i.hidden_at,"
            " i.block_requested_at, i.blocked_at, i.report_requested_at, i.reported_at,"
            " i.report_reason FROM moderation_items i JOIN mentions m ON m.id = i.mention_id"
            " WHERE m.outlet = ? AND ((i.hide_requested_at IS NOT NULL AND i.hidden_at IS NULL)"
            "  OR (i.block_requested_at IS NOT NULL AND i.blocked_at IS NULL)"
            "  OR (i.report_requested_at IS NOT NULL AND i.reported_at IS NULL))"
            " ORDER BY i.id LIMIT ?", (outlet, limit)).fetchall()
        out: list[Request] = []
        for (item_id, platform_id, author_id, hide_req, hidden, block_req, blocked, report_req,
             reported, reason) in rows:
            if hide_req and not hidden:
                out.append(Request(item_id, "hide", platform_id, author_id, ""))
            if block_req and not blocked:
                out.append(Request(item_id, "block", platform_id, author_id, ""))
            if report_req and not reported:
                out.append(Request(item_id, "report", platform_id, author_id, reason or ""))
        return out

    def check_hide_allowed(self, item_id: int) -> None:
        """The daemon's last check before hiding: the evidence still exists and verifies."""
        self._require_evidence(self._get(item_id))

    def record_done(self, item_id: int, kind: str, report_ref: str | None = None) -> None:
        if kind not in REQUESTS:
            raise ValueError(kind)
        now = to_db(self.clock())
        with write(self.db):
            item = self._get(item_id)
            # `action_error` is left alone: it may be another request's failure.
            if kind == "hide":
                self._require_evidence(item)
                self._set(item_id, hidden_at=now, status="hidden" if item.status == "open"
                          else item.status)
            elif kind == "block":
                self._set(item_id, blocked_at=now)
            else:
                self._set(item_id, reported_at=now, report_ref=report_ref)
            audit.append(self.conn, audit.DAEMON, f"moderation.{kind}.done", f"moderation:{item_id}",
                         {"report_ref": report_ref} if kind == "report" else {}, at=self.clock())

    def record_failed(self, item_id: int, kind: str, error: str) -> None:
        """The platform refused for good: the request is withdrawn and the error shown."""
        column = f"{kind}_requested_at"
        if kind not in REQUESTS:
            raise ValueError(kind)
        with write(self.db):
            self.conn.execute(
                f"UPDATE moderation_items SET {column} = NULL, action_error = ? WHERE id = ?",
                (f"{kind}: {error}"[:500], item_id))
            audit.append(self.conn, audit.DAEMON, f"moderation.{kind}.failed",
                         f"moderation:{item_id}", {"error": error[:500]}, at=self.clock())

    # ----- helpers --------------------------------------------------------------

    def _open_item(self, item_id: int) -> Item:
        item = self._get(item_id)
        if item.status in ("decided", "dismissed"):
            raise InvalidState(f"moderation item #{item_id} is closed ({item.status})")
        return item

    def _require_evidence(self, item: Item) -> None:
        if item.evidence_id is None:
            raise InvalidState(f"moderation item #{item.id} has no evidence captured; "
                               "it cannot be hidden before its evidence exists")
        check = evidence.verify(self.conn, item.evidence_id)
        if not check.ok or check.purged:
            raise InvalidState(f"moderation item #{item.id} cannot be hidden: "
                               f"{check.problem or 'its evidence failed verification'}")

    def _evidence_row(self, evidence_id: int) -> tuple:
        row = self.conn.execute("SELECT legal_hold, purged_at FROM evidence WHERE id = ?",
                                (evidence_id,)).fetchone()
        if row is None:
            raise NotFound(f"there is no evidence #{evidence_id}")
        return row

    def _set(self, item_id: int, **values: Any) -> None:
        columns = ", ".join(f"{name} = ?" for name in values)
        self.conn.execute(f"UPDATE moderation_items SET {columns} WHERE id = ?",
                          (*values.values(), item_id))

