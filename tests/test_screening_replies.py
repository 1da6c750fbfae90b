"""Incoming replies (issue 15, incoming half): the hostile ones reach the moderation queue,
ordinary ones (questions, thanks, fair criticism, corrections of fact) do not, and the
society's own vocabulary is not mistaken for a threat.

The sentences here are not those of tests/data/screening_replies.jsonl: each stands for a
kind of wording the rules are meant to cover in general."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from inmm_tui.screening import ScreenContext, screen

TODAY = dt.date(2026, 3, 1)
REPLIES = Path(__file__).parent / "data" / "screening_replies.jsonl"


def incoming(text: str) -> tuple[str, set[str]]:
    result = screen(text, ScreenContext(direction="incoming", today=TODAY))
    return result.verdict, result.categories


@pytest.mark.parametrize(("text", "category"), [
    # The examples, each in a second wording.
    ("I'm going to track down that speaker and make sure he gets hurt", "threat"),
    ("Let's burn the venue to the ground before the plenary", "threat"),
    ("Somebody should torch the conference hotel", "threat"),
    ("Your treasurer has been cooking the books since 2019", "accusation"),
    ("The vice president is on the payroll of the contractor", "accusation"),
    ("Refugees are not fit to handle nuclear material", "discrimination"),
    ("Send them back where they came from", "discrimination"),
    ("What an inept chair, resign already", "harassment"),
    ("Buy 5,000 cheap followers today, DM us", "spam"),
    ("Guaranteed returns on ethereum, send ETH to my wallet and get double back", "spam"),
    # A verdict that someone be harmed.
    ("That inspector ought to be strung up", "threat"),
    ("The people who wrote this should be dragged out of their offices and beaten", "threat"),
    # A veiled threat.
    ("Your days are numbered, director", "threat"),
    ("Keep posting this and the Vienna meeting will not end peacefully", "threat"),
    # An insult without a swear word, to or of people.
    ("Go crawl back under a rock", "harassment"),
    ("The board is a clown show", "harassment"),
    ("Overpaid bureaucrats, the lot of you", "harassment"),
    # A group and a generalisation.
    ("No immigrant should ever be given a security clearance", "discrimination"),
    ("Older workers can't think fast enough for this job", "discrimination"),
    ("She was only hired because she is a woman", "discrimination"),
    # An accusation against a person or an office.
    ("Whoever signed the contract is lining his own pockets", "accusation"),
    ("The awardee fudged the measurements in that paper", "accusation"),
    # Spam: prizes, recovery scams, private channels.
    ("You won a free gift card, click here to claim", "spam"),
    ("Lost your crypto? Our funds recovery experts get it back, message me on telegram",
     "spam"),
    ("I make $400 a day from home with this one trick", "spam"),
    # Harm to the body, on the road, "in one piece".
    ("Keep talking and I'll break your legs", "threat"),
    ("Somebody should run that inspector off the road", "threat"),
    ("Nobody on that panel leaves in one piece", "threat"),
    # Contempt for someone's mind or work.
    ("Your board has the attention span of a toddler", "harassment"),
    ("Sheer incompetence from the people running this meeting", "harassment"),
    # A group as a quota or a burden.
    ("Foreign students are only there to fill a quota", "discrimination"),
    ("Wheelchair users are a liability on a site tour", "discrimination"),
    ("Crypto fund paying 8% weekly, DM me", "spam"),
])
def test_hostile_replies_reach_the_queue(text: str, category: str) -> None:
    verdict, found = incoming(text)
    assert verdict != "pass"
    assert category in found


@pytest.mark.parametrize("text", [
    # Questions.
    "Will the slides of the insider attack session be shared?",
    "Does the treasurer present the audit results at the business meeting?",
    "Why hire a consultant when our own members could review the procedures?",
    # Thanks.
    "Thanks to the chair and the staff, a really useful meeting.",
    "Congratulations, you have been selected as a session chair! Well deserved.",
    # Fair criticism.
    "The keynote should be shorter; the panel after it had no time left.",
    "Women should be in charge of more of the technical sessions, not only the outreach ones.",
    # Corrections of fact.
    "Correction: the audit found no fraud, the report says the opposite of this post.",
    "His paper was on fuel fabrication, not on enrichment.",
    # The profession's vocabulary.
    "We will discuss bomb detection and attack scenarios at the workshop.",
    "Our red team will attack the facility model in the tabletop exercise.",
    "We'll shoot the group photo at 5 pm on the terrace.",
    "Make sure no one gets hurt on the site tour: hard hats and boots.",
    "Dr. Ortiz showed how insiders steal material and how to stop them.",
    "Our followers doubled in a week after the webinar, thank you all!",
    # Everyday intentions that share words with threats.
    "I'll run over the main points before the vote.",
    "We will pay for this out of the chapter budget.",
    "You won't regret it, I'll be there.",
    "I'll be locked in the lab all day, send questions by e-mail.",
    "It would be a shame if something kept you from the meeting!",
    "The drums arrived in one piece after the transport test.",
    "Round up the numbers before you submit the abstract.",
    # A group named in a question, or defended.
    "Is INMM going to adopt quotas for women on the board?",
    "Women engineers are an asset to this field, not a burden.",
])
def test_ordinary_replies_and_professional_words_pass(text: str) -> None:
    assert incoming(text) == ("pass", set())


def test_every_reply_set_keeps_ordinary_replies_out_of_the_queue() -> None:
    """In every reply set (written by us, tuned on or not), at most one ordinary reply in
    ten is flagged; on the sets the rules were improved with, at least eight hostile
    replies in ten are (a floor that a careless edit of the word lists would break)."""
    rows = [json.loads(line) for line in REPLIES.read_text().splitlines() if line.strip()]
    sets = {row.get("set", "first") for row in rows}
    tuned_on = {"first", "heldout", "heldout2", "heldout3"}
    assert tuned_on <= sets
    for name in sorted(sets):
        part = [r for r in rows if r.get("set", "first") == name]
        ordinary = [r["text"] for r in part if not r["categories"]]
        flagged = [t for t in ordinary if incoming(t)[0] != "pass"]
        assert len(flagged) <= len(ordinary) / 10, (name, flagged)
        if name in tuned_on:
            hostile = [r["text"] for r in part if r["categories"]]
            caught = sum(incoming(t)[0] != "pass" for t in hostile)
            assert caught >= 0.8 * len(hostile), name
