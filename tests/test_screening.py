"""The policy screen: each category with examples that must be found and look-alikes that
must not (the traps: society vocabulary that looks political, disguised vulgarity, sponsor
thanks against order links, numbers that are not phone numbers)."""

from __future__ import annotations

import datetime as dt

import pytest

from inmm_tui.screening import ScreenContext, looks_like_question, screen

TODAY = dt.date(2026, 3, 1)
SIGNED = " https://inmm.org/news ^JS"


def categories(text: str, **context: object) -> set[str]:
    context.setdefault("today", TODAY)
    return screen(text, ScreenContext(**context)).categories  # type: ignore[arg-type]


def spans(text: str, category: str, **context: object) -> list[str]:
    context.setdefault("today", TODAY)
    result = screen(text, ScreenContext(**context))  # type: ignore[arg-type]
    return [text[f.span[0]:f.span[1]] for f in result.findings if f.category == category]


@pytest.mark.parametrize("text", [
    "Vote Republican in November to protect the industry!",
    "The Democrats' energy bill is a disaster.",
    "Pray for our members this Easter.",
    "Election day is Tuesday: make your voice heard.",
    "God bless America and our workforce!",
    "Impeach the president before the budget is cut!",
    "Support the pro-life movement this Sunday.",
])
def test_politics_and_religion_are_found(text: str) -> None:
    assert "politics_religion" in categories(text + SIGNED)


@pytest.mark.parametrize("text", [
    "Voting in the INMM election for Vice President closes Friday.",
    "The INMM elections committee announces the results.",
    "Policy dialogue is part of our mission: join the panel.",
    "Congress passed the appropriations bill; read our nonpartisan summary.",
    "Use the spray booth safely.",  # "pray" inside another word
    "Dr. Karen Christiansen joins the Christian Doppler Laboratory.",  # allow-listed names
    "Results of the Northeast Chapter election are posted.",
    "The campaign for nuclear-free zones was discussed at the NPT Review Conference.",
])
def test_society_vocabulary_is_not_politics(text: str) -> None:
    assert "politics_religion" not in categories(text + SIGNED)


@pytest.mark.parametrize(("text", "found"), [
    ("What a sh1t show the demo was.", "sh1t"),
    ("This rule is f***ing ridiculous.", "f***ing"),
    ("Those b!tches stole our idea.", "b!tches"),
    ("Don't be an a s s h o l e, renew today.", "a s s h o l e"),
    ("Total bull shit from the vendor.", "bull shit"),
    ("Damn, the meeting sold out!", "Damn"),
    ("f.u.c.k this", "f.u.c.k"),
    ("Those idiots at the lab.", "idiots"),
])
def test_vulgarity_is_found_through_disguises(text: str, found: str) -> None:
    assert found in spans(text + SIGNED, "vulgar_discriminatory")


@pytest.mark.parametrize("text", [
    "Penetration testing of access control systems: register today.",
    "Understanding the kill chain of a sabotage attack helps detection.",
    "Radiation basics: what is organ dose and effective dose?",
    "Weapons-grade plutonium disposition options, and assault on facility security.",
    "Enrichment plants, hot cells and destructive analysis of spent fuel.",
    "Dr. Wang and Dr. Dick Smith presented; a flange and a screw pump failed.",
    "The scunthorpe problem: class, assessment, Hancock, Cockcroft-Walton, Sussex.",
    "Magna cum laude graduates of the Anal. Chem. program; gonad dose limits.",
    "The nuclear renaissance: 1,100 members and 45 chapters. F-35, B-52, U-235.",
    "Boost our toots! We assess spacing in Room XXX; x**2 is not x*x.",
])
def test_professional_vocabulary_is_not_vulgar(text: str) -> None:
    assert "vulgar_discriminatory" not in categories(text + SIGNED)


@pytest.mark.parametrize("text", [
    "I know where you live and I'm coming for you.",
    "Someone should kill the speaker.",
    "Go back to your country, foreigners ruin everything.",
    "Women just aren't cut out for reactor physics.",
    "Shut up you stupid moron.",
])
def test_threats_harassment_discrimination_in_replies(text: str) -> None:
    assert "vulgar_discriminatory" in categories(text, direction="incoming")


def test_allowed_phrase_inside_a_flagged_one() -> None:
    assert "vulgar_discriminatory" in categories("Shut up.", direction="incoming")
    assert "vulgar_discriminatory" not in categories("We shut up shop at 5 pm today.",
                                                     direction="incoming")


def test_long_numbers_that_fail_the_card_checksum_are_not_cards() -> None:
    assert "personal_info" in categories("Card 4111 1111 1111 1111 charged.", direction="incoming")
    assert "personal_info" not in categories("Lab record 4111 1111 1111 1112 archived.",
                                             direction="incoming")


def test_sponsor_thanks_from_hq_is_allowed_but_not_from_others() -> None:
    text = ("Thank you to our 2026 Annual Meeting sponsors, Mirion and ORTEC! "
            "https://www.mirion.com ^HQ")
    assert categories(text, hq_author=True) == set()
    assert "advertising" in categories(text, hq_author=False)


def test_order_links_are_refused_even_from_hq() -> None:
    for url in ("https://www.mirion.com/checkout", "https://shop.mirion.com/products/falcon",
                "https://www.bwxt.com/shop/cart", "https://vendor.example.com/p?add-to-cart=12"):
        text = f"Thanks to sponsor Mirion! {url} ^HQ"
        assert spans(text, "transactional_link", hq_author=True) == [url], url


def test_links_that_are_not_transactional() -> None:
    for url in ("https://inmm.org/store/proceedings", "https://www.mirion.com/about",
                "https://www.iaea.org/topics/safeguards", "https://example.com/ordering-of-events"):
        assert "transactional_link" not in categories(f"Read more: {url} ^HQ", hq_author=True), url


@pytest.mark.parametrize("text", [
    "Buy the new detector at 20% off this week only!",
    "Limited time offer: use promo code INMM50.",
    "Cheapest prices on lead shielding, free shipping!",
])
def test_for_profit_advertising_is_found(text: str) -> None:
    assert "advertising" in categories(text + " ^JS")


def test_society_offers_are_not_for_profit_advertising() -> None:
    text = "Early-bird: 20% off registration this week only! https://inmm.org/annual-meeting ^JS"
    assert "advertising" not in categories(text)


@pytest.mark.parametrize("text", [
    "Here is the full text of the ASTM standard to download.",
    "Reposting the full article below since it's behind a paywall.",
    "Get the textbook free via this torrent.",
])
def test_copyright(text: str) -> None:
    assert "copyright" in categories(text + SIGNED)


def test_citing_and_linking_is_not_copyright() -> None:
    assert "copyright" not in categories("Read the open-access paper in JNMM." + SIGNED)


@pytest.mark.parametrize(("text", "found"), [
    ("Write to jane.doe@gmail.com for details.", "jane.doe@gmail.com"),
    ("Call Bob on his cell at (865) 555-0142.", "(865) 555-0142"),
    ("Our desk in London: +44 20 7946 0958.", "+44 20 7946 0958"),
    ("He lives at 1234 Oak Street, Knoxville.", "1234 Oak Street"),
    ("Send the SSN 123-45-6789 to HQ.", "123-45-6789"),
    ("Card 4111 1111 1111 1111 was charged.", "4111 1111 1111 1111"),
])
def test_personal_information(text: str, found: str) -> None:
    assert found in spans(text + SIGNED, "personal_info")


@pytest.mark.parametrize("text", [
    "Session 3B moved to Room 120 at 10:45; paper 2025-0147 goes first.",
    "Proceedings ISBN 978-1-7350301-2-4 are online.",
    "Membership grew to 1,100 in 2024 and 2,000 attendees are expected.",
    "The Spent Fuel Seminar is January 14-16, 2027 in Arlington.",
    "Write to membership@inmm.org with questions.",
    "Booth 312 at the exhibit hall; 235U enrichment of 4.95%; 10,000 kg.",
    "Follow @INMMorg@mastodon.social for updates.",
    "Reference: NUREG-1556 Vol. 20, 10 CFR 73.55, DOI 10.1080/00295450.2021.1234567.",
])
def test_numbers_that_are_not_personal_information(text: str) -> None:
    assert "personal_info" not in categories(text + SIGNED, today=dt.date(2026, 1, 1))


def test_an_office_mailbox_is_not_personal_information() -> None:
    # A partner's press office or information desk is written to by name in our posts; a
    # person's address at the same organisation is still personal information.
    for text in ("Questions about the school? Write to info@iaea.org.",
                 "Journalists: press@ornl.gov has the photos.",
                 "Registration help: registration+inmm@esarda.eu"):
        assert "personal_info" not in categories(text + SIGNED), text
    assert "j.smith@iaea.org" in spans("Questions? Write to j.smith@iaea.org." + SIGNED,
                                        "personal_info")


@pytest.mark.parametrize("text", [
    "Fukushima radiation is secretly killing millions. Wake up, sheeple!",
    "You won't believe what this scientist did after the banquet!",
    "Everything else is Western propaganda.",
])
def test_propaganda_and_salacious(text: str) -> None:
    assert "propaganda_salacious" in categories(text + SIGNED)


def test_wake_up_call_is_not_propaganda() -> None:
    assert "propaganda_salacious" not in categories(
        "The incident was a wake-up call for security culture." + SIGNED)


def test_post_too_long_for_x_but_not_for_mastodon() -> None:
    text = "a" * 300 + SIGNED
    result = screen(text, ScreenContext(today=TODAY))
    rules = {f.rule for f in result.findings}
    assert "length.x" in rules and "length.mastodon" not in rules
    assert result.verdict == "block"
    finding = next(f for f in result.findings if f.rule == "length.x")
    assert finding.span == (280, len(text))


def test_a_long_url_counts_23() -> None:
    text = "Read it: https://inmm.org/" + "a" * 300 + " ^JS"
    assert "length" not in categories(text)


def test_announcement_is_held_to_140() -> None:
    text = "Registration is open for the Annual Meeting, with sessions on safeguards, security "\
           "and arms control; early-bird rates until May 15. https://inmm.org/am ^JS"
    assert "length" not in categories(text)
    assert "length" in categories(text, announcement=True)


def test_unsigned_post() -> None:
    assert "signature" in categories("Register now: https://inmm.org", signature="^{initials}")
    assert "signature" not in categories("Register now: https://inmm.org ^JS",
                                         signature="^{initials}")
    assert "signature" not in categories("Register now: https://inmm.org ^JS #INMM2026",
                                         signature="^{initials}")


def test_credibility_wants_a_link_or_a_call_to_action() -> None:
    assert "credibility" in categories("The meeting was nice. ^JS")
    assert "credibility" not in categories("The meeting was nice: https://inmm.org ^JS")
    assert "credibility" not in categories("Register for the meeting today. ^JS")


def test_timeliness() -> None:
    assert "timeliness" in categories("Join us on January 14, 2026. https://inmm.org")
    assert "timeliness" in categories("Join us on February 20. https://inmm.org")
    assert "timeliness" not in categories("Join us on March 20. https://inmm.org")
    # In mid-December, "January 14" without a year is next January's, not a late post;
    # "December 1" (two weeks ago, within the grace period) is late.
    december = dt.date(2026, 12, 15)
    assert "timeliness" not in categories("Save the date: January 14. https://inmm.org",
                                          today=december)
    assert "timeliness" in categories("Join us on December 1. https://inmm.org", today=december)
    assert "timeliness" in categories("See you there. https://inmm.org",
                                      event_date=dt.date(2026, 2, 1))


def test_topic() -> None:
    assert "topic" in categories("Read: https://inmm.org ^JS", topic="")
    assert "topic" in categories("Read: https://inmm.org ^JS", topic="Gossip",
                                 topics=("Awards", "Membership"))
    assert "topic" not in categories("Read: https://inmm.org ^JS", topic="Awards",
                                     topics=("Awards", "Membership"))


def test_incoming_replies_skip_the_rules_for_our_own_posts() -> None:
    text = "when is the deadline " + "x" * 600
    assert categories(text, direction="incoming", signature="^{initials}", topic="") == set()


def test_verdict_is_the_worst_severity_and_spans_point_at_the_text() -> None:
    text = "Vote Republican! Call (865) 555-0142. https://inmm.org ^JS"
    result = screen(text, ScreenContext(today=TODAY))
    assert result.verdict == "block"  # inappropriate topics and personal information block
    assert [text[s:e] for s, e in (f.span for f in result.findings)] == [
        "Vote Republican", "(865) 555-0142"]
    assert screen("Vote Republican! https://inmm.org ^JS", ScreenContext(today=TODAY)).verdict \
        == "block"
    # a content rule alone (no topic chosen) only warns
    assert screen("Register: https://inmm.org ^JS", ScreenContext(today=TODAY, topic="")).verdict \
        == "warn"
    assert screen("Register: https://inmm.org ^JS", ScreenContext(today=TODAY)).verdict == "pass"


def test_words_inside_links_are_not_words_of_the_post() -> None:
    assert categories("Slides: https://inmm.org/church-rock-uranium-mill-sh1t.pdf ^JS") == set()


@pytest.mark.parametrize(("text", "expected"), [
    ("@INMMorg When is the abstract deadline?", True),
    ("@INMMorg how do I renew my membership", True),
    ("Is the recording available", True),
    ("@INMMorg great session today, thanks!", False),
    ("See https://inmm.org/faq?q=1 for details", False),
])
def test_looks_like_question(text: str, expected: bool) -> None:
    assert looks_like_question(text) is expected


def test_a_news_headline_in_a_link_is_not_an_order_page() -> None:
    # Article addresses carry their headline: "order", "buy" and "shop" there are words of
    # the story (an executive order, a takeover bid), not an order page.
    for url in ("https://www.world-nuclear-news.org/articles/court-order-halts-plant-construction-in-ohio",
                "https://online.wsj.com/articles/becton-dickinson-to-buy-carefusion-for-12-billion-1412542363",
                "https://www.cbc.ca/news/world/liberia-extends-stay-home-order-for-civil-servants-1.2752289"):
        assert "transactional_link" not in categories(f"Read more: {url} ^HQ", hq_author=True), url
    for url in ("https://vendor.example.com/buy-now", "https://vendor.example.com/order.html",
                "https://vendor.example.com/detectors/falcon-5000/add-to-cart"):
        assert spans(f"Thanks to sponsor Mirion! {url} ^HQ", "transactional_link",
                     hq_author=True) == [url], url
