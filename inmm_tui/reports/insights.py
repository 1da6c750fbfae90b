"""What the metrics screen shows for a period, gathered in one read snapshot.

The figures come from `inmm_tui.domain.metrics` (the same functions the monthly report
uses), cut down to what fits a terminal: follower counts per outlet as a daily series,
engagement per post as a daily average, the best posts, follower types, events covered
this year, web referrals, and the monthly reports already written.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from inmm_tui.domain import metrics
from inmm_tui.domain.errors import InvalidInput
from inmm_tui.domain.people import authorise
from inmm_tui.domain.roles import Action, allowed
from inmm_tui.reports.monthly import past_reports, previous_month

if TYPE_CHECKING:
    from inmm_tui.config import Config

PERIODS: dict[str, tuple[str, int]] = {
    "7d": ("last 7 days", 7),
    "30d": ("last 30 days", 30),
    "12m": ("last 12 months", 365),
}
"""Period key → (how it is named on screen, days)."""
TOP_POSTS = 10


@dataclass(frozen=True)
class OutletFigures:
    outlet: str
    title: str
    series: list[tuple[dt.datetime, int, int]]
    """(time, followers, following), oldest first; one point a day beyond a week."""
    followers: int | None
    following: int | None
    change: int | None
    """Followers gained (or lost, negative) over the period; None without a start point."""

    @property
    def ratio(self) -> float | None:
        """Followers per account followed: the policy's balance of following and followers."""
        if self.followers is None or not self.following:
            return None
        return self.followers / self.following


@dataclass(frozen=True)
class Insights:
    period: str
    label: str
    since: dt.datetime
    until: dt.datetime
    outlets: list[OutletFigures]
    engagement_daily: list[tuple[dt.date, float, int]]
    """(UTC day, mean engagement per post sent that day, posts sent)."""
    posts: int
    engagement_total: int
    top_posts: list[metrics.PostEngagement]
    follower_types: dict[str, int]
    year: int
    events_this_year: int
    referrals: metrics.Referrals
    reports: list[dict[str, Any]]
    can_write_report: bool
    can_forward_report: bool
    """The Communications Committee Chair, who records a report forwarded to the EC."""
    report_month: dt.date
    """The month a report written now would be for: the last complete month."""


def gather(conn: sqlite3.Connection, config: Config, login: str, period: str,
           now: dt.datetime) -> Insights:
    """Every figure of the metrics screen for `period` (a key of PERIODS), as `login` sees it."""
    if period not in PERIODS:
        raise InvalidInput(f"period {period!r}: expected one of {', '.join(PERIODS)}")
    label, days = PERIODS[period]
    person = authorise(conn, login, Action.VIEW)
    until = now
    since = now - dt.timedelta(days=days)
    own_snapshot = not conn.in_transaction
    if own_snapshot:
        conn.execute("BEGIN")  # one snapshot for every figure, as the monthly report does
    try:
        outlets = [_outlet(conn, o.name, o.title, since, until, daily=days > 7)
                   for o in config.outlets]
        rows = metrics.engagement(conn, since, until)
        per_day: dict[dt.date, list[int]] = defaultdict(list)
        for row in rows:
            per_day[dt.date.fromisoformat(row.sent_at[:10])].append(row.engagement)
        daily = [(day, sum(v) / len(v), len(v)) for day, v in sorted(per_day.items())]
        top = sorted(rows, key=lambda r: (-r.engagement, r.sent_at))[:TOP_POSTS]
        local_today = now.astimezone(config.tz).date()
        per_year = metrics.events_covered_per_year(conn)
        refs = metrics.referrals(conn, since.date(), until.date() + dt.timedelta(days=1))
        result = Insights(
            period=period, label=label, since=since, until=until, outlets=outlets,
            engagement_daily=daily, posts=len(rows),
            engagement_total=sum(r.engagement for r in rows), top_posts=top,
            follower_types=metrics.follower_types(conn),
            year=local_today.year, events_this_year=per_year.get(local_today.year, 0),
            referrals=refs, reports=past_reports(conn, limit=24),
            can_write_report=allowed(person.role, Action.MONTHLY_REPORT),
            can_forward_report=allowed(person.role, Action.FORWARD_REPORT),
            report_month=previous_month(local_today),
        )
    finally:
        if own_snapshot:
            conn.execute("COMMIT")
    return result


def _outlet(conn: sqlite3.Connection, outlet: str, title: str, since: dt.datetime,
            until: dt.datetime, *, daily: bool) -> OutletFigures:
    series = metrics.follower_series(conn, outlet, since, until, daily=daily)
    last = metrics.counts_at(conn, outlet, until)
    first = metrics.counts_at(conn, outlet, since)
    if first is None and series:
        first = metrics.OutletCounts(series[0][1], series[0][2])
    change = last.followers - first.followers if last and first else None
    return OutletFigures(outlet, title, series, last.followers if last else None,
                         last.following if last else None, change)
