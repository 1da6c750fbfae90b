"""Each platform's own way of counting a post's length ("INMM Content": each platform's
limit, counted its way). The policy screen (`inmm_tui.screening.weighted_length`) is the
authority once it is installed; until then this counts the same way."""

from __future__ import annotations

import re
import unicodedata

LIMITS = {"x": 280, "mastodon": 500}
URL_WEIGHT = 23
_URL = re.compile(r"https?://\S+", re.IGNORECASE)


def _x_char_weight(ch: str) -> int:
    # X counts Latin-1, general punctuation and a few ranges as 1, everything else
    # (CJK, emoji) as 2 (twitter-text config v3).
    code = ord(ch)
    if code <= 0x10FF or 0x2000 <= code <= 0x200D or 0x2010 <= code <= 0x201F \
            or 0x2032 <= code <= 0x2037:
        return 1
    return 2


def weighted_length(text: str, api: str) -> int:
    """The length the platform `api` will count for `text`."""
    try:  # the screening package, when present, is the one definition
        from inmm_tui.screening import weighted_length as screening_length
    except ImportError:
        screening_length = None
    if screening_length is not None:
        return int(screening_length(text, api))
    text = unicodedata.normalize("NFC", text)
    total = 0
    position = 0
    for match in _URL.finditer(text):
        total += _plain_length(text[position:match.start()], api) + URL_WEIGHT
        position = match.end()
    return total + _plain_length(text[position:], api)


def _plain_length(text: str, api: str) -> int:
    if api == "x":
        return sum(_x_char_weight(ch) for ch in text)
    return len(text)


def limit_for(api: str) -> int:
    return LIMITS.get(api, 280)
