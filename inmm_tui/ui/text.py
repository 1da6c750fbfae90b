"""The one seam where text that is not ours becomes something the UI draws.

Names, replies, questions, spoof-account names and platform error messages are data: they
become a `rich.text.Text` here (never a markup string, so `[bold]` and `[@click=...]` stay
literal) with control and bidi-override characters made visible. DataTable cells and
`Static.update` receive what this returns, never the raw string.
"""

from __future__ import annotations

from rich.style import StyleType
from rich.text import Text

from inmm_tui.outside_text import printable


def outside(text: object, style: StyleType = "", *, multiline: bool = False,
            limit: int | None = None) -> Text:
    """`text` (from a follower, a platform, a person) as literal, printable `Text`."""
    return Text(printable(text, multiline=multiline, limit=limit), style=style)
