"""The policy screen: one text in, a verdict and findings with the spans they are about.

Outgoing posts get every rule; incoming replies and mentions (for the moderation queue)
get the policy's "Inappropriate topics" but politics and religion (see
`_politics_religion`), the categories of its "Respectful Behavior" and
"Handling Questionable Information" (threat, harassment, discrimination, accusation) and
spam, and the control-character check, but not the rules about INMM's own posts
(signature, credibility, topic, timeliness, length, empty text).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from inmm_tui.capabilities import CAPABILITIES, TWITTER_TEXT, for_api
from inmm_tui.screening import personal
from inmm_tui.screening.disguise import respell
from inmm_tui.screening.length import urls_in, weighted_length, x_fits, x_overflow
from inmm_tui.screening.lexicon import Evaluation
from inmm_tui.screening.model import reply_model
from inmm_tui.screening.rules import (
    RESPECT,
    VERDICTS,
    Rules,
    Section,
    default_rules,
    text_words,
)
from inmm_tui.screening.vulgar import find_vulgar


@dataclass(frozen=True)
class Finding:
    """One thing the screen found: which rule, which category, why, and where."""

    rule: str
    category: str
    message: str
    span: tuple[int, int]
    """Start and end offsets in the text (Python string indices), for highlighting."""

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "category": self.category, "message": self.message,
                "span": [self.span[0], self.span[1]]}


@dataclass(frozen=True)
class Screening:
    verdict: str
    """pass | warn | block"""
    findings: list[Finding] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "findings": [f.as_dict() for f in self.findings]}

    @property
    def categories(self) -> set[str]:
        return {f.category for f in self.findings}


@dataclass(frozen=True)
class ScreenContext:
    """What the screen needs to know besides the text."""

    direction: str = "outgoing"
    """"outgoing" (a post of ours) or "incoming" (a reply or mention)."""
    apis: Sequence[str] = tuple(CAPABILITIES)
    """The platform apis the text goes to; each one's length limit applies."""
    announcement: bool = False
    """A re-tweetable announcement, held to the announcement limit (140)."""
    topic: str | None = None
    """The appropriate topic the post is tagged with; None: not checked, "": untagged."""
    hq_author: bool = False
    """Written by HQ, which may acknowledge sponsors and exhibitors."""
    signature: str | None = None
    """The expected signature; may hold `{initials}`, `{name}`, `{login}`. None: not checked."""
    today: dt.date = field(default_factory=dt.date.today)
    rules: Rules | None = None
    """The compiled rules; None: the packaged rules."""
    topics: Sequence[str] | None = None
    """The configured appropriate topics; None: any non-empty topic is accepted."""
    event_date: dt.date | None = None
    """The date of the event the post is about, if known (timeliness)."""
    publish_on: dt.date | None = None
    """The day a scheduled post goes out, if later than `today`: "yesterday" or "this
    morning" written today is wrong by then (timeliness)."""
    learned: bool = True
    """Incoming replies: also ask the learned model (model.py) when the rules find no
    abuse or spam; False: the rules alone (the bench compares the two)."""


_SEVERITY_RANK = {v: i for i, v in enumerate(VERDICTS)}
_DIGIT = re.compile(r"\d")


def screen(text: str, context: ScreenContext | None = None) -> Screening:
    """Screen one text against the policy."""
    context = context or ScreenContext()
    if context.direction not in ("outgoing", "incoming"):
        raise ValueError(f"direction must be 'outgoing' or 'incoming', not {context.direction!r}")
    rules = context.rules or default_rules()
    outgoing = context.direction == "outgoing"
    masked, links, emails = _read(text)

    words = text_words(masked)
    findings: list[Finding] = _form(rules, text, outgoing)
    if outgoing:
        findings += _politics_religion(rules, masked, words)
    findings += [f for f in _phrases(rules, "vulgar_discriminatory", masked, words=words)
                 if not (outgoing and _allowed_outgoing(rules, f, masked))]
    findings += [
        Finding("vulgar_discriminatory.word", "vulgar_discriminatory",
                f'{rules.sections["vulgar_discriminatory"].message} ("{text[s:e]}")', (s, e))
        for s, e in find_vulgar(masked, rules, swapped=not outgoing)
        if not _covered(findings, s, e) and not _allowed(rules, "vulgar_discriminatory", masked, s, e)
    ]
    findings += _advertising(rules, text, masked, links, context)
    findings += _transactional(rules, links, masked)
    findings += _phrases(rules, "copyright", masked)
    findings += personal.find(text, masked, emails, rules)
    findings += _phrases(rules, "propaganda_salacious", masked)
    findings += [f for f in _respect(rules, masked, words)
                 if not (outgoing and _allowed_outgoing(rules, f, masked))]
    if not outgoing and context.learned and rules.learned_replies:
        findings += _learned(masked, findings)
    if outgoing:
        findings += _length(rules, text, context)
        findings += _signature(text, context)
        findings += _credibility(rules, masked, links)
        findings += _timeliness(rules, masked, context)
        findings += _topic(text, context)

    findings.sort(key=lambda f: (f.span, f.category, f.rule))
    verdict = "pass"
    for finding in findings:
        severity = rules.severity_of(finding.rule, finding.category)
        if _SEVERITY_RANK[severity] > _SEVERITY_RANK[verdict]:
            verdict = severity
    return Screening(verdict, findings)


def _politics_religion(rules: Rules, masked: str, words: frozenset[str]) -> list[Finding]:
    """The policy lists "posts related to politics or religion" among the inappropriate
    topics of INMM's own posts. A follower's reply that names a faith or a party is not
    questionable for that: the policy's handling of replies is about what is threatening,
    illegal, disrespectful (its Respectful Behavior Policy) or derogatory and inaccurate,
    the categories of `_respect`. So replies are not screened for it."""
    findings = [f for f in _phrases(rules, "politics_religion", masked, words=words)
                if not _is_name(rules, masked, f.span)]
    # One word among other things people do ("where people live, learn, pray, and play")
    # names the act; it is not the post praying or calling to it: a mention.
    findings = [replace(f, rule="politics_religion.mention") if _listed(masked, f.span) else f
                for f in findings]
    # Blame or praise in quotation marks stays a side taken: a post could otherwise quote
    # its own blame ("The Senate is 'a disgrace'") to turn the block into a warning.
    findings += _pairs(rules, "politics_religion", masked, words)
    findings += _speech(rules, masked, words)
    named = [Finding("politics_religion.politician", "politics_religion", f.message, f.span)
             for f in _phrases(rules, "politicians", masked, words=words)]
    findings += _endorsement(rules, masked, words, bool(named))
    findings += named
    findings += _titled_politician(rules, masked)
    # Politics named as news, not a side taken: a rule of its own, which `[severity]`
    # makes a warning for the clearer to judge (the politician rules above likewise).
    # One inside a side taken ("Vote Republican") is that finding's, not a second one.
    findings += [Finding("politics_religion.mention", "politics_religion", f.message, f.span)
                 for f in _phrases(rules, "political_mentions", masked, words=words)
                 if not _covered(findings, *f.span)]
    # Religion likewise: a faith, a church or a scripture named (news, a place, an
    # institution) is a mention; worship, prayer made or asked, a blessing given (`terms`,
    # above) are a side taken. A name ("Dr. Christian Meyer") is neither.
    findings += [Finding("politics_religion.mention", "politics_religion", f.message, f.span)
                 for f in _phrases(rules, "faith_mentions", masked, words=words)
                 if not _covered(findings, *f.span) and not _is_name(rules, masked, f.span)]
    return findings


def _respect(rules: Rules, masked: str, words: frozenset[str]) -> list[Finding]:
    """The reply categories (threat, harassment, discrimination, accusation, spam), also
    on the text with its disguised words restored ("I h4te w o m e n"), for a category
    the plain text does not already show."""
    found = [f for name in RESPECT
             for f in _phrases(rules, name, masked, words=words)
             + _pairs(rules, name, masked, words)]
    listed = {f.category for f in found}
    found += [f for f in _evaluations(rules, masked, words) + _harm(rules, masked)
              if f.category not in listed]
    if rules.evaluation is not None:
        joinable, vocabulary = rules.evaluation.joined(rules.disguised_words)
        disguised, forms, lower_only = rules.evaluation.disguised(rules.disguised_words)
    else:
        joinable = vocabulary = lower_only = frozenset()
        disguised, forms = rules.disguised_words, rules.disguised_forms
    respelled = respell(masked, disguised, forms, words, joinable, vocabulary, lower_only)
    if respelled is None:
        return found
    seen = {f.category for f in found}
    plain = respelled.text
    plain_words = text_words(plain)
    again = [f for name in RESPECT if name not in seen
             for f in _phrases(rules, name, plain, words=plain_words)
             + _pairs(rules, name, plain, plain_words)]
    seen |= {f.category for f in again}
    again += [f for f in _evaluations(rules, plain, plain_words) + _harm(rules, plain)
              if f.category not in seen]
    for f in again:
        span = (respelled.original(f.span[0]), respelled.original(f.span[1]))
        found.append(replace(f, span=span))
    return found


_TOKEN = re.compile(r"[A-Za-z]+(?:['\u2019][A-Za-z]+)?")


def _tokens(text: str) -> list[tuple[int, int, str]]:
    """The words of `text`: start, end, and the word in lower case with a plain apostrophe."""
    return [(m.start(), m.end(), m.group(0).lower().replace("\u2019", "'"))
            for m in _TOKEN.finditer(text)]


_CLAUSE_END = re.compile(r"[.!?;:\n]")
_VOCATIVE = re.compile(r"[.!?;:,\n]")
_YOU = frozenset({"you", "you're", "youre", "u", "ya", "yourself", "yourselves"})
# "you" that is no one in particular or a courtesy: "thank you", "if you", "see you".
_NOT_ADDRESSED = frozenset({"thank", "thanks", "if", "see", "when", "help", "helps", "can",
                            "will", "let", "make", "makes", "give", "tell"})


_ADDRESSED = _YOU | {"your", "ur"}
_YOUR_SELF = frozenset({"life", "lives", "existence", "kind", "face", "mind", "brain"})
_OBJECT_OF = frozenset({"against", "toward", "towards", "of", "on", "at", "to", "about"})


_NEGATORS = frozenset({"not", "never", "no", "cannot", "can't", "cant", "won't", "isn't",
                       "aren't", "wasn't", "weren't", "don't", "doesn't", "couldn't",
                       "wouldn't", "shouldn't", "none"})


def _denied(evaluation: Evaluation, masked: str, tokens: list[tuple[int, int, str]],
            groups: list[tuple[int, int]], copulas: frozenset[str],
            pair: Any) -> list[Finding]:
    """A good quality denied to a whole group: "Women are never intelligent", "No
    immigrant can ever be a valuable colleague" (the group, a copula and a negation, then
    a word the lexicon rates clearly positive, not a state: "Women are not safe here" is
    a grievance, not contempt)."""
    good = evaluation.good()
    allowed = evaluation.fillers | _NEGATORS
    for first, last in groups:
        before_no = first and tokens[first - 1][2] in ("no", "none")
        denied = before_no
        linked = False
        for k in range(last + 1, min(len(tokens), last + evaluation.window + 3)):
            word = tokens[k][2]
            if _CLAUSE_END.search(masked, tokens[k - 1][1], tokens[k][0]):
                break
            if word in good and (linked or word in copulas) and denied:
                found = pair("discrimination", (first, last), (k, k), negatable=False)
                return [found] if found is not None else []
            if word not in allowed:
                break
            denied = denied or word in _NEGATORS
            linked = linked or word in copulas
    return []


def _harm(rules: Rules, masked: str) -> list[Finding]:
    """An intention or a wish, then violence done to people: "If only someone would
    strangle those engineers", "How about we drown them all" (`threat` `near` and its
    first pair's, `[evaluation] harm` and `targets`), within eight words, not negated."""
    evaluation = rules.evaluation
    if evaluation is None or evaluation.harm is None or not evaluation.harm.search(masked):
        return []
    tokens = _tokens(masked)
    verbs = [i for i, t in enumerate(tokens) if evaluation.harm.fullmatch(t[2])]
    if not verbs:
        return []
    groups = ([m.start() for m in evaluation.groups.finditer(masked)]
              if evaluation.groups is not None else [])
    section = rules.sections["threat"]
    intents = [p.near for p in section.pairs[:1]] + (
        [section.near] if section.near is not None else [])
    starts = {i for i, t in enumerate(tokens) if t[0] in groups}
    for i in verbs:
        target = next((k for k in range(i + 1, min(len(tokens), i + 4))
                       if tokens[k][2] in evaluation.targets or k in starts), None)
        if target is None or _CLAUSE_END.search(masked, tokens[i][1], tokens[target][0]):
            continue
        clause = max((m.end() for m in _CLAUSE_END.finditer(masked, 0, tokens[i][0])),
                     default=0)
        for pattern in intents:
            for m in pattern.finditer(masked, clause, tokens[i][0]):
                gap = masked[m.end():tokens[i][0]]
                if len(_WORD.findall(gap)) > 8 or _negated(masked, m.span(),
                                                           (tokens[i][0], tokens[i][1])):
                    continue
                span = (m.start(), tokens[target][1])
                return [Finding("threat.harm", "threat",
                                f'{section.message} ("{masked[span[0]:span[1]]}")', span)]
    return []


def _evaluations(rules: Rules, masked: str, words: frozenset[str]) -> list[Finding]:
    """A protected group or "you" and a word of strong negative evaluation said of it
    (`[evaluation]`, lexicon.py): the group or "you", then only filler words ("are",
    "so", "such a", "nothing but") up to the window, then the word ("Refugees are
    nothing but parasites", "you're a pathetic liar"); or the word and then the group
    ("I despise all women", "those disgusting immigrants"). In one sentence, not negated
    ("Women are not stupid"), not in the category's allow-list ("hate against")."""
    evaluation = rules.evaluation
    if evaluation is None:
        return []
    negative = evaluation.words()
    if (words.isdisjoint(evaluation.group_words) and words.isdisjoint(_ADDRESSED)) or (
            words.isdisjoint(negative) and words.isdisjoint(evaluation.good())):
        return []
    tokens = _tokens(masked)
    fillers = evaluation.fillers
    window = evaluation.window

    def joined(i: int, k: int) -> bool:
        """Tokens i..k in one sentence, with only fillers strictly between them."""
        if k - i - 1 > window:
            return False
        if any(tokens[j][2] not in fillers for j in range(i + 1, k)):
            return False
        return not _CLAUSE_END.search(masked, tokens[i][1], tokens[k][0])

    findings: list[Finding] = []
    bad = [i for i, t in enumerate(tokens) if t[2] in negative]
    groups: list[tuple[int, int]] = []  # first and last token of each group term
    if evaluation.groups is not None and not words.isdisjoint(evaluation.group_words):
        starts = {t[0]: i for i, t in enumerate(tokens)}
        ends = {t[1]: i for i, t in enumerate(tokens)}
        for m in evaluation.groups.finditer(masked):
            first = starts.get(m.start())
            last = ends.get(m.end())
            if first is not None and last is not None:
                groups.append((first, last))
    if groups:
        # "Some women get into government. They are still trash to me": "they" and
        # "them" after a group's name stand for it.
        after = groups[0][1]
        groups += [(i, i) for i in range(after + 1, len(tokens))
                   if tokens[i][2] in evaluation.pronouns]
    you = [i for i, t in enumerate(tokens)
           if t[2] in _YOU and not (i and tokens[i - 1][2] in _NOT_ADDRESSED)]
    # "your life is worthless": the person, not "your webinar".
    you += [i for i in range(1, len(tokens))
            if tokens[i][2] in _YOUR_SELF and tokens[i - 1][2] in ("your", "ur")]
    you.sort()

    def pair(name: str, a: tuple[int, int], b: tuple[int, int],
             negatable: bool = True) -> Finding | None:
        section = rules.sections[name]
        first = (tokens[a[0]][0], tokens[a[1]][1])
        second = (tokens[b[0]][0], tokens[b[1]][1])
        if negatable and _negated(masked, first, second):
            return None
        if section.allow is not None and any(
                m.start() < span[1] and span[0] < m.end()
                for m in section.allow.finditer(masked, max(0, min(first[0], second[0]) - 40),
                                                max(first[1], second[1]) + 40)
                for span in (first, second)):
            return None
        start, end = min(first[0], second[0]), max(first[1], second[1])
        return Finding(f"{name}.evaluation", name,
                       f'{section.message} ("{masked[start:end]}")', (start, end))

    copulas = evaluation.copulas

    def said_of(i: int, k: int) -> bool:
        """Tokens i..k joined, and the word at k said of what is at i through a copula
        ("are", "you're", "look"): "Women are useless", not "women crying"."""
        return joined(i, k) and (tokens[i][2] in copulas
                                 or any(tokens[j][2] in copulas for j in range(i + 1, k)))

    def felt(w: int) -> bool:
        """The speaker's own feeling: "I" or "we" before the word in its sentence ("I
        despise all women", "I have so much disdain for these women")."""
        for j in range(w - 1, -1, -1):
            if _CLAUSE_END.search(masked, tokens[j][1], tokens[j + 1][0]):
                return False
            if tokens[j][2] in evaluation.first_person:
                return True
        return False

    def attributive(w: int, first: int) -> bool:
        """"those filthy immigrants": the word right before the group, after a
        determiner (not "assaulting girls", an act)."""
        return (w + 1 == first and w > 0 and tokens[w - 1][2] in evaluation.determiners
                and not _CLAUSE_END.search(masked, tokens[w - 1][1], tokens[w][0]))

    for w in bad:
        for first, last in groups:
            # "hatred of women is vile", "violence against women is horrific": the group
            # is what the word is about, not what it is said of.
            object_of = first > 1 and (
                (tokens[first - 1][2] in _OBJECT_OF and tokens[first - 2][2] in negative)
                or tokens[first - 1][2].endswith("ing"))
            # "Why are Muslims so violent?": the copula before the group.
            asked = first > 0 and tokens[first - 1][2] in copulas and joined(last, w)
            if ((last < w and not object_of and (said_of(last, w) or asked))
                    or (w < first and joined(w, first) and (felt(w) or attributive(w, first)))):
                found = pair("discrimination", (first, last), (w, w))
                if found is not None:
                    findings.append(found)
                    break
        if findings:
            break
    def opens(y: int) -> bool:
        """"you" first in its sentence or after a comma ("Shut up, you idiot!")."""
        return y == 0 or _VOCATIVE.search(masked, tokens[y - 1][1], tokens[y][0]) is not None

    if not findings and groups:
        findings += _denied(evaluation, masked, tokens, groups, copulas, pair)

    def closes(w: int) -> bool:
        """The word, and at most one more ("you nasty liar!"), end the sentence."""
        return any(k + 1 == len(tokens) or _VOCATIVE.search(masked, tokens[k][1],
                                                            tokens[k + 1][0]) is not None
                   for k in range(w, min(w + 2, len(tokens))))

    for w in bad:
        # "you are a disgrace", "you're pathetic", or "you idiot!" (the word closes the
        # sentence: not "you betray", "you hate me").
        addressed = [y for y in you if y < w and (said_of(y, w) or (
            y + 1 == w and opens(y) and closes(w)))]
        if addressed:
            found = pair("harassment", (addressed[-1], addressed[-1]), (w, w))
            if found is not None:
                findings.append(found)
                break
    return findings


_HOSTILE = frozenset({*RESPECT, "vulgar_discriminatory"})


def _learned(masked: str, findings: list[Finding]) -> list[Finding]:
    """The learned model's reading of a reply in which the rules found no abuse, threat,
    discrimination, accusation, spam or vulgarity (it adds nothing to a reply they flag)."""
    if any(f.category in _HOSTILE for f in findings):
        return []
    kind = reply_model().verdict(masked)
    if kind is None:
        return []
    category = "spam" if kind == "spam" else "harassment"
    reads = "spam" if kind == "spam" else "abuse, an insult or a threat"
    return [Finding(f"{category}.model", category,
                    f"Reads like {reads} to the learned model, though no listed phrase was "
                    "found: the moderator decides.", (0, len(masked.rstrip())))]


def _read(text: str) -> tuple[str, list[Link], list[re.Match[str]]]:
    """The text as the rules read it, with its links and e-mail addresses. Words and
    numbers inside an address are not the post's: every `http(s)://` address is masked
    too, also one twitter-text does not count as a link (an IP address or localhost as its
    host), whose status id could pass for a card number."""
    links = _links(text)
    emails = list(personal.EMAIL.finditer(text))
    masked = _mask(text, [(u.start, u.end) for u in links] + [m.span() for m in emails]
                   + [m.span() for m in _SCHEME_URL.finditer(text)])
    return masked, links, emails


def as_read(text: str) -> str:
    """The text as the rules and the learned model read it: links and e-mail addresses
    blanked (what bench/train_reply_model.py trains on)."""
    return _read(text)[0]


def looks_like_question(text: str, rules: Rules | None = None) -> bool:
    """For the questions inbox: a question mark outside links, or a first word (after any
    @mentions) such as "how" or "when"."""
    rules = rules or default_rules()
    links = _links(text)
    masked = _mask(text, [(u.start, u.end) for u in links])
    if "?" in masked:
        return True
    words = [w for w in re.findall(r"[@\w']+", masked) if not w.startswith("@")]
    return bool(words) and words[0].lower() in rules.question_words


# ----- links -------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    start: int
    end: int
    url: str
    host: str
    path: str
    query: str


_SCHEME_URL = re.compile(r"\bhttps?://[^\s<>\"]+")


def _links(text: str) -> list[Link]:
    links = []
    for url, start, end in urls_in(text):
        parts = urlsplit(url if "://" in url else "https://" + url)
        host = (parts.hostname or "").lower()
        links.append(Link(start, end, url, host, parts.path, parts.query))
    return links


def _host_in(host: str, domains: Sequence[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    """The text with links and e-mail addresses blanked out (same length, so spans hold):
    words inside a link are not words of the post."""
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _allowed(rules: Rules, name: str, masked: str, start: int, end: int) -> bool:
    """Inside a phrase of the section's allow-list ("damning", "homo-erotic")."""
    allow = rules.sections[name].allow
    return allow is not None and any(
        m.start() <= start and end <= m.end()
        for m in allow.finditer(masked, max(0, start - 40), end + 40))


def _allowed_outgoing(rules: Rules, finding: Finding, masked: str) -> bool:
    """A reply category's (or a vulgar phrase's) finding in one of the society's own posts
    that a phrase of the category's `outgoing_allow` overlaps: a belief reported ("if your
    daughter thinks she's fat"), the reader's own weariness ("when you're sick of banana
    bread"), one person's story ("man says his..."), a drug's "shoot up", the generic "you"
    of advice ("Are you fat?", "where does fat go when you..."), a weight-loss show: news
    and advice, not abuse by the author. Nor a harassment pair whose two terms are in
    different sentences ("Feeling useless after retirement? You are not alone."). Replies
    keep every finding."""
    start, end = finding.span
    # Harassment's pairs are two words apart at most: across a clause's end, or with a
    # subordinating word between them ("charged you after it overpaid a doctor"), they are
    # two thoughts. (Spam and threat pairs span sentences by design: "You won! Call 09...")
    if finding.rule == "harassment.context" and (
            _CLAUSE_BREAK.search(masked, start, end) or _SUBORDINATE.search(masked, start, end)):
        return True
    if finding.rule == "harassment.phrase" and not _said_of(rules, masked, finding.span):
        return True
    allow = rules.outgoing_allow.get(finding.category)
    return allow is not None and any(
        m.start() < end and start < m.end()
        for m in allow.finditer(masked, max(0, start - 60), end + 60))


# A word that opens a subordinate clause: what follows it has a subject of its own.
_SUBORDINATE = re.compile(r"\b(?:after|before|because|since|until|while|whereas|although|"
                          r"though|unless|once)\b", re.IGNORECASE)
# What makes a word said of someone: a copula, "you", a demonstrative, "of" right before it.
_SAID_OF = frozenset({"is", "are", "was", "were", "be", "been", "being", "am",
                      "you", "ye", "these", "those", "such", "of", "them", "all"})


def _said_of(rules: Rules, masked: str, span: tuple[int, int]) -> bool:
    """A harassment phrase of `outgoing_said_of` ("parasites") said of someone: after a
    copula, "you", a demonstrative or "of", with only fillers between ("they're nothing but
    parasites", "you vermin", "a bunch of parasites"), not as the name of a living thing
    ("malaria parasites", "mind-controlling parasites are cool")."""
    word = masked[span[0]:span[1]].lower()
    if word not in rules.outgoing_said_of:
        return True
    before = _CLAUSE_END.split(masked[max(0, span[0] - 40):span[0]])[-1]
    if re.search(r"\w[^\w\s]+$", before):  # "epigenetics+parasites": no word of it
        return False
    fillers = rules.evaluation.fillers if rules.evaluation is not None else frozenset()
    for _, _, token in reversed(_tokens(before)):  # back over "nothing but", "such"
        if token in _SAID_OF or token.endswith(("'re", "'s")):
            return True
        if token not in fillers:
            return False
    return False


def _covered(findings: list[Finding], start: int, end: int) -> bool:
    return any(f.span[0] <= start and end <= f.span[1] for f in findings)


# ----- phrase lists ------------------------------------------------------------------


def _matches(rules: Rules, name: str, masked: str,
             words: frozenset[str] | None = None) -> Iterator[re.Match[str]]:
    section = rules.sections[name]
    if section.terms is None:
        return
    if words is not None and section.terms_gate and not section.terms_gate.open(words):
        return
    allowed: list[tuple[int, int]] | None = None
    for match in section.terms.finditer(masked):
        if allowed is None:
            allowed = [m.span() for m in section.allow.finditer(masked)] if section.allow else []
        if any(a <= match.start() and match.end() <= b for a, b in allowed):
            continue
        yield match


def _phrases(rules: Rules, name: str, masked: str, rule: str = "phrase",
             words: frozenset[str] | None = None) -> list[Finding]:
    message = rules.sections[name].message
    return [
        Finding(f"{name}.{rule}", name, f'{message} ("{m.group(0)}")', m.span())
        for m in _matches(rules, name, masked, words)
    ]


_WORD = re.compile(r"[\w'\u2019.-]+")


def _pairs(rules: Rules, name: str, masked: str, words: frozenset[str]) -> list[Finding]:
    """A term of the section's `near` list within `window` words of a term of its `with`
    list, or of one of its further pairs (`[[name.pair]]`): one finding spanning both
    (the first such pair; one is enough to flag)."""
    section = rules.sections[name]
    rules_here: list[tuple[Any, ...]] = []
    if section.near is not None and section.with_ is not None:
        rules_here.append((section.near, section.with_, section.window, section.near_gate,
                           section.with_gate, "main" if section.unless_negated else False))
    rules_here += [(p.near, p.with_, p.window, p.near_gate, p.with_gate, p.unless_negated)
                   for p in section.pairs]
    allowed: list[tuple[int, int]] | None = None
    for near_terms, with_terms, window, near_gate, with_gate, negatable in rules_here:
        if any(gate is not None and not gate.open(words) for gate in (near_gate, with_gate)):
            continue
        if allowed is None:
            allowed = ([m.span() for m in section.allow.finditer(masked)]
                       if section.allow else [])
        about = (rules.evaluation.words()
                 if negatable and rules.evaluation is not None else frozenset())
        found = _pair(masked, near_terms, with_terms, window, negatable, allowed, about)
        if found is not None:
            (a, b), m = found
            start, end = min(a, m.start()), max(b, m.end())
            return [Finding(f"{name}.context", name,
                            f'{section.message} ("{masked[a:b]}" \u2026 "{m.group(0)}")',
                            (start, end))]
    return []


def _is_about(masked: str, start: int, hostile: frozenset[str]) -> bool:
    """The term at `start` is what a hostile word before it is about: "hatred of women",
    "violence against Muslims" (not "those kinds of women", "nothing against women")."""
    found = _ABOUT.search(masked, max(0, start - 40), start)
    return found is not None and found.group(1).lower() in hostile


def _pair(masked: str, near_terms: re.Pattern[str], with_terms: re.Pattern[str], window: int,
          negatable: bool | str, allowed: list[tuple[int, int]],
          about: frozenset[str] = frozenset(),
          ) -> tuple[tuple[int, int], re.Match[str]] | None:
    def free(span: tuple[int, int]) -> bool:
        return not any(a <= span[0] and span[1] <= b for a, b in allowed)

    near = [m.span() for m in near_terms.finditer(masked) if free(m.span())]
    if not near:
        return None
    for m in with_terms.finditer(masked):
        if not free(m.span()):
            continue
        for a, b in near:
            if (a, b) == m.span():
                continue
            if window:
                gap = masked[min(b, m.end()):max(a, m.start())]
                if len(_WORD.findall(gap)) > window:
                    continue
            # "No immigrant should ever be...": "no" before the group counts it, not negates.
            # (The section's own pair only: "No woman ought to be executed" is no threat.)
            quantified = ((a - 3, b) if negatable == "main"
                          and masked[max(0, a - 3):a].lower() == "no " else (a, b))
            if negatable and _negated(masked, quantified, m.span()):
                continue
            if about and b <= m.start() and _is_about(masked, a, about):
                continue
            return (a, b), m
    return None


# A word right before a term that makes the term what something is about, not what is
# said of it: "hatred of women", "violence against Muslims".
_ABOUT = re.compile(r"([A-Za-z]+)\s+(?:of|against|toward|towards|on|at|about)\s+$",
                    re.IGNORECASE)


# What negates a statement that follows it in the sentence: "not", "never", "don't",
# "no" (not "no one", which is a subject: "No one else is as filthy as..."), but not in a
# question that asserts ("Why don't we...", "Isn't it obvious that...", "Is it not clear").
_NEGATION = re.compile(
    r"(?<![\w'\u2019])(?<!why\s)"
    r"(?:not|never|nor|no(?!\s+(?:one|other|body)\b)|[a-z]+n['\u2019]t|cannot)"
    r"(?![\w'\u2019])(?!\s+(?:it\b|obvious|clear|apparent))", re.IGNORECASE)
# Where a negation stops, and where a harassment pair's two thoughts part: the end of a
# sentence or clause, and "but" ("I don't have anything against X, but most of them are...").
_CLAUSE_BREAK = re.compile(r"[.!?;:\n]|(?<![\w'\u2019])but(?![\w'\u2019])", re.IGNORECASE)


def _negated(masked: str, first: tuple[int, int], second: tuple[int, int]) -> bool:
    """A negation in the clause of the pair's later term, before it and outside the
    earlier term ("I don't hate women"; not "I don't mind X, but they are vile")."""
    (a, b), (c, _) = sorted([first, second])
    start = max((m.end() for m in _CLAUSE_BREAK.finditer(masked, 0, c)), default=0)
    before = masked[start:a] + " " + masked[max(b, start):c]
    return _NEGATION.search(before) is not None


def _speech(rules: Rules, masked: str, words: frozenset[str]) -> list[Finding]:
    """Political speech without a party name: a term of the arena ("our country", "fellow
    Americans") and another of the arena or of an agenda ("taxes", "we will fight for"),
    or three different agenda terms, within the section's window; never in a text about
    nuclear governance (the `remit` list: IAEA, NPT, safeguards...), which is the
    society's business, not partisan politics."""
    section = rules.sections.get("political_speech")
    if section is None or section.near is None or section.with_ is None:
        return []
    if section.with_gate is not None and not section.with_gate.open(words):
        return []
    # The remit first: the society's posts name it, and its list is short.
    if rules.remit is not None and rules.remit.search(masked):
        return []
    # One scan for both lists (`with_` holds the arena too).
    terms = [(m.span(), m.group(0).lower()) for m in section.with_.finditer(masked)]
    if len({term for _, term in terms}) < 2:
        return []
    spoken = rules.spoken_arena if rules.spoken_arena and _WE.search(masked) else None
    arena = [(span, term) for span, term in terms
             if section.near.fullmatch(term)
             or (spoken and spoken.fullmatch(term) and not _in_name(masked, span))]
    # An office ("governor") with an agenda term and no other arena term is an office
    # holder acting in news, a mention (a warning by default), not speech.
    offices = rules.arena_offices
    held = [a for a in arena if offices is not None and offices.fullmatch(a[1])]
    spoken_to = [a for a in arena if a not in held]
    platform = [a for a in spoken_to
                if rules.platform is not None and rules.platform.fullmatch(a[1])]
    addressed = [a for a in spoken_to if a not in platform]
    found = _arena_pair(section, masked, addressed, terms) if addressed else None
    rule = "politics_religion.speech"
    if found is None:
        found = ((_arena_pair(section, masked, platform, terms) if platform else None)
                 or _agenda(section, masked, terms))
        # A platform's word and another term, or three agenda terms, are speech when
        # spoken: by "I" or "we", to "you", of "he" or "they", or as a call ("must",
        # "let's"). In a text that is none of these (a headline) they are news of politics
        # ("Wyoming Senate rejects Obamacare Medicaid expansion"), a mention.
        # A slogan names no one ("Lower taxes, more jobs for the middle class."): a
        # headline has its actor, a capitalised name after a sentence's first word.
        if found is not None and not _SPOKEN.search(masked) and _NAMED.search(masked):
            rule = "politics_religion.mention"
    if found is None and held:
        found, rule = _arena_pair(section, masked, held, terms), "politics_religion.mention"
    # A post with a greeting or the society's own words (`allow`: "Happy Veterans Day",
    # "INMM election") is the society speaking.
    allow = rules.sections["politics_religion"].allow
    if found is None or (allow is not None and allow.search(masked)):
        return []
    quoted = '", "'.join(masked[a:b] for a, b in found)
    message = (section.message if rule == "politics_religion.speech"
               else rules.sections["political_mentions"].message)
    return [Finding(rule, "politics_religion",
                    f'{message} ("{quoted}")', (found[0][0], found[-1][1]))]


_LIST_BEFORE = re.compile(r"[\w-]+,\s*$|[\w-]+,\s+[\w-]+,?\s+(?:and|or|&)\s+$")
# The items of a list before a word, back to the list's first: "live, labor, learn, ".
_LIST_START = re.compile(r"(?:[\w'\u2019-]+(?:,\s+|,?\s+(?:and|or|&)\s+))+$")
_LIST_AFTER = re.compile(r"\s*,\s*(?:(?:and|or|&)\s+)?[\w-]+|\s+(?:and|or|&)\s+[\w-]+")


def _listed(masked: str, span: tuple[int, int]) -> bool:
    """A single word in lower case that is one item of a list of words, told of someone
    ("where people live, labor, learn, pray, and play"): the word before it and a list on
    its other side. A list that opens its sentence is a slogan or a call ("God, guns, and
    MAGA!", "Work, play and pray together"), and a word in capitals is a slogan's: the
    side taken."""
    if not re.fullmatch(r"[a-z'\u2019-]+", masked[span[0]:span[1]]):
        return False
    before = masked[max(0, span[0] - 40):span[0]]
    if _LIST_BEFORE.search(before) is None:
        return False
    sentence = re.split(r"[.?!:;\n]", masked[max(0, span[0] - 120):span[0]])[-1]
    if not re.search(r"\w", _LIST_START.sub("", sentence)):
        return False
    return (_LIST_AFTER.match(masked, span[1]) is not None
            or re.search(r",\s+[\w-]+,?\s+(?:and|or|&)\s+$", before) is not None)


# Words of a name's slot that are not a person's name: the sentence's own words before a
# name ("Support Jane Doe", "The Candidates") and titles that are not an office's.
_NOT_A_NAME = frozenset("""
a an the our their his her its this that these those my your we i you they he she it
and or but vote support back backing endorse donate give join help elect re-elect reelect
proud please let let's dr mr mrs ms mx prof professor sir dame
""".split())
# A call to re-elect comes first in its clause or after these ("Help re-elect ...",
# "Vote to re-elect ..."); after a verb of report it is news ("voters chose to re-elect").
_CALLS = frozenset({"help", "let's", "lets", "us", "please", "must", "should", "to", "and"})
_REPORTED = frozenset({"voted", "chose", "decided", "failed", "refused", "expected",
                       "likely", "poised", "set", "going", "plans", "plan", "unlikely"})


def _endorsement(rules: Rules, masked: str, words: frozenset[str],
                 named: bool) -> list[Finding]:
    """A candidate named with an act of support of their candidacy or office
    (`public_offices` in policy.toml): "I want Barack Obama to be the next president",
    "Jane Doe for Governor 2028", "Re-elect Senator Smith", "Donate to the Harris
    campaign". A politician (listed, by a listed politician's surname, or after an
    office's title) with any act; any full name with a public office. Not news of a
    result ("Obama re-elected": no act), nor the society's own officers ("our next
    president": an office the society has, no politician)."""
    endorsement = rules.endorsement
    if endorsement is None or not (named or endorsement.gate.open(words) or "#" in masked):
        return []
    acts = [(kind, m) for kind, pattern in endorsement.acts for m in pattern.finditer(masked)]
    if not acts:  # most posts: nothing below is worth computing
        return []
    allow = rules.sections["politics_religion"].allow
    allowed = [m.span() for m in allow.finditer(masked)] if allow is not None else []
    # The society's own words or its remit (outside the name: "Jane Doe" is no DOE): a
    # name not listed is the society's business there.
    remit = [m.span() for m in rules.remit.finditer(masked)] if rules.remit is not None else []
    headline = _title_cased(masked)
    for kind, m in acts:
        span = m.span()
        if any(a < span[1] and span[0] < b for a, b in allowed):
            continue
        candidate = _candidate(rules, endorsement.surnames, m.group("name"), headline)
        if candidate is None:
            continue
        name = m.span("name")
        if candidate != "listed" and (allowed or any(
                not (name[0] <= a and b <= name[1]) for a, b in remit)):
            continue
        groups = m.groupdict()
        office, campaign = groups.get("office"), groups.get("campaign")
        if kind == "campaign" and office is None and campaign is None:
            continue
        if kind == "reelect" and not _called(masked, span[0]):
            continue
        public = office is not None and endorsement.public_offices.fullmatch(office)
        # A surname alone ("Ryan", "Harris") may be anyone's: it needs the candidacy
        # said outright (a campaign, a slogan's year, a public office); any other name
        # needs a public office.
        if candidate == "surname" and not (public or campaign or groups.get("year")):
            continue
        if candidate == "person" and not public:
            continue
        return [Finding("politics_religion.endorsement", "politics_religion",
                        f'{rules.sections["politics_religion"].message} ("{m.group(0)}")',
                        span)]
    return []


def _candidate(rules: Rules, surnames: frozenset[str], name: str,
               headline: bool) -> str | None:
    """"listed": a politician of the list or after an office's title ("Senator Smith");
    "surname": a listed politician's surname alone ("Harris"); "person": a full name of
    two words or more ("Jane Doe"); None: not a name ("Candidates", "Dr. Lee"). The
    politician ends the name ("Donald Trump", not "Donald Trump Lovefest"). In a headline
    in title case every word is capitalised: only a politician with at most one word
    before ("Vote Biden", not "Vote On Motion Addressing Trump") is told from the words."""
    words = name.split()
    parts = [w.rstrip(".").lower().replace("\u2019", "'") for w in words]
    terms = rules.sections["politicians"].terms
    titled = rules.politician_titles
    for first in range(len(words)):
        rest = " ".join(words[first:])
        if headline and first > 1:
            break
        if (terms is not None and terms.fullmatch(rest)) or (
                titled is not None and titled.fullmatch(rest)):
            return "listed"
    if parts[-1] in surnames and not (headline and len(parts) > 2):
        return "surname"
    if headline:
        return None
    while parts and parts[0] in _NOT_A_NAME:
        parts.pop(0)
    if len(parts) >= 2 and not any(w in _NOT_A_NAME for w in parts):
        return "person"
    return None


def _title_cased(masked: str) -> bool:
    """A headline in title case: its words of four letters or more, after the first,
    capitalised but perhaps one in ten ("Aja Brown Announces Run For Congress"; not
    "Support Jane Doe's campaign for Senate", whose names are most of its words)."""
    long = [w for w in _TOKEN.findall(masked)[1:] if len(w) >= 4]
    return len(long) >= 3 and sum(w[0].islower() for w in long) <= 0.1 * len(long)


def _called(masked: str, start: int) -> bool:
    """"Re-elect" as a call: first in its clause, or after a word of a call ("help",
    "let's", "to"), not after a verb of report ("voters chose to re-elect")."""
    before = _CLAUSE_END.split(masked[max(0, start - 60):start])[-1]
    if re.search(r"[,(\"\u201c#]\s*$", before) or not before.strip():
        return True
    tokens = [t[2] for t in _tokens(before)]
    if not tokens or tokens[-1] not in _CALLS:
        return False
    return not (tokens[-1] == "to" and len(tokens) > 1 and tokens[-2] in _REPORTED)


def _titled_politician(rules: Rules, masked: str) -> list[Finding]:
    """A politician named with the office's title ("Gov. Gavin Newsom", "Rep. Adam
    Kinzinger"); not in a text about nuclear governance (`remit`: a senator at a
    nonproliferation meeting is the society's business), like political speech."""
    if rules.politician_titles is None:
        return []
    match = rules.politician_titles.search(masked)
    if match is None or (rules.remit is not None and rules.remit.search(masked)):
        return []
    return [Finding("politics_religion.politician", "politics_religion",
                    f'{rules.sections["politicians"].message} ("{match.group(0)}")',
                    match.span())]


Spans = list[tuple[int, int]]

# A text spoken by someone, to someone or of someone, or a call: the personal pronouns
# ("US", the country, is not "us") and the words of obligation ("must", "let's").
_SPOKEN = re.compile(r"(?<![\w'\u2019])(?:I|[Mm]e|[Mm]y|[Mm]ine|[Ww]e|[Oo]urs?|[Uu]s|[Yy]ou|"
                     r"[Yy]ours?|[Hh]e|[Hh]is|[Hh]im|[Ss]he|[Hh]er|[Tt]hey|[Tt]heir|[Tt]hem|"
                     r"[Mm]ust|[Ss]hould|[Ll]et|[Nn]eeds? to|[Oo]ught to)"
                     r"(?:['\u2019](?:m|s|re|ve|ll|d))?(?![\w'\u2019])")
# A name after a sentence's first word: "Senate", "Medicare's" (not "I").
_NAMED = re.compile(r"(?<=[\w,'\u2019)] )(?!I\b)[A-Z][\w'\u2019-]*[a-z]")
# The first person plural of a speech ("we", "our", "us"; not "US", the country).
_WE = re.compile(r"(?<![\w'\u2019])(?:[Ww]e|[Oo]ur|[Oo]urs|[Uu]s)(?![\w'\u2019])")


def _in_name(masked: str, span: tuple[int, int]) -> bool:
    """Part of a proper name: "American Physical Society", "Bank of America"."""
    if _CAPITALISED.match(masked, span[1]):
        return True
    return _OF_NAME.search(masked, max(0, span[0] - 60), span[0]) is not None


_CAPITALISED = re.compile(r"[ \t]+[A-Z]")
_OF_NAME = re.compile(r"[A-Z][\w'\u2019&.-]*\s+of\s+$")


def _within(section: Section, masked: str, first: tuple[int, int],
            second: tuple[int, int]) -> bool:
    gap = masked[min(first[1], second[1]):max(first[0], second[0])]
    return not section.window or len(_WORD.findall(gap)) <= section.window


def _arena_pair(section: Section, masked: str, arena: list[tuple[tuple[int, int], str]],
                terms: list[tuple[tuple[int, int], str]]) -> Spans | None:
    for span, term in terms:
        for place, name in arena:
            # Two different terms: "America ... America" is one.
            if name != term and _within(section, masked, place, span):
                return sorted([place, span])
    return None


def _agenda(section: Section, masked: str,
            terms: list[tuple[tuple[int, int], str]]) -> Spans | None:
    """Three different terms within the window ("we will fight for jobs, health care and
    education")."""
    for i, (first, _) in enumerate(terms):
        seen: dict[str, tuple[int, int]] = {}
        for span, term in terms[i:]:
            if not _within(section, masked, first, span):
                break
            seen.setdefault(term, span)
            if len(seen) >= 3:
                return list(seen.values())
    return None


def _is_name(rules: Rules, masked: str, span: tuple[int, int]) -> bool:
    """A religious word that is someone's name: after a title or a surname particle
    ("Dr. Jesus Rodriguez", "De Jesus") or before a capitalised surname that is not itself
    a term ("Christian Meyer")."""
    word = masked[span[0]:span[1]]
    if word.lower() not in rules.person_names or not word[:1].isupper():
        return False
    before = masked[:span[0]].split()
    if before and before[-1].lower().strip("(\"'\u201c").rstrip(".") in rules.name_titles:
        return True
    after = re.match(r"\s+([A-Z][\w'\u2019-]+)", masked[span[1]:])
    if after is None:
        return False
    surname = after.group(1)
    return not any(terms is not None and terms.fullmatch(surname)
                   for terms in (rules.sections[name].terms for name in
                                 ("politics_religion", "political_mentions", "politicians",
                                  "faith_mentions")))


# Characters that change how text is shown rather than what it says: C0/C1 controls other
# than tab and line breaks, and the bidirectional overrides and isolates (which can make a
# text display differently from what is screened: "Trojan Source").
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _form(rules: Rules, text: str, outgoing: bool) -> list[Finding]:
    if outgoing and not text.strip():
        return [Finding("text_form.empty", "text_form", "The post is empty.", (0, len(text)))]
    return [Finding("text_form.control", "text_form",
                    f"An invisible control character (U+{ord(m.group(0)):04X}) that can make "
                    "the text display differently from what it says.", m.span())
            for m in _CONTROL.finditer(text)]


# ----- advertising and the UBI rule --------------------------------------------------


def _advertising(rules: Rules, text: str, masked: str, links: list[Link],
                 context: ScreenContext) -> list[Finding]:
    ours = rules.society_domains + rules.partner_domains
    own_links_only = bool(links) and all(_host_in(link.host, ours) for link in links)
    findings = [] if own_links_only else _phrases(rules, "advertising", masked)
    if context.hq_author or context.direction == "incoming":
        return findings
    # The policy allows sponsor and exhibitor acknowledgements "as generated by INMM HQ".
    message = ("Only HQ acknowledges sponsors and exhibitors (policy footnote on unrelated "
               "business income); ask HQ to post this")
    if rules.acknowledgements is not None:
        for match in rules.acknowledgements.finditer(masked):
            if _own_body_follows(rules, masked, match.end()):
                continue
            findings.append(Finding("advertising.sponsor_acknowledgement", "advertising",
                                    f'{message} ("{match.group(0)}").', match.span()))
    for link in links:
        if _host_in(link.host, rules.sponsor_domains):
            findings.append(Finding("advertising.sponsor_link", "advertising",
                                    f"{message}: the link goes to a sponsor's site.",
                                    (link.start, link.end)))
    return findings


def _own_body_follows(rules: Rules, masked: str, end: int) -> bool:
    """"sponsored by our Diversity committee": the society's own body or a sister
    organisation among the next five words, in the same sentence."""
    if rules.own_bodies is None:
        return False
    following = re.split(r"[.!?;:\n]", masked[end:end + 80], maxsplit=1)[0]
    following = " ".join(following.split()[:5])
    return rules.own_bodies.search(following) is not None


_PATH_SPLIT = re.compile(r"[/\-_.]+")
_ACTION_SEGMENT_WORDS = 3


def _transactional(rules: Rules, links: list[Link], masked: str) -> list[Finding]:
    message = rules.sections["transactional_link"].message
    findings = []
    ordering = rules.order_phrases is not None and rules.order_phrases.search(masked) is not None
    for link in links:
        if _host_in(link.host, rules.society_domains):
            continue
        labels = [label for label in link.host.split(".") if label != "www"]
        segments = [s.lower() for s in link.path.split("/") if s]
        words = set(segments)
        for segment in segments:
            # A segment of many words is a headline ("court-order-halts-plant-construction"),
            # whose words say what the page is about, not what it does: only a short one
            # ("buy-now", "add-to-cart", "order.html") names an order page.
            parts = [w for w in _PATH_SPLIT.split(segment) if w]
            if len(parts) <= _ACTION_SEGMENT_WORDS:
                words.update(parts)
        keys = {part.split("=", 1)[0].lower() for part in link.query.split("&") if part}
        hit = (
            (labels and labels[0] in rules.transactional_host_words)
            or words & rules.transactional_path_words
            or keys & rules.transactional_query_words
            or (ordering and words & rules.transactional_product_words)
        )
        if hit:
            findings.append(Finding("transactional_link.url", "transactional_link",
                                    f"{message} ({link.url})", (link.start, link.end)))
    return findings


# ----- rules about INMM's own posts ---------------------------------------------------


def _length(rules: Rules, text: str, context: ScreenContext) -> list[Finding]:
    findings = []
    for api in dict.fromkeys(context.apis):
        limit = rules.limits.get(api)
        if limit is None or _fits(text, api, limit):
            continue
        count = weighted_length(text, api)
        if count > limit:
            start = _overflow_start(text, api, limit)
            findings.append(Finding(
                f"length.{api}", "length",
                f"{count} characters as {for_api(api).label} counts them; the limit is {limit}.",
                (start, len(text))))
    if context.announcement:
        limit = rules.limits["announcement"]
        if all(_fits(text, api, limit) for api in context.apis if api in rules.limits):
            return findings
        counts = {api: weighted_length(text, api) for api in context.apis if api in rules.limits}
        worst = max(counts, key=lambda api: counts[api], default=None)
        if worst is not None and counts[worst] > limit:
            findings.append(Finding(
                "length.announcement", "length",
                f"Announcements are held to {limit} characters so others can re-post them; "
                f"this one has {counts[worst]}.",
                (_overflow_start(text, worst, limit), len(text))))
    return findings


def _fits(text: str, api: str, limit: int) -> bool:
    if for_api(api).counting == TWITTER_TEXT:
        return x_fits(text, limit)
    return weighted_length(text, api) <= limit


def _overflow_start(text: str, api: str, limit: int) -> int:
    """The first index at which the text no longer fits (binary search on prefixes)."""
    if for_api(api).counting == TWITTER_TEXT:
        index = x_overflow(text, limit)
        if index is not None:
            return index
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if weighted_length(text[:middle], api) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


_PLACEHOLDERS = {"{initials}": r"[A-Z][A-Za-z.\-]{0,5}", "{name}": r"[^\n]{1,60}?",
                 "{login}": r"[\w.\-]{1,32}"}


def _signature(text: str, context: ScreenContext) -> list[Finding]:
    if not context.signature:
        return []
    pattern = re.escape(context.signature)
    for placeholder, regex in _PLACEHOLDERS.items():
        pattern = pattern.replace(re.escape(placeholder), regex)
    # The signature closes the post; hashtags may follow it.
    if re.search(pattern + r"(?:\s+#\w+)*\s*$", text):
        return []
    return [Finding("signature.missing", "signature",
                    "Unsigned: every post under the INMM name is signed by its author "
                    f"(expected {context.signature!r} at the end).",
                    (len(text.rstrip()), len(text.rstrip())))]


def _credibility(rules: Rules, masked: str, links: list[Link]) -> list[Finding]:
    if links or (rules.calls_to_action and rules.calls_to_action.search(masked)):
        return []
    return [Finding("credibility.no_link_or_action", "credibility",
                    "No link and no call to action: add a link to related content or say what "
                    "followers should do (policy: Credible).", (0, len(masked)))]


_MONTHS = {m: i + 1 for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}
_MONTH = (r"(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
          r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
_DATE_PATTERNS = (
    ("mdy", re.compile(_MONTH + r"\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:\s*[-\u2013]\s*(\d{1,2}))?"
                       r"(?:,?\s+(\d{4}))?(?!\w|:\d)")),
    ("dmy", re.compile(r"(?<![\w])(\d{1,2})(?:\s*[-\u2013]\s*(\d{1,2}))?\s+" + _MONTH
                       + r"(?:,?\s+(\d{4}))?(?![\w])")),
    ("iso", re.compile(r"(?<![\w-])(\d{4})-(\d{2})-(\d{2})(?![\w-])")),
    ("us", re.compile(r"(?<![\w/])(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?![\w/])")),
)


def _dates(masked: str) -> Iterator[tuple[dt.date | None, int | None, tuple[int, int]]]:
    """(date, None, span) for dates with a year; (None-year date as (month, day)) otherwise."""
    for kind, pattern in _DATE_PATTERNS:
        for m in pattern.finditer(masked):
            try:
                if kind == "mdy":
                    month = _MONTHS[m.group(1)[:3].lower()]
                    day = int(m.group(3) or m.group(2))
                    year = int(m.group(4)) if m.group(4) else None
                elif kind == "dmy":
                    month = _MONTHS[m.group(3)[:3].lower()]
                    day = int(m.group(2) or m.group(1))
                    year = int(m.group(4)) if m.group(4) else None
                elif kind == "iso":
                    year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
                else:
                    month, day, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
                    year += 2000 if year < 100 else 0
                if year is None:
                    dt.date(2000, month, day)  # validate (2000 is a leap year)
                    yield None, month * 100 + day, m.span()
                else:
                    yield dt.date(year, month, day), None, m.span()
            except ValueError:
                continue


def _timeliness(rules: Rules, masked: str, context: ScreenContext) -> list[Finding]:
    message = rules.raw.get("timeliness", {}).get(
        "message", "The post speaks of a date that has already passed.")
    today = context.today
    publish_on = context.publish_on
    # A date is judged on the day the post goes out, not the day it is screened: "closes
    # November 3" is past in a post that goes out on the 5th.
    out_on = max(today, publish_on) if publish_on is not None else today
    past = "already past" if out_on == today else f"already past on {out_on.isoformat()}, when it goes out"
    findings = []
    if context.event_date is not None and context.event_date < out_on:
        findings.append(Finding(
            "timeliness.past_event", "timeliness",
            f"The event of this post was on {context.event_date.isoformat()}, {past}: "
            "posts are about today or what is coming soon (policy: Timely).", (0, 0)))
    if publish_on is not None and publish_on > today and rules.relative_dates is not None:
        for m in rules.relative_dates.finditer(masked):
            findings.append(Finding(
                "timeliness.relative_date", "timeliness",
                f'"{m.group(0)}" is written on {today.isoformat()} but the post goes out on '
                f"{publish_on.isoformat()}: name the day instead (policy: Timely).", m.span()))
    if not _DIGIT.search(masked):
        return findings
    for date, month_day, span in _dates(masked):
        if date is None and month_day is not None:
            month, day = divmod(month_day, 100)
            try:
                date = dt.date(today.year, month, day)
            except ValueError:  # 29 February in a common year
                continue
            if (today - date).days > rules.yearless_grace_days:
                continue  # read as next year's
        if date is not None and date < out_on:
            where = "" if out_on == today else f", {past}"
            findings.append(Finding("timeliness.past_date", "timeliness",
                                    f"{message} ({masked[span[0]:span[1]]}{where})", span))
    return findings


def _topic(text: str, context: ScreenContext) -> list[Finding]:
    if context.topic is None:
        return []
    if not context.topic.strip():
        return [Finding("topic.missing", "topic",
                        "Tag the post with one of the appropriate topics.", (0, 0))]
    if context.topics is not None and context.topic not in context.topics:
        return [Finding("topic.unknown", "topic",
                        f"{context.topic!r} is not one of the appropriate topics.", (0, 0))]
    return []
