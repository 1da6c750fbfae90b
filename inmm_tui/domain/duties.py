"""What is due, read-only: credential rotation (R19), the roster's annual review (R18),
the policy's review date (R25), and posts left partly published. Kept apart from the
actions in `governance` so that `--report` reads them with nothing but `sqlite3`."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from inmm_tui.timeutil import from_db, to_db
from inmm_tui.wording import count

if TYPE_CHECKING:
    from inmm_tui.config import Config

REVIEW_WINDOW_DAYS = 30
POLICY_REMINDER_DAYS = 60


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    month = moment.month - 1 + months
    year = moment.year + month // 12
    month = month % 12 + 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable")




@dataclass(frozen=True)
class RotationStatus:
    """Where one outlet's credential rotation stands."""

    outlet: str
    last_verified: dt.datetime | None
    due_at: dt.datetime | None
    due: bool
    reasons: list[str] = field(default_factory=list)
    awaiting_check: bool = False
    """A rotation was recorded; the daemon has not yet proved the credentials work."""
    failed_check: bool = False


def rotation_status(conn: sqlite3.Connection, config: Config,
                    now: dt.datetime) -> list[RotationStatus]:
    statuses = []
    for outlet in config.outlets:
        last = conn.execute(
            "SELECT max(rotated_at) FROM credential_rotations WHERE outlet = ?"
            " AND verify_result = 'ok'", (outlet.name,)).fetchone()[0]
        latest = conn.execute(
            "SELECT verified_at, verify_result FROM credential_rotations WHERE outlet = ?"
            " ORDER BY rotated_at DESC, id DESC LIMIT 1", (outlet.name,)).fetchone()
        triggers = conn.execute(
            "SELECT cause, reason FROM rotation_triggers WHERE outlet = ? AND resolved_at IS NULL"
            " ORDER BY id", (outlet.name,)).fetchall()
        reasons = [f"{cause.replace('_', ' ')}: {reason}" for cause, reason in triggers]
        last_verified = from_db(last) if last else None
        due_at = add_months(last_verified, config.review.rotation_months) if last_verified else None
        if last_verified is None and outlet.kind != "sandbox":
            reasons.append("no verified rotation has been recorded")
        elif last_verified is not None and due_at is not None and due_at <= now:
            reasons.append(f"last rotated {last_verified.date().isoformat()}, "
                           f"{count(config.review.rotation_months, 'month')} ago or more")
        awaiting = bool(latest and latest[0] is None)
        failed = bool(latest and latest[1] == "auth_failed")
        if failed:
            reasons.append("the credentials recorded last were refused by the platform")
        statuses.append(RotationStatus(outlet.name, last_verified, due_at, bool(reasons),
                                       reasons, awaiting, failed))
    return statuses



@dataclass(frozen=True)
class ReviewStatus:
    """The roster's annual review for the configured EC meeting."""

    meeting: dt.date
    opens_on: dt.date
    open: bool
    overdue: bool
    reviewed: dict[str, str]
    """login → outcome, for this meeting."""
    pending: list[str]
    """Active people not yet reviewed for this meeting."""


def review_status(conn: sqlite3.Connection, config: Config,
                  now: dt.datetime) -> ReviewStatus | None:
    meeting = config.review.ec_meeting
    if meeting is None:
        return None
    reviewed = dict(conn.execute(
        "SELECT login, outcome FROM roster_reviews WHERE meeting = ?", (meeting.isoformat(),)))
    active = [row[0] for row in conn.execute("SELECT login FROM people WHERE active = 1"
                                             " ORDER BY name")]
    pending = [login for login in active if login not in reviewed]
    opens_on = meeting - dt.timedelta(days=REVIEW_WINDOW_DAYS)
    today = now.date()
    return ReviewStatus(meeting, opens_on, today >= opens_on, today > meeting and bool(pending),
                        reviewed, pending)



@dataclass(frozen=True)
class PolicyReview:
    """The policy's own review date, and whether it is near or past."""

    due_on: dt.date
    remind_from: dt.date
    state: str  # "ok" | "upcoming" | "overdue"


def policy_review(config: Config, now: dt.datetime) -> PolicyReview:
    due = config.review.policy_next_review
    remind_from = due - dt.timedelta(days=POLICY_REMINDER_DAYS)
    today = now.date()
    state = "overdue" if today > due else ("upcoming" if today >= remind_from else "ok")
    return PolicyReview(due, remind_from, state)


def partly_published(conn: sqlite3.Connection) -> int:
    """Posts out on one outlet while another's delivery failed or is held."""
    # INDEXED BY: with ANALYZE statistics the planner sees few distinct states and scans
    # every delivery; failed and held ones are few, so start from them.
    return int(conn.execute(
        "SELECT count(DISTINCT d.post_id) FROM deliveries d INDEXED BY deliveries_due"
        " WHERE d.state IN ('failed', 'held') AND EXISTS (SELECT 1 FROM deliveries s"
        " WHERE s.post_id = d.post_id AND s.state = 'sent')").fetchone()[0])


@dataclass(frozen=True)
class Attention:
    """What the home screen counts beside the queues."""

    rotations_due: int
    reviews_overdue: int
    """The roster's review after the meeting with people pending, the policy past its date."""
    alerts: int
    new_suspects: int
    partly_published: int
    """Posts out on some outlets and failed or held on others."""


def attention(conn: sqlite3.Connection, config: Config, now: dt.datetime) -> Attention:
    """The governance counts of Home, for a caller already authorised to view: here, not in
    `governance_view`, so that Home's first screen loads none of the governance screens'
    types."""
    review = review_status(conn, config, now)
    overdue = int(bool(review and review.overdue))
    overdue += int(policy_review(config, now).state == "overdue")
    alerts = conn.execute("SELECT count(*) FROM alerts WHERE acknowledged_at IS NULL"
                          ).fetchone()[0]
    new = conn.execute("SELECT count(*) FROM spoof_suspects WHERE status = 'new'").fetchone()[0]
    due = sum(1 for status in rotation_status(conn, config, now) if status.due)
    return Attention(due, overdue, int(alerts), int(new), partly_published(conn))


def raise_rotation_trigger(conn: sqlite3.Connection, outlet: str, cause: str, reason: str,
                           by: str, at: dt.datetime) -> None:
    """Make the outlet's credentials due for rotation at once (a roster change, a suspected
    compromise, a changed secrets file). Call inside a write transaction."""
    conn.execute(
        "INSERT INTO rotation_triggers (outlet, cause, reason, raised_by, raised_at)"
        " VALUES (?, ?, ?, ?, ?)", (outlet, cause, reason, by, to_db(at)))
