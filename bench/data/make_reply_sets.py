"""Build the vendored reply sets in bench/data/ from bare git copies of their repositories.

    python bench/data/make_reply_sets.py MIRRORS_DIR

MIRRORS_DIR holds one bare git directory per repository, named `owner+name/repo`; the
commits read are the ones named in SOURCES.md. Run once; the bench reads only the .csv.gz
files this writes (it needs no network and no copy of the repositories). What is kept and
why: bench/data/SOURCES.md.

`reply_training.csv.gz` is for training the learned model only (bench/train_reply_model.py),
never for measuring: rows of the same two sources that the evaluation files above do not
hold (Davidson's offensive tweets not drawn, Civil Comments toxic-spans comments not
drawn), with any text equal to one of an evaluation file's (either half) left out; and
ToxiGen's statements about the groups of TOXIGEN_TRAINING_GROUPS, read from
`fresh_toxigen.csv.gz` (which make_fresh_sets.py builds from ToxiGen's repository), whose
other groups stay a fresh measure (TOXIGEN_HELD_OUT_GROUPS, bench/screening_quality.py).
"""

from __future__ import annotations

import csv
import gzip
import html
import io
import random
import re
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent
COMMITS = {
    "paul-rottger+hatecheck-data": "d84302298ceeb34f4b0dde2d8a1f4932c2caa612",
    "t-davidson+hate-speech-and-offensive-language": "cb50f7e9eb855a99abc51423bf40df0e26d6fe30",
    "C0D3-BR3AK3R+HadoopFinalNCU-Project": "cb2cf49dbfffe0bc145ce3d825e1a99ec7c73ef7",
    "hamzaaacodes+sms-spam-collection": "f3e73e1e74e6330b62d1ee1983bba2a063184c26",
    "ipavlopoulos+toxic_spans": "beaf170538df8275c3447b2e26070f2f82e55272",
}

# ToxiGen's 15 target groups, split by group (issue 15, replies, eighth pass) before any
# figure was looked at: the statements about the training groups train the reply model,
# those about the held-out groups stay a fresh measure, so that the measure asks whether
# the model learned implicit discrimination rather than its training groups' words. Both
# parts mix kinds: race and ethnicity, nationality, religion, sexuality or gender,
# disability. The two big groups are one on each side: lgbtq trains (with bisexual, its
# statements' near neighbour, so no sexuality statement is on both sides), women is held
# out (the biggest miss, "Women are not suited to nuclear engineering"). Groups
# that overlap are kept together: asian with chinese (training), mexican with latino
# (held out). 10 groups train (305 hateful, 245 neutral statements), 5 are held out (77,
# 61).
TOXIGEN_TRAINING_GROUPS = frozenset({
    "asian", "chinese", "black", "native_american",     # race
    "immigrant", "middle_east",                          # nationality, origin
    "muslim",                                            # religion
    "lgbtq", "bisexual",                                 # sexuality, gender
    "mental_disability",                                 # disability
})
TOXIGEN_HELD_OUT_GROUPS = frozenset({
    "latino",                                            # race, ethnicity
    "mexican",                                           # nationality
    "jewish",                                            # religion
    "women",                                             # gender
    "physical_disability",                               # disability
})
# ToxiGen's labels as the reply model's classes (bench/train_reply_model.py).
TOXIGEN_CLASSES = {"hate": "abuse", "neutral": "ordinary"}


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
    training = [["davidson", "offensive", r[""], clean(r["tweet"])]
                for r in offensive if id(r) not in keep]

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
    drawn = sorted(rng.sample(toxic, 2000), key=int)
    write("civil_toxic.csv.gz", ["comment_id", "comment_text"],
          [[c, clean(comments[c])] for c in drawn])

    # Training only. The comments most of whose annotators marked "not toxic" are the
    # ordinary class: news-site comments, many sharp in tone (they were sent to the
    # annotators because Civil Comments' raters had called them toxic), which is the
    # contrast the model lacked (its only long, formal replies were toxic ones).
    plain = sorted((c for c, v in votes.items()
                    if c in comments and sum(v) * 2 > len(v) and len(comments[c]) <= 500),
                   key=int)
    taken = set(drawn)
    training += [["civil_comments", "toxic", c, clean(comments[c])]
                 for c in sorted(toxic, key=int) if c not in taken]
    training += [["civil_comments", "not toxic", c, clean(comments[c])] for c in plain]
    with gzip.open(OUT / "fresh_toxigen.csv.gz", "rt", encoding="utf-8", newline="") as f:
        training += [["toxigen", TOXIGEN_CLASSES[r["label"]], r["id"], r["text"]]
                     for r in csv.DictReader(f) if r["group"] in TOXIGEN_TRAINING_GROUPS]
    evaluated = set()
    for name in ("hatecheck.csv.gz", "davidson.csv.gz", "youtube_spam.csv.gz",
                 "sms_spam.csv.gz", "civil_toxic.csv.gz"):
        with gzip.open(OUT / name, "rt", encoding="utf-8", newline="") as f:
            evaluated.update(_key(row[-1]) for row in list(csv.reader(f))[1:])
    seen: set[str] = set()
    kept = []
    for row in training:
        key = _key(row[3])
        if key and key not in evaluated and key not in seen:
            seen.add(key)
            kept.append(row)
    write("reply_training.csv.gz", ["source", "label", "id", "text"], kept)


def _key(text: str) -> str:
    """A text as compared for duplicates: lower case, letters and digits only."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


if __name__ == "__main__":
    main(Path(sys.argv[1]))
