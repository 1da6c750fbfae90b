"""Issue 15, outgoing posts, fifth pass: two tiers of politics. A post that names politics
as news (a politician by name or title, a party or the White House as the actor, an
election, abortion as a health topic, an office holder acting) is a warning: the clearer
judges whether it is "related to politics". A post that takes a side (a call to vote,
blame, partisan speech, worship) blocks: the Subcommittee Chair's override. Also the
society's news and advice that the reply rules read as abuse (outgoing posts only)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from inmm_tui.domain import audit
from inmm_tui.domain.errors import NotAuthorised
from inmm_tui.domain.services import Services
from inmm_tui.screening import ScreenContext, Screening, default_rules, screen
from inmm_tui.screening.rules import load_rules

TODAY = dt.date(2026, 3, 1)
SIGNED = " https://inmm.org/news ^JS"
# A link that is not the society's: advertising is looked for only then.
SHARED = " https://example.org/story ^JS"
POLICY = Path(__file__).resolve().parent.parent / "config" / "policy.toml"


def outgoing(text: str, **kwargs: object) -> Screening:
    return screen(text + SIGNED, ScreenContext(today=TODAY, **kwargs))  # type: ignore[arg-type]


def politics(result: Screening) -> set[str]:
    return {f.rule for f in result.findings if f.category == "politics_religion"}


MENTIONS = [
    # A politician by name or by title.
    ("Obama to defend the health law as an economic benefit.", "politics_religion.politician"),
    ("Gov. Gavin Newsom signs the state's new vaccine bill.", "politics_religion.politician"),
    # A party, the White House as the actor.
    ("GOP lawmakers demand data from groups that got navigator grants.",
     "politics_religion.mention"),
    ("Republicans push a bill to cap insulin prices.", "politics_religion.mention"),
    ("The White House takes a drop-everything approach to the outbreak.",
     "politics_religion.mention"),
    # Abortion and Planned Parenthood as health topics; a public election as news.
    ("Texas resumes its efforts at abortion restrictions.", "politics_religion.mention"),
    ("Planned Parenthood clinics report a rise in testing.", "politics_religion.mention"),
    ("What the election result means for the state's Medicaid expansion.",
     "politics_religion.mention"),
    ("The far-right's new campaign worries public health officials.",
     "politics_religion.mention"),
    # An office holder acting in news (an office and an agenda term, nothing more).
    ("The governor has vetoed part of the state budget on Medicaid.",
     "politics_religion.mention"),
]


@pytest.mark.parametrize(("text", "rule"), MENTIONS)
def test_politics_named_as_news_is_a_warning_for_the_clearer(text: str, rule: str) -> None:
    result = outgoing(text)
    assert politics(result) == {rule}
    assert result.verdict == "warn"


@pytest.mark.parametrize("text", [
    # Partisan opinion, a call to vote, a slogan, partisan speech.
    "The Senate vote was a disgrace, vote them out!",
    "Vote Democrat",
    "Vote Republican in November.",
    "Repeal Obamacare now, before it is too late!",
    "Our country deserves leaders who will fight for lower taxes.",
    # A politician named AND a side taken: the side decides.
    "Gov. Newsom is a disgrace, vote him out!",
    # Blame of a party or a politician by name, as of an office.
    "Republicans are a disgrace.",
    "Romney is a liar and a crook.",
    # Worship and calls to it.
    "Repent, and come worship with us this Sunday.",
    "Praise the Lord and join us in worship.",
    "Accept Jesus as your Saviour today.",
])
def test_a_side_taken_blocks(text: str) -> None:
    rules = default_rules()
    result = outgoing(text)
    assert result.verdict == "block"
    assert any(f.category == "politics_religion"
               and rules.severity_of(f.rule, f.category) == "block" for f in result.findings)


def test_a_party_inside_a_call_to_vote_is_one_finding() -> None:
    result = outgoing("Vote Republican in November.")
    assert [(f.rule, f.span) for f in result.findings if f.category == "politics_religion"] \
        == [("politics_religion.phrase", (0, 15))]


def test_the_subcommittee_sets_a_mention_back_to_block_with_one_line(tmp_path: Path) -> None:
    text = POLICY.read_text(encoding="utf-8")
    for rule in ("politician", "mention"):
        line = f'"politics_religion.{rule}" = "warn"'
        assert line in text
        text = text.replace(line, f'"politics_religion.{rule}" = "block"', 1)
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    rules = load_rules(path)
    for example, _ in MENTIONS:
        assert outgoing(example, rules=rules).verdict == "block", example


def test_a_politician_named_is_cleared_without_the_chair_and_the_warning_is_kept(
        roster: Services) -> None:
    """The clearer sees the warning (kept with the post, with its severity) and decides;
    the Chair's override is for a side taken."""
    s = roster
    named = "Obama to defend the health law as an economic benefit: https://inmm.org/news"
    post_id = s.posts.create_draft("alice", named, topic="Annual Meeting")
    s.posts.submit("alice", post_id)
    post = s.posts.get(post_id)
    assert post.screening_verdict == "warn"
    warned = [f for f in post.screening if f["category"] == "politics_religion"]
    assert [(f["rule"], f["severity"]) for f in warned] == [
        ("politics_religion.politician", "warn")]
    assert s.posts.clear("bob", post_id).status == "cleared"
    # A side taken still needs the Subcommittee Chair.
    side = "The Senate vote was a disgrace, vote them out! https://inmm.org/news"
    blocked = s.posts.create_draft("alice", side, topic="Annual Meeting")
    s.posts.submit("alice", blocked)
    assert s.posts.get(blocked).screening_verdict == "block"
    with pytest.raises(NotAuthorised):
        s.posts.clear("bob", blocked)
    assert audit.history(s.db.conn, f"post:{blocked}")[-1]["action"] == "post.refused"


@pytest.mark.parametrize(("text", "category"), [
    # A belief reported of someone else, and the reader's own weariness of a thing.
    ("Does your daughter think she's fat? 9 ways to respond.", "harassment"),
    ("9 things to say if your daughter thinks she's fat.", "harassment"),
    ("Banana brownies, for when you're sick of banana bread.", "harassment"),
    # One person's story, reported.
    ("Lawsuit: man says his knee was ruined by a botched operation.", "discrimination"),
    # The drug's "shoot up".
    ("Addicts shoot up in a supervised site in Canada.", "threat"),
    # A cover-up reported, quoted or alleged, and consumer advice.
    ("Hospital mistakes cover-up fears.", "propaganda_salacious"),
    ("Health official cleared over 'cover-up'.", "propaganda_salacious"),
    ("Looking for coverage? Officials say shop around to find the best deals.",
     "advertising"),
])
def test_news_and_advice_the_reply_rules_misread(text: str, category: str) -> None:
    assert category not in screen(text + SHARED, ScreenContext(today=TODAY)).categories


@pytest.mark.parametrize(("text", "category"), [
    # The same words said by the author, or in a reply, are still found.
    ("I think he's a useless chair.", "harassment"),
    ("I will shoot up the venue.", "threat"),
    ("Women are not suited to nuclear engineering.", "discrimination"),
    ("This is a cover-up!", "propaganda_salacious"),
    ("Best deals on detectors this week.", "advertising"),
])
def test_what_stays_found_in_outgoing_posts(text: str, category: str) -> None:
    assert category in screen(text + SHARED, ScreenContext(today=TODAY)).categories


@pytest.mark.parametrize(("text", "category"), [
    ("Does your daughter think she's fat?", "harassment"),
    ("For when you're sick of banana bread.", "harassment"),
    ("Lawsuit: man says his knee was ruined by a botched operation.", "discrimination"),
    ("Addicts shoot up in a supervised site.", "threat"),
])
def test_replies_are_screened_as_before(text: str, category: str) -> None:
    """The outgoing exceptions leave the moderation queue's screen alone."""
    result = screen(text, ScreenContext(direction="incoming", today=TODAY))
    assert category in result.categories
