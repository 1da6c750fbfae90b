"""Read each outlet's own limits from its server (a Mastodon server's /api/v2/instance
`configuration.polls`) and keep them where the domain checks polls against them
(`inmm_tui.domain.polls.record_server_rules`): the UI holds no tokens and cannot ask.
Run with the hourly metrics; a server that does not answer keeps what was read before."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from inmm_tui.domain import polls
from inmm_tui.store.tx import write

if TYPE_CHECKING:
    from inmm_tui.capabilities import PollRules
    from inmm_tui.domain.services import Services
    from inmm_tui.platforms.base import Platform

log = logging.getLogger("inmm_daemon.server_limits")


def read_server_limits(services: Services, platform: Platform, outlet: str) -> PollRules | None:
    """The poll limits `outlet`'s server gives now, kept (audited when they changed); None
    where it says none (or did not answer)."""
    if platform.capabilities.polls is None:
        return None
    rules = platform.poll_rules(fresh=True)
    if rules is None:
        return None
    with write(services.db):
        changed = polls.record_server_rules(services.db.conn, outlet, rules, services.clock())
    if changed:
        log.info("outlet %s: the server's own poll limits are now %s", outlet, rules)
    return rules
