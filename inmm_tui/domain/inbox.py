"""One inbox: every reply, mention and private message, newest first, not only the ones
screening flagged (issue 19, "One inbox").

Public replies and mentions come from `mentions` (whatever screening said of them);
private messages from `private_messages`, and only for someone the policy lets read them
(`Action.READ_PRIVATE`, checked here): anyone else sees how many came, never who sent
them or what they say. Filters: outlet, unanswered, questions, flagged, private. Pages
are keyset-paged (created_at, source, id), so the hundredth page costs what the first does.

A reply screening passed but a person finds wrong ("the meeting is in Atlanta, not
Denver") can be flagged by hand: it enters the moderation queue with its evidence
captured by the same function automatic flagging uses (`evidence.capture`), audited.
A private message never enters the public moderation queue and is never answered in
public; no platform method here sends a private reply, so it is answered on the platform.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from inmm_tui.domain import audit, evidence, private_messages
from inmm_tui.domain.base import DomainService
from inmm_tui.domain.errors import InvalidInput, InvalidState, NotAuthorised, NotFound
from inmm_tui.domain.governance import record_refusal
from inmm_tui.domain.people import authorise, refusal
from inmm_tui.domain.roles import Action
from inmm_tui.store.tx import write
from inmm_tui.timeutil import Clock, to_db, utcnow

if TYPE_CHECKING:
    from sqlite_utils import Database

MENTION, PRIVATE = "mention", "private"
_RANK = {MENTION: 1, PRIVATE: 0}
"""At the same instant a public mention comes before a private message (the sort key's
middle part, so that paging never skips or repeats one)."""
PAGE = 100
DEAD_ANSWER = ("rejected", "withdrawn")
"""An answer post in these states no longer answers anything."""


@dataclass(frozen=True)
class Filters:
    """Every filter set narrows the list (they combine with AND)."""

    outlet: str | None = None
    unanswered: bool = False
    """Public replies and mentions without an answer posted or awaiting clearance (private
    messages are answered on the platform, so nothing here knows whether they were)."""
    questions: bool = False
    flagged: bool = False
    """In the moderation queue, by screening or by hand."""
    private: bool = False
    """Only the private messages (for those allowed to read them)."""

    @property
    def public_only(self) -> bool:
        return self.unanswered or self.questions or self.flagged


@dataclass(frozen=True)
class Entry:
    source: str
    """`mention` (a public reply or mention) or `private` (a private message)."""
    id: int
    outlet: str
    platform_id: str
    author_handle: str
    author_name: str | None
    text: str
    created_at: str
    kind: str
    """mention, question or moderation for a mention; the visibility of a private message."""
    verdict: str | None = None
    moderation_item_id: int | None = None
    moderation_status: str | None = None
    answered_post_id: int | None = None
    answer_status: str | None = None

    @property
    def key(self) -> str:
        """The entry's identity on screen: a mention and a private message may share an id."""
        return f"{self.source}:{self.id}"

    @property
    def private(self) -> bool:
        return self.source == PRIVATE

    @property
    def answered(self) -> bool:
        return self.answered_post_id is not None and self.answer_status not in DEAD_ANSWER

    @property
    def state(self) -> str:
        """In words, what is known of it."""
        if self.private:
            return PRIVATE_STATES.get(self.answer_status, "private")
        if self.answered:
            return "answered" if self.answer_status == "published" else "answer awaiting clearance"
        if self.moderation_item_id is not None:
            return f"flagged ({self.moderation_status})"
        return "question" if self.kind == "question" else "new"

    def sort_key(self) -> tuple[str, int, int]:
        return (self.created_at, _RANK[self.source], self.id)


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    after: tuple[str, int, int] | None
    """Pass back as `after` for the next (older) page; None when this is the last."""
    private_shown: bool
    """Whether private messages are in the list (the person may read them)."""
    private_withheld: int
    """Private messages the person may not read (a number only), for the outlet filter."""


_MENTION_SELECT = (
    "SELECT 'mention', m.id, m.outlet, m.platform_id, m.author_handle, m.author_name, m.text,"
    " m.created_at, m.kind, m.verdict, i.id, i.status, m.answered_post_id, p.status"
    " FROM mentions m LEFT JOIN moderation_items i ON i.mention_id = m.id"
    " LEFT JOIN posts p ON p.id = m.answered_post_id"
)
_PRIVATE_SELECT = (
    "SELECT 'private', id, outlet, platform_id, author_handle, author_name, text, created_at,"
    " visibility, NULL, NULL, NULL, NULL, (SELECT a.state FROM private_answers a"
    " WHERE a.message_id = private_messages.id ORDER BY a.id DESC LIMIT 1)"
    " FROM private_messages"
)
PRIVATE_STATES = {None: "private", "pending": "private, answer queued",
                  "sending": "private, answer queued", "sent": "private, answered",
                  "failed": "private, answer failed", "in_doubt": "private, answer in doubt"}
"""A private message's state by its latest private answer's (domain/private_answers.py)."""


def _after(alias: str, source: str, after: tuple[str, int, int] | None
           ) -> tuple[list[str], list[Any]]:
    """The condition for rows strictly older than `after` in (created_at, rank, id) order."""
    if after is None:
        return [], []
    created_at, rank, last_id = after
    col = f"{alias}created_at"
    if _RANK[source] < rank:
        return [f"{col} <= ?"], [created_at]
    if _RANK[source] > rank:
        return [f"{col} < ?"], [created_at]
    # The first term bounds the index range; the OR alone would scan from the newest.
    return ([f"{col} <= ?", f"({col} < ? OR {alias}id < ?)"],
            [created_at, created_at, last_id])


EVERYTHING = Filters()


class Inbox(DomainService):
    def __init__(self, db: Database, *, clock: Clock = utcnow):
        self.db = db
        self.clock = clock

    def page(self, login: str, filters: Filters = EVERYTHING, *,
             after: tuple[str, int, int] | None = None, limit: int = PAGE) -> Page:
        """One page, newest first, of what `login` may see. Asking for the private messages
        without the right to read them is refused (and audited); otherwise they are left
        out and only counted. Reading private messages is audited (who, how many)."""
        authorise(self.conn, login, Action.VIEW)
        may_read = refusal(self.conn, login, Action.READ_PRIVATE) is None
        if filters.private:
            private_messages.authorise_reading(self.db, login, filters.outlet, self.clock)
        rows: list[Entry] = []
        if not filters.private:
            rows += self._mentions(filters, after, limit + 1)
        if may_read and not filters.public_only:
            rows += self._private(filters, after, limit + 1)
        rows.sort(key=Entry.sort_key, reverse=True)
        entries, more = rows[:limit], len(rows) > limit
        withheld = 0 if may_read else private_messages.count(self.conn, filters.outlet)
        shown = [e.id for e in entries if e.private]
        if shown and shown != self._last_read(login):
            # Once per change of what is shown: a screen reloads on every write to the
            # database, and this entry is one, so recording every reload would never stop.
            with write(self.db):
                audit.append(self.conn, login, "private.read", "private_messages",
                             {"outlet": filters.outlet, "count": len(shown), "ids": shown,
                              "via": "inbox"}, at=self.clock())
        return Page(entries, entries[-1].sort_key() if more else None, may_read, withheld)

    def _last_read(self, login: str) -> list[int] | None:
        """The private messages `login`'s last reading in the inbox showed (ids only)."""
        row = self.conn.execute(
            "SELECT details FROM audit WHERE subject = 'private_messages' AND actor = ?"
            " AND action = 'private.read' ORDER BY seq DESC LIMIT 1", (login,)).fetchone()
        return json.loads(row[0]).get("ids") if row else None

    def _mentions(self, filters: Filters, after: tuple[str, int, int] | None,
                  limit: int) -> list[Entry]:
        where, args = _after("m.", MENTION, after)
        if filters.outlet:
            where.append("m.outlet = ?")
            args.append(filters.outlet)
        if filters.questions:
            where.append("m.kind = 'question'")
        if filters.flagged:
            where.append("i.id IS NOT NULL")
        if filters.unanswered:
            where.append("(m.answered_post_id IS NULL OR p.status IN ('rejected', 'withdrawn'))")
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self.conn.execute(
            f"{_MENTION_SELECT}{clause} ORDER BY m.created_at DESC, m.id DESC LIMIT ?",
            (*args, limit)).fetchall()
        return [Entry(*row) for row in rows]

    def _private(self, filters: Filters, after: tuple[str, int, int] | None,
                 limit: int) -> list[Entry]:
        where, args = _after("", PRIVATE, after)
        if filters.outlet:
            where.append("outlet = ?")
            args.append(filters.outlet)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self.conn.execute(
            f"{_PRIVATE_SELECT}{clause} ORDER BY created_at DESC, id DESC LIMIT ?",
            (*args, limit)).fetchall()
        return [Entry(*row) for row in rows]

    def outlets(self, login: str) -> list[str]:
        """The outlets anything came from, for the outlet filter."""
        authorise(self.conn, login, Action.VIEW)
        return [r[0] for r in self.conn.execute(
            "SELECT DISTINCT outlet FROM mentions UNION SELECT DISTINCT outlet"
            " FROM private_messages ORDER BY 1")]

    def flag(self, actor: str, mention_id: int, reason: str) -> int:
        """Flag by hand into the moderation queue a public reply or mention screening
        passed (e.g. it states something wrong), with its evidence captured as automatic
        flagging captures it; returns the moderation item. Private messages cannot be
        flagged: they never enter the public queue."""
        reason = " ".join(reason.split())
        if not reason:
            raise InvalidInput("say what is wrong with it (kept in the audit log)")
        try:
            return self._flag(actor, mention_id, reason)
        except (NotAuthorised, InvalidState, NotFound) as refused:
            self._record_refusal(actor, mention_id, refused)
            raise

    def _record_refusal(self, actor: str, mention_id: int, refused: Exception) -> None:
        if getattr(refused, "refused_login", None) is not None:
            # Not on the roster, or withdrawn: kept apart, as every such refusal is.
            record_refusal(self.db, actor, "flag a reply into moderation", self.clock())
            return
        with write(self.db):
            audit.append(self.conn, actor, "moderation.refused", f"mention:{mention_id}",
                         {"request": "flag", "reason": str(refused)}, at=self.clock())

    def _flag(self, actor: str, mention_id: int, reason: str) -> int:
        with write(self.db):
            authorise(self.conn, actor, Action.MODERATE)
            row = self.conn.execute(
                "SELECT m.outlet, m.platform_id, m.author_handle, m.verdict, i.id"
                " FROM mentions m LEFT JOIN moderation_items i ON i.mention_id = m.id"
                " WHERE m.id = ?", (mention_id,)).fetchone()
            if row is None:
                raise NotFound(f"there is no public reply or mention #{mention_id}")
            outlet, platform_id, handle, verdict, existing = row
            if existing is not None:
                raise InvalidState(f"mention #{mention_id} is already in the moderation queue "
                                   f"(item #{existing})")
            now = self.clock()
            item = int(self.conn.execute(
                "INSERT INTO moderation_items (mention_id, status, opened_at)"
                " VALUES (?, 'open', ?)", (mention_id, to_db(now))).lastrowid or 0)
            # The platform's raw JSON is not kept for a mention screening passed, so the
            # capture's payload is the stored fields (what `capture` does without `raw`).
            evidence_id = evidence.capture(self.conn, mention_id, None, now, actor=actor)
            audit.append(self.conn, actor, "moderation.flag", f"moderation:{item}",
                         {"mention_id": mention_id, "outlet": outlet, "platform_id": platform_id,
                          "author": handle, "verdict": verdict, "reason": reason,
                          "evidence_id": evidence_id}, at=now)
        return item
