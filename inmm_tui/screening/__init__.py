"""The policy screen: rules from `config/policy.toml`, findings with reasons and spans.

    screen(text, ScreenContext(...)) -> Screening(verdict, findings)

Every post passes it before clearance and every incoming reply before the moderation
queue. Offline and fast (a few hundred microseconds a post): no model, no network.
"""

from __future__ import annotations

from inmm_tui.screening.engine import (
    Finding,
    ScreenContext,
    Screening,
    looks_like_question,
    screen,
)
from inmm_tui.screening.length import weighted_length
from inmm_tui.screening.rules import (
    CATEGORIES,
    INAPPROPRIATE,
    Rules,
    RulesError,
    default_rules,
    load_rules,
)

__all__ = [
    "CATEGORIES",
    "INAPPROPRIATE",
    "Finding",
    "Rules",
    "RulesError",
    "ScreenContext",
    "Screening",
    "default_rules",
    "load_rules",
    "looks_like_question",
    "screen",
    "weighted_length",
]
