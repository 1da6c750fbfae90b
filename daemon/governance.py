"""The daemon's governance jobs: prove recorded rotations with a "who am I" call, notice a
changed secrets file, look for spoof accounts, check the audit log, keep the reminders.

Each is a thin call into `inmm_tui.domain.governance`; only the platform calls live here.
"""

from __future__ import annotations

import logging

from inmm_daemon.publisher import RECENT_LOOKED_AT

from inmm_tui.domain import audit, governance
from inmm_tui.domain.services import Services
from inmm_tui.domain.skips import database_failing, skip
from inmm_tui.platforms.base import Platform
from inmm_tui.platforms.errors import AuthFailed, PlatformError, RateLimited, TransientError
from inmm_tui.store.tx import write

log = logging.getLogger("inmm_daemon.governance")

SPOOF_WATCH = "spoof watch"


def check_credentials(services: Services, platform: Platform) -> str:
    """After HQ records a rotation, prove the credentials work. Only the platform's
    authentication refusal counts as dead credentials; a timeout or a 5xx proves nothing
    and the check is tried again on the next run."""
    if platform.name not in governance.unverified_rotations(services.db.conn):
        return "nothing to check"
    try:
        account = platform.whoami()
    except AuthFailed as exc:
        with write(services.db):
            governance.record_credentials_check(services.db.conn, platform.name, False, str(exc),
                                                services.clock())
        log.warning("outlet %s: the new credentials were refused: %s", platform.name, exc)
        return "refused"
    except (TransientError, RateLimited) as exc:
        log.info("outlet %s: credentials check postponed (%s)", platform.name, exc)
        return "postponed"
    with write(services.db):
        governance.record_credentials_check(services.db.conn, platform.name, True,
                                            f"@{account.handle}", services.clock())
    log.info("outlet %s: the new credentials work (@%s)", platform.name, account.handle)
    return "verified"


def check_secrets(services: Services, outlet: str, secret_material: bytes) -> bool:
    """Compare a keyed fingerprint of the outlet's secrets with the last one seen; a change
    is offered to HQ as a rotation to confirm. The secret itself is never stored."""
    with write(services.db):
        key = governance.fingerprint_key(services.db.conn, services.clock())
        fingerprint = governance.secrets_fingerprint(key, secret_material)
        changed = governance.note_secrets_fingerprint(services.db.conn, outlet, fingerprint,
                                                      services.clock())
    if changed:
        log.info("outlet %s: the secrets file changed; offered as a rotation to confirm", outlet)
    return changed


def watch_spoofs(services: Services, platform: Platform, handle: str,
                 extra: list[str] | tuple[str, ...] = (), limit: int = 200) -> int:
    """Look up each look-alike of the society's handle; queue new suspects once.
    Stops at a rate limit (the next run goes on); a look-up that fails in a way nobody
    foresaw is recorded as skipped and the others go on. Returns how many were queued."""
    queued = 0
    own = handle.lstrip("@").lower()
    for variant in governance.spoof_variants(handle, extra)[:limit]:
        try:
            account = platform.lookup_user(variant)
        except RateLimited as exc:
            log.info("outlet %s: spoof watch paused by a rate limit until %s", platform.name,
                     exc.reset_at.isoformat())
            break
        except PlatformError as exc:
            log.info("outlet %s: spoof look-up of %s failed: %s", platform.name, variant, exc)
            continue
        except Exception as exc:
            if database_failing(exc):
                raise
            skip(services.db, SPOOF_WATCH, platform.name, variant, exc, services.clock(), log,
                 "spoof look-up of")
            continue
        if account is None or account.handle.lower() == own:
            continue
        with write(services.db):
            queued += governance.record_suspect(services.db.conn, platform.name, account.handle,
                                                account.user_id, account.name, services.clock())
    return queued


def check_platform_posts(services: Services, platform: Platform) -> int:
    """Posts on the account that did not go out through inmm-tui mean someone else has the
    password: alert HQ."""
    try:
        recent = platform.recent_posts(RECENT_LOOKED_AT)
    except PlatformError as exc:
        log.info("outlet %s: could not list recent posts: %s", platform.name, exc)
        return 0
    with write(services.db):
        raised = governance.unexplained_platform_posts(
            services.db.conn, platform.name, [(p.platform_id, p.text) for p in recent],
            services.clock())
    return len(raised)


def audit_check(services: Services) -> list[str]:
    check = audit.verify(services.db.conn)  # its own read snapshot, outside the write lock
    with write(services.db):
        raised = governance.check_audit(services.db.conn, services.clock(), check)
    for message in raised:
        log.warning("suspicious activity: %s", message)
    return raised


def raise_reminders(services: Services) -> int:
    with write(services.db):
        return governance.raise_reminders(services.db.conn, services.config, services.clock())
