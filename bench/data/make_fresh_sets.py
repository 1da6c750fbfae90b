"""Build the fresh evaluation sets in bench/data/ (SOURCES.md, "Fresh sets (never tuned
on)"): sets nobody screened or read while the rules and the reply model were changed, for
the one measurement at the end (`bench/screening_quality.py --fresh`).

    python bench/data/build_public_sets.py --fresh HEALTH_TWEETS_DIR
    python bench/data/make_fresh_sets.py MIRRORS_DIR

The first writes `fresh_health_tweets.tsv.gz`; this script writes `fresh_toxigen.csv.gz`
from a bare git copy of microsoft/TOXIGEN in MIRRORS_DIR (named as make_reply_sets.py says,
at the commit in its COMMITS). Verify what they write by counts only (tests/
test_bench_fresh_sets.py), never by reading or screening the rows.
"""

from __future__ import annotations

import ast
import csv
import gzip
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

from build_public_sets import normalised
from make_reply_sets import COMMITS, OUT, clean, show, write


def used_reply_texts() -> set[str]:
    """The `normalised` texts of every reply set used before the fresh ones: the five
    files above and our own replies (tests/data/screening_replies.jsonl)."""
    columns = {"hatecheck.csv.gz": "test_case", "davidson.csv.gz": "tweet",
               "youtube_spam.csv.gz": "content", "sms_spam.csv.gz": "text",
               "civil_toxic.csv.gz": "comment_text"}
    texts = set()
    for name, column in columns.items():
        with gzip.open(OUT / name, "rt", encoding="utf-8", newline="") as f:
            texts |= {normalised(row[column]) for row in csv.DictReader(f)}
    ours = OUT.parent.parent / "tests" / "data" / "screening_replies.jsonl"
    return texts | {normalised(json.loads(line)["text"])
                    for line in ours.read_text(encoding="utf-8").splitlines() if line.strip()}


def toxigen_statements(mirrors: Path) -> list[tuple[str, str, str]]:
    """(label, group, text) of every statement ToxiGen's authors wrote to prompt a model:
    one a line in `demonstrations/`, five or so a line in `prompts/` (there joined by a
    written "\\n" and stripped of apostrophes, so a `demonstrations/` line, read first, is
    kept in its own spelling). Not the machine-generated ToxiGen corpus."""
    repo = "microsoft+TOXIGEN"
    listing = subprocess.run(["git", "-C", str(mirrors / repo / "repo"), "ls-tree", "-r",
                              "--name-only", COMMITS[repo]],
                             check=True, capture_output=True, text=True).stdout.split()
    statements = []
    for path in sorted(listing, key=lambda p: (not p.startswith("demonstrations/"), p)):
        if not path.endswith(".txt") or not path.startswith(("demonstrations/", "prompts/")):
            continue
        label, _, group = Path(path).stem.partition("_")
        group = re.sub(r"_(1k|sentences)$", "", group)
        for line in show(mirrors, repo, path).splitlines():
            if path.startswith("prompts/"):
                # A prompt line is the repr() of "- a\\n- b\\n-" without its quotes.
                pieces = [p.strip().removeprefix("-").strip()
                          for p in ast.literal_eval("'" + line + "'").split("\n")]
            else:
                pieces = [line.strip().removeprefix("-").strip()]
            statements += [(label, group, clean(p)) for p in pieces if clean(p)]
    return statements


def fresh_toxigen(mirrors: Path) -> None:
    """ToxiGen's statements, each once (by `normalised` text without apostrophes), none
    that is both hateful and neutral, none already in a reply set used before."""
    def key(text: str) -> str:
        return normalised(text.replace("'", "").replace("\u2019", ""))

    labels: dict[str, set[str]] = {}
    first: dict[str, tuple[str, str, str]] = {}
    for label, group, text in toxigen_statements(mirrors):
        labels.setdefault(key(text), set()).add(label)
        first.setdefault(key(text), (label, group, text))
    used = used_reply_texts()
    kept = sorted((hashlib.sha256(k.encode("utf-8")).hexdigest()[:12], *first[k])
                  for k in first if len(labels[k]) == 1 and k not in used and normalised(
                      first[k][2]) not in used)
    print(f"ToxiGen: {len(first)} distinct statements, "
          f"{sum(len(v) > 1 for v in labels.values())} both hateful and neutral, "
          f"{sum(k in used or normalised(first[k][2]) in used for k in first)} in a set "
          f"used before")
    write("fresh_toxigen.csv.gz", ["id", "label", "group", "text"], [list(r) for r in kept])


if __name__ == "__main__":
    fresh_toxigen(Path(sys.argv[1]))
