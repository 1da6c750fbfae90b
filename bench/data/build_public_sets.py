"""How `health_tweets.tsv.gz` and `huffpost_headlines.tsv.gz` were made (run once, by hand;
the bench reads only the two files, never this script or the network). See SOURCES.md.

    python bench/data/build_public_sets.py HEALTH_TWEETS_DIR HUFFPOST_V3_JSON HUFFPOST_V2_JSON
    python bench/data/build_public_sets.py --fresh HEALTH_TWEETS_DIR
    python bench/data/build_public_sets.py --fresh2 HEALTH_TWEETS_DIR

The second form writes `fresh_health_tweets.tsv.gz`: 2,500 other tweets of the same corpus,
none of them (by tweet id or by `normalised` text) in `health_tweets.tsv.gz`, chosen the same
way with a salted hash; it is never read while the rules change (SOURCES.md, "Fresh sets").
The third writes `fresh2_health_tweets.tsv.gz`, the second draw: 2,500 more with another
salt, none in either file by id nor equal (normalised) to a text of any file in this folder
(SOURCES.md, "Fresh sets, second draw").

HEALTH_TWEETS_DIR holds the 16 files of "Health News in Twitter" (`id|date|text` lines,
UTF-8 or, in five files, Windows-1252); the two JSON files are the News Category Dataset
(one JSON object a line). The choice of rows is fixed by hashes of ids and links, so the
same inputs give the same files; rows are written in that order, and the bench splits
each file by position (even rows dev, odd rows unseen).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
import sys
from collections.abc import Callable, Collection
from pathlib import Path

HERE = Path(__file__).resolve().parent
TWEETS = 5000
FRESH_TWEETS = 2500
# Any other salt gives another order; this one only makes the fresh choice differ from the first.
FRESH_SALT = "fresh 2026-11-30 "
FRESH2_SALT = "fresh2 2026-11-30 "
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


def normalised(text: str) -> str:
    """A tweet's words without its links, case or punctuation: the same story tweeted twice
    with two short links is one text."""
    return " ".join(re.sub(r"[^\w\s]", " ", re.sub(r"https?://\S+", " ", text.casefold())).split())


def agency_tweets(folder: Path) -> dict[str, list[tuple[str, str]]]:
    """Agency (the file's name) -> (tweet id, text), whitespace collapsed, without empty
    tweets and repeats of a text within the agency, in the file's order."""
    per_agency: dict[str, list[tuple[str, str]]] = {}
    for path in sorted(folder.glob("*.txt")):
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
        per_agency[path.stem] = rows
    return per_agency


def tweets(folder: Path, count: int = TWEETS, salt: str = "",
           taken_ids: Collection[str] = (), taken_texts: Collection[str] = (),
           key: Callable[[str], str] = str) -> list[tuple[str, str, str]]:
    """`count` tweets, the same number from each agency (one more for the first ones), in
    the order of the SHA-256 of `salt` and the tweet id, without an id in `taken_ids` nor a
    text whose `key` is in `taken_texts` or already chosen. The taken ones and an agency's
    repeats (by `key`) are dropped before the choice, so that they do not make an agency's
    share smaller."""

    def usable(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
        seen = set(taken_texts)
        kept = []
        for row in rows:
            if row[0] not in taken_ids and key(row[1]) not in seen:
                seen.add(key(row[1]))
                kept.append(row)
        return sorted(kept, key=lambda row: digest(salt + row[0]))

    per_agency = {agency: usable(rows) for agency, rows in agency_tweets(folder).items()}
    chosen: list[tuple[str, str, str]] = []
    texts: set[str] = set()
    depth = 0
    while len(chosen) < count:
        for agency in sorted(per_agency):
            rows = per_agency[agency]
            if depth < len(rows) and key(rows[depth][1]) not in texts and len(chosen) < count:
                texts.add(key(rows[depth][1]))
                chosen.append((agency, rows[depth][0], rows[depth][1]))
        depth += 1
    return chosen


def fresh_tweets(folder: Path) -> list[tuple[str, str, str]]:
    """FRESH_TWEETS tweets chosen like `health_tweets.tsv.gz` but with FRESH_SALT, none of
    them in that file by id or by `normalised` text, nor two with the same normalised text."""
    with gzip.open(HERE / "health_tweets.tsv.gz", "rt", encoding="utf-8") as f:
        used = [line.rstrip("\n").split("\t") for line in f.readlines()[1:]]
    return tweets(folder, FRESH_TWEETS, FRESH_SALT, taken_ids={row[1] for row in used},
                  taken_texts={normalised(row[2]) for row in used}, key=normalised)


def read_tsv(path: Path) -> list[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def vendored_cells(skip: Callable[[str], bool]) -> set[str]:
    """The `normalised` text of every cell of every file in this folder whose name `skip`
    does not accept (tuned-on, training and fresh sets alike)."""
    texts = set()
    for path in sorted(HERE.glob("*.gz")):
        if skip(path.name):
            continue
        if path.name.endswith(".tsv.gz"):
            rows = read_tsv(path)
        else:
            with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
                rows = list(csv.DictReader(f))
        texts |= {normalised(cell) for row in rows for cell in row.values() if cell}
    return texts


def fresh2_tweets(folder: Path) -> list[tuple[str, str, str]]:
    """The second fresh draw: FRESH_TWEETS tweets chosen the same way with FRESH2_SALT, none
    with an id of `health_tweets.tsv.gz` or `fresh_health_tweets.tsv.gz`, none whose
    `normalised` text is a cell of any other file here, nor two with the same."""
    taken_ids = {row["id"] for name in ("health_tweets.tsv.gz", "fresh_health_tweets.tsv.gz")
                 for row in read_tsv(HERE / name)}
    used = vendored_cells(lambda name: name.startswith("fresh2_"))
    return tweets(folder, FRESH_TWEETS, FRESH2_SALT, taken_ids=taken_ids, taken_texts=used,
                  key=normalised)


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
    # mtime=0: the same input gives the same bytes.
    with gzip.GzipFile(HERE / name, "wb", compresslevel=9, mtime=0) as raw, \
            io.TextIOWrapper(raw, encoding="utf-8", newline="\n") as f:
        f.write(header + "\n")
        for row in rows:
            f.write("\t".join(row) + "\n")


def main() -> int:
    if sys.argv[1] == "--fresh":
        write("fresh_health_tweets.tsv.gz", "agency\tid\ttext", fresh_tweets(Path(sys.argv[2])))
        return 0
    if sys.argv[1] == "--fresh2":
        write("fresh2_health_tweets.tsv.gz", "agency\tid\ttext",
              fresh2_tweets(Path(sys.argv[2])))
        return 0
    folder, v3, v2 = (Path(a) for a in sys.argv[1:4])
    write("health_tweets.tsv.gz", "agency\tid\ttext", tweets(folder))
    write("huffpost_headlines.tsv.gz", "category\tdate\theadline", headlines(v3, v2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
