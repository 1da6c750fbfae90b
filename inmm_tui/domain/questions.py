"""The questions inbox ("Interaction": answers visible to all our followers; "Risks and
Mitigation": holding replies where an answer needs research, respond to themes rather
than to individual replies).

A mention that asks something and was not queued for moderation becomes a question
(`mentions.kind = 'question'`). An account manager can send a holding reply from a
template, group questions by theme, and answer publicly: holding replies and answers are
ordinary posts (`reply_to_mention_id` set), so they go through the policy screen and a
second person's clearance like any other. The question records who answered and when;
a question still unanswered after `[questions] remind_after_hours` raises a reminder.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from inmm_tui.domain import audit, reminders
from inmm_tui.domain.base import DomainService
from inmm_tui.domain.errors import InvalidInput, InvalidState, NotFound
from inmm_tui.domain.people import authorise
from inmm_tui.domain.roles import Action
from inmm_tui.store.tx import write
from inmm_tui.timeutil import Clock, from_db, to_db, utcnow
from inmm_tui.wording import count

if TYPE_CHECKING:
    from sqlite_utils import Database

    from inmm_tui.config import Questions as QuestionsConfig
    from inmm_tui.domain.posts import Posts

ANSWER_TOPIC = "Answer to a question"
SYNC_JOB = "questions"
REMINDER_KIND = "question"
TRIAGE_BATCH = 5000
"""Mentions looked at per triage run; the cursor in `sync_state` carries the rest over."""

def looks_like_question(text: str) -> bool:
    """The policy screen's judgement with the packaged rules (`inmm_tui.screening`)."""
    from inmm_tui.screening import looks_like_question as screen_judges

    return bool(screen_judges(text))


@dataclass(frozen=True)
class Question:
    id: int
    outlet: str
    author_handle: str
    author_name: str | None
    text: str
    created_at: str
    theme: str | None
    holding_reply_at: str | None
    holding_post_id: int | None
    answered_post_id: int | None
    answered_by: str | None
    answered_at: str | None
    answer_status: str | None
    """The answer post's status (published, submitted, ...), None when there is none."""
    holding_status: str | None = None
    """The holding reply post's status, None when there is none."""

    @property
    def state(self) -> str:
        """In words, what the asker has seen: a reply is "sent" only once published."""
        if self.answered_post_id is not None and self.answer_status not in ("rejected", "withdrawn"):
            return "answered" if self.answer_status == "published" else "answer awaiting clearance"
        if self.holding_reply_at:
            if self.holding_status == "published":
                return "holding reply sent"
            if self.holding_status in ("rejected", "withdrawn"):
                return f"holding reply {self.holding_status}"
            if self.holding_status in (None, "draft", "submitted"):
                return "holding reply awaiting clearance"
            return "holding reply cleared, not yet sent"
        return "new"


_QUESTION_SELECT = (
    "SELECT m.id, m.outlet, m.author_handle, m.author_name, m.text, m.created_at, m.theme,"
    " m.holding_reply_at, m.holding_post_id, m.answered_post_id, m.answered_by, m.answered_at,"
    " p.status, h.status FROM mentions m LEFT JOIN posts p ON p.id = m.answered_post_id"
    " LEFT JOIN posts h ON h.id = m.holding_post_id"
)


class Questions(DomainService):
    """The inbox; permissions are checked here (compose rights to reply or answer)."""

    def __init__(self, db: Database, posts: Posts, config: QuestionsConfig, *,
                 own_handles: dict[str, str] | None = None, clock: Clock = utcnow,
                 asks: Callable[[str], bool] = looks_like_question):
        self.db = db
        self.asks = asks
        self.posts = posts
        self.config = config
        self.own_handles = {k: v.lower() for k, v in (own_handles or {}).items()}
        self.clock = clock


    # ----- triage ---------------------------------------------------------------

    def triage(self, *, actor: str = audit.DAEMON, max_batches: int = 1,
               on_error: Callable[[int, str, Exception], None] | None = None) -> list[int]:
        """Mark as questions the new mentions that ask something and were not queued for
        moderation. Resumes after the last mention it looked at; returns the new questions.
        Each batch of `TRIAGE_BATCH` mentions is one short transaction.

        With `on_error`, a mention whose judging raises is left a plain mention and passed
        on (mention id, outlet, error) after its batch is stored, so that one odd text
        never stops the triage of every later one; without it, the error is raised."""
        found: list[int] = []
        for _ in range(max_batches):
            batch, looked_at, failed = self._triage_batch(actor, on_error is not None)
            found += batch
            for mention_id, outlet, exc in failed:
                if on_error is not None:
                    on_error(mention_id, outlet, exc)
            if looked_at < TRIAGE_BATCH:
                break
        return found

    def _triage_batch(self, actor: str, isolate: bool
                      ) -> tuple[list[int], int, list[tuple[int, str, Exception]]]:
        failed: list[tuple[int, str, Exception]] = []

        def asks(mention_id: int, outlet: str, text: str) -> bool:
            if not isolate:
                return self.asks(text)
            try:
                return self.asks(text)
            except Exception as exc:
                failed.append((mention_id, outlet, exc))
                return False

        with write(self.db):
            row = self.conn.execute(
                "SELECT cursor FROM sync_state WHERE outlet = '*' AND job = ?", (SYNC_JOB,)).fetchone()
            after = int(row[0]) if row and row[0] else 0
            rows = self.conn.execute(
                "SELECT m.id, m.outlet, m.author_handle, m.text, m.kind,"
                " EXISTS (SELECT 1 FROM moderation_items i WHERE i.mention_id = m.id)"
                " FROM mentions m WHERE m.id > ? ORDER BY m.id LIMIT ?",
                (after, TRIAGE_BATCH)).fetchall()
            if not rows:
                return [], 0, []
            found = [
                mention_id for mention_id, outlet, handle, text, kind, moderated in rows
                if kind == "mention" and not moderated
                and handle.lower() != self.own_handles.get(outlet, "\0")
                and asks(mention_id, outlet, text)
            ]
            if found:
                self.conn.executemany("UPDATE mentions SET kind = 'question' WHERE id = ?",
                                      [(i,) for i in found])
            now = to_db(self.clock())
            self.conn.execute(
                "INSERT INTO sync_state (outlet, job, cursor, run, updated_at)"
                " VALUES ('*', ?, ?, 1, ?) ON CONFLICT(outlet, job) DO UPDATE SET"
                " cursor = excluded.cursor, run = run + 1, updated_at = excluded.updated_at",
                (SYNC_JOB, str(rows[-1][0]), now))
            if found:
                audit.append(self.conn, actor, "questions.triage", "questions",
                             {"questions": found, "looked_at": len(rows)}, at=self.clock())
        return found, len(rows), failed

    # ----- reading --------------------------------------------------------------

    def get(self, mention_id: int) -> Question:
        row = self.conn.execute(f"{_QUESTION_SELECT} WHERE m.id = ? AND m.kind = 'question'",
                                (mention_id,)).fetchone()
        if row is None:
            raise NotFound(f"there is no question #{mention_id}")
        return Question(*row)

    def inbox(self, *, theme: str | None = None, include_answered: bool = False,
              limit: int = 500) -> list[Question]:
        """Questions oldest first; by default those without a live answer."""
        where = ["m.kind = 'question'"]
        args: list[Any] = []
        if theme is not None:
            where.append("m.theme = ?")
            args.append(theme)
        if not include_answered:
            where.append("(m.answered_post_id IS NULL OR p.status IN ('rejected', 'withdrawn'))")
        rows = self.conn.execute(
            f"{_QUESTION_SELECT} WHERE {' AND '.join(where)} ORDER BY m.created_at, m.id LIMIT ?",
            (*args, limit)).fetchall()
        return [Question(*row) for row in rows]

    def themes(self) -> list[tuple[str, int]]:
        """(theme, questions awaiting an answer), largest first; '' for not yet grouped."""
        rows = self.conn.execute(
            "SELECT coalesce(m.theme, ''), count(*) FROM mentions m"
            " LEFT JOIN posts p ON p.id = m.answered_post_id WHERE m.kind = 'question'"
            " AND (m.answered_post_id IS NULL OR p.status IN ('rejected', 'withdrawn'))"
            " GROUP BY 1 ORDER BY 2 DESC, 1").fetchall()
        return [(theme, n) for theme, n in rows]

    # ----- acting ---------------------------------------------------------------

    def set_theme(self, actor: str, mention_ids: list[int], theme: str) -> None:
        """Group questions under a theme ('' removes them from their group)."""
        theme = " ".join(theme.split())
        if len(theme) > 80:
            raise InvalidInput("a theme is a short name (80 characters at most)")
        with write(self.db):
            authorise(self.conn, actor, Action.COMPOSE)
            for mention_id in mention_ids:
                self.get(mention_id)
            self.conn.executemany("UPDATE mentions SET theme = ? WHERE id = ?",
                                  [(theme or None, i) for i in mention_ids])
            audit.append(self.conn, actor, "question.theme", "questions",
                         {"questions": mention_ids, "theme": theme}, at=self.clock())

    def holding_reply(self, actor: str, mention_id: int, template: str = "default") -> int:
        """Write a holding reply from a template and submit it for clearance; returns the post.

        It goes only to the outlet where the question was asked, addressed to the asker."""
        if template not in self.config.templates:
            raise InvalidInput(f"no holding-reply template {template!r} "
                               f"(configured: {', '.join(sorted(self.config.templates))})")
        with write(self.db):
            authorise(self.conn, actor, Action.COMPOSE)
            question = self.get(mention_id)
            if question.holding_post_id is not None:
                status = self.conn.execute("SELECT status FROM posts WHERE id = ?",
                                           (question.holding_post_id,)).fetchone()
                if status and status[0] not in ("rejected", "withdrawn"):
                    raise InvalidState(f"question #{mention_id} already has a holding reply "
                                       f"(post #{question.holding_post_id})")
            raw = self.config.templates[template]
            text = raw.replace("{handle}", f"@{question.author_handle}")
            if "{handle}" not in raw:
                text = f"@{question.author_handle} {text}"
            post_id = self.posts.create_draft(actor, text, outlets=[question.outlet],
                                              topic=ANSWER_TOPIC, reply_to_mention_id=mention_id)
            self.posts.submit(actor, post_id)
            self.conn.execute("UPDATE mentions SET holding_reply_at = ?, holding_post_id = ?"
                              " WHERE id = ?", (to_db(self.clock()), post_id, mention_id))
            audit.append(self.conn, actor, "question.holding_reply", f"mention:{mention_id}",
                         {"post": post_id, "template": template}, at=self.clock())
        return post_id

    def answer(self, actor: str, mention_ids: list[int], body: str, *,
               outlets: list[str] | None = None) -> int:
        """Answer one question, or a theme's questions at once, in a post all followers see;
        it is submitted for clearance like any post. Returns the post."""
        if not mention_ids:
            raise InvalidInput("name at least one question to answer")
        if not body.strip():
            raise InvalidInput("an answer cannot be empty")
        if body.lstrip().startswith("@"):
            # On X a post that opens with @handle is shown only to people who follow both
            # accounts; the policy wants answers every follower sees.
            raise InvalidInput("start the answer with words, not @handle, so that all followers "
                               "see it (mention the asker later in the text if you wish)")
        with write(self.db):
            person = authorise(self.conn, actor, Action.COMPOSE)
            questions = [self.get(i) for i in dict.fromkeys(mention_ids)]
            for q in questions:
                if q.state in ("answered", "answer awaiting clearance"):
                    raise InvalidState(f"question #{q.id} already has an answer "
                                       f"(post #{q.answered_post_id}, {q.answer_status})")
            targets = outlets or sorted({q.outlet for q in questions})
            post_id = self.posts.create_draft(actor, body, outlets=targets, topic=ANSWER_TOPIC,
                                              reply_to_mention_id=questions[0].id)
            self.posts.submit(actor, post_id)
            now = to_db(self.clock())
            self.conn.executemany(
                "UPDATE mentions SET answered_post_id = ?, answered_by = ?, answered_at = ?"
                " WHERE id = ?", [(post_id, person.login, now, q.id) for q in questions])
            for q in questions:
                reminders.close_reminders(self.conn, REMINDER_KIND, f"mention:{q.id}",
                                          person.login, self.clock())
            audit.append(self.conn, actor, "question.answer", "questions",
                         {"questions": [q.id for q in questions], "post": post_id,
                          "outlets": targets}, at=self.clock())
        return post_id

    def remind_unanswered(self, *, actor: str = audit.DAEMON) -> list[int]:
        """A reminder for each question unanswered after the configured time (once each)."""
        hours = self.config.remind_after_hours
        cutoff = to_db(self.clock() - dt.timedelta(hours=hours))
        rows = self.conn.execute(
            "SELECT m.id, m.outlet, m.author_handle, m.created_at FROM mentions m"
            " LEFT JOIN posts p ON p.id = m.answered_post_id"
            " WHERE m.kind = 'question' AND m.created_at < ?"
            " AND (m.answered_post_id IS NULL OR p.status IN ('rejected', 'withdrawn'))"
            " AND NOT EXISTS (SELECT 1 FROM reminders r WHERE r.kind = ?"
            "   AND r.subject = 'mention:' || m.id AND r.done_at IS NULL)"
            " ORDER BY m.created_at LIMIT 1000", (cutoff, REMINDER_KIND)).fetchall()
        if not rows:
            return []
        created = []
        with write(self.db):
            for mention_id, outlet, handle, created_at in rows:
                if reminders.ensure_reminder(
                        self.conn, REMINDER_KIND, f"mention:{mention_id}",
                        f"@{handle} asked a question on {outlet} more than {count(hours, 'hour')} ago "
                        "and has no answer yet",
                        from_db(created_at) + dt.timedelta(hours=hours), for_role="account_manager",
                        how="answer it from the questions inbox, or send a holding reply"):
                    created.append(mention_id)
            if created:
                audit.append(self.conn, actor, "questions.remind", "questions",
                             {"questions": created, "after_hours": hours}, at=self.clock())
        return created


def questions_for(services: Any) -> Questions:
    """The inbox wired from the services (the UI and the daemon share it)."""
    from inmm_tui.screening import looks_like_question as screen_judges
    from inmm_tui.screening.bridge import rules_for

    rules = rules_for(services.config)  # the question words the subcommittee configured
    handles = {outlet.name: outlet.handle for outlet in services.config.outlets}
    return Questions(services.db, services.posts, services.config.questions,
                     own_handles=handles, clock=services.clock,
                     asks=lambda text: bool(screen_judges(text, rules)))
