"""`outside`: our own Text with a name inside keeps its styles, and what the name holds
that is not printable is made visible in place."""

from __future__ import annotations

from rich.text import Text

from inmm_tui.ui.text import outside


def test_our_text_keeps_its_styles_around_a_name_made_printable() -> None:
    text = Text("Name: ", style="bold")
    text.append("a\x1b[2J\u202eb", style="red")
    text.append(" ok", style="green")
    shown = outside(text)
    assert shown.plain == "Name: a␛[2J<U+202E>b ok"
    assert shown.style == "bold"
    red = shown.plain.index("a␛")
    assert [(s.start, s.end, str(s.style)) for s in shown.spans] == [
        (red, red + len("a␛[2J<U+202E>b"), "red"), (len(shown.plain) - 3, len(shown.plain),
                                                    "green")]


def test_markup_in_a_string_stays_text_and_long_text_is_cut() -> None:
    assert outside("[@click=app.quit]x[/]").spans == []
    assert outside("[@click=app.quit]x[/]").plain == "[@click=app.quit]x[/]"
    assert outside("line\nbreak").plain == "line ⏎ break"
    assert outside("line\nbreak", multiline=True).plain == "line\nbreak"
    assert outside(Text("x" * 100), limit=10).plain == "x" * 9 + "…"
