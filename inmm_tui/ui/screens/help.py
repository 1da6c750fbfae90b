"""`?`: every key of the screen underneath (the footer shows only the few that fit),
then the keys that work everywhere, in plain words. The list has the focus, so it
scrolls with the arrows, j/k and PgUp/PgDn in a small terminal."""
from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen

from inmm_tui.ui.widgets.literal import Literal
from inmm_tui.ui.widgets.tables import ListTable

GLOBAL_KEYS = [
    ("^p", "Command palette: every action by name"),
    ("↑ ↓  j k", "Move in lists; PgUp PgDn a page"),
    ("Enter", "Open the selected item"),
    ("Escape", "Back"),
    ("q", "Quit (from the home screen)"),
    ("^q", "Quit from anywhere"),
]
SWITCH_KEY = ("f2", "Switch person (demo only)")


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "modals.tcss"
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Literal(f"Keys — {self.under.title or type(self.under).__name__}"
                          "   (↑ ↓ to scroll, Escape to close)", id="help-title")
            yield ListTable(id="help-keys")

    def on_mount(self) -> None:
        table = self.query_one(ListTable)
        table.add_column("Key", key="key", width=12)
        table.add_column("Does", key="does", width=46)
        table.add_row(Text("This screen", style="bold"), "")
        seen: set[str] = set()
        for binding in screen_bindings(self.under):
            key = self.app.get_key_display(binding)  # as the footer shows it
            if binding.key in seen:
                continue  # a screen's own binding replaces the one it inherits
            seen.add(binding.key)
            if binding.description:
                table.add_row(key, binding.description)
        table.add_row("", "")
        table.add_row(Text("Everywhere", style="bold"), "")
        demo = bool(getattr(self.app, "switch_to", None))
        for key, does in GLOBAL_KEYS[:1] + ([SWITCH_KEY] if demo else []) + GLOBAL_KEYS[1:]:
            table.add_row(key, does)
        table.focus()


def screen_bindings(screen: Screen) -> list[Binding]:
    """The screen's own keys first, then those it inherits from our screens (Textual's
    own, such as Tab, are not ours to explain)."""
    found: list[Binding] = []
    for cls in type(screen).__mro__:
        if cls.__module__.startswith("textual."):
            continue
        for item in cls.__dict__.get("BINDINGS", []):
            found.append(item if isinstance(item, Binding) else Binding(*item))
    return found
