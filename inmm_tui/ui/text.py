"""The one seam where text that is not ours becomes something the UI draws.

Names, replies, questions, spoof-account names and platform error messages are data: they
become a `rich.text.Text` here (never a markup string, so `[bold]` and `[@click=...]` stay
literal) with control and bidi-override characters made visible. DataTable cells and
`Static.update` receive what this returns, never the raw string: `ListTable` and
`Literal` (inmm_tui.ui.widgets) pass everything they are given through `outside`, so a
screen cannot forget to.
"""

from __future__ import annotations

from rich.style import Style, StyleType
from rich.text import Text

from inmm_tui.outside_text import has_controls, printable


def outside(text: object, style: StyleType = "", *, multiline: bool = False,
            limit: int | None = None) -> Text:
    """`text` (from a follower, a platform, a person) as literal, printable `Text`.

    A `Text` (ours, perhaps with a name appended) keeps its styles; only what it holds
    that is not printable is made visible, piece by piece."""
    if isinstance(text, Text):
        return _printable_text(text, style, multiline=multiline, limit=limit)
    return Text(printable(text, multiline=multiline, limit=limit), style=style)


def _printable_text(text: Text, style: StyleType, *, multiline: bool,
                    limit: int | None) -> Text:
    plain = text.plain
    if has_controls(plain) or "\t" in plain or ("\n" in plain and not multiline):
        # `printable` may lengthen a character (U+202E shows as "<U+202E>"), so each
        # styled piece is made printable on its own and the pieces put back together.
        cuts = sorted({0, len(plain), *(o for s in text.spans for o in (s.start, s.end))})
        pieces = text.divide(cuts[1:-1]) if len(cuts) > 2 else [text]
        out = Text(style=text.style, justify=text.justify, no_wrap=text.no_wrap,
                   overflow=text.overflow, end=text.end)
        for piece in pieces:
            styles = [Style.parse(s.style) if isinstance(s.style, str) else s.style
                      for s in piece.spans if s.start == 0 and s.end == len(piece)]
            out.append(printable(piece.plain, multiline=multiline),
                       style=Style.combine(styles) if styles else None)
        text = out
    else:
        text = text.copy()
    if limit is not None and len(text.plain) > limit:
        text.truncate(max(limit - 1, 0))
        text.append("\u2026")
    if style:
        text.stylize(style)
    return text
