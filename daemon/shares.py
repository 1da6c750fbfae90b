"""Fetch what people asked to share (inmm_tui/domain/shares.py).

The UI holds no platform token, so it cannot read another account's post: it records the
address, and this job reads the original through the outlets' clients and records its
author, text and date, and its id on every outlet whose platform has it (where it can be
reposted or quoted natively). An address no outlet reads is `unresolvable`; a post that
no longer exists is `gone`; both are shown with the reason. A temporary failure (a rate
limit, a 503, refused credentials) leaves the share waiting for the next run.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from inmm_tui.capabilities import SHARE
from inmm_tui.domain.services import Services
from inmm_tui.domain.shares import Original
from inmm_tui.platforms.base import Platform, SharedPost
from inmm_tui.platforms.errors import NotFound, PlatformError, Unsupported

log = logging.getLogger("inmm_daemon.shares")


def resolve_shares(services: Services, platforms: Mapping[str, Platform]) -> int:
    """Read every share waiting to be fetched; returns how many were settled."""
    shares = services.shares
    settled = 0
    for post_id, url, outlets in shares.resolving():
        targets: dict[str, tuple[str, bool]] = {}
        original: SharedPost | None = None
        gone: list[str] = []
        notes: list[str] = []
        waiting = ""
        # Every outlet may read it (an X post quoted on Mastodon is read through X); only
        # the post's own outlets become targets.
        for name, platform in platforms.items():
            if not platform.capabilities.shares:
                if name in outlets:
                    notes.append(f"{name}: {platform.capabilities.why_not.get(SHARE, '')}")
                continue
            try:
                found = platform.fetch_post(url)
            except Unsupported:
                continue  # not this platform's address
            except NotFound as exc:
                gone.append(str(exc))
                continue
            except PlatformError as exc:
                waiting = f"{name}: {exc}"
                break
            original = original or found
            if name in outlets:
                targets[name] = (found.platform_id, found.quotable)
        if waiting:
            log.warning("post #%d: the shared post could not be read yet (%s); trying again "
                        "on the next run", post_id, waiting)
            continue
        if original is not None:
            shares.record_resolved(post_id, url, Original(
                original.url, original.author_handle, original.author_name, original.text,
                original.created_at), targets, "; ".join(notes))
        elif gone:
            shares.record_unresolved(post_id, url, "gone", "the post no longer exists: "
                                     + "; ".join(gone))
        else:
            shares.record_unresolved(post_id, url, "unresolvable", (
                "none of the outlets reads this address (give the address of a post on X, "
                "Mastodon or Bluesky)"))
        settled += 1
        log.info("post #%d: shared post %s read", post_id, url)
    return settled
