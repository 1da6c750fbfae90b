"""Issue 15, outgoing posts, seventh pass: the benign texts the screen blocked on the first
fresh draw of health-news tweets, by kind. Each fixed kind is a sentence of the same
shape written here (not the tweet); the kinds the policy rightly blocks, and the hostile
texts that share words with the fixed ones, are held to block."""

from __future__ import annotations

import datetime as dt

import pytest

from inmm_tui.screening import ScreenContext, Screening, default_rules, screen

TODAY = dt.date(2026, 3, 1)
SHARED = " https://example.org/story ^JS"


def outgoing(text: str) -> Screening:
    return screen(text + SHARED, ScreenContext(today=TODAY))


def incoming(text: str) -> Screening:
    return screen(text, ScreenContext(direction="incoming", today=TODAY, learned=False))


def blocking(result: Screening) -> set[str]:
    rules = default_rules()
    return {f.category for f in result.findings
            if rules.severity_of(f.rule, f.category) == "block"}


def politics(result: Screening) -> set[str]:
    return {f.rule for f in result.findings if f.category == "politics_religion"}


# Health news and advice that the society could share: no blocking finding.
FIXED = [
    # What a cause does to the reader: the reader as the object of "make", "keep".
    "Late-night snacking can make you fat, a new study says.",
    "Five habits that are keeping you fat.",
    # A belief reported of a child, "he or she".
    "How to talk to a teenager who thinks he or she is ugly.",
    # A kind of person as the advice's reader.
    "Ten ways to be a fitter lazy person this spring.",
    # Two clauses: "you" is not what "overpaid" is said of.
    "Did the clinic bill you after it overpaid a lab?",
    # Parasites, the organisms.
    "Mind-altering parasites are fascinating, says our new column.",
    "Ticks+parasites=a summer of worry.",
    # A thing that can harm anyone, with "even" between.
    "Stress can make you ill and could even kill you.",
    # A survey of what a group believes of itself.
    "A third of Americans believe they can't do much to prevent diabetes.",
    # The society pointing at what it links.
    "Our webinar recordings are online. Check 'em out!",
]


@pytest.mark.parametrize("text", FIXED)
def test_health_news_of_these_shapes_does_not_block(text: str) -> None:
    assert blocking(outgoing(text)) == set()


# Politics or religion named as news: a warning for the clearer, no longer a block.
NAMED = [
    # A word among other things people do.
    "Health begins where people live, work, pray and play.",
    "Clinics serve the places where families live, learn, pray, and shop.",
    # A headline: three agenda terms, nobody speaking, nobody called.
    "State Senate rejects Medicaid expansion for veterans.",
    "Seniors wait while Congress argues over Medicare payments.",
    # A platform's word ("deficit") and another term, in a headline.
    "Hopes for a deficit deal fade as Medicare's outlook improves.",
    # Immigrants named in the words news once used.
    "Emergency Medicaid mostly serves illegal immigrants, a study finds.",
]


@pytest.mark.parametrize("text", NAMED)
def test_politics_or_religion_named_as_news_is_a_warning(text: str) -> None:
    result = outgoing(text)
    assert politics(result) == {"politics_religion.mention"}
    assert blocking(result) == set()


# What still blocks in a post: the same words said of someone, prayer asked, speech.
STILL_BLOCKED = [
    ("You are fat.", "harassment"),
    ("They are parasites.", "harassment"),
    ("Politicians are nothing but parasites.", "harassment"),
    ("You parasites!", "harassment"),
    ("A bunch of parasites runs this board.", "harassment"),
    ("You are overpaid and lazy.", "harassment"),
    ("I will kill you.", "threat"),
    ("Women can't do math.", "discrimination"),
    ("Pray, and share this with your chapter.", "politics_religion"),
    ("Please pray for our colleague.", "politics_religion"),
    ("We will fight for jobs, taxes and Medicare.", "politics_religion"),
    ("He fought for jobs, taxes and Medicare.", "politics_religion"),
    ("Congress must cut spending on jobs and Medicare.", "politics_religion"),
    ("We will cut the deficit and protect Medicare.", "politics_religion"),
    ("They doubled the deficit and gutted Medicare.", "politics_religion"),
    ("Deport illegal aliens now.", "politics_religion"),
    # A list that opens its sentence is a slogan or a call, and a word in capitals a
    # slogan's: not a word among things people do.
    ("God, guns, and MAGA!", "politics_religion"),
    ("Read, reflect, repent, and rejoice.", "politics_religion"),
    ("Work, play and pray together this Sunday at First Baptist.", "politics_religion"),
    ("Our members love hiking, fishing and MAGA rallies.", "politics_religion"),
    # A platform with no actor named is a slogan, not a headline.
    ("Lower taxes, fewer regulations, more jobs for the middle class.", "politics_religion"),
]


@pytest.mark.parametrize(("text", "category"), STILL_BLOCKED)
def test_the_same_words_said_of_someone_still_block(text: str, category: str) -> None:
    assert category in blocking(outgoing(text))


# The kinds of the fresh draw that the policy rightly blocks: a person's own e-mail
# address ("No personal information is to be shared via INMM accounts"), sexual slang
# and sexual content ("vulgar or discriminatory content"; "salacious information").
RIGHTLY_BLOCKED = [
    ("For details write to maria.lopez@example.com before Friday.", "personal_info"),
    ("RT @reporter: Please contact jlopez@example.com to help these families.",
     "personal_info"),
    ("Eight foods that are good for your boobs.", "vulgar_discriminatory"),
    ("Achieve better orgasms with these expert tips.", "vulgar_discriminatory"),
]


@pytest.mark.parametrize(("text", "category"), RIGHTLY_BLOCKED)
def test_what_the_policy_names_still_blocks(text: str, category: str) -> None:
    assert category in blocking(outgoing(text))


# Replies keep every finding: the exceptions above are for the society's own posts.
@pytest.mark.parametrize(("text", "category"), [
    ("Late-night snacking can make you fat, a new study says.", "harassment"),
    ("Mind-altering parasites are fascinating, says our new column.", "harassment"),
    ("Ten ways to be a fitter lazy person this spring.", "harassment"),
    ("Our webinar recordings are online. Check 'em out!", "spam"),
])
def test_replies_keep_these_findings(text: str, category: str) -> None:
    assert category in incoming(text).categories
