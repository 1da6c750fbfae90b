"""Referral tagging ("Objectives and Metrics": number of web traffic referrals from social
media to our website content).

At publication, links to the society's own domains get `utm_source` (the outlet),
`utm_medium=social` and `utm_campaign` (the event or topic), so the website's analytics
can attribute the visits. Parameters already in the link are kept (an author's own
`utm_campaign` wins), the fragment stays last, and links to other domains are untouched.

The clearance covers the text before tagging, so tagging must be a pure function of its
inputs: the same text, outlet and campaign always give the same bytes. X and Mastodon
count every link as 23 characters whatever its length, so tagging never changes their
weighted count (tested).
"""

from __future__ import annotations

import functools
import re
import sqlite3
import unicodedata
from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

UTM_MEDIUM = "social"

# A link as the platforms auto-link it: a scheme, then anything up to white space.
# Trailing punctuation is split off afterwards (a sentence's full stop is not the URL's).
_LINK = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\"\u2019\u201d\u2026"


@functools.lru_cache(maxsize=1024)  # the monthly report asks again for every delivery
def campaign_slug(text: str) -> str:
    """A campaign name the analytics can group by: lower case ASCII, words joined by '-'.

    `#AnnualMeeting2027` → `annualmeeting2027`; `Calendar of events` → `calendar-of-events`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug or "general"


def campaign_for(topic: str, event_hashtag: str | None = None) -> str:
    """The campaign of a post: its event's hashtag when it has one, else its topic."""
    return campaign_slug(event_hashtag or topic or "general")


def campaign_for_post(conn: sqlite3.Connection, post_id: int) -> str:
    row = conn.execute(
        "SELECT p.topic, e.hashtag FROM posts p LEFT JOIN events e ON e.id = p.event_id"
        " WHERE p.id = ?", (post_id,)).fetchone()
    if row is None:
        return "general"
    return campaign_for(row[0], row[1])


def is_society_host(host: str, society_domains: Iterable[str]) -> bool:
    host = host.lower().rstrip(".")
    for domain in society_domains:
        domain = domain.lower().strip().rstrip(".")
        if domain and (host == domain or host.endswith("." + domain)):
            return True
    return False


def tag_url(url: str, *, outlet: str, campaign: str, society_domains: Iterable[str]) -> str:
    """One link with the UTM parameters added, or unchanged when it is not the society's."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:  # e.g. a malformed port or IPv6 literal: leave it as the author wrote it
        return url
    if not host or not is_society_host(host, society_domains):
        return url
    present = {key.lower() for key, _ in parse_qsl(parts.query, keep_blank_values=True)}
    wanted = (("utm_source", outlet), ("utm_medium", UTM_MEDIUM), ("utm_campaign", campaign))
    added = "&".join(f"{key}={quote(value, safe='')}" for key, value in wanted
                     if key not in present)
    if not added:
        return url
    # The existing query is kept byte for byte (re-encoding it could change its meaning).
    query = f"{parts.query}&{added}" if parts.query else added
    path = parts.path or "/"
    return urlunsplit((parts.scheme, parts.netloc, path, query, parts.fragment))


def tag_links(text: str, *, outlet: str, campaign: str, society_domains: Iterable[str]) -> str:
    """The text with every link to the society's domains tagged for the website's analytics.

    Deterministic: the same arguments always give the same result, and tagging an already
    tagged text changes nothing."""
    domains = tuple(society_domains)
    source = campaign_slug(outlet)
    slug = campaign_slug(campaign)

    def replace(match: re.Match[str]) -> str:
        link = match.group(0)
        tail = ""
        while link and link[-1] in _TRAILING:
            # Keep a closing bracket that belongs to the URL, e.g. a wiki-style path "(x)".
            if link[-1] == ")" and link.count("(") >= link.count(")"):
                break
            tail = link[-1] + tail
            link = link[:-1]
        return tag_url(link, outlet=source, campaign=slug, society_domains=domains) + tail

    return _LINK.sub(replace, text)


def tag_for_publication(conn: sqlite3.Connection, post_id: int, outlet: str, text: str,
                        society_domains: Iterable[str]) -> str:
    """What the publisher sends: the cleared text with the society's links tagged for this
    outlet and the post's campaign (its event's hashtag, else its topic)."""
    return tag_links(text, outlet=outlet, campaign=campaign_for_post(conn, post_id),
                     society_domains=society_domains)
