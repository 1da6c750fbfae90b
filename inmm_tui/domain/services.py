"""The domain services, built once from the config and a database, handed to the UI and
the daemon alike (neither builds its own)."""

from __future__ import annotations

import functools
import sqlite3
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from inmm_tui.timeutil import Clock, utcnow

if TYPE_CHECKING:
    from sqlite_utils import Database

    from inmm_tui.config import Config
    from inmm_tui.domain.acknowledgement import PolicyAcknowledgements
    from inmm_tui.domain.calendar import Calendar
    from inmm_tui.domain.deletions import Deletions
    from inmm_tui.domain.follows import Follows
    from inmm_tui.domain.governance import Governance
    from inmm_tui.domain.media import Media
    from inmm_tui.domain.members import Members
    from inmm_tui.domain.moderation import IncomingScreen, Moderation
    from inmm_tui.domain.people import Roster
    from inmm_tui.domain.posts import Posts, Screener
    from inmm_tui.domain.private_answers import PrivateAnswers
    from inmm_tui.domain.queues import Queues
    from inmm_tui.domain.reminders import Reminders
    from inmm_tui.domain.shares import Shares
    from inmm_tui.domain.switches import Switches


class Services:
    """Each service is built, and its module imported, when first used: the UI's first
    screen needs only the queues, and importing every domain module before it could draw
    cost a quarter of its start-up."""

    def __init__(self, config: Config, db: Database | sqlite3.Connection, *, clock: Clock,
                 screener: Screener | Lazy, incoming_screen: IncomingScreen | Lazy) -> None:
        self.config = config
        if isinstance(db, sqlite3.Connection):
            self.conn, self._db = db, None
        else:
            self.conn, self._db = db.conn, db
        self._db_lock = threading.Lock()
        self.clock = clock
        self._screener = screener
        self._incoming_screen = incoming_screen
        self._outlets = {outlet.name: outlet.api for outlet in config.outlets}

    @property
    def db(self) -> Database:
        """sqlite-utils' `Database` on `conn`, made when first asked for. Built on a plain
        connection (`store.db.open_connection`, the UI), the services import sqlite-utils
        only when something needs it, not to read the first screen."""
        if self._db is None:
            with self._db_lock:
                if self._db is None:
                    from inmm_tui.store.db import wrap

                    self._db = wrap(self.conn)
        return self._db

    @classmethod
    def build(cls, config: Config, db: Database | sqlite3.Connection, *, clock: Clock = utcnow,
              screener: Screener | None = None,
              incoming_screen: IncomingScreen | None = None,
              lazy_screener: bool = False) -> Services:
        if screener is None:
            screener = (Lazy(lambda: default_screener(config)) if lazy_screener
                        else default_screener(config))
        if incoming_screen is None:
            incoming_screen = (Lazy(lambda: _incoming_screen(config)) if lazy_screener
                               else _incoming_screen(config))
        return cls(config, db, clock=clock, screener=screener, incoming_screen=incoming_screen)

    @functools.cached_property
    def roster(self) -> Roster:
        from inmm_tui.domain.people import Roster

        return Roster(self.db, tuple(self._outlets), clock=self.clock)

    @functools.cached_property
    def policy(self) -> PolicyAcknowledgements:
        from inmm_tui.domain.acknowledgement import PolicyAcknowledgements

        return PolicyAcknowledgements(self.db, self.config.policy_text_path,
                                      self.config.policy_rules_path, clock=self.clock)

    @functools.cached_property
    def posts(self) -> Posts:
        from inmm_tui.domain.posts import Posts

        config = self.config
        return Posts(self.db, outlets=self._outlets, signature=config.inmm.signature,
                     four_eyes=config.inmm.four_eyes, screener=self._screener, clock=self.clock,
                     announcement_limit=config.inmm.announcement_limit,
                     limits=lambda: policy_limits(config), tz=config.tz)

    @functools.cached_property
    def private_answers(self) -> PrivateAnswers:
        from inmm_tui.domain.private_answers import PrivateAnswers

        return PrivateAnswers(self.db, outlets=self._outlets, screener=self._screener,
                              max_attempts=self.config.daemon.max_attempts, clock=self.clock)

    @functools.cached_property
    def calendar(self) -> Calendar:
        from inmm_tui.domain.calendar import Calendar

        return Calendar(self.db, self.posts, self.config.tz, clock=self.clock)

    @functools.cached_property
    def media(self) -> Media:
        from inmm_tui.domain.media import Media

        return Media(self.posts)

    @functools.cached_property
    def deletions(self) -> Deletions:
        from inmm_tui.domain.deletions import Deletions

        return Deletions(self.db, max_attempts=self.config.daemon.max_attempts,
                         clock=self.clock)

    @functools.cached_property
    def shares(self) -> Shares:
        from inmm_tui.domain.shares import Shares

        return Shares(self.db, self.posts, clock=self.clock)

    @functools.cached_property
    def switches(self) -> Switches:
        from inmm_tui.domain.switches import Switches

        return Switches(self.db, clock=self.clock)

    @functools.cached_property
    def governance(self) -> Governance:
        from inmm_tui.domain.governance import Governance

        return Governance(self.db, self.config, self.roster, clock=self.clock)

    @functools.cached_property
    def reminders(self) -> Reminders:
        from inmm_tui.domain.reminders import Reminders

        return Reminders(self.db, clock=self.clock)

    @functools.cached_property
    def follows(self) -> Follows:
        from inmm_tui.domain.follows import Follows

        return Follows(self.db, clock=self.clock)

    @functools.cached_property
    def moderation(self) -> Moderation:
        from inmm_tui.domain.moderation import Moderation

        return Moderation(self.db, self.posts, clock=self.clock, screen=self._incoming_screen,
                          outlets=self._outlets)

    @functools.cached_property
    def members(self) -> Members:
        from inmm_tui.domain.members import Members

        return Members(self.db, clock=self.clock)

    @functools.cached_property
    def queues(self) -> Queues:
        from inmm_tui.domain.queues import Queues

        return Queues(self.conn, clock=self.clock, config=self.config)

    def warm(self) -> None:
        """Build whatever `lazy_screener` left for later (no database work)."""
        for screen in (self._screener, self._incoming_screen):
            if isinstance(screen, Lazy):
                screen.warm()


def policy_limits(config: Config) -> Mapping[str, int]:
    """Each platform's character limit from the subcommittee's rules file."""
    from inmm_tui.screening.bridge import rules_for

    return rules_for(config).limits


def _incoming_screen(config: Config) -> IncomingScreen:
    from inmm_tui.domain.moderation import default_incoming_screen

    return default_incoming_screen(config)


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
