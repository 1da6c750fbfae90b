"""Issue 15, outgoing posts: an endorsement (or an attack) of a candidate by name is a side
taken and blocks, even without a word of blame or praise ("I want Barack Obama to be the
next president", "Jane Doe for Governor 2028"). The society's own elections and officers,
news of an election's result and people named in a text of the society's remit are not
endorsements."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from inmm_tui.screening import ScreenContext, Screening, default_rules, screen
from inmm_tui.screening.rules import Rules, load_rules

TODAY = dt.date(2026, 3, 1)
SIGNED = " https://inmm.org/news ^JS"
POLICY = Path(__file__).resolve().parent.parent / "config" / "policy.toml"
RULE = "politics_religion.endorsement"


def outgoing(text: str, rules: Rules | None = None) -> Screening:
    return screen(text + SIGNED, ScreenContext(today=TODAY, rules=rules))


def blocking_politics(result: Screening, rules: Rules | None = None) -> set[str]:
    rules = rules or default_rules()
    return {f.rule for f in result.findings if f.category == "politics_religion"
            and rules.severity_of(f.rule, f.category) == "block"}


# (post, the act of support the finding spans)
ENDORSEMENTS = [
    # The examples.
    ("I want Barack Obama to be the next president", "Barack Obama to be the next president"),
    ("Reelect Senator Smith.", "Reelect Senator Smith"),
    ("Jane Doe for Governor 2028", "Jane Doe for Governor 2028"),
    ("Proud to support Mike Pence's campaign", "support Mike Pence's campaign"),
    ("Donate to the Harris campaign today", "Donate to the Harris campaign"),
    # A politician (listed, by a listed one's surname, or after an office's title) with
    # an act of support of the candidacy; an attack is a side taken too.
    ("Harris for President 2024!", "Harris for President 2024"),
    ("Kamala Harris for President!", "Kamala Harris for President"),
    ("Support Pence for president.", "Support Pence for president"),
    ("We endorse Gov. Newsom for Senate.", "Gov. Newsom for Senate"),
    ("Back Senator Warren's campaign today.", "Back Senator Warren's campaign"),
    ("Vote for Obama.", "Vote for Obama"),
    ("Vote against Sen. Cruz in November.", "Vote against Sen. Cruz"),
    ("Help re-elect Senator Smith!", "re-elect Senator Smith"),
    ("Biden 2024!", "Biden 2024"),
    ("#Trump2028", "#Trump2028"),
    ("I am proud to support Donald Trump, the right leader for our time.",
     "proud to support Donald Trump"),
    # Any full name with an office only public life has.
    ("We want Jane Doe to be the next governor of Ohio.", "Jane Doe to be the next governor"),
    ("I am a supporter of the next President of the United States, Donald J. Trump!",
     "the next President of the United States, Donald J. Trump"),
    ("Elect Jane Doe for Mayor!", "Elect Jane Doe for Mayor"),
    ("Jane Doe for City Council", "Jane Doe for City Council"),
    ("Support Jane Doe's campaign for Senate.", "Support Jane Doe's campaign for Senate"),
]


@pytest.mark.parametrize(("text", "act"), ENDORSEMENTS)
def test_an_endorsement_of_a_candidate_blocks(text: str, act: str) -> None:
    result = outgoing(text)
    assert result.verdict == "block"
    assert RULE in blocking_politics(result)
    found = next(f for f in result.findings if f.rule == RULE)
    assert text[found.span[0]:found.span[1]] == act
    assert act in found.message


@pytest.mark.parametrize("text", [
    # The society's own elections and officers.
    "Dr. Smith will be INMM's next president",
    "Congratulations to Dr. Jane Doe, our next president!",
    "Meet our next president, Dr. Lee, at the Annual Meeting.",
    "Meet our next president, Jane Doe, at the Annual Meeting.",
    "The chapter election: vote for our next president, Dr. Lee",
    "Vote in the INMM election by Friday",
    "Re-elect Dr. Lee as chapter chair",
    "We support Dr. Jane Doe's campaign for chapter chair.",
    "Student chapter election: Ryan for President!",
    # A surname alone may be anyone's: it needs the candidacy said outright.
    "Best student poster: vote for Ryan!",
    "Re-elect Ryan as our treasurer.",
    "Ryan for President!",
    "Ryan Jones for President of the student chapter!",
    "Nominations for President and Vice President of INMM are open.",
    "Candidates for President 2027: submit your statement by May 1.",
    # News of an election's result or of an appointment.
    "Obama re-elected as president",
    "Senator Smith, re-elected in 2024, chairs the energy committee.",
    "Trump reelected, markets react",
    "Senate confirms Jane Doe as Energy Secretary",
    "The Biden campaign released a statement on vaccines.",
    "Republicans support Trump's plan on tariffs.",
    # Headlines in title case: their capitalised words are no names.
    "Compton Mayor Aja Brown Announces Run For Congress",
    "GOP Senators Keep Voting For Trump's Judges",
    "The Kanye West And Donald Trump Lovefest Becomes 2018's Funniest Meme",
    # A person named in a text of the society's remit (nuclear governance).
    "Rafael Grossi re-elected as IAEA Director General",
    "Jane Doe elected chair of the Board of Governors",
    "Meet Jane Doe, candidate for Governor of the IAEA Board.",
    # Campaigns that are not a candidate's.
    "Join the Movember campaign for men's health.",
    "Donate to the Red Cross campaign for flood victims.",
    "Vote for your favourite paper at INMM 2026!",
])
def test_not_an_endorsement(text: str) -> None:
    result = outgoing(text)
    assert RULE not in {f.rule for f in result.findings}
    assert not blocking_politics(result)


def test_the_society_s_words_do_not_excuse_a_listed_politician() -> None:
    # A greeting (an `allow` phrase) makes a post the society's, but a listed politician
    # endorsed in it is still a side taken.
    result = outgoing("Happy Fourth of July! Vote for Trump 2024!")
    assert RULE in blocking_politics(result)


def _edited(tmp_path: Path, old: str, new: str) -> Rules:
    text = POLICY.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "policy.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return load_rules(path)


def test_the_public_offices_are_the_subcommittee_s_to_edit(tmp_path: Path) -> None:
    assert outgoing("Jane Doe for Sheriff!").verdict == "pass"
    rules = _edited(tmp_path, 'public_offices = [\n', 'public_offices = [\n  "sheriff",\n')
    assert RULE in blocking_politics(outgoing("Jane Doe for Sheriff!", rules), rules)


def test_the_subcommittee_can_make_an_endorsement_a_warning(tmp_path: Path) -> None:
    rules = _edited(tmp_path, '"politics_religion.mention" = "warn"\n',
                    '"politics_religion.mention" = "warn"\n'
                    '"politics_religion.endorsement" = "warn"\n')
    result = outgoing("Jane Doe for Governor 2028", rules)
    assert RULE in {f.rule for f in result.findings}
    assert result.verdict == "warn"
