"""Vulgar words, found through the usual disguises: f***, sh1t, b!tch, a s s h o l e.

A token scan with set look-ups rather than one regular expression per word: about a
thousand words times their spelling variants would make a regular expression that costs
milliseconds a post; a token scan costs microseconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inmm_tui.screening.rules import Rules

# Characters people put in place of letters.
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a",
                       "$": "s", "!": "i", "+": "t", "|": "l", "€": "e"})
_TOKEN = re.compile("[^\\s.,;:?\"()\\[\\]{}<>/\\\\\u2013\u2014_-]+")
_SUFFIXES = ("ing", "in", "ers", "er", "ed", "es", "s", "y")
_EDGE = "#@'\u2019\"!?*"
# The quick test: letters (after undoing the disguises), stars, and letters spaced out.
_LETTERS = re.compile(r"[a-z*]+")
_SPACED = re.compile(r"(?<![a-z])[a-z](?:[\s.\-]{1,2}[a-z]){2,}(?![a-z])")


def suffixed(words: frozenset[str]) -> frozenset[str]:
    """Every word with the endings `_lookup` accepts, for the quick test."""
    forms = set(words)
    for word in words:
        if " " in word:
            forms.update(word.split())
            continue
        for suffix in _SUFFIXES:
            hiss = word.endswith(("s", "x", "z", "ch", "sh"))
            if not ((suffix == "es" and not hiss) or (suffix == "s" and hiss)):
                forms.add(word + suffix)
    return frozenset(forms)


def _might_have(text: str, rules: Rules) -> bool:
    """A quick test in C-speed steps that is true whenever the full scan could find
    something; most posts stop here."""
    canon = text.lower().translate(_LEET)
    if "*" in canon or _SPACED.search(canon):
        return True
    if rules.vulgar_stems is not None and rules.vulgar_stems.search(canon):
        return True
    return not rules.vulgar_forms.isdisjoint(_LETTERS.findall(canon))


def _lookup(canon: str, rules: Rules) -> bool:
    words = rules.vulgar_words
    if canon in words:
        return True
    if rules.vulgar_stems is not None and rules.vulgar_stems.search(canon):
        return True
    if "*" in canon:
        return _masked(canon, rules)
    for suffix in _SUFFIXES:
        if not canon.endswith(suffix) or len(canon) - len(suffix) < 3:
            continue
        stem = canon[: -len(suffix)]
        # English adds "es", not "s", after a hiss: "spaces" is not "spac" + "es", and
        # "assess" is not "asses" + "s".
        hiss = stem.endswith(("s", "x", "z", "ch", "sh"))
        if (suffix == "es" and not hiss) or (suffix == "s" and hiss):
            continue
        if stem in words:
            return True
    return False


def _masked(canon: str, rules: Rules) -> bool:
    """f*** or f*cking: a word of the same length and first letter whose other letters
    fit around the stars."""
    if not canon[0].isalpha() or (canon.count("*") == len(canon) - 1 and len(canon) < 4):
        return False
    for word in rules.vulgar_by_shape.get((canon[0], len(canon)), ()):
        if all(c == "*" or c == w for c, w in zip(canon, word, strict=True)):
            return True
    return False


def _canon(token: str) -> str:
    low = token.lower()
    if any(ch.isalpha() for ch in low):
        low = low.translate(_LEET)
    if low.endswith(("'s", "\u2019s")):
        low = low[:-2]
    return low


@cache
def _swaps(words: frozenset[str], known: frozenset[str]) -> frozenset[str]:
    """Vulgar words of four letters or more with two neighbouring letters swapped, but not
    the first ("fukc", "bullsiht"), and not a form that is a word itself (`known`)."""
    forms = set()
    # Only from words the lexicon knows: the list also holds misspellings, whose swaps can
    # be a name ("flecther" -> "fletcher").
    for word in words & known:
        if len(word) >= 4 and word.isalpha():
            # In a four-letter word the first two stay: "fukc", not "carp" (crap).
            forms |= {word[:i] + word[i + 1] + word[i] + word[i + 2:]
                      for i in range(1 if len(word) > 4 else 2, len(word) - 1)
                      if word[i] != word[i + 1]}
    return frozenset(forms - words - known)


def find_vulgar(text: str, rules: Rules, swapped: bool = False) -> Iterator[tuple[int, int]]:
    """Spans of vulgar words in `text` (which has its links blanked out). `swapped`: also
    words with two neighbouring letters swapped (replies: "fukc")."""
    if swapped and rules.evaluation is not None:
        swaps = _swaps(rules.vulgar_words, rules.evaluation.vocabulary())
        words = [w for w in _LETTERS.findall(text.lower()) if w in swaps]
        for w in words:
            for m in re.finditer(rf"(?i)(?<![a-z]){w}(?![a-z])", text):
                yield m.span()
    if not _might_have(text, rules):
        return
    tokens: list[tuple[int, int, str]] = []
    for match in _TOKEN.finditer(text):
        raw = match.group(0)
        start, end = match.span()
        # Stars at the end belong to the word (f***); other signs at the edges do not.
        left = len(raw) - len(raw.lstrip(_EDGE.replace("*", "")))
        stripped = raw[left:].rstrip(_EDGE.replace("*", ""))
        if not stripped:
            continue
        start += left
        end = start + len(stripped)
        tokens.append((start, end, _canon(stripped)))

    found: list[tuple[int, int]] = []
    previous: tuple[int, int, str] | None = None
    for start, end, canon in tokens:
        if previous is not None and f"{previous[2]} {canon}" in rules.vulgar_words:
            # Two words that make one ("bull shit"): one finding for both.
            if found and found[-1] == (previous[0], previous[1]):
                found.pop()
            found.append((previous[0], end))
        elif any(ch.isalpha() for ch in canon) and _lookup(canon, rules):
            found.append((start, end))
        previous = (start, end, canon)

    # Letters spaced out: "a s s h o l e", "f.u.c.k".
    run: list[tuple[int, int, str]] = []
    for token in [*tokens, (len(text) + 10, len(text) + 10, "")]:
        single = len(token[2]) == 1
        if single and run and token[0] - run[-1][1] <= 2:
            run.append(token)
            continue
        if len(run) >= 3:
            joined = "".join(t[2] for t in run)
            if _lookup(joined, rules):
                found.append((run[0][0], run[-1][1]))
        run = [token] if single else []
    found.sort()
    yield from found
