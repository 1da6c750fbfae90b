"""Where people type: a TextArea and an Input that refuse control characters as they come
in (pasted, or in a draft saved before this rule), saying which and where.

Textual draws what is typed as it is, so an ESC pasted from a web page would reach the
terminal; and a post cannot hold one anyway (the domain refuses it: `Posts._check_body`)."""

from __future__ import annotations

from typing import Any

from textual.document._edit import Edit, EditResult
from textual.widgets import Checkbox, Input, TextArea

from inmm_tui.outside_text import describe, forbidden_character, where, without_forbidden


def refusal(text: str) -> str | None:
    """What a person is told when `text` holds a character that was taken out, or None."""
    found = forbidden_character(text)
    if found is None:
        return None
    index, char = found
    return (f"Removed {describe(char)} at {where(text, index)}: a post cannot hold control "
            "characters.")


class PostEditor(TextArea):
    """The compose text: control characters never enter the document."""

    def edit(self, edit: Edit) -> EditResult:
        message = refusal(edit.text)
        if message is not None:
            edit.text = without_forbidden(edit.text)
            self.notify(message, title="Not taken", severity="warning")
        return super().edit(edit)

    def load_text(self, text: str) -> None:
        message = refusal(text)
        if message is not None:
            self.notify(message, title="Not taken", severity="warning")
        super().load_text(without_forbidden(text))


class PlainInput(Input):
    """A one-line Input whose value never holds a control character, however it got there
    (typed, pasted, or set from a draft)."""

    def validate_value(self, value: str) -> str:
        return without_forbidden(value.replace("\t", " "))


class TickBox(Checkbox):
    """A Checkbox whose state shows without colour (NO_COLOR, a monochrome terminal):
    ticked "✓", unticked blank. Textual's draws the same "X" either way and tells them
    apart by colour only."""

    def __init__(self, label: str, value: bool = False, **kwargs: Any) -> None:
        super().__init__(label, value, **kwargs)
        self.BUTTON_INNER = "✓" if value else " "  # read by ToggleButton._button

    def watch_value(self) -> None:
        self.BUTTON_INNER = "✓" if self.value else " "
        super().watch_value()
