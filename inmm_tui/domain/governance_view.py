"""What the governance screens read ("Management of Social Media Pages", "Risks and
Mitigation"): each outlet's credential rotation, the policy's and the roster's reviews,
the spoof queue, and the counts the home screen shows. Reading only; the person must be
allowed to view. The actions are `inmm_tui.domain.governance.Governance`'s."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from inmm_tui.domain.base import ReadingService
from inmm_tui.domain.duties import (
    Attention,
    PolicyReview,
    ReviewStatus,
    RotationStatus,
    attention,
    policy_review,
    review_status,
    rotation_status,
)
from inmm_tui.domain.people import _PERSON_COLUMNS, Person, authorise
from inmm_tui.domain.roles import Action
from inmm_tui.domain.switches import Event, active_crisis, publishing_paused
from inmm_tui.timeutil import Clock, from_db, utcnow

if TYPE_CHECKING:
    from sqlite_utils import Database

    from inmm_tui.config import Config

SUSPECT_LIMIT = 500
"""The spoof queue shows every new suspect and the newest decided ones up to this many."""


@dataclass(frozen=True)
class Suspect:
    id: int
    outlet: str
    handle: str
    name: str | None
    first_seen_at: dt.datetime
    status: str
    """`new`, `harmless`, `reported` or `gone`."""
    decided_by: str | None
    report_ref: str | None


@dataclass(frozen=True)
class PlanLimit:
    """An operation the outlet's plan with the platform does not include (see
    `governance.record_plan_refusal`), or its spent monthly cap, until HQ acknowledges it."""

    outlet: str
    operation: str
    message: str
    """The platform's words: outside text."""
    since: dt.datetime


@dataclass(frozen=True)
class GovernanceState:
    person: Person
    rotations: list[RotationStatus]
    policy: PolicyReview
    review: ReviewStatus | None
    """None when no EC meeting date is configured."""
    suspects: list[Suspect]
    """New suspects first, then the decided ones, newest first."""
    plan_limits: list[PlanLimit] = field(default_factory=list)


@dataclass(frozen=True)
class ReviewEntry:
    person: Person
    outcome: str | None
    """This meeting's outcome (`keep`, `change_role`, `withdraw`), None while pending."""
    reason: str


class GovernanceView(ReadingService):
    def __init__(self, db: Database | sqlite3.Connection, config: Config,
                 clock: Clock = utcnow):
        super().__init__(db)
        self.config = config
        self.clock = clock


    def state(self, login: str) -> GovernanceState:
        person = authorise(self.conn, login, Action.VIEW)
        now = self.clock()
        return GovernanceState(person, rotation_status(self.conn, self.config, now),
                               policy_review(self.config, now),
                               review_status(self.conn, self.config, now), self.suspects(),
                               self.plan_limits())

    def plan_limits(self) -> list[PlanLimit]:
        # Imported here: Home's counts (`attention`) need nothing of governance's module.
        from inmm_tui.domain.governance import PLAN_REFUSED, USAGE_CAPPED

        rows = self.conn.execute(
            "SELECT kind, subject, message, raised_at FROM alerts WHERE kind IN (?, ?)"
            " AND acknowledged_at IS NULL ORDER BY subject",
            (PLAN_REFUSED, USAGE_CAPPED)).fetchall()
        limits = []
        for kind, subject, message, raised_at in rows:
            _, outlet, operation = [*subject.split(":", 2), ""][:3]
            limits.append(PlanLimit(outlet, operation if kind == PLAN_REFUSED
                                    else "monthly usage cap", message, from_db(raised_at)))
        return limits

    def suspects(self) -> list[Suspect]:
        rows = self.conn.execute(
            "SELECT id, outlet, handle, name, first_seen_at, status, decided_by, report_ref"
            " FROM spoof_suspects ORDER BY status != 'new', coalesce(decided_at, first_seen_at)"
            " DESC, id DESC LIMIT ?", (SUSPECT_LIMIT,)).fetchall()
        return [Suspect(r[0], r[1], r[2], r[3], from_db(r[4]), r[5], r[6], r[7]) for r in rows]

    def attention(self, login: str) -> Attention:
        authorise(self.conn, login, Action.VIEW)
        return attention(self.conn, self.config, self.clock())

    def review_entries(self, login: str) -> tuple[ReviewStatus | None, list[ReviewEntry]]:
        """The people the annual review goes through: every active person, and those
        withdrawn at this meeting (so the walk-through shows what was decided). Pending
        people first, in name order."""
        authorise(self.conn, login, Action.VIEW)
        status = review_status(self.conn, self.config, self.clock())
        if status is None:
            return None, []
        rows = self.conn.execute(
            f"SELECT {', '.join('p.' + c.strip() for c in _PERSON_COLUMNS.split(','))},"
            " r.outcome, r.reason FROM people p LEFT JOIN roster_reviews r"
            " ON r.login = p.login AND r.meeting = ?"
            " WHERE p.active = 1 OR r.outcome IS NOT NULL"
            " ORDER BY r.outcome IS NOT NULL, p.name", (status.meeting.isoformat(),)).fetchall()
        return status, [ReviewEntry(Person.from_row(row[:9]), row[9], row[10] or "")
                        for row in rows]

    def review_markdown(self, login: str) -> str:
        """The authorised list for the EC meeting (`governance.review_markdown`)."""
        from inmm_tui.domain.governance import review_markdown

        authorise(self.conn, login, Action.VIEW)
        return review_markdown(self.conn, self.config, self.clock())

    def switches(self, login: str) -> tuple[Event | None, bool]:
        """Crisis mode and the pause, for the banner every screen shows."""
        authorise(self.conn, login, Action.VIEW)
        return active_crisis(self.conn), publishing_paused(self.conn)
