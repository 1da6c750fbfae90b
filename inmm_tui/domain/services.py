"""The domain services, built once from the config and a database, handed to the UI and
the daemon alike (neither builds its own)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from inmm_tui.domain.governance import Governance
from inmm_tui.domain.people import Roster
from inmm_tui.domain.posts import Posts, Screener, ScreenOutcome, ScreenRequest
from inmm_tui.domain.queues import Queues
from inmm_tui.domain.reminders import Reminders
from inmm_tui.domain.switches import Switches
from inmm_tui.timeutil import Clock, utcnow

if TYPE_CHECKING:
    from sqlite_utils import Database

    from inmm_tui.config import Config


@dataclass
class Services:
    config: Config
    db: Database
    roster: Roster
    posts: Posts
    switches: Switches
    governance: Governance
    reminders: Reminders
    clock: Clock
    queues: Queues

    @classmethod
    def build(cls, config: Config, db: Database, *, clock: Clock = utcnow,
              screener: Screener | None = None, lazy_screener: bool = False) -> Services:
        outlets = {outlet.name: outlet.api for outlet in config.outlets}
        if screener is None:
            screener = LazyScreener(config) if lazy_screener else default_screener(config)
        roster = Roster(db, tuple(outlets), clock=clock)
        return cls(
            config=config,
            db=db,
            roster=roster,
            posts=Posts(db, outlets=outlets, signature=config.inmm.signature,
                        four_eyes=config.inmm.four_eyes, screener=screener, clock=clock,
                        announcement_limit=config.inmm.announcement_limit),
            switches=Switches(db, clock=clock),
            governance=Governance(db, config, roster, clock=clock),
            reminders=Reminders(db, clock=clock),
            clock=clock,
            queues=Queues(db, clock=clock),
        )


def default_screener(config: Config) -> Screener:
    """The policy screen with the configured rules (see `inmm_tui.screening`)."""
    from inmm_tui.screening.bridge import screener_for

    return screener_for(config)


class LazyScreener:
    """The policy screen, built on first use rather than at start-up: loading the rules
    takes about a quarter of a second, which the UI's first screen should not wait for.
    The UI warms it in a background worker, so a bad rules file still shows at once."""

    def __init__(self, config: Config) -> None:
        self._config = config
        self._real: Screener | None = None
        self._lock = threading.Lock()

    def warm(self) -> Screener:
        with self._lock:
            if self._real is None:
                self._real = default_screener(self._config)
            return self._real

    def __call__(self, request: ScreenRequest) -> ScreenOutcome:
        return (self._real or self.warm())(request)
