"""The domain services, built once from the config and a database, handed to the UI and
the daemon alike (neither builds its own)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from inmm_tui.domain.follows import Follows
from inmm_tui.domain.governance import Governance
from inmm_tui.domain.members import Members
from inmm_tui.domain.moderation import IncomingScreen, Moderation, default_incoming_screen
from inmm_tui.domain.people import Roster
from inmm_tui.domain.posts import Posts, Screener
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
    follows: Follows
    moderation: Moderation
    members: Members
    queues: Queues

    @classmethod
    def build(cls, config: Config, db: Database, *, clock: Clock = utcnow,
              screener: Screener | None = None,
              incoming_screen: IncomingScreen | None = None,
              lazy_screener: bool = False) -> Services:
        outlets = {outlet.name: outlet.api for outlet in config.outlets}
        if screener is None:
            screener = (Lazy(lambda: default_screener(config)) if lazy_screener
                        else default_screener(config))
        if incoming_screen is None:
            incoming_screen = (Lazy(lambda: default_incoming_screen(config)) if lazy_screener
                               else default_incoming_screen(config))
        roster = Roster(db, tuple(outlets), clock=clock)
        posts = Posts(db, outlets=outlets, signature=config.inmm.signature,
                      four_eyes=config.inmm.four_eyes, screener=screener, clock=clock,
                      announcement_limit=config.inmm.announcement_limit,
                      limits=lambda: policy_limits(config))
        return cls(
            config=config,
            db=db,
            roster=roster,
            posts=posts,
            switches=Switches(db, clock=clock),
            governance=Governance(db, config, roster, clock=clock),
            reminders=Reminders(db, clock=clock),
            clock=clock,
            follows=Follows(db, clock=clock),
            moderation=Moderation(db, posts, clock=clock, screen=incoming_screen,
                                  outlets=outlets),
            members=Members(db, clock=clock),
            queues=Queues(db, clock=clock, config=config),
        )

    def warm(self) -> None:
        """Build whatever `lazy_screener` left for later (no database work)."""
        for screen in (self.posts.screener, self.moderation.screen):
            if isinstance(screen, Lazy):
                screen.warm()


def policy_limits(config: Config) -> Mapping[str, int]:
    """Each platform's character limit from the subcommittee's rules file."""
    from inmm_tui.screening.bridge import rules_for

    return rules_for(config).limits


def default_screener(config: Config) -> Screener:
    """The policy screen with the configured rules (see `inmm_tui.screening`)."""
    from inmm_tui.screening.bridge import screener_for

    return screener_for(config)


class Lazy:
    """A screen built on first use rather than at start-up: loading the policy rules
    takes about a quarter of a second, which the UI's first screen should not wait for.
    The UI warms it in a background worker (`Services.warm`), so a bad rules file still
    shows at once."""

    def __init__(self, build: Callable[[], Callable[..., Any]]) -> None:
        self._build = build
        self._real: Callable[..., Any] | None = None
        self._lock = threading.Lock()

    def warm(self) -> None:
        with self._lock:
            if self._real is None:
                self._real = self._build()

    def __call__(self, *args: Any) -> Any:
        if self._real is None:
            self.warm()
        assert self._real is not None
        return self._real(*args)
