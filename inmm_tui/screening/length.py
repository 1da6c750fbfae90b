"""Each platform's character count, counted its way (policy "INMM Content": re-tweetable).

X counts with the twitter-text rules (version 3): every URL weighs 23, code points in the
Latin, punctuation and similar ranges weigh 1, everything else (CJK, emoji) 2, and an emoji
sequence counts once. The `twitter-text-parser` package implements those rules; we use it
as is for text that may hold emoji or wide characters, and take a shortcut for text whose
characters (after NFC normalisation, as the library does) are all below U+1100 other than
the emoji © and ®: plain ASCII and accented Latin, Greek, Cyrillic..., by far the usual
case. There every character weighs 1 and no emoji can occur; the full parse costs about
1 ms a post, mostly spent looking for emoji. Tests hold the shortcut to the library.

Mastodon counts characters (grapheme clusters), with every URL that has a scheme counting
23 and a mention `@user@domain` counting as `@user`.

Bluesky counts grapheme clusters (`maxGraphemes` 300 in the `app.bsky.feed.post`
lexicon) of the text as its app posts it: each http(s) link shown in its short form
(`short_link`), the full address kept in the link's facet; a mention counts in full;
and the text may not pass 3,000 bytes of UTF-8, which emoji sequences reach first.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from urllib.parse import urlsplit

from twitter_text import parse_tweet
from twitter_text.config import config as twitter_config
from twitter_text.extract_urls import extract_urls_with_indices

from inmm_tui.capabilities import GRAPHEMES, MASTODON_TEXT, TWITTER_TEXT, UTF16, X, for_api

URL_LENGTH = 23
"""What a URL counts on X and on Mastodon, whatever its real length."""

_LINE_ENDINGS = re.compile(r"\r\n|\r")
_MASTODON_MENTION = re.compile(r"(?<![\w@])@(\w+)@[\w.-]*\w", re.ASCII)


@functools.lru_cache(maxsize=64)
def urls_in(text: str) -> tuple[tuple[str, int, int], ...]:
    """The URLs twitter-text finds in `text` (with or without a scheme), with their spans.

    Cached: the screen asks for the same text's URLs for its links and each length."""
    if "." not in text:
        return ()
    return tuple((u["url"], u["indices"][0], u["indices"][1])
                 for u in extract_urls_with_indices(text))


def weighted_length(text: str, api: str) -> int:
    """The length of `text` as platform `api` counts it (its capabilities' `counting`)."""
    return _COUNTERS[for_api(api).counting](text)


@functools.lru_cache(maxsize=16)
def _parse_tweet(text: str, limit: int = X.max_length) -> tuple[int, int]:
    """twitter-text's weighted length and, as a Python index, where the text stops fitting
    within `limit`."""
    options = {**twitter_config["defaults"], "max_weighted_tweet_length": limit}
    result = parse_tweet(text, options)
    fits_utf16 = result.validRangeEnd + 1
    units = 0
    index = 0
    for index, char in enumerate(text):  # noqa: B007 - the loop leaves `index` behind
        if units >= fits_utf16:
            break
        units += 2 if ord(char) > 0xFFFF else 1
    else:
        index = len(text)
    return result.weightedLength, index


_WEIGHT_ONE_BELOW = "\u1100"
"""twitter-text v3 weighs code points 0 to U+10FF as 1."""


def _single_weight(text: str) -> str | None:
    """The text as twitter-text counts it (NFC) if every character weighs 1 and none can
    start an emoji; None otherwise."""
    if text.isascii():
        return text
    normalised = unicodedata.normalize("NFC", text)
    if max(normalised) < _WEIGHT_ONE_BELOW and "\u00a9" not in normalised \
            and "\u00ae" not in normalised:
        return normalised
    return None


def x_overflow(text: str, limit: int = X.max_length) -> int | None:
    """For text outside the shortcut, where it stops fitting as twitter-text counts, from
    the library's own parse (a binary search over prefixes would parse a dozen times at
    ~1 ms each)."""
    if _single_weight(text) is not None:
        return None
    return _parse_tweet(text, limit)[1]


def x_length(text: str) -> int:
    single = _single_weight(text)
    if single is None:
        return _parse_tweet(text)[0]
    normalised = _LINE_ENDINGS.sub("\n", single)
    urls = urls_in(normalised)
    return len(normalised) - sum(len(u[0]) for u in urls) + URL_LENGTH * len(urls)


# Characters that weigh 2 on X (twitter-text v3: all but U+0000-U+10FF, U+2000-U+200D,
# U+2010-U+201F and U+2032-U+2037).
_HEAVY = re.compile("[^\u0000-\u10ff\u2000-\u200d\u2010-\u201f\u2032-\u2037]")


def x_fits(text: str, limit: int) -> bool:
    """Whether `text` is within `limit` as X counts it, without the library's full parse
    when a bound settles it: every character at its own weight, URLs at 23, and © and ®
    (emoji that weigh 1 as characters) at 2 is never less than the true count, since an
    emoji sequence weighs 2 in all and each of its characters at least 1."""
    single = _single_weight(text)
    if single is None:
        normalised = unicodedata.normalize("NFC", _LINE_ENDINGS.sub("\n", text))
        urls = urls_in(normalised)
        plain = len(normalised) - sum(len(u[0]) for u in urls)
        heavy = len(_HEAVY.findall(normalised)) - sum(len(_HEAVY.findall(u[0])) for u in urls)
        bound = (plain + heavy + normalised.count("\u00a9") + normalised.count("\u00ae")
                 + URL_LENGTH * len(urls))
        if bound <= limit:
            return True
    return x_length(text) <= limit


def mastodon_length(text: str) -> int:
    text = _LINE_ENDINGS.sub("\n", text)
    # Mastodon replaces only URLs with a scheme.
    urls = [u for u in urls_in(text) if "://" in u[0]]
    pieces: list[str] = []
    last = 0
    for _url, start, end in urls:
        pieces.append(text[last:start])
        pieces.append("x" * URL_LENGTH)
        last = end
    pieces.append(text[last:])
    countable = _MASTODON_MENTION.sub(r"@\1", "".join(pieces))
    if countable.isascii():
        return len(countable)
    return _grapheme_count(countable)


def short_link(url: str) -> str:
    """How the Bluesky app shows an http(s) link in a post's text (social-app's
    `toShortUrl`): no scheme, and a path (with query and fragment) of more than 15
    characters cut to 13 and "..."."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return url
    path = ("" if parts.path == "/" else parts.path) + (f"?{parts.query}" if parts.query else "") \
        + (f"#{parts.fragment}" if parts.fragment else "")
    host = parts.hostname + (f":{port}" if port is not None else "")
    return host + (path[:13] + "..." if len(path) > 15 else path)


def bluesky_length(text: str) -> int:
    text = _LINE_ENDINGS.sub("\n", text)  # CR LF is one grapheme cluster, as LF is
    pieces: list[str] = []
    last = 0
    for url, start, end in urls_in(text):
        if "://" in url:
            pieces += [text[last:start], short_link(url)]
            last = end
    shown = "".join([*pieces, text[last:]])
    if shown.isascii():
        return len(shown)
    # The record's text is also held to 3,000 bytes of UTF-8 (`maxLength`), which a text
    # of emoji sequences reaches before 300 graphemes: counted here as a tenth of its
    # bytes, so that over 300 means over either limit.
    return max(_grapheme_count(shown), -(-len(shown.encode("utf-8")) // 10))


def utf16_length(text: str) -> int:
    """LinkedIn's count: UTF-16 code units of the text as written (links in full)."""
    return len(_LINE_ENDINGS.sub("\n", text).encode("utf-16-le")) // 2


_COUNTERS = {TWITTER_TEXT: x_length, MASTODON_TEXT: mastodon_length, GRAPHEMES: bluesky_length,
             UTF16: utf16_length}
"""Each counting rule a platform's capabilities may name."""


def _grapheme_count(text: str) -> int:
    """Grapheme clusters, closely enough for a length limit: a base character with its
    combining marks, variation selectors, skin tones and zero-width-joined parts counts 1,
    and a pair of regional indicators (a flag) counts 1."""
    count = 0
    joined = False
    regional_open = False
    for char in text:
        code = ord(char)
        if joined:
            joined = False
            continue
        if code == 0x200D:
            joined = True
            continue
        if (0xFE00 <= code <= 0xFE0F or 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F
                or unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me")):
            continue
        if 0x1F1E6 <= code <= 0x1F1FF:
            if regional_open:
                regional_open = False
                continue
            regional_open = True
        else:
            regional_open = False
        count += 1
    return count
