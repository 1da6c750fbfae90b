"""The crisis/pause banner on every screen: `attach_banner` puts a `Banner` under the
screen's header (home composes its own), and `SwitchesLoaded` carries the state a
screen's worker read, so the widget itself never fetches."""

from __future__ import annotations

from textual.message import Message
from textual.screen import Screen
from textual.widgets import Header

from inmm_tui.domain.switches import Event
from inmm_tui.ui.widgets.banner import Banner


class SwitchesLoaded(Message):
    """Crisis mode and the pause, as they stand now."""

    def __init__(self, crisis: Event | None, paused: bool) -> None:
        super().__init__()
        self.crisis = crisis
        self.paused = paused

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SwitchesLoaded)


def attach_banner(screen: Screen) -> Banner:
    """The screen's banner, mounted under its header if it has none yet."""
    found = list(screen.query(Banner))
    if found:
        return found[0]
    banner = Banner(classes="screen-banner")
    headers = list(screen.query(Header))
    if headers:
        screen.mount(banner, after=headers[0])
    elif screen.children:
        screen.mount(banner, before=screen.children[0])
    else:
        screen.mount(banner)
    return banner


def show_switches(screen: Screen, message: SwitchesLoaded) -> None:
    for banner in screen.query(Banner):
        banner.show_state(message.crisis, message.paused)
