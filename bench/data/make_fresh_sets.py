"""Build the fresh evaluation sets in bench/data/ (SOURCES.md, "Fresh sets (never tuned
on)"): sets nobody screened or read while the rules and the reply model were changed, for
the one measurement at the end (`bench/screening_quality.py --fresh`).

    python bench/data/build_public_sets.py --fresh HEALTH_TWEETS_DIR
    python bench/data/make_fresh_sets.py MIRRORS_DIR
    python bench/data/make_fresh_sets.py --fresh2 MIRRORS_DIR

The first writes `fresh_health_tweets.tsv.gz`; this script writes `fresh_toxigen.csv.gz`,
`fresh_hatexplain.csv.gz` and `fresh_allsides_politics.csv.gz` from bare git copies of the
repositories in FRESH_COMMITS, in MIRRORS_DIR as make_reply_sets.py says. With `--fresh2`
it writes the second draw (`fresh2_*`, SOURCES.md "Fresh sets, second draw") instead. Verify what they
write by counts only (tests/test_bench_fresh_sets.py), never by reading or screening the rows.
"""

from __future__ import annotations

import ast
import csv
import gzip
import hashlib
import io
import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from pathlib import Path

from build_public_sets import normalised, vendored_cells
from make_reply_sets import COMMITS, OUT, clean, show, write

FRESH_COMMITS = {
    "microsoft+TOXIGEN": "01517e814639e0334c920a3c502036c8158aac87",
    # HateXplain's own repository: its test and validation post ids.
    "hate-alert+HateXplain": "01d742279dac941981f53806154481c0e15ee686",
    # A copy of HateXplain's test and validation posts (Hugging Face's `hatexplain` fields:
    # id, annotators, post_tokens); HateXplain's own dataset.json is not in any snapshot.
    "shivam0109+CS4NLP-HateXplain": "8a911685253b047109d2e5a1d09368a25ad14ab1",
    # Baly et al.'s AllSides articles (EMNLP 2020): political news headlines by topic.
    "ramybaly+Article-Bias-Prediction": "ced8111a720948e6a410e52031ace99c4e53f096",
    # Jigsaw's (conversationai) identity-term test set of Wikipedia talk comments (second draw).
    "conversationai+unintended-ml-bias-analysis": "9c7d91aaa53406a362354661a93e07956d95e59a",
}
# Read through make_reply_sets.show, like the sets before them.
COMMITS.update(FRESH_COMMITS)
# The one HateXplain post whose text was printed (by mistake, while the copy's files were
# looked at for their columns): left out, so that no fresh row has been read.
SEEN = {"1178610029273976833_twitter"}
# AllSides topics that are a politics section's news (chosen by their names, before any
# headline was counted or read): elections, parties, Congress, the White House.
POLITICS_TOPICS = frozenset({
    "elections", "politics", "white_house", "us_senate", "us_house", "us_congress",
    "republican_party", "democratic_party", "impeachment", "campaign_finance",
    "campaign_rhetoric", "tea_party", "voting_rights_and_voter_fraud"})
# The same number of headlines from outlets AllSides rates left, center and right.
POLITICS_PER_LEAN = 700
# The second draw's order (SOURCES.md, "Fresh sets, second draw").
FRESH2_POLITICS_SALT = "fresh2 politics 2026-11-30 "
# HuffPost's headlines were tuned on (huffpost_headlines.tsv.gz): its articles are left out.
TUNED_OUTLETS = ("huffpost", "huffington")
# The order of Hugging Face's ClassLabel for HateXplain's annotator labels.
HATEXPLAIN_LABELS = ("hate speech", "normal", "offensive")


def used_reply_texts() -> set[str]:
    """The `normalised` texts of every reply set used before the fresh ones: the five
    files of make_reply_sets.py and our own replies (tests/data/screening_replies.jsonl)."""
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


def distinct(rows: Iterable[tuple[str, str, str, str]], used: set[str],
             name: str) -> list[list[str]]:
    """Rows of (id, label, group, text), each text once (by `normalised` text without
    apostrophes, the first row kept), none whose text has two labels or is in `used`;
    ordered by the SHA-256 of the id."""
    def key(text: str) -> str:
        return normalised(text.replace("'", "").replace("\u2019", ""))

    labels: dict[str, set[str]] = {}
    first: dict[str, tuple[str, str, str, str]] = {}
    for row in rows:
        labels.setdefault(key(row[3]), set()).add(row[1])
        first.setdefault(key(row[3]), row)
    taken = {k for k in first if k in used or normalised(first[k][3]) in used}
    both = {k for k, v in labels.items() if len(v) > 1}
    print(f"{name}: {len(first)} distinct texts, {len(both)} with two labels, "
          f"{len(taken)} in a set used before")
    return sorted((list(first[k]) for k in first if k not in taken | both),
                  key=lambda row: hashlib.sha256(row[0].encode("utf-8")).hexdigest())


def toxigen_statements(mirrors: Path) -> list[tuple[str, str, str, str]]:
    """(id, label, group, text) of every statement ToxiGen's authors wrote to prompt a
    model: one a line in `demonstrations/`, five or so a line in `prompts/` (there joined by
    a written "\\n" and stripped of apostrophes, so a `demonstrations/` line, read first, is
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
    # The id: the start of the SHA-256 of the statement's normalised text.
    return [(hashlib.sha256(normalised(text.replace("'", "")).encode("utf-8")).hexdigest()[:12],
             label, group, text) for label, group, text in statements]


def hatexplain_posts(mirrors: Path) -> list[tuple[str, str, str, str]]:
    """(post id, label, platform, text) of HateXplain's test and validation posts: the label
    two of the three annotators gave (every such post has one), the text the post's tokens
    joined by spaces, as HateXplain gives them (placeholders such as <user> kept)."""
    divisions = json.loads(show(mirrors, "hate-alert+HateXplain", "Data/post_id_divisions.json"))
    posts = []
    for part in ("test", "val"):
        text = show(mirrors, "shivam0109+CS4NLP-HateXplain",
                    f"data/load_and_preprocess/df_{part}_processed.csv")
        for row in csv.DictReader(io.StringIO(text)):
            if row["id"] not in divisions[part]:
                raise ValueError(f"{row['id']} is not in HateXplain's {part} split")
            label, votes = Counter(ast.literal_eval(row["annotators"])["label"]).most_common(1)[0]
            if votes < 2 or row["id"] in SEEN:
                continue
            platform = next((p for p in ("twitter", "gab") if row["id"].endswith("_" + p)),
                            "other")
            posts.append((row["id"], HATEXPLAIN_LABELS[label], platform,
                          clean(" ".join(ast.literal_eval(row["post_tokens"])))))
    return posts


def allsides_articles(mirrors: Path) -> list[dict[str, str]]:
    """Every article of Baly et al.'s AllSides set (one JSON file each), read in one
    `git cat-file --batch` (37,554 `git show` calls would take minutes)."""
    repo = "ramybaly+Article-Bias-Prediction"
    git = ["git", "-C", str(mirrors / repo / "repo")]
    names = subprocess.run([*git, "ls-tree", "-r", "--name-only", COMMITS[repo], "data/jsons/"],
                           check=True, capture_output=True, text=True).stdout.split()
    wanted = "".join(f"{COMMITS[repo]}:{name}\n" for name in names).encode("utf-8")
    out = subprocess.run([*git, "cat-file", "--batch"], input=wanted, check=True,
                         capture_output=True).stdout
    articles, at = [], 0
    while at < len(out):
        header_end = out.index(b"\n", at)
        size = int(out[at:header_end].split()[2])
        articles.append(json.loads(out[header_end + 1:header_end + 1 + size]))
        at = header_end + 1 + size + 1
    if len(articles) != len(names):
        raise ValueError(f"read {len(articles)} of {len(names)} AllSides articles")
    return articles


def first_draw_skips(name: str) -> bool:
    """The files the first draw's headlines were not compared with: its own, and the second
    draw's, made after it (disjoint from it, so skipping them changes nothing)."""
    return name == "fresh_allsides_politics.csv.gz" or name.startswith("fresh2_")


def allsides_politics(mirrors: Path, salt: str = "fresh politics 2026-11-30 ",
                      skip: Callable[[str], bool] = first_draw_skips,
                      taken_ids: Collection[str] = ()) -> list[list[str]]:
    """(id, lean, topic, outlet, headline): POLITICS_PER_LEAN headlines of POLITICS_TOPICS
    from each lean, in the order of the SHA-256 of `salt` and the article id; none from a
    TUNED_OUTLETS outlet, none in `taken_ids`, none whose `normalised` text is a cell of a
    file in bench/data that `skip` does not accept, each text once."""
    used = vendored_cells(skip)
    candidates = [a for a in allsides_articles(mirrors)
                  if a["topic"] in POLITICS_TOPICS and a["ID"] not in taken_ids]
    tuned = {a["ID"] for a in candidates if a["source"].casefold().startswith(TUNED_OUTLETS)}
    candidates = [a for a in candidates if a["ID"] not in tuned]
    candidates.sort(key=lambda a: hashlib.sha256(f"{salt}{a['ID']}".encode()).hexdigest())
    chosen: dict[str, list[list[str]]] = {"left": [], "center": [], "right": []}
    seen: set[str] = set()
    dropped = Counter[str]()
    for article in candidates:
        rows = chosen[article["bias_text"]]
        if len(rows) == POLITICS_PER_LEAN:
            continue
        text = clean(" ".join(article["title"].split()))
        key = normalised(text)
        if not key:
            dropped["empty"] += 1
        elif key in used:
            dropped["in another file"] += 1
        elif key in seen:
            dropped["repeat"] += 1
        else:
            seen.add(key)
            rows.append([article["ID"], article["bias_text"], article["topic"],
                         article["source"], text])
    print(f"AllSides: {len(candidates) + len(tuned)} articles of the politics topics, "
          f"{len(tuned)} from a tuned-on outlet; among those read before each lean was "
          f"full: {dict(dropped)}")
    return [row for lean in ("left", "center", "right") for row in chosen[lean]]


def fresh2_politics(mirrors: Path) -> list[list[str]]:
    """The second draw: as the first, with FRESH2_POLITICS_SALT, none of the first draw's
    articles, none whose text is a cell of any other file in bench/data."""
    first = OUT / "fresh_allsides_politics.csv.gz"
    with gzip.open(first, "rt", encoding="utf-8", newline="") as f:
        taken = {row["id"] for row in csv.DictReader(f)}
    return allsides_politics(mirrors, FRESH2_POLITICS_SALT,
                             lambda name: name == "fresh2_allsides_politics.csv.gz", taken)


# The reply length kept, as for civil_toxic.csv.gz (make_reply_sets.py): a reply, not an essay.
REPLY_CHARS = 500
# The identity terms of Jigsaw's notebook (Bias_fuzzed_test_set.ipynb) that chose half of
# the comments: a comment with one is in the group "identity term", the others "other".
IDENTITY_TERMS = re.compile(
    r"\b(christian|catholic|protestant|muslim|sikh|jewish|jew|lesbian|gay|transgender|queer|"
    r"homosexual|heterosexual)\b", re.IGNORECASE)


def wiki_comments(mirrors: Path) -> list[tuple[str, str, str, str]]:
    """(revision id, label, group, text) of Jigsaw's `toxicity_nonfuzzed_testset.csv`: the
    test comments of Wikipedia Talk Labels: Toxicity that name an identity term and as many
    others, labelled toxic when most annotators rated them so; those of at most REPLY_CHARS
    characters. Wikipedia Detox wrote `"` as a backtick; it is read back as `"`."""
    text = show(mirrors, "conversationai+unintended-ml-bias-analysis",
                "archive/unintended_ml_bias/eval_datasets/toxicity_nonfuzzed_testset.csv")
    comments = []
    for row in csv.DictReader(io.StringIO(text)):
        comment = clean(row["comment"].replace("`", '"'))
        if comment and len(comment) <= REPLY_CHARS:
            comments.append((row["rev_id"], {"True": "toxic", "False": "not toxic"}[row["toxic"]],
                             "identity term" if IDENTITY_TERMS.search(comment) else "other",
                             comment))
    return comments


def main(mirrors: Path) -> None:
    used = used_reply_texts()
    write("fresh_toxigen.csv.gz", ["id", "label", "group", "text"],
          distinct(toxigen_statements(mirrors), used, "ToxiGen"))
    write("fresh_hatexplain.csv.gz", ["id", "label", "platform", "text"],
          distinct(hatexplain_posts(mirrors), used, "HateXplain"))
    write("fresh_allsides_politics.csv.gz", ["id", "lean", "topic", "outlet", "text"],
          allsides_politics(mirrors))


def main_fresh2(mirrors: Path) -> None:
    write("fresh2_allsides_politics.csv.gz", ["id", "lean", "topic", "outlet", "text"],
          fresh2_politics(mirrors))
    ours = OUT.parent.parent / "tests" / "data" / "screening_replies.jsonl"
    used = vendored_cells(lambda name: name == "fresh2_wiki_toxicity.csv.gz") | {
        normalised(json.loads(line)["text"])
        for line in ours.read_text(encoding="utf-8").splitlines() if line.strip()}
    write("fresh2_wiki_toxicity.csv.gz", ["id", "label", "group", "text"],
          distinct(wiki_comments(mirrors), used, "Wikipedia talk comments"))


if __name__ == "__main__":
    if sys.argv[1] == "--fresh2":
        main_fresh2(Path(sys.argv[2]))
    else:
        main(Path(sys.argv[1]))
