"""The learned signal for incoming replies: a linear model over the words of a reply.

Trained by `bench/train_reply_model.py` on the dev halves of public reply sets and on
training-only public data (bench/data/SOURCES.md); its weights ship in
`reply_model.json.gz` and are scored here in plain Python (a dictionary look-up per word
and word pair: tens of microseconds a reply, no scikit-learn). It reads abuse or spam
that the rules' lists do not name; a reply it flags gets a finding of its own
(`harassment.model` or `spam.model`), so that the moderator sees that no listed phrase was
found. Incoming replies only: INMM's own posts are not scored by it.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import pairwise

CLASSES = ("ordinary", "abuse", "spam")
_TOKEN = re.compile(r"[a-z0-9']+")

# Negation marks (`features(negation=...)`): tried, not shipped (bench/train_reply_model.py,
# NEGATED).
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


def _negated_words(text: str, scope: int = 0) -> list[str]:
    """The words of a text in lower case, those after a negation up to the end of the
    clause (or, if `scope`, at most that many words) marked "NOT_" ("I don't hate women"
    -> i, don't, NOT_hate, NOT_women): words alone read the words of hate, not their
    negation."""
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
    """The words of a text in lower case, each pair of neighbouring words, and, for each
    length n in `pieces`, the n-letter pieces of each word marked at its ends ("<h4", "h4t",
    "4te", "te>" for "h4te"; tried for disguised words, not shipped: see
    bench/train_reply_model.py). `negation` "words" marks the words after a negation in
    their clause or within `scope` words (`_negated_words`), the pairs staying of plain
    words; "pairs" marks both; "add" keeps the plain words and adds the marked ones (tried,
    not shipped either). The same function trains the model and scores with it."""
    if negation:
        marked = _negated_words(text, scope)
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


@dataclass(frozen=True)
class ReplyModel:
    intercept: tuple[float, ...]
    weights: dict[str, list[float]]
    thresholds: dict[str, float]
    """Class ("abuse", "spam") -> the probability from which a reply is flagged as it."""
    pieces: tuple[int, ...] = ()
    negation: str = ""
    """features(negation=..., scope=...), as trained; "" (none) in the shipped weights."""
    scope: int = 0

    def probabilities(self, text: str) -> tuple[float, ...]:
        scores = list(self.intercept)
        for feature in set(features(text, self.pieces, self.negation, self.scope)):
            row = self.weights.get(feature)
            if row is not None:
                for k, weight in enumerate(row):
                    scores[k] += weight
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return tuple(e / total for e in exps)

    def verdict(self, text: str) -> str | None:
        """"abuse" or "spam" when the model gives the reply at least that class's
        threshold of being of it (the likelier of the two if both), else None."""
        _, abuse, spam = self.probabilities(text)
        hits = [(p, kind) for p, kind in ((abuse, "abuse"), (spam, "spam"))
                if p >= self.thresholds[kind]]
        return max(hits)[1] if hits else None


@cache
def reply_model() -> ReplyModel:
    """The packaged model, loaded once (about 10 ms) when the first reply is screened."""
    data = resources.files("inmm_tui.screening").joinpath("reply_model.json.gz").read_bytes()
    document = json.loads(gzip.decompress(data))
    assert tuple(document["classes"]) == CLASSES
    return ReplyModel(tuple(document["intercept"]), document["weights"],
                      {k: float(v) for k, v in document["thresholds"].items()},
                      tuple(document.get("pieces", ())), document.get("negation", ""),
                      int(document.get("negation_scope", 0)))
