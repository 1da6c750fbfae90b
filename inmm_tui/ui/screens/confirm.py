"""A modal that asks to confirm an action on one reply, showing whose reply it is and what
it says, so that nobody hides, blocks or reports the wrong one. It may ask a reason as
well, the way `PromptScreen` does (whose look and Enter/Escape handling it shares)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from inmm_tui.ui.screens.prompt import PromptScreen
from inmm_tui.ui.text import outside


class ConfirmItemScreen(PromptScreen):
    """Dismissed with the reason typed ("" when none is asked), or None when cancelled."""

    BINDINGS = [Binding("enter", "confirm", "Confirm")]

    def __init__(self, question: str, author: str, text: str, *, reason: str | None = None,
                 allow_empty: bool = False) -> None:
        super().__init__(question, allow_empty=allow_empty)
        self.author = author
        """Not ours: shown only as literal text."""
        self.text = text
        self.reason = reason
        """The question for a reason, or None for a plain yes or no."""

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-box"):
            yield Label(Text(self.question, style="bold"), id="prompt-question")
            yield Static(outside(self.author, style="bold"), id="confirm-author")
            yield Static(outside(self.text, multiline=True), id="confirm-text")
            if self.reason is None:
                yield Label(Text("Enter to confirm, Escape to cancel"), id="confirm-keys")
            else:
                yield Label(Text(self.reason), id="confirm-reason")
                yield Input(placeholder="Enter to confirm, Escape to cancel", id="prompt-input")
            yield Label("", id="prompt-error")

    def action_confirm(self) -> None:
        # With a reason asked, the input takes Enter itself (`PromptScreen.answer`).
        if self.reason is None:
            self.dismiss("")
