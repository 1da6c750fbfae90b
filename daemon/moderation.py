"""Moderation jobs: ingest mentions and replies since the last one seen, and perform the
hides, blocks and reports people asked for.

Plain functions taking `(services, platform, outlet_name)` so the scheduler can run them
as jobs. The hide is performed only after the evidence of the reply is checked again.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from inmm_tui.domain.audit import DAEMON
from inmm_tui.domain.errors import InvalidState
from inmm_tui.domain.governance import record_plan_refusal
from inmm_tui.domain.moderation import IncomingMention, IngestResult
from inmm_tui.domain.services import Services
from inmm_tui.domain.skips import database_failing, skip
from inmm_tui.platforms.base import Mention, Mentions, Platform
from inmm_tui.platforms.errors import (
    NotInPlan,
    PlatformError,
    RateLimited,
    Rejected,
    Unsupported,
)
from inmm_tui.store.tx import write
from inmm_tui.timeutil import to_db

log = logging.getLogger("inmm_daemon.moderation")

MENTIONS = "mentions"
REQUESTS = "moderation requests"
MAX_BATCHES = 20
MAX_SECONDS = 120.0


def _incoming(mention: Mention) -> IncomingMention:
    return IncomingMention(
        platform_id=mention.platform_id, author_id=mention.author.user_id,
        author_handle=mention.author.handle, author_name=mention.author.name,
        text=mention.text, created_at=mention.created_at, in_reply_to=mention.in_reply_to,
        raw=dict(mention.raw), visibility=mention.visibility)


def last_seen(services: Services, outlet_name: str) -> str | None:
    row = services.db.conn.execute(
        "SELECT cursor FROM sync_state WHERE outlet = ? AND job = ?",
        (outlet_name, MENTIONS)).fetchone()
    return row[0] if row else None


def _remember(services: Services, outlet_name: str, since_id: str) -> None:
    with write(services.db):
        services.db.conn.execute(
            "INSERT INTO sync_state (outlet, job, cursor, run, updated_at) VALUES (?, ?, ?, 0, ?)"
            " ON CONFLICT (outlet, job) DO UPDATE SET cursor = excluded.cursor,"
            " updated_at = excluded.updated_at",
            (outlet_name, MENTIONS, since_id, to_db(services.clock())))


def ingest_mentions(services: Services, platform: Platform, outlet_name: str, *,
                    max_batches: int = MAX_BATCHES,
                    max_seconds: float = MAX_SECONDS) -> IngestResult:
    """Fetch mentions newer than the last seen id, store, screen and queue them. The last
    seen id advances only after a batch is stored, so a crash re-fetches (and the
    database's uniqueness on outlet and id drops the duplicates). A mention that cannot
    be stored is skipped (logged, recorded, an alert after a few): one bad reply must
    never stop every later one from being ingested."""
    deadline = time.monotonic() + max_seconds
    total = IngestResult()
    since = last_seen(services, outlet_name)
    for _ in range(max_batches):
        if time.monotonic() > deadline:
            break
        try:
            batch = platform.mentions(since)
        except PlatformError as exc:
            log.warning("%s: fetching mentions failed, retrying next run: %s", outlet_name, exc)
            break
        for platform_id, error in batch.unreadable if isinstance(batch, Mentions) else ():
            # Left out by the adapter as malformed: recorded (an alert after a few).
            skip(services.db, MENTIONS, outlet_name, platform_id, error, services.clock(), log,
                 "mention")
        if batch:
            result = _ingest_each(services, outlet_name, batch)
            total = IngestResult(total.new + result.new, total.duplicates + result.duplicates,
                                 total.queued + result.queued, result.last_platform_id,
                                 total.private + result.private)
        # The adapter's own cursor when it gives one (Mastodon's, a place among its
        # notifications), else the last mention's id.
        cursor = batch.cursor if isinstance(batch, Mentions) and batch.cursor else (
            batch[-1].platform_id if batch else None)
        if cursor is None or cursor == since:
            break
        since = cursor
        _remember(services, outlet_name, since)
    return total


def _ingest_each(services: Services, outlet_name: str, batch: list[Mention]) -> IngestResult:
    """Ingest the batch one mention at a time, so that one that fails is skipped alone."""
    new = duplicates = queued = private = 0
    for mention in batch:
        try:
            result = services.moderation.ingest(outlet_name, [_incoming(mention)])
        except Exception as exc:
            if database_failing(exc):
                # Not this item's fault (locked, full, read-only, damaged): stop here; the
                # cursor has not passed it, so the next run tries it again.
                raise
            _skip(services, outlet_name, mention.platform_id, exc)
            continue
        new, duplicates, queued, private = (new + result.new, duplicates + result.duplicates,
                                            queued + result.queued, private + result.private)
    return IngestResult(new, duplicates, queued, batch[-1].platform_id, private)


def _skip(services: Services, outlet_name: str, platform_id: str, exc: Exception) -> None:
    skip(services.db, MENTIONS, outlet_name, platform_id, exc, services.clock(), log, "mention")


@dataclass
class RequestsReport:
    done: int = 0
    failed: int = 0
    refused: int = 0
    stopped: str = ""


def perform_requests(services: Services, platform: Platform, outlet_name: str) -> RequestsReport:
    """Hide, block and report as requested; the hide only with verified evidence. A
    request that fails in a way nobody foresaw is withdrawn with the error shown on its
    item and recorded as skipped (an alert after a few): the later requests go on."""
    moderation = services.moderation
    report = RequestsReport()
    for request in moderation.pending_requests(outlet_name):
        try:
            if request.kind == "hide":
                moderation.check_hide_allowed(request.item_id)
                platform.hide_reply(request.platform_id)
                ref = None
            elif request.kind == "block":
                platform.block(request.author_id)
                ref = None
            else:
                ref = platform.report(request.author_id, request.reason, [request.platform_id])
        except InvalidState as exc:
            # The evidence is missing or no longer verifies: never hide, tell the people.
            moderation.record_failed(request.item_id, request.kind, str(exc))
            report.refused += 1
            continue
        except (Rejected, Unsupported) as exc:
            moderation.record_failed(request.item_id, request.kind, str(exc) or type(exc).__name__)
            if isinstance(exc, NotInPlan):  # blocking is Enterprise-only on X: HQ should know
                with write(services.db):
                    record_plan_refusal(services.db.conn, outlet_name, exc.operation, str(exc),
                                        services.clock())
            report.failed += 1
            continue
        except RateLimited as exc:
            report.stopped = f"{request.kind}: rate-limited until {exc.reset_at:%H:%M}Z"
            return report
        except PlatformError as exc:
            report.stopped = f"{request.kind}: {exc}"
            return report
        except Exception as exc:
            if database_failing(exc):
                raise
            error = skip(services.db, REQUESTS, outlet_name,
                         f"{request.kind} #{request.item_id}", exc, services.clock(), log,
                         "request")
            # Withdrawn rather than tried again on every run, in front of the others.
            moderation.record_failed(request.item_id, request.kind, f"unexpected {error}")
            report.failed += 1
            continue
        moderation.record_done(request.item_id, request.kind, report_ref=ref)
        report.done += 1
    return report


def purge_evidence(services: Services) -> int:
    """Apply the evidence retention setting (`[daemon] evidence_retention_days`; 0 keeps
    everything). Evidence under legal hold, or of an item still open, is never purged."""
    days = services.config.daemon.evidence_retention_days
    if days <= 0:
        return 0
    return services.moderation.purge_evidence(DAEMON, days)
