"""Follow-back job: page the outlet's followers (and whom it follows) into the database,
follow back the new followers within the platform's follow limit, and perform the
administrators' requested follows of organisations, unfollows and blocks.

Plain functions taking `(services, platform, outlet_name)` so the scheduler can run them
as jobs. Every loop is bounded in pages, calls and time; whatever is left is picked up by
the next run, from the cursor stored with the last page.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from inmm_tui.domain.errors import InvalidState
from inmm_tui.domain.follows import FOLLOW, FOLLOWERS, FOLLOWING, Follows
from inmm_tui.domain.governance import record_plan_refusal, record_usage_cap
from inmm_tui.domain.services import Services
from inmm_tui.domain.skips import database_failing, skip
from inmm_tui.platforms.base import Platform
from inmm_tui.platforms.errors import (
    NotInPlan,
    PlatformError,
    RateLimited,
    Rejected,
    TransientError,
    Unsupported,
    UsageCapped,
)
from inmm_tui.store.tx import write

log = logging.getLogger("inmm_daemon.follow_back")

MAX_PAGES = 200
"""Pages read per job and run (X serves 1,000 followers a page, 15 pages per 15 minutes)."""
MAX_SECONDS = 300.0
"""Wall-clock bound of one run; the next run resumes where this one stopped."""
FOLLOW_BACK = "follow-back"
FOLLOW_REQUESTS = "follow requests"
"""The jobs' names for the items they skip (`inmm_tui.domain.skips`)."""


@dataclass
class FollowBackReport:
    pages: dict[str, int] = field(default_factory=dict)
    completed: dict[str, bool] = field(default_factory=dict)
    gone: int = 0
    followed_back: int = 0
    refused: int = 0
    actions: int = 0
    stopped: str = ""
    """Why the run stopped early, if it did (rate limit, outage)."""


def run(services: Services, platform: Platform, outlet_name: str, *, max_pages: int = MAX_PAGES,
        max_seconds: float = MAX_SECONDS) -> FollowBackReport:
    """One run of the whole job: sync following, sync followers, follow back, then requests."""
    report = FollowBackReport()
    deadline = time.monotonic() + max_seconds
    follows = services.follows
    if not platform.capabilities.follows:
        # An account that follows nobody and lists no followers (a LinkedIn page): nothing
        # to sync or follow back. A requested block still goes to the platform, which
        # refuses what it cannot do with its reason on the request.
        report.stopped = f"follow-back: {platform.capabilities.label} accounts here cannot follow"
        perform_requests(follows, platform, outlet_name, report, deadline=deadline)
        return report
    # Whom we already follow first, so that a follower we follow is not followed again.
    for job in (FOLLOWING, FOLLOWERS):
        if not sync(follows, platform, outlet_name, job, report, max_pages=max_pages,
                    deadline=deadline):
            break
    follow_back(follows, platform, outlet_name, report, deadline=deadline)
    perform_requests(follows, platform, outlet_name, report, deadline=deadline)
    return report


def sync(follows: Follows, platform: Platform, outlet_name: str, job: str,
         report: FollowBackReport, *, max_pages: int = MAX_PAGES,
         deadline: float | None = None) -> bool:
    """Page one list into the database; False when the platform stopped us (rate limit,
    outage), True when the run completed or ran out of its page or time budget."""
    position = follows.begin(outlet_name, job)
    if position is None:
        report.stopped = f"{job}: rate-limited"
        return True
    run_no, cursor = position.run, position.cursor
    fetch = platform.followers if job == FOLLOWERS else platform.following
    pages = 0
    while pages < max_pages and (deadline is None or time.monotonic() < deadline):
        try:
            page = fetch(cursor)
        except RateLimited as exc:
            follows.rate_limited(outlet_name, job, exc.reset_at)
            report.stopped = f"{job}: rate-limited until {exc.reset_at:%H:%M}Z"
            _capped(follows, outlet_name, exc)
            return False
        except NotInPlan as exc:
            # Follower lists are beyond the plan: the requested follows, unfollows and
            # blocks still go on; HQ sees the limit in governance.
            _not_in_plan(follows, outlet_name, exc)
            report.stopped = f"{job}: not in the plan"
            return False
        except TransientError as exc:
            report.stopped = f"{job}: {exc}"
            log.warning("%s: paging %s failed, resuming next run: %s", outlet_name, job, exc)
            return False
        for user_id, error in page.unreadable:
            # Left out by the adapter: recorded, so that it is seen (an alert after a few).
            skip(follows.db, job, outlet_name, f"account {user_id}", error, follows.clock(),
                 log, "unreadable")
        result = follows.record_page(
            outlet_name, job, run_no,
            ((a.user_id, a.handle, a.name or None) for a in page.accounts), page.next_cursor)
        pages += 1
        report.gone += result.gone
        if result.completed:
            report.completed[job] = True
            break
        cursor = page.next_cursor
    report.pages[job] = report.pages.get(job, 0) + pages
    return True


def follow_back(follows: Follows, platform: Platform, outlet_name: str,
                report: FollowBackReport, *, deadline: float | None = None) -> None:
    """Follow back new followers, oldest first, within the platform's follow limit. A
    follow that fails in a way nobody foresaw is recorded on that follower and skipped."""
    budget = follows.follow_budget(outlet_name, platform.api)
    if budget <= 0:
        return
    for user_id, handle, _name in follows.pending_follow_backs(outlet_name, budget):
        if deadline is not None and time.monotonic() > deadline:
            break
        try:
            platform.follow(user_id)
        except RateLimited as exc:
            follows.rate_limited(outlet_name, FOLLOW, exc.reset_at)
            report.stopped = f"follow: rate-limited until {exc.reset_at:%H:%M}Z"
            _capped(follows, outlet_name, exc)
            return
        except NotInPlan as exc:
            _not_in_plan(follows, outlet_name, exc)
            report.stopped = "follow: not in the plan"
            return
        except Rejected as exc:
            follows.record_follow_back_refused(outlet_name, user_id, str(exc))
            report.refused += 1
            continue
        except TransientError as exc:
            report.stopped = f"follow: {exc}"
            return
        except Exception as exc:
            if database_failing(exc):
                raise
            # Not followed back and not tried again in front of the others: shown instead.
            error = skip(follows.db, FOLLOW_BACK, outlet_name, f"account {user_id}", exc,
                         follows.clock(), log, "follow-back of")
            follows.record_follow_back_refused(outlet_name, user_id, f"unexpected {error}")
            report.refused += 1
            continue
        try:
            follows.record_follow_back(outlet_name, user_id)
        except InvalidState:  # stopped following us between the query and now
            log.info("%s: @%s unfollowed before the follow-back was recorded", outlet_name, handle)
            continue
        report.followed_back += 1


def perform_requests(follows: Follows, platform: Platform, outlet_name: str,
                     report: FollowBackReport, *, deadline: float | None = None) -> None:
    """Requested follows of organisations, unfollows and blocks. One that fails in a way
    nobody foresaw is withdrawn with the error shown, and skipped."""
    for user_id, action, _handle in follows.pending_actions(outlet_name):
        if deadline is not None and time.monotonic() > deadline:
            return
        # Where the account cannot follow at all the platform's refusal is recorded on the
        # request, rather than the request waiting for a budget that never comes.
        if (action == "follow" and platform.capabilities.follows
                and follows.follow_budget(outlet_name, platform.api) <= 0):
            continue
        call = {"follow": platform.follow, "unfollow": platform.unfollow,
                "block": platform.block}[action]
        try:
            call(user_id)
        except RateLimited as exc:
            if action == "follow":
                follows.rate_limited(outlet_name, FOLLOW, exc.reset_at)
            report.stopped = f"{action}: rate-limited until {exc.reset_at:%H:%M}Z"
            _capped(follows, outlet_name, exc)
            return
        except (Rejected, Unsupported) as exc:
            # Withdrawn with the platform's words on it (a plan without blocking, say);
            # the requests after it go on.
            follows.record_action_failed(outlet_name, user_id, action, str(exc))
            if isinstance(exc, NotInPlan):
                _not_in_plan(follows, outlet_name, exc)
            continue
        except PlatformError as exc:
            report.stopped = f"{action}: {exc}"
            return
        except Exception as exc:
            if database_failing(exc):
                raise
            # Withdrawn with the error shown, rather than blocking the requests after it.
            error = skip(follows.db, FOLLOW_REQUESTS, outlet_name, f"{action} {user_id}", exc,
                         follows.clock(), log, "requested")
            follows.record_action_failed(outlet_name, user_id, action, f"unexpected {error}")
            continue
        follows.record_action_done(outlet_name, user_id, action)
        report.actions += 1


def _not_in_plan(follows: Follows, outlet_name: str, exc: NotInPlan) -> None:
    log.warning("%s: %s", outlet_name, exc)
    with write(follows.db):
        record_plan_refusal(follows.db.conn, outlet_name, exc.operation, str(exc),
                            follows.clock())


def _capped(follows: Follows, outlet_name: str, exc: RateLimited) -> None:
    """A spent monthly cap (not a passing rate limit) is HQ's to know about."""
    if isinstance(exc, UsageCapped):
        with write(follows.db):
            record_usage_cap(follows.db.conn, outlet_name, exc.reset_at, str(exc),
                             follows.clock())


def remind_review(services: Services) -> None:
    """Keep the reminder to review the followed list open (run with the daily reminders)."""
    services.follows.ensure_review_reminder()
