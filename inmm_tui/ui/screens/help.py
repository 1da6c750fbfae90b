"""`?`: the keys of the screen underneath, in plain words."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen

from inmm_tui.ui.widgets.literal import Literal
from inmm_tui.ui.widgets.tables import ListTable

GLOBAL_KEYS = [
    ("ctrl+p", "Command palette: every action by name"),
    ("↑ ↓  j k", "Move in lists"),
    ("Enter", "Open the selected item"),
    ("Escape", "Back"),
    ("q", "Quit (from the home screen)"),
]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Literal(f"Keys — {self.under.title or type(self.under).__name__}",
                         id="help-title")
            yield ListTable(id="help-keys")

    def on_mount(self) -> None:
        table = self.query_one(ListTable)
        table.add_column("Key", width=10)
        table.add_column("Does", width=44)
        seen: set[str] = set()
        for binding in screen_bindings(self.under):
            if binding.show and binding.description and binding.description not in seen:
                seen.add(binding.description)
                key = binding.key_display or binding.key.replace("question_mark", "?")
                table.add_row(key, binding.description)
        for key, does in GLOBAL_KEYS:
            table.add_row(key, does)


def screen_bindings(screen: Screen) -> list[Binding]:
    """The screen's own keys first, then those it inherits."""
    found: list[Binding] = []
    for cls in type(screen).__mro__:
        for item in cls.__dict__.get("BINDINGS", []):
            found.append(item if isinstance(item, Binding) else Binding(*item))
    return found
