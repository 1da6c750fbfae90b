"""How `health_tweets.tsv.gz` and `huffpost_headlines.tsv.gz` were made (run once, by hand;
the bench reads only the two files, never this script or the network). See SOURCES.md.

    python bench/data/build_public_sets.py HEALTH_TWEETS_DIR HUFFPOST_V3_JSON HUFFPOST_V2_JSON

HEALTH_TWEETS_DIR holds the 16 files of "Health News in Twitter" (`id|date|text` lines,
UTF-8 or, in five files, Windows-1252); the two JSON files are the News Category Dataset
(one JSON object a line). The choice of rows is fixed by hashes of ids and links, so the
same inputs give the same files; rows are written in that order, and the bench splits
each file by position (even rows dev, odd rows unseen).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TWEETS = 5000
# Sections of the News Category Dataset that are not politics or general news (U.S. NEWS,
# WORLD NEWS, MEDIA... are left out: much of them is politics by the policy's words).
# Chosen before any of them was screened.
BENIGN_SECTIONS = {
    "SCIENCE", "TECH", "EDUCATION", "COLLEGE", "WELLNESS", "HEALTHY LIVING", "ENVIRONMENT",
    "GREEN", "FOOD & DRINK", "TASTE", "HOME & LIVING", "PARENTING", "PARENTS", "TRAVEL",
    "BUSINESS", "MONEY", "CULTURE & ARTS", "ARTS & CULTURE", "ARTS", "SPORTS",
    "STYLE & BEAUTY", "STYLE",
}


def digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def clean(text: str) -> str:
    return " ".join(text.split())


def tweets(folder: Path) -> list[tuple[str, str, str]]:
    per_agency: dict[str, list[tuple[str, str]]] = {}
    for path in sorted(folder.glob("*.txt")):
        agency = path.stem
        seen: set[str] = set()
        rows = []
        for raw in path.read_bytes().splitlines():
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                line = raw.decode("cp1252", errors="replace")
            parts = line.split("|", 2)
            if len(parts) < 3 or not clean(parts[2]):
                continue
            text = clean(parts[2])
            if text in seen:
                continue
            seen.add(text)
            rows.append((parts[0].strip(), text))
        per_agency[agency] = sorted(rows, key=lambda row: digest(row[0]))
    chosen: list[tuple[str, str, str]] = []
    texts: set[str] = set()
    depth = 0
    while len(chosen) < TWEETS:
        for agency in sorted(per_agency):
            rows = per_agency[agency]
            if depth < len(rows) and rows[depth][1] not in texts and len(chosen) < TWEETS:
                texts.add(rows[depth][1])
                chosen.append((agency, rows[depth][0], rows[depth][1]))
        depth += 1
    return chosen


def headlines(*files: Path) -> list[tuple[str, str, str]]:
    rows: dict[str, tuple[str, str, str]] = {}
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            category = item["category"]
            if category != "POLITICS" and category not in BENIGN_SECTIONS:
                continue
            headline = clean(item["headline"])
            if headline:
                rows.setdefault(item["link"], (category, item["date"], headline))
    return [rows[link] for link in sorted(rows, key=digest)]


def write(name: str, header: str, rows: list[tuple[str, str, str]]) -> None:
    with gzip.open(HERE / name, "wt", encoding="utf-8", compresslevel=9) as f:
        f.write(header + "\n")
        for row in rows:
            f.write("\t".join(row) + "\n")


def main() -> int:
    folder, v3, v2 = (Path(a) for a in sys.argv[1:4])
    write("health_tweets.tsv.gz", "agency\tid\ttext", tweets(folder))
    write("huffpost_headlines.tsv.gz", "category\tdate\theadline", headlines(v3, v2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
