"""A modal that asks to confirm an action on one reply, showing whose reply it is and what
it says, so that nobody hides, blocks or reports the wrong one. It may ask a reason as
well, the way `PromptScreen` does (whose look and Enter/Escape handling it shares)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical

from inmm_tui.ui.screens.prompt import PromptScreen
from inmm_tui.ui.text import outside
from inmm_tui.ui.widgets.editors import PlainInput
from inmm_tui.ui.widgets.literal import Literal, LiteralLabel


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
            yield LiteralLabel(Text(self.question, style="bold"), id="prompt-question")
            yield Literal(outside(self.author, style="bold"), id="confirm-author")
            yield Literal(outside(self.text, multiline=True), id="confirm-text")
            if self.reason is None:
                yield LiteralLabel(Text("Enter to confirm, Escape to cancel"), id="confirm-keys")
            else:
                yield LiteralLabel(Text(self.reason), id="confirm-reason")
                yield PlainInput(placeholder="Enter to confirm, Escape to cancel", id="prompt-input")
            yield LiteralLabel("", id="prompt-error")

    def action_confirm(self) -> None:
        # With a reason asked, the input takes Enter itself (`PromptScreen.answer`).
        if self.reason is None:
            self.dismiss("")
