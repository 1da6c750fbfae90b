"""Delete from the platforms what people asked to take down (inmm_tui/domain/deletions.py).

A delete is idempotent by nature, so exactly once needs no reconciliation: a platform
that answers 404 no longer has the post, which is what was asked (a crash after the
platform deleted and before we recorded it ends that way on the next run). A transient
failure is tried again with the publisher's backoff, on that item alone; a rate limit
stops the outlet's run (every call would be refused); anything else fails that item with
an alert. One item never keeps the others from their turn.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from inmm_daemon.publisher import AUTH_RETRY, RATE_LIMIT_MARGIN, backoff

from inmm_tui.domain.services import Services
from inmm_tui.domain.shares import repost_of_delivery
from inmm_tui.domain.skips import database_failing, skip
from inmm_tui.platforms.base import Platform
from inmm_tui.platforms.errors import (
    AuthFailed,
    NotFound,
    RateLimited,
    Rejected,
    TransientError,
    Unsupported,
)

log = logging.getLogger("inmm_daemon.deletions")

JOB = "deletions"


@dataclass
class DeletionsReport:
    deleted: int = 0
    retrying: int = 0
    failed: int = 0
    stopped: str = ""


def perform_deletions(services: Services, platform: Platform, outlet: str) -> DeletionsReport:
    """Perform the outlet's due deletions, each on its own."""
    deletions = services.deletions
    daemon = services.config.daemon
    report = DeletionsReport()
    for item in deletions.due(outlet):
        reposted = repost_of_delivery(services.db.conn, item.delivery_id)
        try:
            if reposted is not None:  # undoing a share: un-repost, not delete
                platform.undo_repost(reposted, item.platform_id)
            else:
                platform.delete(item.platform_id)
        except NotFound:
            deletions.record_deleted(item, already_gone=True)
            log.info("%s: already gone from %s; recorded as deleted", item.label, outlet)
            report.deleted += 1
            continue
        except RateLimited as exc:
            deletions.wait_until(outlet, max(exc.reset_at, services.clock()) + RATE_LIMIT_MARGIN)
            report.stopped = f"rate limited until {exc.reset_at:%H:%M}Z"
            log.warning("%s: deletions wait: %s", outlet, report.stopped)
            return report
        except AuthFailed as exc:
            # The credentials, not the item: every later call would be refused too.
            deletions.record_retry(item, f"{outlet} refused the credentials: {exc}",
                                   services.clock() + AUTH_RETRY)
            report.stopped = f"credentials refused: {exc}"
            return report
        except (Rejected, Unsupported) as exc:
            deletions.record_failed(item, str(exc) or type(exc).__name__)
            log.error("%s: deletion refused by %s: %s", item.label, outlet, exc)
            report.failed += 1
            continue
        except Exception as exc:
            if database_failing(exc):
                raise
            if isinstance(exc, TransientError):
                message = str(exc) or "temporary failure"
            else:
                message = skip(services.db, JOB, outlet, item.platform_id, exc,
                               services.clock(), log, "deletion")
            retry_at = services.clock() + backoff(item.attempts + 1, daemon.retry_base_seconds,
                                                  daemon.retry_max_seconds)
            state = deletions.record_retry(item, message, retry_at)
            log.warning("%s: deletion attempt failed (%s); %s", item.label, message,
                        "giving up: failed" if state == "failed"
                        else f"next attempt at {retry_at:%H:%M:%S}Z")
            if state == "failed":
                report.failed += 1
            else:
                report.retrying += 1
            continue
        deletions.record_deleted(item)
        log.info("%s: deleted", item.label)
        report.deleted += 1
    return report
