"""Issue 15: screening on real text. Each example of the issue: legitimate posts that were
blocked, violations that were missed, and hostile replies that passed."""

from __future__ import annotations

import datetime as dt

import pytest

from inmm_tui.screening import ScreenContext, screen, weighted_length

TODAY = dt.date(2026, 3, 1)
SIGNED = " https://inmm.org/news ^JS"


def categories(text: str, **context: object) -> set[str]:
    context.setdefault("today", TODAY)
    return screen(text, ScreenContext(**context)).categories  # type: ignore[arg-type]


# ----- outgoing: legitimate posts that were blocked ------------------------------------

@pytest.mark.parametrize("text", [
    "Congratulations to Dr. Christian Meyer, recipient of the INMM Distinguished Service Award!",
    "Welcome Dr. Jesus Rodriguez, our new Technical Program Chair!",
    "Christian Meyer receives the Meritorious Service Award.",
    "Congratulations to Faith Okafor and Mercy Adeyemi, this year's student paper winners!",
    "Happy Easter from all of us at INMM!",
    "IAEA elections: the Board of Governors elected its new chair.",
    "The NPT party states meet in New York for the treaty review.",
    "The IAEA Board vote on the safeguards resolution passed 30-2.",
    "States parties to the NPT open the Review Conference; our members report from the floor.",
    "Congress passed the appropriations bill; read our nonpartisan summary.",
])
def test_names_greetings_and_nuclear_governance_are_not_politics_or_religion(text: str) -> None:
    assert categories(text + SIGNED) & {"politics_religion", "vulgar_discriminatory"} == set()


def test_religious_words_that_are_not_names_are_still_found() -> None:
    assert "politics_religion" in categories("Jesus Christ is the light of the world." + SIGNED)
    assert "politics_religion" in categories("Christian values belong in our work." + SIGNED)
    assert "politics_religion" in categories("Pray for our members this Easter." + SIGNED)
    assert "politics_religion" in categories("Blessed Ramadan to all our Muslim members." + SIGNED)


def test_our_own_committees_are_not_sponsors() -> None:
    text = "The student mixer is sponsored by our Diversity committee. Join us!" + SIGNED
    assert "advertising" not in categories(text)
    # A company is still a sponsor that only HQ acknowledges.
    assert "advertising" in categories("The student mixer is sponsored by Mirion. Join us!"
                                       + SIGNED)


def test_product_pages_are_not_order_links_unless_the_post_sells() -> None:
    page = "https://www.example-lab.com/products/he3-counter"
    assert "transactional_link" not in categories(f"New detector specifications: {page} ^JS")
    assert "transactional_link" in categories(f"Save 30% this month, order at {page} ^JS")


# ----- outgoing: violations that were missed --------------------------------------------

def test_partisan_opinion_without_a_party_name() -> None:
    assert "politics_religion" in categories("The Senate vote was a disgrace, vote them out! ^JS")
    assert "politics_religion" in categories(
        "The governor is a disgrace to the state." + SIGNED)


def test_us_numbers_without_a_country_code() -> None:
    assert "personal_info" in categories("Call Pat at 555-867-5309 for details." + SIGNED)
    assert "personal_info" in categories("Call Pat at (865) 574-1000 for details." + SIGNED)
    assert "personal_info" not in categories("Report LA-UR-15-867-5309 is out." + SIGNED)


def test_a_past_date_followed_by_a_colon() -> None:
    text = "Submit abstracts by January 15, 2026: https://inmm.org/am ^JS"
    # 137 days after the date: a year-less reading would take it for next January.
    assert "timeliness" in categories(text, today=dt.date(2026, 6, 1))
    assert "timeliness" not in categories("Doors open May 5, 2026 10:30 am." + SIGNED,
                                          today=dt.date(2026, 5, 1))


@pytest.mark.parametrize("word", ["yesterday", "last week", "this morning", "tonight"])
def test_relative_dates_in_a_post_scheduled_for_later(word: str) -> None:
    text = f"Our panel {word} on safeguards drew 200 attendees." + SIGNED
    later = dt.date(2026, 3, 4)
    assert "timeliness" in categories(text, publish_on=later)
    assert "timeliness" not in categories(text, publish_on=TODAY)
    assert "timeliness" not in categories(text)


def test_empty_text_and_control_characters() -> None:
    assert screen("", ScreenContext(today=TODAY)).verdict == "block"
    assert "text_form" in categories("  \n")
    assert "text_form" in categories("Register now\u202e! https://inmm.org ^JS")
    assert "text_form" in categories("Register now\x07 https://inmm.org ^JS")
    assert "text_form" in categories("ok\u2066hidden\u2069", direction="incoming")
    # An empty reply (a picture alone) is not questionable.
    assert "text_form" not in categories("", direction="incoming")
    assert "text_form" not in categories("Line one\nline two\ttab" + SIGNED)


# ----- incoming: hostile replies that passed ---------------------------------------------

@pytest.mark.parametrize(("text", "category"), [
    ("I will find the speaker after the session and hurt him", "threat"),
    ("Someone should burn down the convention center before the meeting", "threat"),
    ("the president is a liar and a fraud", "accusation"),
    ("its treasurer steals member dues", "accusation"),
    ("Women are not suited to nuclear engineering", "discrimination"),
    ("go back to your own country", "discrimination"),
    ("useless, incompetent people", "harassment"),
    ("Get 10,000 followers fast! Cheap followers at http://followers.example", "spam"),
    ("Double your bitcoin in 24 hours! Send BTC to my wallet", "spam"),
])
def test_hostile_replies_are_questionable(text: str, category: str) -> None:
    result = screen(text, ScreenContext(direction="incoming", today=TODAY))
    assert category in result.categories
    assert result.verdict != "pass"


@pytest.mark.parametrize("text", [
    "Thanks for the great webinar!",
    "When is the abstract deadline?",
    "The chart in slide 4 has the wrong units, it should be kg not g.",
    "I disagree with the panel's conclusion; the data on slide 3 do not support it.",
    "The registration page was useless for people outside the US, please fix it.",
    "Kill the subprocess if it hangs.",
    "Stolen nuclear material is the threat this course is about.",
])
def test_ordinary_replies_pass(text: str) -> None:
    assert screen(text, ScreenContext(direction="incoming", today=TODAY)).verdict == "pass"


def test_incoming_screen_of_the_moderation_queue_sees_the_new_categories(tmp_path) -> None:
    import dataclasses

    from inmm_tui.config import embedded_default
    from inmm_tui.domain.moderation import default_incoming_screen

    config = dataclasses.replace(embedded_default(), path=tmp_path / "inmm.toml")
    verdict = default_incoming_screen(config)("its treasurer steals member dues", "x")
    assert verdict.verdict == "warn"
    assert {f["category"] for f in verdict.findings} == {"accusation"}


@pytest.mark.parametrize("text", [
    "Caf\u00e9 na\u00efve r\u00e9sum\u00e9 \u00c5ngstr\u00f6m, \u0395\u03bb\u03bb\u03ac\u03b4\u03b1, "
    "\u041c\u043e\u0441\u043a\u0432\u0430 https://inmm.org/\u00e9t\u00e9 end",
    "decomposed e\u0301 and a\u0308 https://example.com/x",
    "copyright \u00a9 and \u00ae stay with the library",
    "Z\u00fcrich " * 50,
])
def test_x_length_shortcut_for_accented_text_agrees_with_twitter_text(text: str) -> None:
    from twitter_text import parse_tweet

    assert weighted_length(text, "x") == parse_tweet(text).weightedLength
    # Where the text stops fitting, as the screen reports it, agrees too.
    result = screen(text, ScreenContext(today=TODAY, apis=("x",)))
    overflow = [f.span[0] for f in result.findings if f.rule == "length.x"]
    fits = parse_tweet(text).validRangeEnd + 1
    assert overflow == ([] if weighted_length(text, "x") <= 280 else [fits])


@pytest.mark.parametrize("text", [
    "emoji \U0001F637\U0001F469\u200d\U0001F52C\U0001F1FA\U0001F1F8 and \u00a9 \u00ae " * 12,
    "\u65e5\u672c\u8a9e " * 70,
    "keycap #\ufe0f\u20e3 and \u203c " + "x" * 270,
    "\U0001F44F\U0001F3FD" * 139 + " ok",
])
def test_x_fit_bound_never_passes_text_that_does_not_fit(text: str) -> None:
    from twitter_text import parse_tweet

    from inmm_tui.screening.length import x_fits

    for limit in (140, 279, 280, 281):
        assert x_fits(text, limit) == (parse_tweet(text).weightedLength <= limit), limit


def test_word_gates_never_change_a_result() -> None:
    """The gates only skip lists that cannot match: the labelled set and the examples above
    screen the same with the gates removed."""
    import dataclasses
    import json
    from pathlib import Path

    from inmm_tui.screening import default_rules

    rules = default_rules()
    ungated = dataclasses.replace(rules, sections={
        name: dataclasses.replace(section, terms_gate=None, near_gate=None, with_gate=None)
        for name, section in rules.sections.items()})
    data = Path(__file__).parent / "data"
    texts = [json.loads(line)["text"]
             for name in ("screening_labelled.jsonl", "screening_replies.jsonl")
             for line in (data / name).read_text().splitlines() if line.strip()]
    texts += ["Trump's plan", "re-election of the Tories", "you\u2019re dead", "Aren't women",
              "'you're dead'", "anti-Trump", "-women aren't cut out"]
    for text in texts:
        for direction in ("outgoing", "incoming"):
            gated = screen(text, ScreenContext(direction=direction, today=TODAY, rules=rules))
            plain = screen(text, ScreenContext(direction=direction, today=TODAY, rules=ungated))
            assert gated == plain, text


@pytest.mark.parametrize("text", [
    "We will beat last year's attendance record! Register now.",
    "Make sure you burn the date into memory: June 3!",
    "Our panel asks how insiders steal nuclear material, and how to stop them.",
    "She received the Fellow award for her work on safeguards.",
    "Women in Nuclear breakfast at 7 am: women engineers share their careers.",
    "Senators visited the Y-12 site this week to learn about safeguards.",
])
def test_society_posts_with_words_the_reply_rules_use(text: str) -> None:
    assert categories(text + SIGNED) & {"threat", "harassment", "discrimination",
                                         "accusation", "spam", "politics_religion"} == set()
