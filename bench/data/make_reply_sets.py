"""Build the vendored reply sets in bench/data/ from bare git copies of their repositories.

    python bench/data/make_reply_sets.py MIRRORS_DIR
    python bench/data/make_reply_sets.py --fresh MIRRORS_DIR

The second form writes only `fresh_toxigen.csv.gz` (SOURCES.md, "Fresh sets"): a set never
read while the rules change.

MIRRORS_DIR holds one bare git directory per repository, named `owner+name/repo`; the
commits read are the ones named in SOURCES.md. Run once; the bench reads only the .csv.gz
files this writes (it needs no network and no copy of the repositories). What is kept and
why: bench/data/SOURCES.md.
"""

from __future__ import annotations

import ast
import csv
import gzip
import hashlib
import html
import io
import json
import random
import re
import subprocess
import sys
from pathlib import Path

from build_public_sets import normalised

OUT = Path(__file__).resolve().parent
COMMITS = {
    "paul-rottger+hatecheck-data": "d84302298ceeb34f4b0dde2d8a1f4932c2caa612",
    "t-davidson+hate-speech-and-offensive-language": "cb50f7e9eb855a99abc51423bf40df0e26d6fe30",
    "C0D3-BR3AK3R+HadoopFinalNCU-Project": "cb2cf49dbfffe0bc145ce3d825e1a99ec7c73ef7",
    "hamzaaacodes+sms-spam-collection": "f3e73e1e74e6330b62d1ee1983bba2a063184c26",
    "ipavlopoulos+toxic_spans": "beaf170538df8275c3447b2e26070f2f82e55272",
    "microsoft+TOXIGEN": "01517e814639e0334c920a3c502036c8158aac87",
}


def show(mirrors: Path, repo: str, path: str) -> str:
    git = mirrors / repo / "repo"
    out = subprocess.run(["git", "-C", str(git), "show", f"{COMMITS[repo]}:{path}"],
                         check=True, capture_output=True)
    return out.stdout.decode("utf-8", errors="replace")


def clean(text: str) -> str:
    """HTML entities decoded, <br> as a line break, the byte-order marks YouTube's export
    leaves at the end removed, Windows-1252 punctuation that an earlier conversion left as
    C1 control characters (U+0092 for an apostrophe) read as Windows-1252, surrounding
    space stripped."""
    text = re.sub(r"<br\s*/?>", "\n", html.unescape(text)).replace("\ufeff", "")
    text = re.sub("[\x80-\x9f]", lambda m: bytes([ord(m.group(0))]).decode(
        "cp1252", errors="replace"), text)
    return text.strip()


def write(name: str, header: list[str], rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    # mtime=0: the same input gives the same bytes.
    with gzip.GzipFile(OUT / name, "wb", mtime=0) as f:
        f.write(buffer.getvalue().encode("utf-8"))
    print(f"{name}: {len(rows)} rows")


def main(mirrors: Path) -> None:
    rng = random.Random(15)
    cases = csv.DictReader(io.StringIO(show(mirrors, "paul-rottger+hatecheck-data",
                                            "test_suite_cases.csv")))
    write("hatecheck.csv.gz",
          ["case_id", "functionality", "label_gold", "target_ident", "templ_id", "test_case"],
          [[r["case_id"], r["functionality"], r["label_gold"], r["target_ident"],
            r["templ_id"], r["test_case"].strip()] for r in cases])

    tweets = list(csv.DictReader(io.StringIO(show(
        mirrors, "t-davidson+hate-speech-and-offensive-language", "data/labeled_data.csv"))))
    offensive = [r for r in tweets if r["class"] == "1"]
    keep = {id(r) for r in rng.sample(offensive, 2000)}
    write("davidson.csv.gz", ["row", "class", "tweet"],
          [[r[""], r["class"], clean(r["tweet"])] for r in tweets
           if r["class"] != "1" or id(r) in keep])

    rows = []
    for video in ("01-Psy", "02-KatyPerry", "03-LMFAO", "04-Eminem", "05-Shakira"):
        text = show(mirrors, "C0D3-BR3AK3R+HadoopFinalNCU-Project", f"data/Youtube{video}.csv")
        for r in csv.DictReader(io.StringIO(text)):
            rows.append([video.split("-")[1], r["COMMENT_ID"], r["label"], clean(r["CONTENT"])])
    write("youtube_spam.csv.gz", ["video", "comment_id", "spam", "content"], rows)

    text = show(mirrors, "hamzaaacodes+sms-spam-collection", "SMSSpamCollection")
    lines = [line.split("\t", 1) for line in text.splitlines()[1:] if "\t" in line]
    write("sms_spam.csv.gz", ["row", "label", "text"],
          [[str(i), label, clean(body)] for i, (label, body) in enumerate(lines)])

    comments = {r["comment_id"]: r["comment_text"] for r in csv.DictReader(io.StringIO(
        show(mirrors, "ipavlopoulos+toxic_spans", "data/comments.csv")))}
    votes: dict[str, list[bool]] = {}
    for r in csv.DictReader(io.StringIO(show(mirrors, "ipavlopoulos+toxic_spans",
                                             "data/annotations.csv"))):
        votes.setdefault(r["comment_id"], []).append(r["not toxic"] == "True")
    # Comments that most of their annotators did not call "not toxic", of reply length.
    toxic = sorted(c for c, v in votes.items()
                   if c in comments and sum(v) * 2 < len(v) and len(comments[c]) <= 500)
    write("civil_toxic.csv.gz", ["comment_id", "comment_text"],
          [[c, clean(comments[c])] for c in sorted(rng.sample(toxic, 2000), key=int)])


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
    if sys.argv[1] == "--fresh":
        fresh_toxigen(Path(sys.argv[2]))
    else:
        main(Path(sys.argv[1]))
