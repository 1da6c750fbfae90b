"""Metrics jobs: poll each published post's public counts and the outlet's follower and
following counts (R23), give new followers a type, and write the monthly report (R22).

Plain functions `(services, platform, outlet_name)`; the scheduler registers them. Every
platform call is bounded: at most `[metrics] max_posts_per_run` post look-ups per run,
and on `RateLimited` the run stops, keeps what it has, and records the reset time in
`sync_state` so that no call is made before it. The next run starts with the posts polled
longest ago, so it resumes where the last one stopped.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from inmm_tui.domain import metrics, polls
from inmm_tui.domain.audit import DAEMON
from inmm_tui.domain.skips import database_failing, skip
from inmm_tui.platforms.errors import PlatformError, RateLimited, Rejected, TransientError
from inmm_tui.store.tx import write
from inmm_tui.timeutil import from_db, to_db

if TYPE_CHECKING:
    from inmm_tui.domain.services import Services
    from inmm_tui.platforms.base import Platform

log = logging.getLogger("inmm_daemon.metrics")

SYNC_JOB = "metrics"
MAX_TRANSIENT_IN_A_ROW = 3
"""After this many transient failures in a row the platform is probably down: stop."""


@dataclass
class PollResult:
    outlet: str
    posts_polled: int = 0
    counts: metrics.OutletCounts | None = None
    skipped: list[str] = field(default_factory=list)
    """Why posts or counts were not polled (rate limit, errors), for the log."""
    rate_limited_until: dt.datetime | None = None
    polls_read: int = 0


def _blocked_until(services: Services, outlet: str) -> dt.datetime | None:
    row = services.db.conn.execute(
        "SELECT not_before FROM sync_state WHERE outlet = ? AND job = ?",
        (outlet, SYNC_JOB)).fetchone()
    if not row or not row[0]:
        return None
    until = from_db(row[0])
    return until if until > services.clock() else None


def _set_blocked(services: Services, outlet: str, until: dt.datetime | None) -> None:
    with write(services.db):
        services.db.conn.execute(
            "INSERT INTO sync_state (outlet, job, not_before, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(outlet, job) DO UPDATE SET not_before = excluded.not_before,"
            " updated_at = excluded.updated_at",
            (outlet, SYNC_JOB, to_db(until) if until else None, to_db(services.clock())))


def poll_metrics(services: Services, platform: Platform, outlet_name: str) -> PollResult:
    """One run: the outlet's counts, then the posts of the last `poll_days` days."""
    result = PollResult(outlet_name)
    blocked = _blocked_until(services, outlet_name)
    if blocked is not None:
        result.rate_limited_until = blocked
        result.skipped.append(f"rate limited until {blocked.isoformat()}")
        return result
    samples: list[metrics.PostSample] = []
    try:
        result.counts = _outlet_counts(services, platform, outlet_name, result)
        if result.rate_limited_until is None:
            samples = _post_samples(services, platform, outlet_name, result)
        if result.rate_limited_until is None and platform.capabilities.polls is not None:
            _poll_results(services, platform, outlet_name, result)
    finally:
        # What was gathered is kept even if an unexpected error ends the run.
        metrics.save_poll(services.db, outlet_name, samples=samples, counts=result.counts,
                          at=services.clock(), actor=DAEMON,
                          note={"skipped": result.skipped} if result.skipped else None)
        result.posts_polled = len(samples)
        _set_blocked(services, outlet_name, result.rate_limited_until)
    log.info("metrics %s: %d posts, counts %s%s", outlet_name, len(samples), result.counts,
             f" ({'; '.join(result.skipped)})" if result.skipped else "")
    return result


def _outlet_counts(services: Services, platform: Platform, outlet_name: str,
                   result: PollResult) -> metrics.OutletCounts | None:
    try:
        account = platform.whoami()
    except RateLimited as exc:
        result.rate_limited_until = exc.reset_at
        result.skipped.append(f"counts: rate limited until {exc.reset_at.isoformat()}")
        return None
    except (TransientError, Rejected) as exc:
        result.skipped.append(f"counts: {exc}")
        return None
    known = metrics.current_counts(services.db.conn, outlet_name)
    # Where the platform does not give a count, our own follower tables stand in.
    followers = account.followers_count if account.followers_count is not None else known.followers
    following = account.following_count if account.following_count is not None else known.following
    return metrics.OutletCounts(followers, following)


def _post_samples(services: Services, platform: Platform, outlet_name: str,
                  result: PollResult) -> list[metrics.PostSample]:
    cfg = services.config.metrics
    due = metrics.pollable_deliveries(services.db.conn, outlet_name, now=services.clock(),
                                      days=cfg.poll_days, limit=cfg.max_posts_per_run)
    samples: list[metrics.PostSample] = []
    transient_in_a_row = 0
    for delivery_id, platform_id in due:
        try:
            m = platform.metrics(platform_id)
        except RateLimited as exc:
            result.rate_limited_until = exc.reset_at
            result.skipped.append(f"posts: rate limited until {exc.reset_at.isoformat()} "
                                  f"after {len(samples)} of {len(due)}")
            break
        except Rejected as exc:  # deleted on the platform, or not ours to read: skip it
            result.skipped.append(f"post {platform_id}: {exc}")
            continue
        except TransientError as exc:
            transient_in_a_row += 1
            if transient_in_a_row >= MAX_TRANSIENT_IN_A_ROW:
                result.skipped.append(f"posts: stopped after {transient_in_a_row} failures: {exc}")
                break
            continue
        except PlatformError as exc:  # AuthFailed and the like: nothing more to gain this run
            result.skipped.append(f"posts: {type(exc).__name__}: {exc}")
            break
        except Exception as exc:
            if database_failing(exc):
                raise
            # This post only: the others are still polled (it is recorded as skipped, an
            # alert after a few).
            error = skip(services.db, SYNC_JOB, outlet_name, f"post {platform_id}", exc,
                         services.clock(), log, "metrics of")
            result.skipped.append(f"post {platform_id}: {error}")
            continue
        transient_in_a_row = 0
        samples.append(metrics.PostSample(delivery_id, m.reposts, m.replies, m.likes, m.quotes,
                                          m.impressions))
    return samples


def _poll_results(services: Services, platform: Platform, outlet_name: str,
                  result: PollResult) -> None:
    """The votes on the outlet's published polls, until each has closed and been read
    once more (its final result), each saved as it is read."""
    due = polls.pollable(services.db.conn, outlet_name)[:services.config.metrics.max_posts_per_run]
    for delivery_id, platform_id in due:
        try:
            tally = platform.poll_results(platform_id)
        except RateLimited as exc:
            result.rate_limited_until = exc.reset_at
            result.skipped.append(f"polls: rate limited until {exc.reset_at.isoformat()}")
            return
        except (Rejected, TransientError) as exc:  # deleted, or down a while: next run
            result.skipped.append(f"poll {platform_id}: {exc}")
            continue
        except PlatformError as exc:
            result.skipped.append(f"polls: {type(exc).__name__}: {exc}")
            return
        with write(services.db):
            polls.save_results(services.db.conn, delivery_id, tally, services.clock())
        result.polls_read += 1


def classify_followers(services: Services) -> dict[str, int]:
    """Give new followers a type (member list, then the configured profile rules)."""
    rules = metrics.ProfileRules.from_config(services.config.metrics)
    return metrics.classify_followers(services.db, rules, at=services.clock())


def write_monthly_report(services: Services) -> list[Path]:
    """On the 1st: the summary of the month just ended, in Markdown and HTML."""
    from inmm_tui.reports.monthly import previous_month, write_report

    month = previous_month(services.clock().astimezone(services.config.tz).date())
    return [write_report(services, month, fmt, actor=DAEMON) for fmt in ("md", "html")]
