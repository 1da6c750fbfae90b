"""Screening benchmark: throughput, keystroke latency, precision/recall, false positives.

    .venv/bin/python bench/screening.py [--quick]

Prints:
- throughput: posts screened per second on one core (goal: at least 2,000);
- keystroke: time to re-screen a 280-character draft after one keystroke, median and p99
  (goal: 5 ms or less);
- precision and recall per category on the labelled set `tests/data/screening_labelled.jsonl`;
- the false-positive rate on real benign short texts: the first paragraph of every
  docstring in Python's standard library (shipped with Python itself, so the figure is
  reproducible on any machine), screened as incoming text so that only the content rules
  (inappropriate topics, personal information) count;
- the same vulgarity figures for better-profanity's own matcher and, if it is installed,
  alt-profanity-check, which is how the vulgarity matcher was chosen.
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import json
import os
import random
import re
import statistics
import sys
import sysconfig
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inmm_tui.screening import INAPPROPRIATE, ScreenContext, default_rules, screen  # noqa: E402

LABELLED = ROOT / "tests" / "data" / "screening_labelled.jsonl"
# The labelled set was written before threats, harassment and discrimination had
# categories of their own (issue 15): its "vulgar_discriminatory" label covers them.
LABELLED_AS = {"threat": "vulgar_discriminatory", "harassment": "vulgar_discriminatory",
               "discrimination": "vulgar_discriminatory"}
TODAY = dt.date(2026, 3, 1)


def labelled() -> list[dict]:
    return [json.loads(line) for line in LABELLED.read_text().splitlines() if line.strip()]


def context_for(row: dict) -> ScreenContext:
    return ScreenContext(direction=row.get("direction", "outgoing"),
                         hq_author=row.get("hq_author", False), today=TODAY)


def stdlib_docstrings(limit: int | None = None, folder: Path | None = None) -> list[str]:
    """First paragraphs of the standard library's docstrings (or of the packages under
    `folder`), 20 to 500 characters."""
    folder = folder or Path(sysconfig.get_paths()["stdlib"])
    texts: list[str] = []
    seen: set[str] = set()
    for path in sorted(folder.rglob("*.py")):
        if limit and len(texts) >= limit:
            break
        parts = set(path.relative_to(folder).parts)
        if parts & {"test", "tests", "idlelib", "site-packages", "dist-packages", "lib2to3",
                    "better_profanity", "profanity_check"}:
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef
                              | ast.AsyncFunctionDef):
                continue
            doc = ast.get_docstring(node)
            if not doc:
                continue
            first = " ".join(doc.strip().split("\n\n", 1)[0].split())
            if 20 <= len(first) <= 500 and first not in seen:
                seen.add(first)
                texts.append(first)
    return texts[:limit] if limit else texts


def python_reference_sentences() -> list[str]:
    """Sentences of the Python language reference shipped with Python (pydoc_data),
    20 to 280 characters: real technical prose, none of it inappropriate."""
    from pydoc_data.topics import topics

    sentences: list[str] = []
    seen: set[str] = set()
    for text in topics.values():
        for paragraph in text.split("\n\n"):
            if paragraph.startswith("   "):  # code examples and grammar
                continue
            flat = " ".join(paragraph.split())
            for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z])", flat):
                if 20 <= len(sentence) <= 280 and sentence not in seen:
                    seen.add(sentence)
                    sentences.append(sentence)
    return sentences


def precision_recall(subset: str) -> None:
    """Precision and recall per category. The "tuning" posts were written while the rules
    were; the "heldout" posts afterwards (their first figures are in the note; the rules
    were then improved with what they showed); the "heldout2" posts after that, and the
    rules were not changed for them."""
    rows = [r for r in labelled() if subset == "all" or r.get("set", "tuning") == subset]
    counts = {c: Counter() for c in INAPPROPRIATE}
    post_tp = post_fp = post_fn = post_tn = 0
    for row in rows:
        got = {LABELLED_AS.get(f.category, f.category)
               for f in screen(row["text"], context_for(row)).findings} & set(INAPPROPRIATE)
        expected = set(row["categories"])
        for category in INAPPROPRIATE:
            key = ("tp" if category in expected else "fp") if category in got else (
                "fn" if category in expected else "tn")
            counts[category][key] += 1
        if got and expected:
            post_tp += 1
        elif got:
            post_fp += 1
        elif expected:
            post_fn += 1
        else:
            post_tn += 1
    print(f"labelled set, {subset}: {len(rows)} posts "
          f"({sum(1 for r in rows if r['categories'])} "
          f"with at least one inappropriate category)")
    print(f"  {'category':24} {'precision':>9} {'recall':>7}  tp fp fn")
    total = Counter()
    for category, c in counts.items():
        total.update(c)
        print(f"  {category:24} {_ratio(c['tp'], c['tp'] + c['fp']):>9} "
              f"{_ratio(c['tp'], c['tp'] + c['fn']):>7}  {c['tp']:2} {c['fp']:2} {c['fn']:2}")
    print(f"  {'all categories (micro)':24} {_ratio(total['tp'], total['tp'] + total['fp']):>9} "
          f"{_ratio(total['tp'], total['tp'] + total['fn']):>7}  "
          f"{total['tp']:2} {total['fp']:2} {total['fn']:2}")
    print(f"  {'post flagged at all':24} {_ratio(post_tp, post_tp + post_fp):>9} "
          f"{_ratio(post_tp, post_tp + post_fn):>7}  {post_tp:2} {post_fp:2} {post_fn:2}")


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "n/a"


def false_positives(texts: list[str], show: int) -> None:
    incoming = ScreenContext(direction="incoming", today=TODAY)
    by_category: Counter[str] = Counter()
    flagged = []
    for text in texts:
        got = {f.category for f in screen(text, incoming).findings}
        if got:
            flagged.append((text, got))
            by_category.update(got)
    print(f"benign corpus: {len(texts)} texts (docstring paragraphs and sentences of the "
          "Python language reference)")
    print(f"  false-positive rate (any finding): {len(flagged) / len(texts):.4f} "
          f"({len(flagged)} texts)")
    for category, n in by_category.most_common():
        print(f"    {category:24} {n / len(texts):.4f} ({n})")
    for text, got in flagged[:show]:
        print(f"    e.g. {sorted(got)}: {text[:110]}")


def libraries(texts: list[str]) -> None:
    rows = labelled()
    vulgar = [r["text"] for r in rows if "vulgar_discriminatory" in r["categories"]]
    benign = [r["text"] for r in rows if not r["categories"]]
    print("vulgarity matchers (recall on the labelled vulgar/discriminatory posts; false "
          "positives on the labelled clean posts and on the docstrings):")
    incoming = ScreenContext(direction="incoming", today=TODAY)

    def ours(text: str) -> bool:
        return any(f.category == "vulgar_discriminatory" for f in screen(text, incoming).findings)

    candidates = {"inmm screen (word list from better-profanity, tuned)": ours}
    from better_profanity import profanity

    profanity.load_censor_words()
    candidates["better-profanity 0.7 contains_profanity"] = profanity.contains_profanity
    try:
        from profanity_check import predict_prob

        candidates["alt-profanity-check (p > 0.5)"] = lambda t: predict_prob([t])[0] > 0.5
    except ImportError:
        print("  (alt-profanity-check is not installed: pip install alt-profanity-check)")
    sample = texts[:3000]
    for name, check in candidates.items():
        start = time.perf_counter()
        recall = sum(map(check, vulgar)) / len(vulgar)
        clean_fp = sum(map(check, benign)) / len(benign)
        doc_fp = sum(map(check, sample)) / len(sample)
        per = (time.perf_counter() - start) / (len(vulgar) + len(benign) + len(sample)) * 1000
        print(f"  {name:52} recall {recall:.2f}  FP clean posts {clean_fp:.3f}  "
              f"FP 3,000 docstrings {doc_fp:.4f}  {per:.2f} ms/text")


NON_ASCII = (" \u2014 see you there", " Caf\u00e9 Z\u00fcrich, S\u00e3o Paulo", " \U0001f389\U0001f44f",
             " \u6838\u5b89\u5168\u5468", " \u2014 r\u00e9sum\u00e9s welcome \U0001f680")
"""What real posts carry besides ASCII: an em dash, accents, emoji, CJK (issue 16)."""


def realistic(text: str, i: int) -> str:
    """Every other text with one of `NON_ASCII` added: half the mix leaves ASCII."""
    return text + NON_ASCII[(i // 2) % len(NON_ASCII)] if i % 2 else text


_WORDS = re.compile(r"\w+(?:['\u2019]\w+)*")


def floor(text: str) -> int:
    """The least any screen does with a text: fold its case and cut it into words once, in
    plain Python. Screening's figures are given as a ratio to this, measured on the same
    texts in the same run, so that a slow machine or a busy one shows in both."""
    return len(_WORDS.findall(text.casefold()))


def _rate(calls: list[tuple[Any, ...]], check: Callable[..., object],
          seconds: float) -> tuple[int, float]:
    """How many `calls` of `check` ran, and in how long (rounds of 500, until `seconds`)."""
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline and count < len(calls):
        for arguments in calls[count:count + 500]:
            check(*arguments)
        count += 500
    return count, time.perf_counter() - start


def throughput(seconds: float) -> None:
    rows = labelled()
    for name, shape in (("ASCII (the labelled set as written)", lambda t, i: t),
                        ("realistic: half with an em dash, accents, emoji or CJK", realistic)):
        # Every text made unique (a counter hashtag), so no cache inside the screen can help.
        contexts = [(shape(f"{r['text']} #b{i}", i), context_for(r))
                    for i, r in enumerate(rows * 400)]
        count, elapsed = _rate(contexts, screen, seconds)
        floor_count, floor_elapsed = _rate([(text,) for text, _ in contexts], floor, seconds / 4)
        rate, floor_rate = count / elapsed, floor_count / floor_elapsed
        print(f"throughput, {name}: {rate:,.0f} posts/s on one core "
              f"({count} screens in {elapsed:.1f} s; goal >= 2,000 on the realistic mix); "
              f"floor (case folded and cut into words, same texts) {floor_rate:,.0f}/s: "
              f"screening costs {floor_rate / rate:,.0f} times the floor")


def keystroke(repeats: int) -> None:
    base = ("Registration for the INMM & ESARDA Joint Annual Meeting is open! Sessions on "
            "safeguards, physical protection, arms control verification and nuclear security "
            "culture; early-bird rates end May 15. Student chapters meet Tuesday. "
            "Register: https://inmm.org/annual-meeting ^JS")
    drafts = {
        "ASCII": (base + " " + "x" * 280)[:280],
        "with one emoji": (base[:150] + " \U0001f389 " + base[150:] + " " + "x" * 280)[:280],
        "accents, an em dash, emoji and CJK": (
            "Caf\u00e9 des sciences \u2014 Z\u00fcrich: " + base[:120]
            + " \U0001f389\U0001f44f \u6838\u5b89\u5168 " + base[120:] + " " + "x" * 280)[:280],
    }
    context = ScreenContext(today=TODAY, signature="^{initials}", topic="Annual Meeting")
    letters = "abcdefghijklmnopqrstuvwxyz \u00e9"
    for name, draft in drafts.items():
        rng = random.Random(4)
        times = []
        cpu = []
        for _ in range(repeats):
            # One keystroke on the draft: a letter typed over one character somewhere.
            position = rng.randrange(len(draft))
            typed = draft[:position] + rng.choice(letters) + draft[position + 1:]
            start = time.perf_counter()
            start_cpu = time.thread_time()
            screen(typed, context)
            cpu.append((time.thread_time() - start_cpu) * 1000)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        cpu.sort()
        p99 = times[int(len(times) * 0.99) - 1]
        print(f"keystroke re-screen of a 280-character draft, {name}: median "
              f"{statistics.median(times):.3f} ms, p99 {p99:.3f} ms, max {times[-1]:.3f} ms "
              f"({repeats} keystrokes; goal <= 5 ms on any text)")
        # CPU time leaves out the moments the process waited for a core on a busy machine.
        print(f"  same, CPU time of the thread: median {statistics.median(cpu):.3f} ms, "
              f"p99 {cpu[int(len(cpu) * 0.99) - 1]:.3f} ms, max {cpu[-1]:.3f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    parser.add_argument("--show", type=int, default=15, help="false positives to print")
    parser.add_argument("--installed", action="store_true",
                        help="add the docstrings of the installed packages to the benign corpus")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
          "(timings are noisy on a busy machine)")
    default_rules()  # load once, outside the timings
    screen("warm up", ScreenContext(today=TODAY))
    throughput(1.0 if args.quick else 5.0)
    keystroke(300 if args.quick else 3000)
    for subset in ("tuning", "heldout", "heldout2", "all"):
        precision_recall(subset)
    texts = stdlib_docstrings() + python_reference_sentences()
    if args.installed:
        texts += stdlib_docstrings(limit=60000, folder=Path(sysconfig.get_paths()["purelib"]))
    false_positives(texts, args.show)
    libraries(texts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
