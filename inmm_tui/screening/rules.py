"""The screening rules, read from `config/policy.toml` and compiled once.

The Subcommittee edits the TOML file; this module turns its word lists into compiled
regular expressions so that a screen costs a few hundred microseconds. A broken file is
refused with a `RulesError` that names the file and the key (exit code 2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from inmm_tui.capabilities import CAPABILITIES
from inmm_tui.config import PACKAGED_POLICY_RULES, read_toml
from inmm_tui.screening.lexicon import Evaluation

INAPPROPRIATE = (
    "politics_religion",
    "vulgar_discriminatory",
    "advertising",
    "transactional_link",
    "copyright",
    "personal_info",
    "propaganda_salacious",
)
# What the Respectful Behavior Policy and "Handling Questionable Information" name for
# replies (threatening, harassment, discrimination, derogatory comments about people), and
# spam; screened in both directions.
RESPECT = ("threat", "harassment", "discrimination", "accusation", "spam")
CONTENT = ("length", "signature", "credibility", "timeliness", "topic")
FORM = ("text_form",)
"""Empty text (outgoing), control characters and bidi overrides (both directions)."""
CATEGORIES = INAPPROPRIATE + RESPECT + CONTENT + FORM
VERDICTS = ("pass", "warn", "block")

DEFAULT_SEVERITY = {
    "politics_religion": "warn",
    "vulgar_discriminatory": "block",
    "advertising": "warn",
    "transactional_link": "block",
    "copyright": "warn",
    "personal_info": "block",
    "propaganda_salacious": "warn",
    "threat": "block",
    "harassment": "block",
    "discrimination": "block",
    "accusation": "warn",
    "spam": "block",
    "text_form": "block",
    "length": "block",
    "signature": "warn",
    "credibility": "warn",
    "timeliness": "warn",
    "topic": "warn",
}

# A lone `*` in a phrase: up to six words in between ("thank you to our 2025 sponsors").
_GAP = r"(?:\S+\s+){0,6}?"


class RulesError(Exception):
    """The rules file is unusable; the message names the file and the key."""

    exit_code = 2


def term_pattern(term: str) -> str:
    """The regular expression for one term of the lists (see the head of policy.toml)."""
    words = term.strip().split()
    parts: list[str] = []
    for index, word in enumerate(words):
        if word == "*":
            parts.append(_GAP)
            continue
        prefix = word.endswith("*") and len(word) > 1
        core = re.escape(word[:-1] if prefix else word)
        # Apostrophes come straight or curly.
        core = core.replace("'", "['\u2019]")
        piece = core + ("[\\w'\u2019-]*" if prefix else "")
        parts.append(piece)
        if index < len(words) - 1:
            parts.append(r"\s+")
    body = "".join(parts)
    # Whole words only, but a term that ends with a sign ("% off") cannot demand a word
    # boundary there (the boundary at its start is added by compile_terms).
    last = words[-1].rstrip("*") or "x"
    tail = r"(?![\w])" if re.search(r"\w$", last) or words[-1].endswith("*") else ""
    return body + tail


def compile_terms(terms: list[str]) -> re.Pattern[str] | None:
    if not terms:
        return None
    # Longest first, so the reported span is the most specific phrase.
    ordered = sorted(set(terms), key=len, reverse=True)
    at_word = [term_pattern(t) for t in ordered if re.match(r"\w", t)]
    at_sign = [term_pattern(t) for t in ordered if not re.match(r"\w", t)]
    # One word boundary in front of all the alternatives, not one per alternative: the
    # engine then rejects most positions before trying any term (ten times faster).
    pattern = ""
    if at_word:
        pattern = r"(?<![\w])(?:" + "|".join(at_word) + ")"
    if at_sign:
        pattern += ("|" if pattern else "") + "|".join(f"(?:{p})" for p in at_sign)
    return re.compile(pattern, re.IGNORECASE)


@dataclass(frozen=True)
class Gate:
    """One word of each of a list's terms (its longest, which is the rarest as a rule): a
    text that has none of them as a word (or, for a word ending in `*`, as the start of a
    word) cannot match, and is not scanned. Most texts stop here; a scan of every list
    would cost more than the whole screen did before."""

    words: frozenset[str]
    prefixes: tuple[str, ...]
    always: bool
    """A term has no plain word ("% off", "$*"): always scan."""
    starts: re.Pattern[str] | None = None
    """The prefixes as one pattern (matched against each word in C, not in a loop)."""

    def open(self, words: frozenset[str]) -> bool:
        if self.always or not self.words.isdisjoint(words):
            return True
        return self.starts is not None and any(map(self.starts.match, words))


WORD = re.compile(r"[\w'-]+")
_PART = re.compile(r"\w+")
_GATE_WORD = re.compile(r"[\w'-]+\*?")


def gate_for(terms: list[str]) -> Gate:
    words: set[str] = set()
    prefixes: set[str] = set()
    always = False
    for term in terms:
        # Every word of a term must occur whole in the text (a space in a term matches
        # only spaces), so any one of them will do as its key.
        candidates = [w for w in (part.lower().replace("\u2019", "'").rstrip(".")
                                  for part in term.split())
                      if _GATE_WORD.fullmatch(w) and w != "*"]
        if not candidates:
            always = True
            continue
        # The rarest word as the key: not an everyday word ("you have won" is keyed on
        # "won", not "have"), whole rather than a prefix, and the longest.
        key = max(candidates, key=lambda w: (w.rstrip("*") not in _COMMON
                                             and len(w.rstrip("*")) > 2,
                                             not w.endswith("*"), len(w)))
        if key.endswith("*"):
            prefixes.add(key[:-1])
        else:
            words.add(key)
    ordered = tuple(sorted(prefixes))
    starts = re.compile("|".join(map(re.escape, ordered))) if ordered else None
    return Gate(frozenset(words), ordered, always, starts)


# Everyday words that make poor gate keys (most texts have them).
_COMMON = frozenset("""
a about after all also an and any are as at be because been but by call can check come
could did do does for from get give go has have he her him his how i if in into is it its
just let like live make may me more most much my no not now of on one or our out over
people please reply send she should so some take text than that the their them then there
these they this those to up us was we well were what when which who will with would you
your""".split())


def text_words(text: str) -> frozenset[str]:
    """The words of a text as the gates see them: whole ("re-election", "aren't"), before
    an apostrophe ("Far-Right's" also as "far-right") and in their parts ("Trump's" also
    as "trump"), as the terms match any of them."""
    low = text.lower().replace("\u2019", "'")
    whole = WORD.findall(low)
    return (frozenset(whole) | frozenset(w.strip("'-") for w in whole)
            | frozenset(w.split("'", 1)[0] for w in whole) | frozenset(_PART.findall(low)))


@dataclass(frozen=True)
class Pair:
    """A further `near`/`with` rule of a section (`[[threat.pair]]` in the rules file):
    a term of one within `window` words of a term of the other, in the same sentence
    when `unless_negated` is set and no negation ("not", "never", "don't", "no") comes
    before the second term in that sentence ("I don't hate women", "No woman ought to be
    executed" are not contempt or threats)."""

    near: re.Pattern[str]
    with_: re.Pattern[str]
    window: int
    near_gate: Gate
    with_gate: Gate
    unless_negated: bool


@dataclass(frozen=True)
class Section:
    """One category's phrase list, allow-list and message."""

    message: str
    terms: re.Pattern[str] | None
    allow: re.Pattern[str] | None
    near: re.Pattern[str] | None = None
    with_: re.Pattern[str] | None = None
    """A term of `near` within `window` words of a term of `with` is a finding."""
    window: int = 0
    """Words between the two; 0: anywhere in the text."""
    terms_gate: Gate | None = None
    near_gate: Gate | None = None
    with_gate: Gate | None = None
    pairs: tuple[Pair, ...] = ()
    unless_negated: bool = False
    """The `near`/`with` pair does not count when negated in its clause ("Disabled
    people are not stupid"), nor when the `near` term is what a word before it is about
    ("hatred of Muslims is disgusting")."""


@dataclass(frozen=True)
class Endorsement:
    """A candidate named with an act of support of their candidacy or office (see
    `public_offices` in policy.toml): the patterns of the acts, each with the name it
    supports in group "name" and perhaps an office in group "office"; the engine judges
    whether the name is a candidate (engine._endorsement)."""

    acts: tuple[tuple[str, re.Pattern[str]], ...]
    """(kind, pattern): "office" (the name and an office), "campaign" (a support verb, the
    name, and a campaign or an office), "vote", "reelect", "slogan" (name and year)."""
    public_offices: re.Pattern[str]
    """Offices only public life has: with one, any full name is a candidate."""
    surnames: frozenset[str]
    """The last word of each listed politician, lower case ("harris" of "Kamala Harris")."""
    gate: Gate
    """The words without one of which no act can match (offices, "campaign", "vote"...)."""


@dataclass(frozen=True)
class Rules:
    path: Path | None
    severity: dict[str, str]
    limits: dict[str, int]
    society_domains: tuple[str, ...]
    partner_domains: tuple[str, ...]
    sponsor_domains: tuple[str, ...]
    sections: dict[str, Section]
    acknowledgements: re.Pattern[str] | None
    vulgar_words: frozenset[str]
    vulgar_by_shape: dict[tuple[str, int], tuple[str, ...]]
    vulgar_forms: frozenset[str]
    vulgar_stems: re.Pattern[str] | None
    transactional_path_words: frozenset[str]
    transactional_host_words: frozenset[str]
    transactional_query_words: frozenset[str]
    transactional_product_words: frozenset[str]
    order_phrases: re.Pattern[str] | None
    own_bodies: re.Pattern[str] | None
    person_names: frozenset[str]
    name_titles: frozenset[str]
    remit: re.Pattern[str] | None
    """Nuclear governance: a text that speaks of it is not political speech."""
    spoken_arena: re.Pattern[str] | None
    """Agenda terms that count as the arena in a text spoken as "we" ("America")."""
    politician_titles: re.Pattern[str] | None
    """An office's title before a capitalised name ("Gov. Newsom"), case as written."""
    endorsement: Endorsement | None
    """An endorsement (or an attack) of a candidate by name: a side taken."""
    arena_offices: re.Pattern[str] | None
    """Arena terms that are offices ("governor"): with an agenda term alone, a mention."""
    platform: re.Pattern[str] | None
    """Arena terms that are a platform's words ("deficit"): speech only in a text spoken
    by or to someone, a mention in a headline."""
    outgoing_allow: dict[str, re.Pattern[str]]
    """Per reply category: phrases that, in the society's own posts, make a finding they
    overlap no finding ("thinks she's fat" in health advice); replies are not affected."""
    outgoing_said_of: frozenset[str]
    """Harassment phrases that also name a living thing ("parasites"): in the society's own
    posts a finding only when said of someone (engine._said_of)."""
    phone_regions: tuple[str, ...]
    allowed_numbers: frozenset[str]
    role_mailboxes: frozenset[str]
    """Mailboxes of an office, not a person ("info", "press"): their addresses are no
    personal information."""
    calls_to_action: re.Pattern[str] | None
    yearless_grace_days: int
    relative_dates: re.Pattern[str] | None
    question_words: frozenset[str]
    disguised_words: frozenset[str]
    """Words of hostility restored when disguised ("h4te", "klil"): disguise.py."""
    disguised_forms: dict[str, str]
    learned_replies: bool
    """Incoming replies are also read by the learned model (model.py)."""
    evaluation: Evaluation | None
    """Groups and words of strong negative evaluation (lexicon.py), or None."""
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    def severity_of(self, rule: str, category: str) -> str:
        return self.severity.get(rule) or self.severity.get(category) or "warn"


class _Reader:
    """Typed access to the TOML document, with errors that name file and key."""

    def __init__(self, data: dict[str, Any], where: str):
        self.data = data
        self.where = where

    def fail(self, key: str, expected: str, value: Any) -> RulesError:
        return RulesError(f"{self.where}: {key}: expected {expected}, got {value!r}")

    def table(self, name: str) -> dict[str, Any]:
        value = self.data.get(name, {})
        if not isinstance(value, dict):
            raise self.fail(name, "a table", value)
        return value

    def strings(self, section: str, key: str, default: list[str] | None = None) -> list[str]:
        value = self.table(section).get(key, default if default is not None else [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(f"{section}.{key}", "a list of non-empty strings", value)
        return [v.strip() for v in value]

    def string(self, section: str, key: str, default: str) -> str:
        value = self.table(section).get(key, default)
        if not isinstance(value, str):
            raise self.fail(f"{section}.{key}", "a string", value)
        return value

    def integer(self, section: str, key: str, default: int) -> int:
        value = self.table(section).get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise self.fail(f"{section}.{key}", "a whole number (0 or more)", value)
        return value

    def boolean(self, section: str, key: str, default: bool) -> bool:
        value = self.table(section).get(key, default)
        if not isinstance(value, bool):
            raise self.fail(f"{section}.{key}", "true or false", value)
        return value

    def patterns(self, section: str, key: str) -> re.Pattern[str] | None:
        terms = self.strings(section, key)
        try:
            return compile_terms(terms)
        except re.error as exc:  # pragma: no cover - escaping makes this unlikely
            raise RulesError(f"{self.where}: {section}.{key}: cannot be compiled: {exc}") from None


KNOWN_TOP = {
    "version", "severity", "limits", "domains", "politics_religion", "vulgar_discriminatory",
    "advertising", "transactional_link", "copyright", "personal_info", "propaganda_salacious",
    "credibility", "timeliness", "questions", "disguises", "learned", "evaluation", *RESPECT, *FORM,
}
PHRASE_SECTIONS = ("politics_religion", "vulgar_discriminatory", "advertising", "copyright",
                   "propaganda_salacious", "personal_info", *RESPECT)


def load_rules(path: str | Path) -> Rules:
    """Read and compile the rules file; raise RulesError naming the file and key."""
    path = Path(path)
    data = read_toml(path, "the screening rules", RulesError)
    return parse_rules(data, path)


def parse_rules(data: dict[str, Any], path: Path | None = None) -> Rules:
    where = str(path) if path else "<rules>"
    unknown = sorted(set(data) - KNOWN_TOP)
    if unknown:
        raise RulesError(
            f"{where}: {unknown[0]}: unknown key (expected one of {', '.join(sorted(KNOWN_TOP))})"
        )
    r = _Reader(data, where)

    severity = dict(DEFAULT_SEVERITY)
    for key, value in r.table("severity").items():
        category = key.split(".", 1)[0]
        if category not in CATEGORIES:
            raise RulesError(
                f"{where}: severity.{key}: unknown category {category!r} "
                f"(expected one of {', '.join(CATEGORIES)})"
            )
        if value not in ("warn", "block"):
            raise r.fail(f"severity.{key}", '"warn" or "block"', value)
        severity[key] = value

    limits = {api: r.integer("limits", api, caps.max_length) for api, caps in CAPABILITIES.items()}
    limits["announcement"] = r.integer("limits", "announcement", 140)
    for key, value in limits.items():
        if value == 0:
            raise r.fail(f"limits.{key}", "a positive number", value)

    sections: dict[str, Section] = {}
    for name in PHRASE_SECTIONS:
        terms_key = "terms" if name == "politics_religion" else "phrases"
        allow = r.strings(name, "allow")
        if name == "politics_religion":
            allow += r.strings(name, "greetings")
        near, with_ = r.patterns(name, "near"), r.patterns(name, "with")
        if (near is None) != (with_ is None):
            raise r.fail(f"{name}.{'with' if with_ is None else 'near'}",
                         "a list of terms (near and with go together)", [])
        sections[name] = Section(
            message=r.string(name, "message", name.replace("_", " ")),
            terms=r.patterns(name, terms_key) if name != "personal_info" else None,
            allow=compile_terms(allow),
            near=near, with_=with_, window=r.integer(name, "window", 0),
            terms_gate=gate_for(r.strings(name, terms_key)),
            near_gate=gate_for(r.strings(name, "near")),
            with_gate=gate_for(r.strings(name, "with")),
            pairs=_pairs(r, name) if name in RESPECT else (),
            unless_negated=r.boolean(name, "unless_negated", False),
        )
    # Blame or praise of a party or a politician by name is a side taken, as of an office:
    # both lists join the `near` of the politics pair.
    actors = (r.strings("politics_religion", "near") + r.strings("politics_religion", "parties")
              + r.strings("politics_religion", "politicians"))
    if sections["politics_religion"].with_ is not None:
        sections["politics_religion"] = replace(
            sections["politics_religion"], near=compile_terms(actors), near_gate=gate_for(actors))
    # Political speech without a party name or a word of blame: two terms of the political
    # arena ("our country", "Washington"), or one and an agenda ("jobs", "taxes", "we will
    # fight for"), unless the text is about nuclear governance (`remit`), INMM's business.
    # Offices ("governor") are arena terms whose pair is a mention (see _speech).
    arena_terms = (r.strings("politics_religion", "arena")
                   + r.strings("politics_religion", "arena_offices"))
    arena, agenda = compile_terms(arena_terms), r.patterns("politics_religion", "agenda")
    if (arena is None) != (agenda is None):
        raise r.fail(f"politics_religion.{'agenda' if agenda is None else 'arena'}",
                     "a list of terms (arena and agenda go together)", [])
    sections["political_speech"] = Section(
        message=sections["politics_religion"].message,
        terms=None, allow=None, near=arena,
        with_=compile_terms(arena_terms + r.strings("politics_religion", "agenda")),
        window=r.integer("politics_religion", "arena_window", 0),
        with_gate=gate_for(arena_terms + r.strings("politics_religion", "agenda")),
    )
    # Politicians by name ("Obama", "Sunak"): their own rule id, politics_religion.politician,
    # so that the Subcommittee can give a politician named in news its own severity.
    # A mention's own message: the clearer reads it beside the post and judges.
    mention_message = r.string("politics_religion", "mention_message",
                               sections["politics_religion"].message)
    sections["politicians"] = Section(
        message=mention_message,
        terms=r.patterns("politics_religion", "politicians"),
        allow=sections["politics_religion"].allow,
        terms_gate=gate_for(r.strings("politics_religion", "politicians")),
    )
    # Politics named as news ("GOP lawmakers", "the White House", "abortion"): their own
    # rule id, politics_religion.mention, a warning by default where a side taken blocks.
    mentions = r.strings("politics_religion", "mentions") + r.strings("politics_religion",
                                                                       "parties")
    sections["political_mentions"] = Section(
        message=mention_message,
        terms=compile_terms(mentions),
        allow=sections["politics_religion"].allow,
        terms_gate=gate_for(mentions),
    )
    # A faith, a church or a scripture named as news or as a place ("Catholic hospitals",
    # "a Bible museum"): politics_religion.mention too, with its own message; worship,
    # prayer made or asked and blessings given stay in `terms` (a block).
    faiths = r.strings("politics_religion", "faith_mentions")
    sections["faith_mentions"] = Section(
        message=r.string("politics_religion", "faith_message", mention_message),
        terms=compile_terms(faiths),
        allow=sections["politics_religion"].allow,
        terms_gate=gate_for(faiths),
    )
    sections["text_form"] = Section(
        message=r.string("text_form", "message", "The text itself is malformed."),
        terms=None, allow=None,
    )
    sections["transactional_link"] = Section(
        message=r.string("transactional_link", "message", "transactional link"),
        terms=None, allow=None,
    )

    vulgar = set()
    if r.boolean("vulgar_discriminatory", "use_better_profanity", True):
        vulgar |= _better_profanity_words()
    vulgar |= {w.lower() for w in r.strings("vulgar_discriminatory", "extra")}
    vulgar -= {w.lower() for w in r.strings("vulgar_discriminatory", "exclude")}
    by_shape: dict[tuple[str, int], list[str]] = {}
    for word in vulgar:
        if " " not in word and word[:1].isalpha():
            by_shape.setdefault((word[0], len(word)), []).append(word)

    regions = tuple(r.strings("personal_info", "phone_regions", ["US"]))
    import phonenumbers

    supported = phonenumbers.SUPPORTED_REGIONS
    for region in regions:
        if region not in supported:
            raise r.fail("personal_info.phone_regions", "two-letter region codes like US", region)

    from inmm_tui.screening.disguise import variants
    from inmm_tui.screening.vulgar import suffixed

    return Rules(
        path=path,
        severity=severity,
        limits=limits,
        society_domains=tuple(d.lower() for d in r.strings("domains", "society")),
        partner_domains=tuple(d.lower() for d in r.strings("domains", "partners")),
        sponsor_domains=tuple(d.lower() for d in r.strings("domains", "sponsors")),
        sections=sections,
        acknowledgements=r.patterns("advertising", "acknowledgements"),
        vulgar_words=frozenset(vulgar),
        vulgar_by_shape={k: tuple(sorted(v)) for k, v in by_shape.items()},
        vulgar_forms=suffixed(frozenset(vulgar)),
        vulgar_stems=_stems(r.strings("vulgar_discriminatory", "stems")),
        transactional_path_words=frozenset(
            w.lower() for w in r.strings("transactional_link", "path_words")),
        transactional_host_words=frozenset(
            w.lower() for w in r.strings("transactional_link", "host_words")),
        transactional_query_words=frozenset(
            w.lower() for w in r.strings("transactional_link", "query_words")),
        transactional_product_words=frozenset(
            w.lower() for w in r.strings("transactional_link", "product_words")),
        order_phrases=r.patterns("transactional_link", "order_phrases"),
        own_bodies=r.patterns("advertising", "own_bodies"),
        person_names=frozenset(w.lower() for w in r.strings("politics_religion", "names")),
        name_titles=frozenset(w.lower().rstrip(".")
                              for w in r.strings("politics_religion", "titles")
                              + r.strings("politics_religion", "particles")),
        remit=r.patterns("politics_religion", "remit"),
        spoken_arena=r.patterns("politics_religion", "spoken_arena"),
        politician_titles=_titled_names(r.strings("politics_religion", "politician_titles")),
        arena_offices=r.patterns("politics_religion", "arena_offices"),
        endorsement=_endorsement(r),
        platform=r.patterns("politics_religion", "platform"),
        outgoing_allow={name: pattern for name in (*RESPECT, "vulgar_discriminatory")
                        if (pattern := r.patterns(name, "outgoing_allow")) is not None},
        outgoing_said_of=frozenset(
            w.lower() for w in r.strings("harassment", "outgoing_said_of")),
        phone_regions=regions,
        allowed_numbers=frozenset(
            "".join(ch for ch in n if ch.isdigit())
            for n in r.strings("personal_info", "allowed_numbers")),
        role_mailboxes=frozenset(m.lower() for m in r.strings("personal_info", "role_mailboxes")),
        calls_to_action=r.patterns("credibility", "calls_to_action"),
        yearless_grace_days=r.integer("timeliness", "yearless_grace_days", 90),
        relative_dates=r.patterns("timeliness", "relative"),
        question_words=frozenset(w.lower() for w in r.strings("questions", "words")),
        disguised_words=frozenset(w.lower() for w in r.strings("disguises", "words")),
        disguised_forms=variants(r.strings("disguises", "words")),
        learned_replies=r.boolean("learned", "replies", True),
        evaluation=_evaluation(r),
        raw=data,
    )


def _stems_of(words: list[str]) -> re.Pattern[str] | None:
    """Whole lower-case words; a trailing * is any ending ("strangl*")."""
    if not words:
        return None
    alternatives = "|".join(re.escape(w.lower().rstrip("*")) + ("[a-z']*" if w.endswith("*")
                                                                else "") for w in words)
    return re.compile(rf"(?i)\b(?:{alternatives})\b")


def _lower(words: list[str]) -> frozenset[str]:
    return frozenset(w.lower().replace("\u2019", "'") for w in words)


def _evaluation(r: _Reader) -> Evaluation | None:
    if not r.table("evaluation"):
        return None
    threshold = r.table("evaluation").get("threshold", -2.0)
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not (
            -4 <= threshold <= 0):
        raise r.fail("evaluation.threshold", "a number from -4 to 0", threshold)
    positive = r.table("evaluation").get("positive", 2.0)
    if isinstance(positive, bool) or not isinstance(positive, (int, float)) or not (
            0 < positive <= 4):
        raise r.fail("evaluation.positive", "a number above 0, at most 4", positive)
    groups = r.strings("evaluation", "groups")
    return Evaluation(
        threshold=float(threshold),
        groups=compile_terms(groups),
        group_words=frozenset(max(g.lower().split(), key=len) for g in groups),
        extra=frozenset(w.lower() for w in r.strings("evaluation", "extra")),
        not_evaluative=frozenset(w.lower() for w in r.strings("evaluation", "not_evaluative")),
        fillers=frozenset(w.lower().replace("\u2019", "'")
                          for w in r.strings("evaluation", "fillers")),
        window=r.integer("evaluation", "window", 4),
        copulas=_lower(r.strings("evaluation", "copulas")),
        first_person=_lower(r.strings("evaluation", "first_person")),
        determiners=_lower(r.strings("evaluation", "determiners")),
        pronouns=_lower(r.strings("evaluation", "pronouns")),
        positive=float(positive),
        not_qualities=_lower(r.strings("evaluation", "not_qualities")),
        harm=_stems_of(r.strings("evaluation", "harm")),
        targets=_lower(r.strings("evaluation", "targets")),
    )


def _titled_names(titles: list[str]) -> re.Pattern[str] | None:
    """A title as written, then a capitalised word that is not "of" or "and": "Rep. Adam
    Kinzinger" is a politician, "Rep. of Korea" and "the senator said" are not."""
    if not titles:
        return None
    alternatives = "|".join(re.escape(t) for t in sorted(titles, key=len, reverse=True))
    return re.compile(rf"(?<![\w.])(?:{alternatives})(?![\w])\s+(?!(?:Of|And|The)\b)[A-Z][\w'\u2019-]+")


# A name as written: capitalised words ("Barack Obama", "O'Rourke"), initials and titles
# ("J.", "Sen.", "Lt. Gov."), up to four; a possessive "'s" is not part of it.
_NAME = (r"(?P<name>(?:[A-Z][a-z]{0,3}\.|[A-Z][\w-]*(?:['\u2019][A-Z][\w-]*)?)"
         r"(?:[ \t]+(?:[A-Z][a-z]{0,3}\.|[A-Z][\w-]*(?:['\u2019][A-Z][\w-]*)?)){0,3})"
         r"(?![\w-])")
_YEAR = r"(?:19|20)\d\d"
_CAMPAIGN = (r"(?i:['\u2019]s)?[ \t]+(?:(?i:re-?election|presidential|senate|congressional|"
             r"gubernatorial|mayoral)[ \t]+)?(?i:campaign|candidacy|bid|re-?election)(?![\w])")


def _endorsement(r: _Reader) -> Endorsement | None:
    """The acts of support of a candidacy, compiled around a name (case as written) with
    their words in any case."""
    public = r.strings("politics_religion", "public_offices")
    shared = r.strings("politics_religion", "shared_offices")
    verbs = r.strings("politics_religion", "support_verbs")
    votes = r.strings("politics_religion", "vote_verbs")
    if not public or not verbs:
        return None

    def any_of(terms: list[str]) -> str:
        ordered = sorted(set(terms), key=len, reverse=True)
        return "(?i:" + "|".join(term_pattern(t) for t in ordered) + ")"

    office = (rf"(?P<office>{any_of(public + shared)})(?![\w])"
              rf"(?:[ \t]+(?P<year>{_YEAR})(?![\w]))?")
    the = r"(?:(?i:the|our)[ \t]+)?"
    start = r"(?<![\w'\u2019.-])"
    acts = [
        # "Jane Doe for Governor 2028", "Harris for President"
        ("office", rf"{start}{_NAME}[ \t]+(?i:for|4)[ \t]+{the}{office}"),
        # "I want Barack Obama to be the next president"
        ("office", rf"{start}{_NAME}[ \t]+(?i:to[ \t]+be(?:come)?|as)[ \t]+"
                   rf"(?i:the|our|America['\u2019]s)[ \t]+(?i:next)[ \t]+{office}"),
        ("office", rf"(?<![\w])(?i:make)[ \t]+{_NAME}[ \t]+(?i:the|our)[ \t]+(?i:next)[ \t]+"
                   rf"{office}"),
        # "the next President of the United States, Donald J. Trump"
        ("office", rf"(?<![\w])(?i:the|our)[ \t]+(?i:next)[ \t]+{office},?[ \t]+{_NAME}"),
        # "Proud to support Mike Pence's campaign", "Donate to the Harris campaign"
        ("campaign", rf"(?<![\w]){any_of(verbs)}[ \t]+{the}{_NAME}(?P<campaign>{_CAMPAIGN})?"
                     rf"(?:[ \t]+(?i:for)[ \t]+{the}{office})?"),
        # "Re-elect Senator Smith", "Reelect Obama as president"
        ("reelect", rf"(?<![\w-])(?i:re-?elect|elect)[ \t]+{_NAME}"
                    rf"(?:[ \t]+(?i:as|for|to)[ \t]+{the}{office})?"),
        # "Biden 2024!", "#Trump2028"
        ("slogan", rf"{start}{_NAME}[ \t]+(?P<year>{_YEAR})(?![\w'\u2019])"
                   rf"(?=\s*(?:[^\w\s]|$))"),
        ("slogan", rf"#(?P<name>[A-Z][A-Za-z]+)(?P<year>{_YEAR})(?![\w])"),
    ]
    if votes:
        # Not "voting for Trump's judges": the name's possession is not the candidate.
        acts.append(("vote", rf"(?<![\w]){any_of(votes)}[ \t]+{the}{_NAME}(?!['\u2019]s)"))
    # The speaker's own support needs no campaign: "I am proud to support Donald Trump",
    # "We endorse Obama" (not "Republicans support Trump's plan": news, a possession).
    acts.append(("vote", rf"(?<![\w])(?i:(?:I|we)(?:[ \t]+(?:strongly|fully|proudly))?[ \t]+"
                         rf"(?:support|endorse|back|stand[ \t]+with)|proud(?:ly)?[ \t]+to[ \t]+"
                         rf"(?:support|endorse|back|stand[ \t]+with))[ \t]+{_NAME}(?!['\u2019]s)"))
    politicians = r.strings("politics_religion", "politicians")
    surnames = [p.split()[-1] for p in politicians]
    # A slogan ("Biden 2024!") has no word of an act: a politician's name opens the gate.
    keys = (public + shared + votes + surnames + politicians
            + r.strings("politics_religion", "politician_titles")
            + ["campaign", "candidacy", "bid", "reelection", "re-election", "re-elect",
               "reelect", "elect"])
    try:
        compiled = tuple((kind, re.compile(pattern)) for kind, pattern in acts)
    except re.error as exc:  # pragma: no cover - escaping makes this unlikely
        raise RulesError(f"{r.where}: politics_religion.public_offices: cannot be compiled: "
                         f"{exc}") from None
    return Endorsement(
        acts=compiled,
        public_offices=re.compile(any_of(public)),
        surnames=frozenset(name.lower() for name in surnames),
        gate=gate_for(keys),
    )


def _pairs(r: _Reader, name: str) -> tuple[Pair, ...]:
    """The section's `[[name.pair]]` tables; a pair without `near` uses the section's."""
    tables = r.table(name).get("pair", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise r.fail(f"{name}.pair", "tables ([[" + name + ".pair]])", tables)
    pairs = []
    for index, table in enumerate(tables):
        label = f"{name}.pair[{index}]"
        sub = _Reader({label: table}, r.where)
        near_terms = sub.strings(label, "near") or r.strings(name, "near")
        with_terms = sub.strings(label, "with")
        if not near_terms or not with_terms:
            key = "with" if not with_terms else "near"
            raise r.fail(f"{label}.{key}", "a list of terms (near may be the section's)",
                         table.get(key, []))
        near, with_ = compile_terms(near_terms), compile_terms(with_terms)
        assert near is not None and with_ is not None
        pairs.append(Pair(near=near, with_=with_, window=sub.integer(label, "window", 0),
                          near_gate=gate_for(near_terms), with_gate=gate_for(with_terms),
                          unless_negated=sub.boolean(label, "unless_negated", False)))
    return tuple(pairs)


def _stems(stems: list[str]) -> re.Pattern[str] | None:
    """"fuck" → f[u*][c*]k: a stem inside a longer word, its inner letters perhaps starred."""
    patterns = []
    for stem in stems:
        stem = stem.lower()
        if len(stem) < 3:
            continue
        inner = "".join(f"[{re.escape(ch)}*]" for ch in stem[1:-1])
        patterns.append(re.escape(stem[0]) + inner + re.escape(stem[-1]))
    return re.compile("|".join(patterns)) if patterns else None


def _better_profanity_words() -> set[str]:
    """The better-profanity package's word list, read as data (its matcher is too slow for
    a keystroke-by-keystroke screen: about 10 ms a post, see bench/screening.py)."""
    from importlib import resources

    text = resources.files("better_profanity").joinpath("profanity_wordlist.txt").read_text(
        encoding="utf-8")
    return {line.strip().lower() for line in text.splitlines() if line.strip()}


_default: Rules | None = None


def default_rules() -> Rules:
    """The packaged rules, loaded once."""
    global _default
    if _default is None:
        _default = load_rules(PACKAGED_POLICY_RULES)
    return _default
