"""The banner everyone sees when crisis mode is on or publishing is paused."""

from __future__ import annotations

from inmm_tui.domain.switches import Event
from inmm_tui.ui.widgets.literal import Literal

CRISIS_RULE = ("a crisis post still waits in clearance until someone clears it (a); its "
               "author may clear it too; once cleared it goes out at once")
"""What crisis mode changes, as `Posts.clear` does it (`expedited`): no four-eyes, and
queued for now (or its time) the moment it is cleared. It does not skip clearance."""


class Banner(Literal):
    DEFAULT_CSS = """
    Banner { height: auto; padding: 0 1; display: none; text-style: bold; }
    Banner.crisis { display: block; background: $error; color: $text; }
    Banner.paused { display: block; background: $warning; color: $background; }
    """

    def show_state(self, crisis: Event | None, paused: bool) -> None:
        self.set_class(crisis is not None, "crisis")
        self.set_class(paused and crisis is None, "paused")
        lines = []
        if crisis is not None:
            lines.append(f"CRISIS MODE: {crisis.name} {crisis.hashtag} — {CRISIS_RULE}")
        if paused:
            lines.append("PUBLISHING IS PAUSED — nothing goes out until HQ resumes it")
        self.update("\n".join(lines))
