"""The post a share reposts or quotes, as compose and clearance show it beside our text:
its author, date and text are another account's words, drawn through `outside`."""

from __future__ import annotations

import zoneinfo

from rich.text import Text
from textual.message import Message

from inmm_tui.domain.shares import Share
from inmm_tui.domain.when import format_local
from inmm_tui.ui.text import outside

ORIGINAL_LIMIT = 3000
"""Characters of the original shown (a LinkedIn post may hold 3,000)."""


class ShareLoaded(Message):
    """What a draft shares, as the database has it now (None: not a share)."""

    def __init__(self, share: Share | None) -> None:
        super().__init__()
        self.share = share


def shared_post(share: Share | None, tz: zoneinfo.ZoneInfo) -> Text:
    """"Shares: …" with the original's author, date and text; empty for a plain post."""
    if share is None:
        return Text("")
    out = Text("Shares ", style="bold")
    out.append_text(outside(share.url, limit=200))
    original = share.original
    if share.state == "resolving":
        out.append("\nThe daemon is reading the post (its author, text and date)…",
                   style="italic")
    elif original is None:
        out.append(f"\nCannot be shared ({share.state}): ", style="bold red")
        out.append_text(outside(share.note or "", limit=500))
    else:
        if share.state in ("gone", "changed"):
            out.append(f"\n{share.state.upper()}: ", style="bold red")
            out.append_text(outside(share.note or "", "bold red", limit=500))
        out.append("\nby ")
        out.append_text(outside(f"@{original.author_handle}", "bold", limit=120))
        if original.author_name:
            out.append(" (")
            out.append_text(outside(original.author_name, limit=120))
            out.append(")")
        when = format_local(original.created_at, tz) if original.created_at else "date unknown"
        out.append(f", {when}\n", style="dim")
        out.append_text(outside(original.text, multiline=True, limit=ORIGINAL_LIMIT))
        if share.note:
            out.append("\n")
            out.append_text(outside(share.note, "dim", limit=500))
    return out
