"""Words of strong negative evaluation, from a general sentiment lexicon, for the reply
categories' general forms: a protected group or "you" said to be something very bad
("Immigrants are utterly worthless", "you're a pathetic liar", "I despise all women").

The words come from VADER's lexicon (Hutto and Gilbert, ICWSM 2014; the
`vaderSentiment` package, MIT licence), read as data: about 7,500 English words and
slang rated by ten people from -4 (most negative) to +4. A word at or below the rules
file's `[evaluation] threshold` counts, less the words the file names as states, events
or fair criticism rather than an evaluation of people ("sick", "cancer", "wrong",
"disappointing"), plus the file's own words the lexicon lacks (dehumanisation:
"vermin", "parasites"). Its analyser is not imported (it needs no more than the word
list here, and would cost a millisecond a text). Loaded once, when first needed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources


@cache
def _ratings() -> dict[str, tuple[float, ...]]:
    """Every word the lexicon rates, lower case, with its mean ratings (read once; a word
    may stand twice, as "sob" and "SOB")."""
    text = resources.files("vaderSentiment").joinpath("vader_lexicon.txt").read_text(
        encoding="utf-8")
    ratings: dict[str, tuple[float, ...]] = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0].isalpha():
            word = parts[0].lower()
            ratings[word] = (*ratings.get(word, ()), float(parts[1]))
    return ratings


@cache
def _vader(threshold: float) -> frozenset[str]:
    """The words rated at or below `threshold` (negative), or at or above `threshold`
    when `threshold` is positive."""
    return frozenset(
        word for word, ratings in _ratings().items()
        if any((r <= threshold) if threshold <= 0 else (r >= threshold) for r in ratings))


def _vocabulary() -> frozenset[str]:
    """Every word the lexicon rates, of either sign."""
    return frozenset(_ratings())


@dataclass(frozen=True)
class Evaluation:
    """The `[evaluation]` section of the rules file, compiled."""

    threshold: float
    groups: re.Pattern[str] | None
    """Protected groups ("women", "Muslims", "disabled people"), the discrimination form."""
    group_words: frozenset[str]
    """The longest word of each group term, lower case: a text with none has no group."""
    extra: frozenset[str]
    not_evaluative: frozenset[str]
    fillers: frozenset[str]
    """Words that may stand between the group or "you" and the evaluation ("are", "so",
    "such", "a", "all", "nothing", "but"...): the evaluation is said of them."""
    window: int
    copulas: frozenset[str]
    """Words that say what someone is ("are", "you're", "look", "sound")."""
    first_person: frozenset[str]
    determiners: frozenset[str]
    pronouns: frozenset[str]
    """After a group's name, what stands for it ("they", "them")."""
    positive: float
    not_qualities: frozenset[str]
    harm: re.Pattern[str] | None
    """Verbs of violence done to people ("strangle", "stab", "drown")."""
    targets: frozenset[str]
    """People the violence is done to, besides the groups: "them", "him", "those"."""

    def words(self) -> frozenset[str]:
        return _negative(self.threshold, self.extra, self.not_evaluative)

    def vocabulary(self) -> frozenset[str]:
        """Every word the lexicon rates, of either sign, and the file's own words."""
        return _vocabulary_of(self)

    def good(self) -> frozenset[str]:
        """Qualities rated clearly positive, less states ("safe", "happy", "welcome")."""
        return _good(self.positive, self.not_qualities)

    def disguised(self, listed: frozenset[str],
                  ) -> tuple[frozenset[str], dict[str, str], frozenset[str]]:
        """The disguise list (`[disguises] words`) with the words of evaluation and the
        groups' words, and the changed forms to restore (disguise.variants): of the
        list as it says; of the lexicon's words only two letters swapped, in words of six
        letters or more, never the first letter, and never into a word the lexicon or the
        file knows; the third: the forms read only in lower case (a capitalised one is a
        name)."""
        return _disguised(self, listed)

    def joined(self, disguised: frozenset[str]) -> tuple[frozenset[str], frozenset[str]]:
        """Words read where they run into another (hostile words, groups, the disguised
        words) and the known words they may run into (the lexicon's, the fillers)."""
        return _joined(self, disguised)


@cache
def _good(positive: float, not_qualities: frozenset[str]) -> frozenset[str]:
    return _vader(positive) - not_qualities


@cache
def _negative(threshold: float, extra: frozenset[str],
              not_evaluative: frozenset[str]) -> frozenset[str]:
    base = (_vader(threshold) | extra) - not_evaluative
    # Plurals the lexicon lacks ("idiots", "savages"): an s added, unless that is excluded.
    plurals = {w + "s" for w in base} | {w + "es" for w in base if w.endswith(("s", "sh", "ch"))}
    return frozenset(base | (plurals - not_evaluative))


@cache
def _joined(evaluation: Evaluation, disguised: frozenset[str],
            ) -> tuple[frozenset[str], frozenset[str]]:
    # The groups' words and the disguise list, not all the lexicon's words: "therapists"
    # is not "the rapists", nor "painkillers" "pain killers".
    joinable = frozenset(w for w in evaluation.group_words | disguised if len(w) >= 3)
    vocabulary = (_vocabulary() | evaluation.fillers | evaluation.determiners | joinable
                  | evaluation.first_person)
    return joinable, frozenset(w for w in vocabulary if len(w) >= 3 or w in evaluation.fillers)


@cache
def _disguised(evaluation: Evaluation, listed: frozenset[str],
               ) -> tuple[frozenset[str], dict[str, str], frozenset[str]]:
    from inmm_tui.screening.disguise import variants

    known = evaluation.vocabulary() | listed
    base = (_vader(evaluation.threshold) | evaluation.extra) - evaluation.not_evaluative
    extra = {w for w in base | evaluation.group_words if len(w) >= 4 and w.isalpha()}
    # Swaps only: without a dictionary of English, a letter left out of the lexicon's
    # words makes words ("garbage" -> "garage", "mourning" -> "morning").
    forms = {form: word for form, word in variants((w for w in extra if len(w) >= 6),
                                                   deletions=False).items()
             if form[0] == word[0] and form not in known}
    # Capitalised, such a form is as likely a name ("Denise" is not "denies").
    lower_only = frozenset(forms)
    forms.update(variants(listed))
    return frozenset(listed | extra), forms, lower_only - frozenset(variants(listed))


@cache
def _vocabulary_of(evaluation: Evaluation) -> frozenset[str]:
    return _vocabulary() | evaluation.extra | evaluation.fillers | evaluation.group_words
