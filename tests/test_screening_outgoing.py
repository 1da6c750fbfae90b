"""Issue 15, outgoing posts: political speech without a party name, nuclear governance that
stays unflagged, names, and the plain words of health and crime news that are not vulgar."""

from __future__ import annotations

import datetime as dt

import pytest

from inmm_tui.screening import ScreenContext, screen

TODAY = dt.date(2026, 3, 1)
SIGNED = " https://inmm.org/news ^JS"


def categories(text: str) -> set[str]:
    return screen(text + SIGNED, ScreenContext(today=TODAY)).categories


@pytest.mark.parametrize("text", [
    "Our country deserves leaders who will fight for jobs and lower taxes.",
    "My opponent wants to raise your taxes again. Not on our watch!",
    "Voters are tired of politicians who forget the middle class.",
    "We will fight for jobs, health care and education for every family.",
    "Washington insiders keep spending your money. Enough.",
    "Register to vote by October 6 and make your voice heard!",
    "Join us for Catholic mass after the closing session.",
])
def test_political_and_religious_speech_without_a_party_name(text: str) -> None:
    assert "politics_religion" in categories(text)


@pytest.mark.parametrize("text", [
    # Nuclear governance is INMM's remit, even in the words of politics.
    "The US government and the IAEA signed new safeguards arrangements; our members will "
    "lead the technical work.",
    "Our country's nonproliferation leadership depends on the NPT: read our members' review.",
    "Voting in the INMM election for Vice President closes Friday.",
    "Congress passed the appropriations bill; read our nonpartisan summary.",
    # Ordinary society posts with words campaign speeches also use.
    "Vote for your favourite student poster by Friday!",
    "Our student chapter members share their dreams and career change stories.",
    "Join us in Washington, DC for the spring workshop.",
    "The middle-class family home of Marie Curie is now a museum.",
    # The words of speeches in the society's own posts.
    "Happy Veterans Day: thank you to the members who served our country.",
    "For 30 years of leadership and service to our country, Dr. Ana Ruiz receives the "
    "Meritorious Service Award.",
    "This country's next generation of engineers needs our support. We can help: mentor a "
    "student.",
    "Leadership workshop for early-career members: we will cover negotiation, mentoring and "
    "change management.",
    "Want to lead a working group? We need volunteers for the education committee.",
    # Religious words that are names.
    "Welcome Graciela De Jesus, our new membership coordinator!",
])
def test_society_posts_are_not_politics(text: str) -> None:
    assert "politics_religion" not in categories(text)


@pytest.mark.parametrize("text", [
    "A damning report on hospital hygiene came out today.",
    "Rape crisis centres report more calls this winter.",
    "Semen analysis is the first test for male infertility.",
    "Early signs of penis and testicular cancer: what to look for.",
    "Homo sapiens reached Australia earlier than thought.",
    "Pee tests can now detect the condition earlier.",
])
def test_clinical_and_news_words_are_not_vulgar(text: str) -> None:
    assert "vulgar_discriminatory" not in categories(text)


@pytest.mark.parametrize("text", [
    "What the hell were they thinking?",
    "This damn printer again.",
    "Stop acting like a homo.",
    "That talk was crap.",
])
def test_vulgar_words_are_still_found(text: str) -> None:
    assert "vulgar_discriminatory" in categories(text)


@pytest.mark.parametrize(("text", "category"), [
    # A helpline is an organisation's number, not a person's.
    ("Call the lifeline at 1-800-273-8255 if you need help.", "personal_info"),
    ("UK helpline: +44 800 111 999.", "personal_info"),
    # A public funder is not a for-profit sponsor; "buy" as believe and "% off" a peak are
    # not sales.
    ("The study, sponsored by the National Institutes of Health, finds a link.", "advertising"),
    ("Thanks to our sponsors at the county health department.", "advertising"),
    ("Why you should not buy the hype about detox teas.", "advertising"),
    ("Uranium prices are 30% off the peak of 2024.", "advertising"),
])
def test_news_that_is_not_personal_information_or_advertising(text: str, category: str) -> None:
    assert category not in screen(text + " ^JS", ScreenContext(today=TODAY)).categories


@pytest.mark.parametrize(("text", "category"), [
    ("Call Pat at 555-867-5309 for details.", "personal_info"),
    ("Call Pat at +1 865 574 1000 for details.", "personal_info"),
    ("Thanks to our sponsors Mirion and Canberra!", "advertising"),
    ("Save 30% off the new detector this week.", "advertising"),
    ("Buy the new detector today!", "advertising"),
])
def test_personal_numbers_and_sales_are_still_found(text: str, category: str) -> None:
    # No link to the society's site: sales phrases in a post whose links all go there are
    # the society's own offers.
    assert category in screen(text + " ^JS", ScreenContext(today=TODAY)).categories


@pytest.mark.parametrize("text", [
    "Comet visible to the naked eye tonight.",
    "Hot and humid weather expected for the Annual Meeting.",
    "A shocking rise in measles cases this winter.",
    "Cover up the sample before it leaves the glovebox.",
    "Her lifelong love affair with physics began at twelve.",
])
def test_ordinary_senses_of_salacious_words(text: str) -> None:
    assert "propaganda_salacious" not in categories(text)


@pytest.mark.parametrize("text", [
    "Hot and sexy: the photos from the party leaked.",
    "The media is covering it up. Wake up, sheeple!",
    "They cover up the truth about the plant.",
])
def test_salacious_and_propaganda_phrases_are_still_found(text: str) -> None:
    assert "propaganda_salacious" in categories(text)


def test_arena_without_agenda_is_refused(tmp_path) -> None:
    from inmm_tui.screening.rules import RulesError, load_rules

    path = tmp_path / "policy.toml"
    path.write_text("[politics_religion]\narena = ['our country']\n")
    with pytest.raises(RulesError, match=r"politics_religion\.agenda: expected a list") as caught:
        load_rules(path)
    assert str(path) in str(caught.value)


def test_the_remit_is_the_subcommittee_s_to_edit(tmp_path) -> None:
    from pathlib import Path

    from inmm_tui.screening.rules import load_rules

    text = (Path(__file__).parent.parent / "config" / "policy.toml").read_text()
    path = tmp_path / "policy.toml"
    path.write_text(text.replace('"nuclear*", "IAEA",', '"IAEA",'))
    post = "Our country needs leaders who will fight for nuclear jobs. ^JS"
    assert "politics_religion" not in screen(post, ScreenContext(today=TODAY)).categories
    edited = ScreenContext(today=TODAY, rules=load_rules(path))
    assert "politics_religion" in screen(post, edited).categories


# ----- second outgoing pass: senses of words in real news (Guardian business headlines,
# dev half of bench/screening_quality.py)


@pytest.mark.parametrize("text", [
    # "democratic" and "democratising" are ordinary words; the party is "Democrat(s)".
    "Democratising science: open data for all members.",
    "An open and democratic process chose the new division chairs.",
    # A holiday's name alone is a date.
    "The office is closed over Easter; the Easter weekend workshop moves to April 14.",
    "Our LGBT+ in STEM mixer is open to all members.",
    # Fiscal nouns are news; they count only towards political speech.
    "The Treasury considers tax hikes to cover the costs of the pandemic.",
])
def test_ordinary_senses_are_not_politics_or_religion(text: str) -> None:
    assert "politics_religion" not in categories(text)


@pytest.mark.parametrize("text", [
    "The Democrats' energy bill is a disaster.",
    "Democratic senators blocked the bill again.",
    "Join our Easter service in the chapel.",
    "He is risen! Celebrate with us.",
    "We will raise taxes on the rich.",
])
def test_the_party_and_the_worship_are_still_found(text: str) -> None:
    assert "politics_religion" in categories(text)


def test_a_garment_is_not_vulgar_and_a_campaign_is_not_a_sale() -> None:
    assert "vulgar_discriminatory" not in categories("Why are people buying boob tubes?")
    assert "vulgar_discriminatory" in categories("Nothing but boobs and fart jokes.")
    # (categories() adds a link to the society's site, which exempts sales phrases.)
    def advertising(text: str) -> bool:
        return "advertising" in screen(text, ScreenContext(today=TODAY)).categories

    assert not advertising("He is trying to buy the presidency.")
    assert advertising("Buy the new detector now.")


@pytest.mark.parametrize("text", [
    # A speech addresses the nation as "we" do ("America" is then the arena).
    "This could only happen in America, and we will bring those jobs back home.",
    "America's jobs are our future, and we will protect them.",
    "We will secure our borders and put American workers first.",
    "Protect the unborn: life begins at conception.",
    "Stop illegal immigration and end open borders now.",
    # Offices and platform words that society posts do not pair with another.
    "Senator Smith's trade deal was the worst ever signed.",
])
def test_more_political_speech_is_found(text: str) -> None:
    assert "politics_religion" in categories(text)


@pytest.mark.parametrize("text", [
    # News names the nation as a place; "US" is the country, not "us".
    "Up to 43m Americans could lose health insurance.",
    "US jobs grow as American demand recovers.",
    # The society's own elections, however phrased.
    "Our student chapters held elections this month; meet the new officers.",
    "Governor Polis opens the Annual Meeting in Denver: read the program.",
    # A region is not the nation; the society's veterans and military members are members.
    "Join us at the North American chapter meeting: a jobs fair for students.",
    "We are proud of our veterans: the Veterans Affairs fellowship is open to members.",
    "Our military members and federal government colleagues meet Tuesday at 7 am.",
    # "American" in a name is not the nation.
    "We congratulate the American Physical Society on its new jobs board.",
    "We thank the Bank of America foundation for student jobs.",
])
def test_news_and_society_elections_are_not_speech(text: str) -> None:
    assert "politics_religion" not in categories(text)


def test_niger_the_country_is_not_vulgar() -> None:
    # Niger's uranium is nuclear-materials news; the slur (two g) is still caught.
    from inmm_tui.screening import ScreenContext, screen

    context = ScreenContext(direction="outgoing", apis=("x",), topic="Technical")
    news = screen("Niger's uranium mines: what the new export rules mean for safeguards",
                  context)
    assert "vulgar_discriminatory" not in {f.category for f in news.findings}
    assert "vulgar_discriminatory" in {f.category for f in screen("you nigger", context).findings}


def test_a_status_id_in_an_address_is_not_a_card_number() -> None:
    # Seen in CI: a share of a post on a server addressed by IP (the sandbox's Mastodon)
    # blocked as "a payment card number": its 18-digit status id passed the Luhn check,
    # and twitter-text counts no address with an IP for a host as a link.
    from inmm_tui.screening import ScreenContext, screen

    text = "Also worth a look.\nhttp://127.0.0.1:60949/@ans/537666554764512283 ^AA"
    found = screen(text, ScreenContext(direction="outgoing", apis=("mastodon",)))
    assert "personal_info" not in {f.category for f in found.findings}
    card = screen("Pay with 4111 1111 1111 1111 ^AA", ScreenContext(direction="outgoing"))
    assert "personal_info" in {f.category for f in card.findings}
