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

def features(text: str) -> list[str]:
    """The words of a text in lower case and each pair of neighbouring words (the same
    function trains the model and scores with it; the variants tried and not shipped are
    in bench/reply_features.py)."""
    words = _TOKEN.findall(text.lower())
    return words + [f"{a} {b}" for a, b in pairwise(words)]


@dataclass(frozen=True)
class ReplyModel:
    intercept: tuple[float, ...]
    weights: dict[str, list[float]]
    thresholds: dict[str, float]
    """Class ("abuse", "spam") -> the probability from which a reply is flagged as it."""

    def probabilities(self, text: str) -> tuple[float, ...]:
        scores = list(self.intercept)
        for feature in set(features(text)):
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
                      {k: float(v) for k, v in document["thresholds"].items()})
