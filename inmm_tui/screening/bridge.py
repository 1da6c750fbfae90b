"""The screen as the domain sees it: `ScreenRequest` in, `ScreenOutcome` out.

The rules are compiled once per version of the file, when the services are built; a
broken rules file stops the program there with a message naming the file and key (exit
code 2), not at the first post.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from inmm_tui.domain.posts import ScreenOutcome, ScreenRequest
from inmm_tui.domain.roles import Role
from inmm_tui.screening.engine import ScreenContext, Screening, screen
from inmm_tui.screening.rules import Rules, RulesError, load_rules

if TYPE_CHECKING:
    from inmm_tui.config import Config


_compiled: dict[tuple[str, int, int], Rules] = {}


def rules_for(config: Config) -> Rules:
    """The configured rules, with the configuration's announcement limit. Compiled once
    per version of the file (the outgoing and incoming screens and the questions inbox
    share them); an edit by the subcommittee is picked up by the next caller."""
    path = config.policy_rules_path
    try:
        version = path.stat().st_mtime_ns
    except OSError:
        version = -1  # load_rules says what is wrong with the path
    key = (str(path), version, config.inmm.announcement_limit)
    compiled = _compiled.get(key)
    if compiled is None:  # two threads may both compile it once; both results are equal
        if version == -1 and config.inmm.policy_rules:  # say which setting named it
            try:
                load_rules(path)
            except RulesError as exc:
                raise RulesError(f"{config.source}: inmm.policy_rules: {exc} (leave it empty "
                                 "for the rules packaged with inmm-tui)") from None
        rules = load_rules(path)
        limits = {**rules.limits, "announcement": config.inmm.announcement_limit}
        compiled = dataclasses.replace(rules, limits=limits)
        _compiled.clear()  # only the newest version is worth keeping
        _compiled[key] = compiled
    return compiled


def screener_for(config: Config) -> Callable[[ScreenRequest], ScreenOutcome]:
    """A screener for `Posts`: each outlet's final text against the configured rules."""
    rules = rules_for(config)
    topics = tuple(config.inmm.topics)
    signature = config.inmm.signature or None
    tz = config.tz

    def screener(request: ScreenRequest) -> ScreenOutcome:
        context = ScreenContext(
            direction="outgoing",
            apis=(request.api,),
            announcement=request.announcement,
            topic=request.topic,
            hq_author=request.author_role == Role.HQ,
            signature=signature,
            today=(request.now or dt.datetime.now(tz)).astimezone(tz).date(),
            rules=rules,
            topics=topics,
            event_date=request.event_date,
            publish_on=request.publish_at.astimezone(tz).date() if request.publish_at else None,
        )
        result = screen(request.text, context)
        return ScreenOutcome(result.verdict, [
            {**f.as_dict(), "severity": rules.severity_of(f.rule, f.category)}
            for f in result.findings])

    return screener


def incoming_screener_for(config: Config) -> Callable[[str], Screening]:
    """A screener for replies and mentions on their way to the moderation queue."""
    rules = rules_for(config)
    tz = config.tz

    def screener(text: str) -> Screening:
        return screen(text, ScreenContext(direction="incoming", rules=rules,
                                          today=dt.datetime.now(tz).date()))

    return screener
