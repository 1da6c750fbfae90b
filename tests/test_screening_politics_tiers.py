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


# ----- sixth pass: religion in two tiers, and the generic "you" of advice -----------------

FAITHS_NAMED = [
    # A faith, a church or a scripture named as news, a place or an institution.
    "Do Catholic hospitals' directives limit the options doctors present?",
    "Family that owns Hobby Lobby plans a Bible museum in Washington.",
    "Church fund chief says the pandemic will renew calls for responsible capitalism.",
    "Ramadan's end gives Muslim players a reprieve as the World Cup begins.",
    "Muslim and Jewish students side by side at the summer school.",
    # Prayer named, not made or asked of the reader: the condolence a society sends.
    "Our thoughts and prayers are with those affected by the tornadoes in Oklahoma.",
]


@pytest.mark.parametrize("text", FAITHS_NAMED)
def test_a_faith_named_as_news_is_a_warning_for_the_clearer(text: str) -> None:
    result = outgoing(text)
    assert politics(result) == {"politics_religion.mention"}
    assert result.verdict == "warn"
    assert all("religion" in f.message for f in result.findings
               if f.category == "politics_religion")


@pytest.mark.parametrize("text", [
    # Prayer made by the post or asked of the reader, a blessing, a deity invoked, worship.
    "Please pray for our colleague Dr. Ann Lee.",
    "Keep our colleague in your prayers.",
    "God bless our members.",
    "Jesus saves.",
    "He is risen!",
    "Come worship with us this Sunday.",
    "Join us for Catholic mass after the closing session.",
    # A faith's side taken in public life.
    "Christian values belong in our work.",
    "Radical Islamic terrorism must be defeated.",
])
def test_worship_prayer_asked_and_blessings_block(text: str) -> None:
    rules = default_rules()
    result = outgoing(text)
    assert result.verdict == "block"
    assert any(f.category == "politics_religion"
               and rules.severity_of(f.rule, f.category) == "block" for f in result.findings)


def test_a_name_that_is_a_faith_is_neither_mention_nor_block() -> None:
    assert politics(outgoing("Dr. Christian Meyer receives the Distinguished Service Award.")) \
        == set()


def test_a_faith_named_blocks_again_with_the_mention_line(tmp_path: Path) -> None:
    text = POLICY.read_text(encoding="utf-8").replace(
        '"politics_religion.mention" = "warn"', '"politics_religion.mention" = "block"', 1)
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    rules = load_rules(path)
    for example in FAITHS_NAMED:
        assert outgoing(example, rules=rules).verdict == "block", example


ADVICE = [
    # The generic "you" of health advice, in a question or a condition.
    ("Where does fat go when you lose weight?", "harassment"),
    ("Are you fat? A new test tells you.", "harassment"),
    ("Why you get fat when you sleep too little.", "harassment"),
    ("Do these 5 things if you #fat and want to slim down.", "harassment"),
    ("If you are lazy about exercise, try these tips.", "harassment"),
    # Self-talk, and a pair split by a sentence end.
    ("Stop calling yourself ugly: body image tips for teens.", "harassment"),
    ("Feeling useless after retirement? You are not alone.", "harassment"),
    ("Don't beat yourself up over a missed workout.", "threat"),
    # A weight-loss show, and people who lose weight.
    ("'Biggest Loser' winner says the show made her sick.", "harassment"),
    ("'Biggest Loser' winner says the show made her sick.", "vulgar_discriminatory"),
    ("Weight losers who keep it off share these habits.", "harassment"),
    ("Weight losers who keep it off share these habits.", "vulgar_discriminatory"),
]


@pytest.mark.parametrize(("text", "category"), ADVICE)
def test_health_advice_addressed_to_the_reader_is_not_abuse(text: str, category: str) -> None:
    assert category not in screen(text + SHARED, ScreenContext(today=TODAY)).categories


@pytest.mark.parametrize(("text", "category"), [
    # Said to the reader as a statement, or by the author: still found in our own posts.
    ("You are fat.", "harassment"),
    ("You're the biggest loser in this field.", "harassment"),
    ("I think you're useless.", "harassment"),
    ("I will beat you up after the meeting.", "threat"),
])
def test_insults_said_to_the_reader_stay_found(text: str, category: str) -> None:
    assert category in screen(text + SHARED, ScreenContext(today=TODAY)).categories


@pytest.mark.parametrize(("text", "category"), [
    # Hostile replies with the same words: the moderation queue's screen is unchanged.
    ("Are you fat or just stupid?", "harassment"),
    ("If you are this useless, resign.", "harassment"),
    ("Useless. You people should all resign.", "harassment"),
    ("You are fat and nobody wants you here.", "harassment"),
])
def test_hostile_replies_with_the_advice_words_still_flag(text: str, category: str) -> None:
    result = screen(text, ScreenContext(direction="incoming", today=TODAY))
    assert category in result.categories


@pytest.mark.parametrize("text", [
    "Senator calls the budget 'a disgrace' in floor speech.",
    "The Senate is 'a disgrace'. Vote accordingly.",
])
def test_blame_in_quotation_marks_still_blocks(text: str) -> None:
    # Quoting one's own blame must not turn the Chair's block into a warning.
    result = outgoing(text)
    assert "politics_religion.context" in politics(result)
    assert result.verdict == "block"


def test_a_kind_of_comedy_is_not_an_insult() -> None:
    text = "Slapstick buffoonery can tickle many a preschooler's fancy."
    assert "harassment" not in screen(text + SHARED, ScreenContext(today=TODAY)).categories
    assert "harassment" in screen("You buffoons.", ScreenContext(today=TODAY)).categories


def test_only_harassment_pairs_stop_at_a_sentence_end() -> None:
    """A prize and a number to call are a spam pair across sentences, in a post too."""
    result = screen("You have won a cash prize. Call 09061701461 to claim." + SHARED,
                    ScreenContext(today=TODAY))
    assert "spam.context" in {f.rule for f in result.findings}
