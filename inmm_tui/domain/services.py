"""The domain services, built once from the config and a database, handed to the UI and
the daemon alike (neither builds its own)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from inmm_tui.domain.follows import Follows
from inmm_tui.domain.governance import Governance
from inmm_tui.domain.members import Members
from inmm_tui.domain.moderation import IncomingScreen, Moderation, default_incoming_screen
from inmm_tui.domain.people import Roster
from inmm_tui.domain.posts import Posts, Screener
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

    @classmethod
    def build(cls, config: Config, db: Database, *, clock: Clock = utcnow,
              screener: Screener | None = None,
              incoming_screen: IncomingScreen | None = None) -> Services:
        outlets = {outlet.name: outlet.api for outlet in config.outlets}
        if screener is None:
            screener = default_screener(config)
        roster = Roster(db, tuple(outlets), clock=clock)
        posts = Posts(db, outlets=outlets, signature=config.inmm.signature,
                      four_eyes=config.inmm.four_eyes, screener=screener, clock=clock)
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
            moderation=Moderation(db, posts, clock=clock,
                                  screen=incoming_screen or default_incoming_screen(config)),
            members=Members(db, clock=clock),
        )


def default_screener(config: Config) -> Screener:
    """The policy screen with the configured rules (see `inmm_tui.screening`)."""
    from inmm_tui.screening.bridge import screener_for

    return screener_for(config)
