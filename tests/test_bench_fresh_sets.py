"""The fresh evaluation sets (bench/data/fresh_*, SOURCES.md "Fresh sets (never tuned on)",
and the second draw bench/data/fresh2_*, "Fresh sets, second draw"), checked by counts,
labels and disjointness only: their rows are never screened or read before the one
`bench/screening_quality.py --fresh` (`--fresh2`) run at the end. The report functions
that run is made of are checked on sentences written here."""

from __future__ import annotations

import csv
import gzip
import json
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(DATA))

import screening_quality as bench  # noqa: E402
from build_public_sets import FRESH_TWEETS, normalised  # noqa: E402
from make_fresh_sets import POLITICS_PER_LEAN, POLITICS_TOPICS  # noqa: E402
from make_reply_sets import (  # noqa: E402
    TOXIGEN_CLASSES,
    TOXIGEN_HELD_OUT_GROUPS,
    TOXIGEN_TRAINING_GROUPS,
)

csv.field_size_limit(10_000_000)


def rows(name: str) -> list[dict[str, str]]:
    with gzip.open(DATA / name, "rt", encoding="utf-8", newline="") as f:
        if name.endswith(".tsv.gz"):
            return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
        return list(csv.DictReader(f))


FRESH_TEXTS = {"fresh_health_tweets.tsv.gz": "text", "fresh_toxigen.csv.gz": "text",
               "fresh_hatexplain.csv.gz": "text", "fresh_allsides_politics.csv.gz": "text"}


@pytest.mark.parametrize(("draw", "earlier"), [
    (bench.FRESH, ["health_tweets.tsv.gz"]),
    (bench.FRESH2, ["health_tweets.tsv.gz", "fresh_health_tweets.tsv.gz"]),
])
def test_fresh_tweets_are_balanced_and_none_is_in_an_earlier_sample(
        draw: str, earlier: list[str]) -> None:
    fresh = rows(f"{draw}_health_tweets.tsv.gz")
    before = [row for name in earlier for row in rows(name)]
    assert len(fresh) == FRESH_TWEETS == len(bench.fresh_health_tweets(draw))
    assert [r["text"] for r in fresh] == bench.fresh_health_tweets(draw)
    per_agency = Counter(r["agency"] for r in fresh)
    assert set(per_agency) == {r["agency"] for r in before} and len(per_agency) == 16
    assert max(per_agency.values()) - min(per_agency.values()) <= 3
    assert len({r["id"] for r in fresh}) == len(fresh)
    assert not {r["id"] for r in fresh} & {r["id"] for r in before}
    texts = [normalised(r["text"]) for r in fresh]
    assert all(texts) and len(set(texts)) == len(fresh)
    assert not set(texts) & {normalised(r["text"]) for r in before}


def test_fresh_toxigen_statements_are_labelled_once_each() -> None:
    statements = rows("fresh_toxigen.csv.gz")
    assert Counter(r["label"] for r in statements) == {"hate": 382, "neutral": 306}
    groups = Counter((r["group"], r["label"]) for r in statements)
    assert len({g for g, _ in groups}) == 15
    assert all(groups[(g, label)] >= 5 for g, _ in groups for label in ("hate", "neutral"))
    assert len({r["id"] for r in statements}) == len(statements)
    keys = [normalised(r["text"].replace("'", "")) for r in statements]
    assert all(keys) and len(set(keys)) == len(statements)
    # Split by group: the training groups' statements train the reply model, the held-out
    # groups' are what the fresh report measures.
    assert not TOXIGEN_TRAINING_GROUPS & TOXIGEN_HELD_OUT_GROUPS
    assert {g for g, _ in groups} == TOXIGEN_TRAINING_GROUPS | TOXIGEN_HELD_OUT_GROUPS
    assert (len(TOXIGEN_TRAINING_GROUPS), len(TOXIGEN_HELD_OUT_GROUPS)) == (10, 5)
    assert "women" in TOXIGEN_HELD_OUT_GROUPS and "lgbtq" in TOXIGEN_TRAINING_GROUPS
    sets = bench.fresh_reply_sets()
    measured = sets["ToxiGen statements, held-out groups"]
    kinds = Counter((part, kind) for part, kind, _, _ in measured)
    assert kinds == {("fresh", "hostile"): 77, ("fresh", "ordinary"): 61}
    assert {group.split(", ")[1] for _, _, group, _ in measured} == TOXIGEN_HELD_OUT_GROUPS
    assert sorted(text for _, _, _, text in measured) == sorted(
        r["text"] for r in statements if r["group"] in TOXIGEN_HELD_OUT_GROUPS)


def test_fresh_hatexplain_posts_are_its_test_and_validation_posts_once_each() -> None:
    posts = rows("fresh_hatexplain.csv.gz")
    assert Counter(r["label"] for r in posts) == {
        "normal": 1559, "hate speech": 1187, "offensive": 1096}
    assert Counter(r["platform"] for r in posts) == {"gab": 2046, "twitter": 1791, "other": 5}
    assert len({r["id"] for r in posts}) == len(posts)
    # The one post whose text was printed while the copy was inspected is left out.
    assert "1178610029273976833_twitter" not in {r["id"] for r in posts}
    keys = [normalised(r["text"].replace("'", "")) for r in posts]
    assert all(keys) and len(set(keys)) == len(posts)
    kinds = Counter(kind for _, kind, _, _ in bench.fresh_reply_sets()["HateXplain posts"])
    assert kinds == {"hostile": 1187 + 1096, "ordinary": 1559}


@pytest.mark.parametrize(("draw", "earlier", "longest"), [
    (bench.FRESH, [], 200),
    (bench.FRESH2, ["fresh_allsides_politics.csv.gz"], 250),
])
def test_fresh_political_headlines_are_politics_topics_balanced_by_lean(
        draw: str, earlier: list[str], longest: int) -> None:
    headlines = rows(f"{draw}_allsides_politics.csv.gz")
    assert POLITICS_PER_LEAN == 700
    assert Counter(r["lean"] for r in headlines) == {"left": 700, "center": 700, "right": 700}
    topics = Counter(r["topic"] for r in headlines)
    assert set(topics) <= POLITICS_TOPICS
    assert topics["elections"] + topics["politics"] + topics["white_house"] > 1000
    # HuffPost's headlines were tuned on: none of its articles is in a fresh set.
    assert not [r for r in headlines if "huff" in r["outlet"].casefold()]
    assert len({r["outlet"] for r in headlines}) > 50
    ids = {r["id"] for r in headlines}
    assert len(ids) == len(headlines)
    assert not ids & {r["id"] for name in earlier for r in rows(name)}
    keys = [normalised(r["text"]) for r in headlines]
    assert all(keys) and len(set(keys)) == len(headlines)
    assert all(10 <= len(r["text"]) <= longest and "\n" not in r["text"] for r in headlines)
    by_lean = bench.fresh_politics(draw)
    assert {lean: len(texts) for lean, texts in by_lean.items()} == {
        "left": 700, "center": 700, "right": 700}
    assert sorted(t for texts in by_lean.values() for t in texts) == sorted(
        r["text"] for r in headlines)


def test_no_fresh_text_is_in_another_fresh_file() -> None:
    texts = {name: {normalised(r[column]) for r in rows(name)}
             for name, column in FRESH_TEXTS.items()}
    for name, mine in texts.items():
        others = set().union(*(t for other, t in texts.items() if other != name))
        assert not mine & others, name


def compared(text: str) -> str:
    """A text as the fresh sets are kept apart from every other: normalised, apostrophes
    ignored, as `make_fresh_sets.distinct` keys them (ToxiGen's prompt files hold its
    statements with their apostrophes stripped: "dont" for "don't")."""
    return normalised(text.replace("'", "").replace("\u2019", ""))


def is_toxigen_training(name: str, row: dict[str, str]) -> bool:
    return name == "reply_training.csv.gz" and row["source"] == "toxigen"


def used_texts(draw: str = "fresh") -> set[str]:
    """Every cell of every vendored file but the `draw`'s own (the tuned-on sets, the other
    draw, any training file such as the reply model's, less its ToxiGen rows, which a test
    below checks apart), and our own replies, as `compared`."""
    texts = set()
    for path in DATA.glob("*.gz"):
        if not path.name.startswith(draw + "_"):
            texts |= {compared(cell) for row in rows(path.name) for cell in row.values()
                      if cell and not is_toxigen_training(path.name, row)}
    ours = ROOT / "tests" / "data" / "screening_replies.jsonl"
    return texts | {compared(json.loads(line)["text"])
                    for line in ours.read_text(encoding="utf-8").splitlines() if line.strip()}


def test_no_fresh_text_is_in_any_other_file() -> None:
    # A training row spelled as ToxiGen's prompt files spell a fresh statement is caught.
    assert compared("Women don't belong in the lab") == compared("women dont belong in the lab")
    used = used_texts()
    assert len(used) > 20_000
    for name, column in FRESH_TEXTS.items():
        assert not {compared(r[column]) for r in rows(name)} & used, name


def test_the_reply_training_holds_exactly_the_toxigen_training_groups() -> None:
    # The one overlap allowed: ToxiGen's statements about its training groups, with their
    # labels as the model's classes; none about a held-out group, and no other fresh text
    # (the test above).
    trained = Counter((compared(r["text"]), r["label"]) for r in rows("reply_training.csv.gz")
                      if is_toxigen_training("reply_training.csv.gz", r))
    statements = rows("fresh_toxigen.csv.gz")
    assert trained == Counter((compared(r["text"]), TOXIGEN_CLASSES[r["label"]])
                              for r in statements if r["group"] in TOXIGEN_TRAINING_GROUPS)
    assert sum(trained.values()) == 550
    held_out = {compared(r["text"]) for r in statements
                if r["group"] in TOXIGEN_HELD_OUT_GROUPS}
    assert len(held_out) == 138
    assert not held_out & {text for text, _ in trained}


def test_fresh_files_stay_small() -> None:
    assert sum((DATA / name).stat().st_size for name in FRESH_TEXTS) < 1_500_000
    assert sum((DATA / name).stat().st_size for name in FRESH2_TEXTS) < 500_000


def test_a_fresh_report_prints_figures_and_no_text(capsys: pytest.CaptureFixture[str]) -> None:
    texts = ["Happy Easter from all of us at the Institute!",
             "Vote them out, every last damn one of them.",
             "Our annual meeting opens in Denver on July 20."]
    bench.report_benign("written here", texts, (bench.FRESH,), False, {},
                        split=bench.whole, quote=False)
    replies = {"written here": [
        (bench.FRESH, "hostile", "threat", "I will find the speaker and hurt him."),
        (bench.FRESH, "ordinary", "question", "When do abstracts for the meeting close?")]}
    bench.report_public_replies((bench.FRESH,), learned=False, sets=replies)
    headlines = ["Senate Republicans block the Democrats' election bill",
                 "Governor concedes the primary to her challenger"]
    bench.report_political("headlines here", headlines, texts, (bench.FRESH,), show=True,
                           split=bench.whole, benign_name="texts here")
    out = capsys.readouterr().out
    assert "written here (fresh, 3): flagged raw" in out
    assert "written here (fresh): hostile recall" in out
    assert "headlines here (fresh, 2): politics recall" in out
    assert "precision with the texts here of that half" in out
    assert "words matched" not in out and "missed" not in out
    for text in texts + headlines + [r[3] for r in replies["written here"]]:
        assert text not in out
    for word in ("damn", "easter", "hurt", "abstracts", "senate", "governor"):
        assert word not in out.lower()


@pytest.mark.parametrize("draw", ["--fresh", "--fresh2"])
def test_fresh_with_show_is_refused_before_anything_is_screened(
        draw: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "argv", ["screening_quality.py", draw, "--show"])
    monkeypatch.setattr(bench, "report_fresh", lambda *_: pytest.fail("screened"))
    with pytest.raises(SystemExit) as stop:
        bench.main()
    assert stop.value.code == 2
    assert "never printed" in capsys.readouterr().err


def test_two_draws_at_once_are_refused_before_anything_is_screened(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "argv", ["screening_quality.py", "--fresh", "--fresh2"])
    monkeypatch.setattr(bench, "report_fresh", lambda *_: pytest.fail("screened"))
    with pytest.raises(SystemExit) as stop:
        bench.main()
    assert stop.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


# ----- the second draw (fresh2_*) ------------------------------------------------------
FRESH2_TEXTS = {"fresh2_health_tweets.tsv.gz": "text",
                "fresh2_allsides_politics.csv.gz": "text", "fresh2_wiki_toxicity.csv.gz": "text"}


def test_no_fresh2_text_is_in_any_other_file_nor_in_the_other_fresh2_file() -> None:
    used = used_texts(bench.FRESH2)
    # The first draw's texts are among those compared with.
    assert {compared(r["text"]) for r in rows("fresh_hatexplain.csv.gz")} <= used
    texts = {name: {compared(r[column]) for r in rows(name)}
             for name, column in FRESH2_TEXTS.items()}
    for name, mine in texts.items():
        assert not mine & used, name
        others = set().union(*(t for other, t in texts.items() if other != name))
        assert not mine & others, name


def test_fresh2_wiki_comments_are_reply_length_and_labelled_once_each() -> None:
    comments = rows("fresh2_wiki_toxicity.csv.gz")
    assert Counter((r["label"], r["group"]) for r in comments) == {
        ("toxic", "identity term"): 142, ("toxic", "other"): 65,
        ("not toxic", "identity term"): 243, ("not toxic", "other"): 543}
    assert all(r["id"].isdigit() for r in comments)
    assert len({r["id"] for r in comments}) == len(comments)
    keys = [normalised(r["text"].replace("'", "")) for r in comments]
    assert all(keys) and len(set(keys)) == len(comments)
    assert all(0 < len(r["text"]) <= 500 and "`" not in r["text"] for r in comments)
    sets = bench.fresh_reply_sets(bench.FRESH2)
    assert list(sets) == ["Wikipedia talk comments"]
    kinds = Counter((part, kind) for part, kind, _, _ in sets["Wikipedia talk comments"])
    assert kinds == {(bench.FRESH2, "hostile"): 207, (bench.FRESH2, "ordinary"): 786}
    # Every file of the draw is checked here.
    assert {path.name for path in DATA.glob("fresh2_*")} == set(FRESH2_TEXTS)


def test_a_fresh2_report_names_its_draw_and_prints_no_text(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # The report's own code path on sentences written here, never on the draw's rows.
    tweets = ["Happy Easter from all of us at the Institute!",
              "Flu shots are free at the clinic this week."]
    politics = {"left": ["Senate Republicans block the Democrats' election bill"],
                "right": ["Governor concedes the primary to her challenger"]}
    replies = {"written here": [
        (bench.FRESH2, "hostile", "threat", "I will find the speaker and hurt him."),
        (bench.FRESH2, "ordinary", "question", "When do abstracts for the meeting close?")]}
    asked: list[str] = []

    def given(value: object) -> Callable[[str], object]:
        def read(draw: str) -> object:
            asked.append(draw)
            return value
        return read

    monkeypatch.setattr(bench, "fresh_health_tweets", given(tweets))
    monkeypatch.setattr(bench, "fresh_politics", given(politics))
    monkeypatch.setattr(bench, "fresh_reply_sets", given(replies))
    bench.report_fresh(bench.FRESH2)
    out = capsys.readouterr().out
    assert set(asked) == {bench.FRESH2}
    assert "fresh2 sets (bench/data/fresh2_*" in out
    assert "health-news tweets, fresh2 (fresh2, 2): flagged raw" in out
    assert "AllSides politics headlines, fresh2 (fresh2, 2): politics recall" in out
    assert "AllSides politics headlines, left outlets, fresh2 (fresh2, 1)" in out
    assert "precision with the fresh2 health-news tweets of that half" in out
    assert "written here (fresh2): hostile recall" in out
    assert "words matched" not in out and "missed" not in out
    texts = tweets + [t for ts in politics.values() for t in ts]
    for text in texts + [r[3] for r in replies["written here"]]:
        assert text not in out
    for word in ("easter", "flu", "hurt", "abstracts", "senate", "governor"):
        assert word not in out.lower()
