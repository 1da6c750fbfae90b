"""The daemon's governance jobs: prove recorded rotations with a "who am I" call, notice a
changed secrets file, look for spoof accounts, check the audit log, keep the reminders.

Each is a thin call into `inmm_tui.domain.governance`; only the platform calls live here.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from inmm_daemon.publisher import RECENT_LOOKED_AT

from inmm_tui.domain import audit, authority, governance, witness
from inmm_tui.domain.services import Services
from inmm_tui.domain.skips import database_failing, skip
from inmm_tui.platforms.base import Platform
from inmm_tui.platforms.errors import AuthFailed, PlatformError, RateLimited, TransientError
from inmm_tui.store.tx import write
from inmm_tui.timeutil import Clock

if TYPE_CHECKING:
    from sqlite_utils import Database

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
    # Each its own read snapshot, outside the write lock.
    check = audit.verify(services.db.conn)
    findings = authority.unexplained(services.db.conn)
    path = services.config.audit_witness_path
    with write(services.db):
        raised = governance.check_audit(services.db.conn, services.clock(), check, findings,
                                        witness_path=path)
    for message in raised:
        log.warning("suspicious activity: %s", message)
    if path is not None:
        _journal_witness(path)
    return raised


def anchor_audit(db: Database, path: Path, clock: Clock) -> None:
    """Between the hourly checks: witness the entries appended since the last witness
    (re-hashing only those), so that little of the log is ever unanchored."""
    current = db.conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
    try:
        known = witness.read(path)
    except witness.WitnessError:
        known, check = None, None  # anchor_audit below raises the alert
    else:
        if known is not None and current is not None and (known.seq, known.hash) == tuple(current):
            return  # nothing new: no write lock, no file write
        # Re-hashed in a read snapshot: the first time that is the whole log.
        check = audit.verify(db.conn, since=(known.seq, known.hash) if known else None)
    with write(db):
        result, alerted = governance.anchor_audit(db.conn, path, clock(), verified=check)
    if alerted:  # once, not at every heartbeat while the problem stands
        log.error("audit witness: %s", result.problem)
    elif result.moved:
        _journal_witness(path)


def _journal_witness(path: Path) -> None:
    """The same head in the journal, which administrators cannot rewrite either."""
    try:
        current = witness.read(path)
    except witness.WitnessError as exc:
        log.error("audit witness: %s", exc)
        return
    if current is not None:
        log.info("audit witness: entry #%d hash %s%s", current.seq, current.hash,
                 f"; {len(current.problems)} problems standing" if current.problems else "")


def raise_reminders(services: Services) -> int:
    with write(services.db):
        return governance.raise_reminders(services.db.conn, services.config, services.clock())
