"""What the home screen and the lists show: the queues at a glance, posts by state, the
schedule per outlet. Reading only; the person must be allowed to view."""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

from inmm_tui.domain import audit
from inmm_tui.domain.base import ReadingService
from inmm_tui.domain.duties import attention
from inmm_tui.domain.people import Person, authorise
from inmm_tui.domain.roles import Action
from inmm_tui.domain.switches import Event, active_crisis, active_events, publishing_paused
from inmm_tui.timeutil import Clock, to_db, utcnow

if TYPE_CHECKING:
    from sqlite_utils import Database

    from inmm_tui.config import Config
    from inmm_tui.domain.polls import PollReport
    from inmm_tui.domain.posts import Posts
    from inmm_tui.domain.reminders import Alert, Reminder

LIST_LIMIT = 500
"""Lists show the newest this many rows; the five-year history is for reports, not scrolling."""


@dataclass(frozen=True)
class Overview:
    """The counts Home shows, for one person."""

    person: Person
    drafts: int
    """The person's own drafts and rejected posts, waiting for them."""
    awaiting_clearance: int
    scheduled: int
    failed: int
    """Deliveries that failed and wait for retry or withdrawal."""
    held: int
    """Deliveries held for being late."""
    moderation: int
    ec_decisions: int
    """Moderation items forwarded to the Executive Committee, awaiting its decision."""
    follow_review: int
    """Followed accounts never reviewed for appropriateness."""
    reminders: int
    paused: bool
    crisis: Event | None
    events: list[Event]
    # What governance asks of people (see `duties.Attention`); 0 without a config.
    rotations_due: int = 0
    reviews_overdue: int = 0
    alerts: int = 0
    new_suspects: int = 0
    partly_published: int = 0


@dataclass(frozen=True)
class PostRow:
    """One post in a list."""

    id: int
    author: str
    status: str
    topic: str
    body: str
    scheduled_at: str | None
    updated_at: str
    verdict: str | None
    crisis: bool


@dataclass(frozen=True)
class ScheduleRow:
    """One delivery in the schedule."""

    delivery_id: int
    post_id: int
    outlet: str
    state: str
    due_at: str
    attempts: int
    last_error: str | None
    text: str
    platform_url: str | None
    post_state: str = ""
    """For a failed or held delivery, the post across its outlets
    (`publishing.publication_state`): `partly published` when another outlet has it, or
    an earlier part of its thread."""
    part: int = 1
    """Which part of a thread the delivery is."""
    poll: PollReport | None = None
    """For a published poll (its first part), the results on this outlet."""


class Queues(ReadingService):
    def __init__(self, db: Database | sqlite3.Connection, clock: Clock = utcnow,
                 config: Config | None = None):
        super().__init__(db)
        self.clock = clock
        self.config = config
        """Needed for the governance counts of the overview (rotation periods, review dates)."""


    def overview(self, login: str) -> Overview:
        person = authorise(self.conn, login, Action.VIEW)
        c = self.conn
        counts: dict[str, int] = {}
        if self.config is not None:
            counts = asdict(attention(c, self.config, self.clock()))

        def one(sql: str, *params: object) -> int:
            return int(c.execute(sql, params).fetchone()[0])

        return Overview(
            person=person,
            drafts=one("SELECT count(*) FROM posts WHERE author = ? AND status IN"
                       " ('draft', 'rejected')", login),
            awaiting_clearance=one("SELECT count(*) FROM posts WHERE status = 'submitted'"),
            scheduled=one("SELECT count(*) FROM posts WHERE status = 'scheduled'"),
            failed=one("SELECT count(*) FROM deliveries WHERE state = 'failed'"),
            held=one("SELECT count(*) FROM deliveries WHERE state = 'held'"),
            moderation=one("SELECT count(*) FROM moderation_items WHERE status IN"
                           " ('open', 'forwarded')"),
            ec_decisions=one("SELECT count(*) FROM moderation_items WHERE status = 'forwarded'"),
            follow_review=one("SELECT count(*) FROM following WHERE reviewed_at IS NULL"
                              " AND unfollowed_at IS NULL AND blocked_at IS NULL"),
            reminders=one("SELECT count(*) FROM reminders WHERE done_at IS NULL AND due_at <= ?",
                          to_db(self.clock())),
            paused=publishing_paused(c),
            crisis=active_crisis(c),
            events=active_events(c),
            **counts,
        )

    def posts(self, login: str, statuses: tuple[str, ...], *, mine: bool = False,
              limit: int = LIST_LIMIT) -> list[PostRow]:
        authorise(self.conn, login, Action.VIEW)
        marks = ", ".join("?" for _ in statuses)
        sql = (
            "SELECT id, author, status, topic, body, scheduled_at, updated_at,"
            f" screening_verdict, crisis FROM posts WHERE status IN ({marks})"
        )
        params: list[object] = list(statuses)
        if mine:
            sql += " AND author = ?"
            params.append(login)
        sql += " ORDER BY crisis DESC, updated_at DESC LIMIT ?"
        params.append(limit)
        # One star: mypy counts `*row[:8], x` as too many arguments (python/mypy#16677).
        return [PostRow(*(*row[:8], bool(row[8]))) for row in self.conn.execute(sql, params)]

    def schedule(self, login: str, *, limit: int = LIST_LIMIT) -> list[ScheduleRow]:
        """Deliveries still to go or in trouble, soonest first, then the latest sent."""
        authorise(self.conn, login, Action.VIEW)
        open_rows = self.conn.execute(
            "SELECT id, post_id, outlet, state, due_at, attempts, last_error, text, platform_url,"
            " part FROM deliveries WHERE state IN ('pending', 'sending', 'held', 'failed')"
            " ORDER BY due_at LIMIT ?", (limit,)).fetchall()
        # A delivery taken down since stays `sent` in its table and is shown `deleted`.
        sent_rows = self.conn.execute(
            "SELECT d.id, d.post_id, d.outlet, CASE WHEN x.state = 'deleted' THEN 'deleted'"
            " ELSE d.state END, d.due_at, d.attempts, coalesce(x.last_error, d.last_error),"
            " d.text, d.platform_url, d.part FROM deliveries d"
            " LEFT JOIN deletions x ON x.delivery_id = d.id WHERE d.state = 'sent'"
            " ORDER BY d.sent_at DESC LIMIT 20").fetchall()
        from inmm_tui.domain.polls import poll_results
        from inmm_tui.domain.publishing import publication_state

        rows = [replace(ScheduleRow(*row[:9]), part=row[9]) for row in open_rows + sent_rows]
        # Only failed and held deliveries need it (is the post out elsewhere?); usually few.
        states = {pid: publication_state(self.conn, pid)
                  for pid in {r.post_id for r in rows if r.state in ("failed", "held")}}
        polls = {(p.post_id, p.outlet): p for pid in {r.post_id for r in rows if r.part == 1
                                                      and r.state in ("sent", "deleted")}
                 for p in poll_results(self.conn, pid)}
        return [replace(r, post_state=states.get(r.post_id, ""),
                        poll=polls.get((r.post_id, r.outlet))) for r in rows]

    def events(self, login: str) -> list[Event]:
        authorise(self.conn, login, Action.VIEW)
        rows = self.conn.execute(
            "SELECT id, name, hashtag, kind, active, starts_on, ends_on FROM events"
            " ORDER BY active DESC, id DESC LIMIT 100").fetchall()
        return [Event(*row) for row in rows]

    def post_detail(self, login: str, post_id: int, posts: Posts) -> dict[str, Any]:
        """Everything a clearer reads before deciding: the post, each outlet's final text,
        the screening, the comments and the post's audit history."""
        authorise(self.conn, login, Action.VIEW)
        post = posts.get(post_id)
        return {
            "post": post,
            "texts": posts.final_texts(post),
            "comments": posts.comments(post_id),
            "history": audit.history(self.conn, f"post:{post_id}"),
        }

    def people(self, login: str) -> list[Person]:
        """The roster, for anyone allowed to view (the roster screen)."""
        authorise(self.conn, login, Action.VIEW)
        from inmm_tui.domain.people import _PERSON_COLUMNS

        rows = self.conn.execute(
            f"SELECT {_PERSON_COLUMNS} FROM people ORDER BY active DESC, name").fetchall()
        return [Person.from_row(row) for row in rows]

    def reminders_and_alerts(self, login: str) -> tuple[list[Reminder], list[Alert]]:
        """Open reminders (the due ones first) and unacknowledged alerts."""
        # Imported here: Home, which counts them with its own query, needs none of it.
        from inmm_tui.domain.reminders import open_alerts, open_reminders

        authorise(self.conn, login, Action.VIEW)
        return open_reminders(self.conn), open_alerts(self.conn)
