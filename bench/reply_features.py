"""Feature variants of the reply model that were tried and not shipped (docs/screening.md,
"Issue 15, replies, fifth pass"): pieces of words (for disguises, "h4te") and negation
marks ("I don't hate women" read as hate). `bench/train_reply_model.py --check --all` and
`--check --negation` measure them; the shipped model scores words and word pairs only
(`inmm_tui.screening.model.features`), so the trainer refuses to ship a variant.
No scikit-learn here, so that the tests can read it."""

from __future__ import annotations

import re
from itertools import pairwise

from inmm_tui.screening.model import features as shipped_features

_TOKEN = re.compile(r"[a-z0-9']+")
_NEGATIONS = frozenset({
    "not", "no", "never", "nobody", "none", "nothing", "neither", "nor", "without",
    "nowhere", "cannot", "noone", "dont", "doesnt", "didnt", "isnt", "arent", "wasnt",
    "werent", "cant", "wont", "wouldnt", "shouldnt", "couldnt", "aint", "havent", "hasnt",
    "hadnt"})
"""Words after which the rest of the clause is negated, as is any word ending in "n't";
replies often drop the apostrophe ("dont"), so those forms are listed."""
_CLAUSE_END = re.compile(r"[.,;:!?()\[\]\"\n]+")
_PSEUDO = frozenset({"but", "only", "just", "doubt", "wonder", "matter", "stand"})
"""A negation followed by one of these negates nothing: "nothing but ignorant drivel",
"not only", "no doubt", "no wonder", "can't stand"."""


def negated_words(text: str, scope: int = 0) -> list[str]:
    """The words of a text in lower case, those after a negation up to the end of the
    clause (or, if `scope`, at most that many words) marked "NOT_" ("I don't hate women"
    -> i, don't, NOT_hate, NOT_women)."""
    words: list[str] = []
    for clause in _CLAUSE_END.split(text.lower().replace("\u2019", "'")):
        left = 0
        tokens = _TOKEN.findall(clause)
        for i, word in enumerate(tokens):
            words.append("NOT_" + word if left else word)
            following = tokens[i + 1] if i + 1 < len(tokens) else ""
            if (word in _NEGATIONS or word.endswith("n't")) and following not in _PSEUDO:
                left = scope or len(tokens)
            elif left:
                left -= 1
    return words


def features(text: str, pieces: tuple[int, ...] = (), negation: str = "",
             scope: int = 0) -> list[str]:
    """The shipped features, or a variant: for each length n in `pieces`, the n-letter
    pieces of each word marked at its ends ("<h4", "h4t", "4te", "te>" for "h4te");
    `negation` "words" marks the words after a negation in their clause or within `scope`
    words, the pairs staying of plain words; "pairs" marks both; "add" keeps the plain
    words and adds the marked ones."""
    if not pieces and not negation:
        return shipped_features(text)
    if negation:
        marked = negated_words(text, scope)
        words = [w.removeprefix("NOT_") for w in marked]
        alone = (words + [w for w in marked if w.startswith("NOT_")] if negation == "add"
                 else marked)
        found = alone + [f"{a} {b}" for a, b in pairwise(
            marked if negation == "pairs" else words)]
    else:
        words = _TOKEN.findall(text.lower())
        found = words + [f"{a} {b}" for a, b in pairwise(words)]
    for word in set(words) if pieces else ():
        marked_word = f"<{word}>"
        for n in pieces:
            found += ["#" + marked_word[i:i + n] for i in range(len(marked_word) - n + 1)]
    return found
