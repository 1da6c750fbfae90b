"""Words of hostility written so that a word list misses them: "h4te", "k i l l", "haet",
"hatrd". The reply categories (threat, harassment, discrimination...) are matched on the
text with those words spelled out again.

Only the words of the rules file's `[disguises]` list are restored, and only from forms
that are not themselves ordinary words: letters and digits mixed in one word ("canc3r",
not "2026" or "4th"), letters spaced out ("w o m e n"), two neighbouring letters swapped
("klil"), or, in words of six letters or more, one letter inside the word left out
("murdr"). A word of
the list whose changed form is an ordinary word ("threat" without its h is "treat") must
be left out of the list.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable

# Characters put in place of letters (as for vulgar words: vulgar.py).
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a",
                       "$": "s", "!": "i", "+": "t", "€": "e"})
_MIXED = re.compile(r"(?<![\w@$€])(?=[\w@$!+€]*[a-zA-Z])(?=[\w@$!+€]*[013457@$+€])"
                    r"[\w@$!+€]*[a-zA-Z][\w@$!+€]*")
_SPACED = re.compile(r"(?<![\w])[a-zA-Z](?: [a-zA-Z]){2,}(?![\w])")
_WORD = re.compile(r"[a-zA-Z]+")


def variants(words: Iterable[str], deletions: bool = True) -> dict[str, str]:
    """Changed form -> word: two neighbouring letters swapped, and for words of six
    letters or more one letter inside the word left out (not the first or the last: a
    plural without its s is the singular, "parasites" -> "parasite"), in a shorter word
    its only vowel ("blck"); `deletions=False`: swaps only. Never a form that is a word of
    the list."""
    listed = {w.lower() for w in words}
    found: dict[str, str] = {}
    for word in sorted(listed):
        forms = {word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(len(word) - 1)}
        if not deletions:
            pass
        elif len(word) >= 6:
            forms |= {word[:i] + word[i + 1:] for i in range(1, len(word) - 1)}
        else:
            # The only vowel left out of a short word ("blck", "gy", "trns"): a form
            # without a vowel is no word ("shoot" without an o would be "shot").
            forms |= {form for i in range(1, len(word) - 1) if word[i] in "aeiou"
                      and not set(form := word[:i] + word[i + 1:]) & set("aeiou")}
        for form in forms - listed:
            found.setdefault(form, word)
    return found


class Respelled:
    """The text with disguised words restored, and the way back to the original offsets."""

    def __init__(self, text: str, edits: list[tuple[int, int, str]]):
        pieces: list[str] = []
        self._ends: list[int] = []  # where each restored word ends in the new text
        self._shifts: list[int] = []  # new offset - old offset from there on
        position = shift = 0
        for start, end, word in edits:
            pieces += [text[position:start], word]
            self._ends.append(start + shift + len(word))
            shift += len(word) - (end - start)
            self._shifts.append(shift)
            position = end
        pieces.append(text[position:])
        self.text = "".join(pieces)

    def original(self, offset: int) -> int:
        index = bisect.bisect_right(self._ends, offset) - 1
        return offset - (self._shifts[index] if index >= 0 else 0)


def _split(token: str, joinable: frozenset[str], vocabulary: frozenset[str]) -> int | None:
    """Where two words run together, one of them hostile or a group ("muchdisdain",
    "womendisgust", "stabthose"), both known words; None if there is no such place."""
    for i in range(3, len(token) - 2):
        left, right = token[:i], token[i:]
        if (left in joinable and right in vocabulary) or (
                right in joinable and left in vocabulary):
            return i
    return None


def respell(text: str, words: frozenset[str], forms: dict[str, str],
            text_words: frozenset[str], joinable: frozenset[str] = frozenset(),
            vocabulary: frozenset[str] = frozenset(),
            lower_only: frozenset[str] = frozenset()) -> Respelled | None:
    """The text with its disguised words restored, or None when it has none (most texts:
    a few quick tests). `joinable`: words that are also read where they run into a word
    of `vocabulary` ("womendisgust" -> "women disgust"); `lower_only`: forms restored
    only when written in lower case."""
    mixed = _MIXED.search(text) is not None
    spaced = _SPACED.search(text) is not None
    # Words that split into two known ones, found once from the text's set of words.
    splits = {w: i for w in text_words
              if len(w) >= 7 and w not in vocabulary and w.isalpha()
              and (i := _split(w, joinable, vocabulary)) is not None} if joinable else {}
    if not (mixed or spaced or splits or not forms.keys().isdisjoint(text_words)):
        return None
    edits: list[tuple[int, int, str]] = []
    if spaced:
        for m in _SPACED.finditer(text):
            joined = m.group(0).replace(" ", "").lower()
            # "a c a n c e r": the article before the word is spaced like it.
            for skip in (0, 2) if joined[0] in "ai" else (0,):
                rest = joined[skip // 2:]
                word = rest if rest in words else forms.get(rest)
                if word is not None:
                    edits.append((m.start() + skip, m.end(), word))
                    break
    if mixed:
        for m in _MIXED.finditer(text):
            token = m.group(0).rstrip("!+")  # "s1ck!": the sign closes the sentence
            plain = token.lower().translate(_LEET)
            if plain.isalpha() and (plain in words or plain in forms):
                edits.append((m.start(), m.start() + len(token), forms.get(plain, plain)))
    for m in _WORD.finditer(text):
        low = m.group(0).lower()
        word = forms.get(low)
        if word is not None and not (low in lower_only and m.group(0)[0].isupper()):
            edits.append((m.start(), m.end(), word))
        elif low in splits:
            parts = splits[low]
            edits.append((m.start(), m.end(), m.group(0)[:parts] + " " + m.group(0)[parts:]))
    if not edits:
        return None
    edits.sort()
    kept: list[tuple[int, int, str]] = []
    for edit in edits:
        if not kept or edit[0] >= kept[-1][1]:
            kept.append(edit)
    return Respelled(text, kept)
