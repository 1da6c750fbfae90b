"""What each platform API can do, declared once where the domain can read it (the domain
may not import `inmm_tui.platforms`). Each adapter names its entry as its `capabilities`
and raises `Unsupported` for exactly what is missing there; tests/test_platform_calls.py
holds the adapters to it against the sandbox.

Callers ask the capability, never the platform's name: a new outlet adds its entry here,
its adapter and a line in the factory, and the daemon and the domain need no change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

HIDE, BLOCK, REPORT = "hide", "block", "report"
TWITTER_TEXT, MASTODON_TEXT, GRAPHEMES, UTF16 = "twitter-text", "mastodon", "graphemes", "utf-16"
"""How a platform counts a post's length (`inmm_tui.screening.length` implements each):
twitter-text's weighted count (URLs 23, CJK and emoji 2), Mastodon's (graphemes, URLs
with a scheme 23, `@user@domain` as `@user`), or every grapheme of the text as written
(Bluesky's `maxGraphemes`: a link counts in full), or UTF-16 code units of the text as
written (LinkedIn's commentary: an emoji outside the BMP counts 2, a link in full)."""

FOLLOW = "follow"


@dataclass(frozen=True)
class PollRules:
    """What a platform's native poll takes."""

    max_options: int
    option_length: int
    """The most characters one option may have."""
    min_minutes: int
    max_minutes: int
_VERBS = {HIDE: "hide a reply", BLOCK: "block an account", REPORT: "report an account"}


@dataclass(frozen=True)
class Capabilities:
    api: str
    """The config's name for the API (an outlet's `api`)."""
    label: str
    """The platform's name as people write it."""
    idempotent_posting: bool
    """The server honours an `Idempotency-Key` (Mastodon, for an hour; the daemon relies on
    it for `daemon.idempotency_key_seconds`), handing back the post it already has instead
    of making a second one. Without it an in-doubt delivery is looked for among the
    account's recent posts before it is sent again."""
    refuses_duplicates: bool
    """A post with the same text as a recent one is refused (`DuplicateContent`)."""
    moderation: frozenset[str]
    """What it can do to a reply or its author: HIDE, BLOCK, REPORT."""
    why_not: dict[str, str] = field(hash=False)
    """For a moderation request it cannot perform, what to tell people instead of the
    generic message."""
    max_length: int
    """The platform's limit on a post, in its own count (the rules file may lower it)."""
    counting: str
    """How it counts that length: TWITTER_TEXT, MASTODON_TEXT, GRAPHEMES or UTF16."""
    follow_limit: tuple[int, dt.timedelta]
    """At most this many follow calls in this window, per account."""
    plans: tuple[str, ...] = ()
    """The access levels the platform sells an app, lowest first, where what the API
    allows depends on it (X); a sandbox outlet may imitate one (its `plan`)."""
    keyed_posting: bool = False
    """A post is created under a key we choose (the delivery's `attempt_key`), which the
    platform keeps for good: an in-doubt delivery is looked up by that key, exactly, and
    never searched for among recent posts (Bluesky's record key)."""
    follows: bool = True
    """The account can follow others and list its followers. An organisation page on
    LinkedIn cannot: follow-back skips such an outlet, and a requested follow is refused
    with `why_not[FOLLOW]`."""
    polls: PollRules | None = None
    """Native polls and their limits; None: a post with a poll cannot go to this outlet
    (refused when it is submitted, not when it is sent)."""
    threads: bool = True
    """A post can answer our own previous post (a thread's next part)."""

    def cannot(self, request: str) -> str | None:
        """Why this platform cannot perform `request` (HIDE, BLOCK, REPORT), or None."""
        if request in self.moderation:
            return None
        why = self.why_not.get(request, f"the {self.label} API cannot {_VERBS[request]}")
        instead = " or ".join(_VERBS[r].split()[0] for r in sorted(self.moderation))
        return why + (f"; {instead} instead" if instead else "")


X = Capabilities(
    api="x", label="X", idempotent_posting=False, refuses_duplicates=True,
    moderation=frozenset({HIDE, BLOCK}),
    why_not={REPORT: "X has no report API; report the account on x.com"},
    max_length=280, counting=TWITTER_TEXT,
    # API v2: POST /2/users/:id/following, 50 requests per 15 minutes per user.
    follow_limit=(50, dt.timedelta(minutes=15)),
    plans=("free", "basic", "pro", "enterprise"),
    # POST /2/tweets poll: 2 to 4 options of up to 25 characters, 5 minutes to 7 days.
    polls=PollRules(max_options=4, option_length=25, min_minutes=5, max_minutes=7 * 24 * 60))

MASTODON = Capabilities(
    api="mastodon", label="Mastodon", idempotent_posting=True, refuses_duplicates=False,
    moderation=frozenset({BLOCK, REPORT}),
    why_not={HIDE: "Mastodon has no way to hide a reply"},
    max_length=500, counting=MASTODON_TEXT,
    follow_limit=(400, dt.timedelta(hours=24)),
    # A server's defaults (its /api/v2/instance `configuration.polls`): 4 options of up to
    # 50 characters, open from 5 minutes to a month (2,629,746 seconds).
    polls=PollRules(max_options=4, option_length=50, min_minutes=5, max_minutes=43829))

BLUESKY = Capabilities(
    api="bluesky", label="Bluesky", idempotent_posting=False, refuses_duplicates=False,
    keyed_posting=True, moderation=frozenset({HIDE, BLOCK, REPORT}), why_not={},
    # app.bsky.feed.post: text maxGraphemes 300.
    max_length=300, counting=GRAPHEMES,
    # The PDS's write budget: 5,000 points an hour, a created record costing 3.
    follow_limit=(1600, dt.timedelta(hours=1)))

LINKEDIN = Capabilities(
    api="linkedin", label="LinkedIn", idempotent_posting=False, refuses_duplicates=True,
    moderation=frozenset(), follows=False, threads=False,
    why_not={HIDE: "LinkedIn's API cannot hide a comment on a page's post",
             BLOCK: "LinkedIn's API cannot block a member from an organisation page",
             REPORT: "LinkedIn has no report API; report the member on linkedin.com",
             FOLLOW: "a LinkedIn organisation page cannot follow people"},
    # Posts API: `commentary` up to 3,000 characters. Counted in UTF-16 code units (the
    # length of a string in LinkedIn's Java and its composer's JavaScript): never less
    # than a count of code points, so a post that passes here is not refused there.
    max_length=3000, counting=UTF16,
    follow_limit=(0, dt.timedelta(days=1)))

CAPABILITIES: dict[str, Capabilities] = {c.api: c for c in (X, MASTODON, BLUESKY, LINKEDIN)}
"""API → what it can do; its keys are the APIs an outlet may speak."""


def for_api(api: str) -> Capabilities:
    """What platform API `api` can do; ValueError naming the known ones if unknown."""
    try:
        return CAPABILITIES[api]
    except KeyError:
        raise ValueError(f"unknown platform api {api!r} "
                         f"(expected one of {', '.join(CAPABILITIES)})") from None
