"""`Static` and `Label` that draw what they are given literally: the UI's only text
widgets (tests/ui/test_literal_guard.py keeps it so).

Textual reads a `str` given to a Static or Label as markup, so a reply holding `[/]`
crashed the screen showing it and `[link=...]` became a link; and nothing removes
terminal escapes on the way out. These pass every `str` or `Text` through `outside`,
whichever way it arrives (constructor, `update`, `content`)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.visual import VisualType
from textual.widgets import Label, Static

from inmm_tui.ui.text import outside

TEXT_LIMIT = 20_000
"""Characters kept of one block of text: a 100,000-character reply is cut, with …."""


def literal(content: object) -> Text:
    if isinstance(content, str | Text):
        return outside(content, multiline=True, limit=TEXT_LIMIT)
    raise TypeError(f"a Literal widget shows str or Text, not {type(content).__name__}")


class _Literal(Static):
    def __init__(self, content: VisualType = "", **kwargs: Any) -> None:
        super().__init__(literal(content), markup=False, **kwargs)

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        super().update(literal(content), layout=layout)

    @Static.content.setter  # type: ignore[attr-defined, untyped-decorator]
    def content(self, content: VisualType) -> None:
        Static.content.fset(self, literal(content))  # type: ignore[attr-defined]


class Literal(_Literal):
    """A Static that shows `str` or `Text` literally."""


class LiteralLabel(_Literal, Label):
    """A Label that shows `str` or `Text` literally."""
