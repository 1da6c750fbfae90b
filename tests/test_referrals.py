"""Referral tagging: society links get UTM parameters, other links are untouched, the
result is deterministic, and the X and Mastodon counts do not change (links count 23)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from inmm_tui.config import ConfigError, parse_config
from inmm_tui.domain.referrals import campaign_for, tag_links
from inmm_tui.screening import weighted_length

DOMAINS = ["inmm.org"]


def tag(text: str, outlet: str = "x", campaign: str = "Annual Meeting") -> str:
    return tag_links(text, outlet=outlet, campaign=campaign, society_domains=DOMAINS)


def test_a_society_link_gets_source_medium_and_campaign() -> None:
    out = tag("Register now: https://inmm.org/annual-meeting. See you there!", outlet="mastodon")
    url = re.search(r"https://\S+?(?=\. )", out).group(0)
    assert out.endswith(". See you there!")  # the full stop stays outside the link
    parts = urlsplit(url)
    assert parts.path == "/annual-meeting"
    assert parse_qsl(parts.query) == [("utm_source", "mastodon"), ("utm_medium", "social"),
                                      ("utm_campaign", "annual-meeting")]


def test_existing_query_and_fragment_are_kept_and_subdomains_count() -> None:
    out = tag("Papers: https://www.inmm.org/journal?issue=4&lang=en#toc")
    assert out == ("Papers: https://www.inmm.org/journal?issue=4&lang=en&utm_source=x"
                   "&utm_medium=social&utm_campaign=annual-meeting#toc")
    # An author's own campaign wins; only the missing parameters are added.
    own = tag("https://inmm.org/a?utm_campaign=spring")
    assert parse_qsl(urlsplit(own).query) == [("utm_campaign", "spring"), ("utm_source", "x"),
                                              ("utm_medium", "social")]


@pytest.mark.parametrize("link", [
    "https://www.iaea.org/newscenter?x=1",
    "https://notinmm.org/page",
    "https://inmm.org.example.com/phish",
    "mailto:info@inmm.org",
])
def test_other_domains_are_untouched(link: str) -> None:
    text = f"Read {link} today"
    assert tag(text) == text


def test_tagging_is_deterministic_and_idempotent() -> None:
    text = "Two links https://inmm.org/a and https://inmm.org/b?x=1 #INMM2027"
    once = tag(text, campaign=campaign_for("Live coverage", "#INMM2027"))
    assert once == tag(text, campaign=campaign_for("Live coverage", "#INMM2027"))
    assert tag(once, campaign="inmm2027") == once
    assert once.count("utm_campaign=inmm2027") == 2


def test_x_weighted_count_is_unchanged_by_tagging() -> None:
    before, after = "Registration is open for the 68th Annual Meeting: ", " ^AA"
    text = before + "https://inmm.org/am" + after
    tagged = tag(text)
    assert len(tagged) > len(text) + 50
    assert weighted_length(tagged, "x") == weighted_length(text, "x") == len(before) + 23 + len(after)
    assert weighted_length(tagged, "mastodon") == weighted_length(text, "mastodon")
    # A bare domain is left as written (X links it at the same weight either way).
    assert tag("see inmm.org/am") == "see inmm.org/am"


def test_society_domains_are_validated_in_the_config(tmp_path) -> None:
    with pytest.raises(ConfigError, match=r"inmm\.society_domains: 'https://inmm\.org' is not a domain"):
        parse_config({"inmm": {"society_domains": ["https://inmm.org"]}}, tmp_path / "c.toml")
    config = parse_config({"inmm": {"society_domains": ["inmm.org", "inmm-events.org"]}},
                          tmp_path / "c.toml")
    assert config.inmm.society_domains == ["inmm.org", "inmm-events.org"]


def test_tagging_for_publication_takes_the_post_campaign(roster) -> None:
    from inmm_tui.domain.referrals import tag_for_publication

    event = roster.switches.start_event("alice", "Annual Meeting 2027", "#INMM2027")
    plain = roster.posts.create_draft("alice", "Agenda: https://inmm.org/agenda", topic="Awards")
    live = roster.posts.create_draft("alice", "Live: https://inmm.org/live", topic="Live coverage",
                                     event_id=event)
    conn = roster.db.conn
    assert tag_for_publication(conn, plain, "x", "https://inmm.org/agenda", DOMAINS).endswith(
        "utm_source=x&utm_medium=social&utm_campaign=awards")
    assert tag_for_publication(conn, live, "mastodon", "https://inmm.org/live", DOMAINS).endswith(
        "utm_source=mastodon&utm_medium=social&utm_campaign=inmm2027")
