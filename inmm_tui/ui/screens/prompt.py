"""A small modal that asks one line (a reason, a comment) and returns it, or None."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input

from inmm_tui.ui.widgets.editors import PlainInput
from inmm_tui.ui.widgets.literal import LiteralLabel


class PromptScreen(ModalScreen[str | None]):
    CSS_PATH = "modals.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, *, allow_empty: bool = False,
                 placeholder: str = "") -> None:
        super().__init__()
        self.question = question
        self.allow_empty = allow_empty
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-box"):
            yield LiteralLabel(self.question, id="prompt-question")
            yield PlainInput(placeholder=self.placeholder or "Enter to confirm, Escape to cancel",
                             id="prompt-input")
            yield LiteralLabel("", id="prompt-error")

    @on(Input.Submitted)
    def answer(self, event: Input.Submitted) -> None:
        if not event.value.strip() and not self.allow_empty:
            self.query_one("#prompt-error", LiteralLabel).update("Please write something first.")
            return
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


def if_answered(then: Callable[[str], object]) -> Callable[[str | None], None]:
    """The callback for a PromptScreen: run `then` with the answer, nothing when cancelled
    (without `allow_empty` an answer is never empty). Textual wants a callback that returns
    None, and `then` usually starts a worker and returns it."""

    def answered(text: str | None) -> None:
        if text is not None:
            then(text)

    return answered
