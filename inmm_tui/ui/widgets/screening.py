"""What the compose screen shows beside the text: each outlet's count, and the policy
screen's findings with the offending text highlighted."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from inmm_tui.domain.posts import OutletPreview, ScreenOutcome
from inmm_tui.ui.widgets.literal import Literal

SEVERITY_STYLE = {"block": "bold white on red underline", "warn": "black on yellow underline"}
"""Underlined as well as coloured: with NO_COLOR the colours go and the mark must stay."""
VERDICT_MARK = {"block": "✖ BLOCK", "warn": "⚠ WARN", "pass": "✓ PASS"}
"""Each verdict by word and glyph, never by colour alone."""


class OutletCounts(Literal):
    """Each outlet's length counted the platform's way, against its limit."""

    def show(self, outlets: list[OutletPreview], titles: dict[str, str], signature: str = "",
             hashtag: str | None = None) -> None:
        text = Text()
        added = " and ".join(part for part in (hashtag, signature) if part)
        if added:
            text.append(f"Added for you: {added}\n", style="dim")
        thread = any(item.part > 1 for item in outlets)
        for item in outlets:
            over = item.length > item.limit
            mark = "over by " + str(item.length - item.limit) if over else "ok"
            name = titles.get(item.outlet, item.outlet)
            if thread:  # each part of a thread is counted on its own
                name = f"{name[:11]} part {item.part}"
            text.append(f"{name:<19}", style="bold")
            text.append(f"{item.length:>4}/{item.limit:<4} ",
                        style="bold red" if over else "green")
            text.append(mark + "\n", style="red" if over else "dim")
        if not outlets:
            text.append("Choose at least one outlet.", style="yellow")
        self.update(text)


class Findings(Literal):
    """The findings, each with its message, and the text with each span highlighted."""

    def show(self, outcome: ScreenOutcome, texts: dict[str, str]) -> None:
        self.set_class(outcome.verdict == "block", "block")
        self.set_class(outcome.verdict == "warn", "warn")
        out = Text()
        verdict_style = {"block": "bold red", "warn": "bold yellow"}.get(outcome.verdict,
                                                                          "bold green")
        mark = VERDICT_MARK.get(outcome.verdict, outcome.verdict.upper())
        out.append(f"Screening: {mark}\n", style=verdict_style)
        if not outcome.findings:
            out.append("No finding.\n", style="dim")
            self.update(out)
            return
        for finding in outcome.findings:
            severity = str(finding.get("severity", outcome.verdict))
            out.append(VERDICT_MARK.get(severity, severity.upper()),
                       style=SEVERITY_STYLE.get(severity, ""))
            out.append(" ")
            out.append(f"{finding.get('category') or finding.get('rule', '')}: ", style="bold")
            out.append(f"{finding.get('message', '')}")
            if finding.get("media"):
                out.append(f"  [alt text of {finding['media']}]", style="dim")
            elif finding.get("outlet"):
                out.append(f"  [{finding['outlet']}]", style="dim")
            out.append("\n")
        for outlet, marked in highlighted(outcome.findings, texts).items():
            out.append(f"\n{outlet}: ", style="bold dim")
            out.append_text(marked)
            out.append("\n")
        self.update(out)


def highlighted(findings: list[dict[str, Any]], texts: dict[str, str]) -> dict[str, Text]:
    """Each distinct outlet text that has findings with spans, with those spans styled.
    Outlets sharing the same text are shown once."""
    shown: dict[str, Text] = {}
    by_text: dict[str, str] = {}
    for finding in findings:
        span = finding.get("span")
        outlet = finding.get("outlet")
        if not span or outlet not in texts or finding.get("media"):  # a span in an alt text
            continue
        source = texts[outlet]
        name = by_text.setdefault(source, outlet)
        marked = shown.setdefault(name, Text(source))
        start, end = int(span[0]), int(span[1])
        if 0 <= start < end <= len(source):
            severity = str(finding.get("severity", "warn"))
            marked.stylize(SEVERITY_STYLE.get(severity, "reverse"), start, end)
    return shown
