"""Issue 15, outgoing posts, fourth pass: what the vendored public news showed (bench/data/:
health-news tweets, HuffPost headlines). Public programmes, immigrants and plain health words
are not politics or vulgarity; a politician named with the office's title is politics."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from inmm_tui.screening import ScreenContext, screen
from inmm_tui.screening.rules import load_rules

TODAY = dt.date(2026, 3, 1)
SIGNED = " https://inmm.org/news ^JS"


def categories(text: str) -> set[str]:
    return screen(text + SIGNED, ScreenContext(today=TODAY)).categories


@pytest.mark.parametrize("text", [
    # Public programmes, named by news and by members.
    "Medicare Part B premium increase lower than expected.",
    "Average Obamacare premiums will be lower than projected.",
    "Some clinics are turning to billing Medicaid in a bid to keep patients.",
    "What the Affordable Care Act means for early-career members' insurance.",
    "Hey, if your parent over age 65 gets food stamps, we want to talk to you.",
    # Immigrants are people; news about them is not politics.
    "Immigrants give more to Medicare than they receive, a study finds.",
    "My story on fear of Ebola in West African immigrant communities around the U.S.",
    # An organisation's own vote.
    "Pivotal union election moves ahead at the warehouse.",
    # A title that is not a politician's.
    "Delegates from the Rep. of Korea joined the safeguards session.",
    "Pictured on the far right: Dr. Ana Ruiz, our new chapter chair.",
])
def test_news_words_that_are_not_politics(text: str) -> None:
    assert "politics_religion" not in categories(text)


@pytest.mark.parametrize("text", [
    # The partisan fight over a programme, and stances on immigrants, stay politics.
    "Repeal Obamacare now, before it is too late!",
    "Obamacare is a disgrace.",
    "Medicare for All is the only answer.",
    "We should not let immigrants anywhere near the plant.",
    # A politician named with the office's title.
    "California Gov. Gavin Newsom defends fancy wine caves.",
    "Rep. Adam Kinzinger considers an assault weapon ban.",
    "Colorado Senator Slams Ted Cruz On Chamber Floor",
    "Sen. Ron Johnson sees no reason for mass vaccination.",
    # Politics named by its own words.
    "Arkansas gets permission to enforce its voter ID law.",
    "Marines investigating an avowed white supremacist on active duty.",
    "Charles Herbster loses the Nebraska gubernatorial race.",
    "Pentagon chief during the Capitol riot defends the response.",
    "Books are the latest casualty of the culture war.",
])
def test_politics_the_news_showed(text: str) -> None:
    assert "politics_religion" in categories(text)


def test_a_senator_at_a_nonproliferation_meeting_is_the_remit() -> None:
    assert "politics_religion" not in categories(
        "Former Senator Sam Nunn opens our nonproliferation workshop.")
    assert "politics_religion" in categories("Former Senator Sam Nunn opens our workshop.")


@pytest.mark.parametrize("text", [
    "How a pandemic affects your poop, and what to do about it.",
    "Enjoy inflicting pain? You may be an everyday sadist, a study says.",
    "An editorial argues that pedophilia is a disorder, not a crime.",
    "A school programme treats parasitic worms; a calf feeds at the teat.",
    "The gross reason to choose your exercise undies wisely.",
])
def test_plain_health_words_are_not_vulgar(text: str) -> None:
    assert "vulgar_discriminatory" not in categories(text)


def test_politician_titles_are_the_subcommittee_s_to_edit(tmp_path: Path) -> None:
    source = Path(__file__).resolve().parent.parent / "config" / "policy.toml"
    edited = source.read_text(encoding="utf-8").replace(
        'politician_titles = ["Sen.",', 'politician_titles = ["Mayor", "Sen.",', 1)
    path = tmp_path / "policy.toml"
    path.write_text(edited, encoding="utf-8")
    rules = load_rules(path)
    text = "Mayor Eric Adams opens the new bike lane."
    assert "politics_religion" not in screen(text, ScreenContext(today=TODAY)).categories
    assert "politics_religion" in screen(
        text, ScreenContext(today=TODAY, rules=rules)).categories


def test_a_politician_named_has_its_own_rule_and_severity(tmp_path: Path) -> None:
    """A politician named is a warning by default (issue 15, fifth pass: the clearer
    judges); the Subcommittee sets it back to a block with one line of [severity]."""
    source = Path(__file__).resolve().parent.parent / "config" / "policy.toml"
    edited = source.read_text(encoding="utf-8").replace(
        '"politics_religion.politician" = "warn"', '"politics_religion.politician" = "block"', 1)
    path = tmp_path / "policy.toml"
    path.write_text(edited, encoding="utf-8")
    rules = load_rules(path)

    def verdict(text: str, **kwargs: object) -> str:
        return screen(text, ScreenContext(today=TODAY, **kwargs)).verdict  # type: ignore[arg-type]

    named = "Obama to defend the health law as an economic benefit. https://inmm.org ^JS"
    assert verdict(named) == "warn"
    assert verdict(named, rules=rules) == "block"
    assert verdict("Gov. Gavin Newsom defends fancy wine caves. https://inmm.org ^JS",
                   rules=rules) == "block"
    # The party and partisan causes block either way.
    assert verdict("Vote Republican in November.") == "block"
