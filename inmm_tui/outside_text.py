"""Text that is not ours (names, replies, platform error messages) made safe to show.

A follower chooses their display name; a platform chooses its error message. Either may
carry terminal escapes, bidi overrides that reorder what the reader sees, NUL, or a lone
surrogate that no encoder accepts. This module turns such text into plain, printable
characters with every control made *visible*, so the reader sees that something odd was
sent instead of having their terminal steered by it. It knows nothing of Rich or Textual:
the UI's one seam (`inmm_tui.ui.text`) and the command-line output both build on it.
"""

from __future__ import annotations

import functools
import re
from typing import Any

# C0 controls show as their Unicode "control picture" (U+2400 + code): ESC shows as ␛.
_C0_PICTURES = {code: chr(0x2400 + code) for code in range(0x20)}
_C0_PICTURES[0x7F] = "\u2421"  # ␡
# Bidi embeddings, overrides and isolates reorder the text around them (Trojan Source);
# zero-width and format characters hide text. They show as a visible code point.
_FORMAT_CHARS = (
    "\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
)
# Emoji sequences use ZWJ (U+200D) legitimately: keep it between two non-space characters.
# The patterns are compiled when first used (`_re`): every character they match is one
# `str.isprintable` refuses, so ordinary text never needs them, and the UI's first screen
# does not wait for their compiling.
_UNSAFE = "[\x00-\x08\x0b-\x1f\x7f-\x9f" + _FORMAT_CHARS + "\ud800-\udfff]"
_NEWLINES = r"\r\n|\r|\n"


@functools.cache
def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _visible(char: str) -> str:
    code = ord(char)
    if code in _C0_PICTURES:
        return _C0_PICTURES[code]
    if 0xD800 <= code <= 0xDFFF:
        return "\ufffd"
    return f"<U+{code:04X}>"


def _replace(match: re.Match[str]) -> str:
    char = match.group()
    if char == "\u200d":
        text, start, end = match.string, match.start(), match.end()
        if start > 0 and end < len(text) and not text[start - 1].isspace() and not text[end].isspace():
            return char
    return _visible(char)


def printable(text: object, *, multiline: bool = False, limit: int | None = None) -> str:
    """`text` with every control, bidi-override and lone-surrogate character made visible.

    On one line (the default) line breaks show as ⏎ and tabs as a space; with `multiline`
    they are kept. `limit` cuts the result to that many characters, ending in …."""
    value = "" if text is None else str(text)
    if not value.isprintable():
        value = _re(_NEWLINES).sub("\n" if multiline else " \u23ce ", value)
        value = value.replace("\t", "    " if multiline else " ")
        value = _re(_UNSAFE).sub(_replace, value)
    if limit is not None and len(value) > limit:
        value = value[: max(limit - 1, 0)] + "\u2026"
    return value


def has_controls(text: str) -> bool:
    """True when `text` holds a character `printable` would have to make visible
    (newlines and tabs aside): a sign that it was not typed as ordinary text."""
    return not text.isprintable() and any(
        _replace(m) != m.group() for m in _re(_UNSAFE).finditer(text))


_UNSTORABLE = "[\x00\ud800-\udfff]"


def storable(text: object) -> str:
    """`text` as it came, except what no store accepts: a lone surrogate (JSON may carry
    `"\\ud800"`; no UTF-8 encoder takes it) and NUL (C strings end there) each become
    U+FFFD. Applied where a platform's answer enters the program, so that storing,
    hashing or screening what someone sent can never raise."""
    value = "" if text is None else str(text)
    return _re(_UNSTORABLE).sub("\ufffd", value)


def storable_json(value: Any) -> Any:
    """`storable` applied to every string (keys too) in a JSON-like value."""
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, dict):
        return {storable(k) if isinstance(k, str) else k: storable_json(v)
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [storable_json(v) for v in value]
    return value


# What a post (or any text we write) may not hold: controls (tab and line breaks aside),
# bidi embeddings, overrides and isolates, and lone surrogates (no encoder takes one).
_FORBIDDEN = (
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]|\r(?!\n)"
)
_SHORT_NAMES = {0x00: "NUL", 0x07: "BEL", 0x08: "backspace", 0x0D: "a lone carriage return",
                0x1B: "ESC", 0x7F: "DEL"}


def forbidden_character(text: str) -> tuple[int, str] | None:
    """The first character of `text` that a post may not hold, with its index, or None."""
    found = _re(_FORBIDDEN).search(text)
    return (found.start(), found.group()) if found else None


def without_forbidden(text: str) -> str:
    """`text` without the characters `forbidden_character` finds."""
    return _re(_FORBIDDEN).sub("", text)


def describe(char: str) -> str:
    """A character in words a volunteer can act on: "ESC (U+001B)"."""
    import unicodedata

    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        name = "a lone surrogate"
    elif code in _SHORT_NAMES:
        name = _SHORT_NAMES[code]
    else:
        name = unicodedata.name(char, "a control character")
    return f"{name} (U+{code:04X})"


def where(text: str, index: int) -> str:
    """Line and column (from 1) of `index` in `text`."""
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return f"line {line}, column {column}"
