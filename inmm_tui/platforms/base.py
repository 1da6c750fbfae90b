"""The one small interface the daemon uses for every outlet.

Adapters (X through tweepy, Mastodon through Mastodon.py, Bluesky through atproto) implement `Platform`. Every
method either returns the typed result or raises one of `inmm_tui.platforms.errors`.
Identifiers are strings (X's ids are 64-bit numbers as text; Mastodon's are text).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from inmm_tui.capabilities import Capabilities, PollRules
from inmm_tui.domain.polls import Poll, PollTally
from inmm_tui.media_file import MediaFile


@dataclass(frozen=True)
class Published:
    platform_id: str
    url: str


@dataclass(frozen=True)
class Account:
    user_id: str
    handle: str
    name: str = ""
    description: str = ""
    url: str = ""
    followers_count: int | None = None
    following_count: int | None = None
    verified: bool = False


@dataclass(frozen=True)
class Page:
    """One page of accounts; `next_cursor` is None on the last page."""

    accounts: list[Account]
    next_cursor: str | None
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    """Accounts on this page the platform sent malformed, left out: (its id or "?",
    what was wrong), for the daemon to record as skipped."""


@dataclass(frozen=True)
class Mention:
    platform_id: str
    author: Account
    text: str
    created_at: dt.datetime
    in_reply_to: str | None
    raw: dict[str, Any] = field(default_factory=dict)
    """The platform's JSON for this post, kept as evidence."""
    visibility: str = "public"
    """Who can see it: "public" (or Mastodon's "unlisted"), else a private message
    (Mastodon's "direct", or "private" for the author's followers only), which must never
    be queued or answered in public."""


class Mentions(list[Mention]):
    """Mentions, oldest first, and in `unreadable` the ones the platform sent malformed,
    left out: (its id or "?", what was wrong), for the daemon to record as skipped.
    `cursor`, when given, is what to pass as `since_id` next time (Mastodon: a place in
    its notifications, which arrive in an order the statuses' ids do not follow);
    otherwise the last mention's id is."""

    def __init__(self, mentions: Iterable[Mention] = (),
                 unreadable: Iterable[tuple[str, str]] = (), cursor: str | None = None):
        super().__init__(mentions)
        self.unreadable = list(unreadable)
        self.cursor = cursor


@dataclass(frozen=True)
class Metrics:
    reposts: int | None = None
    replies: int | None = None
    likes: int | None = None
    quotes: int | None = None
    impressions: int | None = None


@dataclass(frozen=True)
class RecentPost:
    platform_id: str
    text: str
    """On X exactly as it was posted (t.co links expanded, HTML escaping undone); on
    Mastodon read from the status's HTML, which need not be: see `Platform.posted_text`."""
    url: str
    created_at: dt.datetime | None = None


class CredentialsListener(Protocol):
    """Told by an adapter that renews its own tokens (LinkedIn's OAuth 2 refresh) what
    happened, so that the daemon keeps the new tokens and the governance of their expiry.
    Called under the adapter's lock, from whichever job's thread made the call."""

    def renewed(self, outlet: str, tokens: Mapping[str, str]) -> None:
        """New tokens: `access_token`, `refresh_token` and their expiry times
        (`access_token_expires_at`, `refresh_token_expires_at`, ISO 8601 UTC)."""
        ...

    def refused(self, outlet: str, message: str) -> None:
        """The platform refused to renew the access token; `message` holds no token."""
        ...


@dataclass(frozen=True)
class SharedPost:
    """Another account's post, read to be shared (reposted or quoted)."""

    platform_id: str
    """Its id on this platform (for Mastodon: as our server knows it)."""
    url: str
    author_handle: str
    author_name: str
    text: str
    created_at: dt.datetime | None
    quotable: bool = True
    """Whether we may quote it natively (a Mastodon server before quote posts, or a post
    whose quote policy does not let us, is shared as our text with its address)."""


class Platform(Protocol):
    """What the daemon may do on one outlet."""

    name: str
    """The outlet's name from the config."""
    api: str
    """The config's name for its API ("x", "mastodon", "bluesky")."""
    capabilities: Capabilities
    """What it can do; callers ask this, never the API's name."""

    def whoami(self) -> Account:
        """The account the credentials belong to (proves the credentials work)."""
        ...

    def poll_rules(self, *, fresh: bool = False) -> PollRules | None:
        """The server's own poll limits, where it sets them (a Mastodon server's
        /api/v2/instance), read once or, with `fresh`, again; None where it does not say
        (the capabilities' defaults stand)."""
        ...

    def publish(self, text: str, *, idempotency_key: str,
                in_reply_to: str | None = None, media: Sequence[MediaFile] = (),
                quote_of: str | None = None, poll: Poll | None = None) -> Published:
        """Post `text` (with `media` uploaded and attached, each with its alt text). An
        upload repeated by a later attempt only leaves an unattached upload, which the
        platform discards; the post's creation is the step made exactly once. With
        `quote_of`, quoting that post (a `fetch_post` id) natively; with `poll`, the
        platform's own poll (only where `capabilities.polls`; others raise Unsupported)."""
        ...

    def answer_privately(self, text: str, *, recipient: str, in_reply_to: str,
                         idempotency_key: str) -> Published:
        """Send `text` to `recipient` (a handle) alone, in answer to their private message
        `in_reply_to`; only where `capabilities.private_answers` (others raise Unsupported)."""
        ...

    def fetch_post(self, url_or_id: str) -> SharedPost:
        """Another account's post, by its address or id: Unsupported when the address is
        not one of this platform's posts, NotFound when it does not exist (any more)."""
        ...

    def repost(self, platform_id: str, *, idempotency_key: str) -> Published:
        """Repost the post `platform_id` (X repost, Mastodon boost, Bluesky repost) and
        return our repost. Exactly once: reposting what we already reposted hands back
        that repost (X and Mastodon are idempotent; Bluesky's is created under the
        delivery's key and looked up by it first)."""
        ...

    def undo_repost(self, platform_id: str, repost_id: str) -> None:
        """Take back our repost `repost_id` of `platform_id`; NotFound if gone already."""

        ...

    def poll_results(self, platform_id: str) -> PollTally:
        """The votes on the poll of our post `platform_id` (only where
        `capabilities.polls`)."""
        ...

    def keyed_post(self, key: str) -> Published | None:
        """The post created under `key` (a delivery's `attempt_key`), or None when there
        is none; only where `capabilities.keyed_posting` (others raise Unsupported)."""
        ...

    def delete(self, platform_id: str) -> None: ...

    def recent_posts(self, limit: int = 50) -> list[RecentPost]:
        """The account's own most recent posts, newest first (to reconcile after a crash)."""
        ...

    def posted_text(self, post: RecentPost) -> str:
        """Exactly the text one of our `recent_posts` was posted with, to be compared
        with a delivery's: X's recent posts carry it; Mastodon's show HTML, so the
        status's source is asked for."""
        ...

    def followers(self, cursor: str | None = None) -> Page: ...

    def following(self, cursor: str | None = None) -> Page: ...

    def follow(self, user_id: str) -> None: ...

    def unfollow(self, user_id: str) -> None: ...

    def hide_reply(self, platform_id: str) -> None:
        """Hide a reply to one of our posts; Unsupported unless `capabilities` has HIDE."""
        ...

    def block(self, user_id: str) -> None: ...

    def report(self, user_id: str, reason: str, platform_ids: list[str] | None = None) -> str:
        """Report an account to the platform; returns the platform's report reference
        (Mastodon's report id); Unsupported unless `capabilities` has REPORT."""
        ...

    def mentions(self, since_id: str | None = None) -> list[Mention]:
        """Mentions and replies newer than `since_id`, oldest first (the adapters give
        `Mentions`, which also name the ones left out as malformed). With a `cursor` on
        the answer, `since_id` is that cursor, and a few already given may come again."""
        ...

    def metrics(self, platform_id: str) -> Metrics: ...

    def lookup_user(self, handle: str) -> Account | None:
        """The account with exactly this handle, or None (spoof watch)."""
        ...

    def search_accounts(self, query: str, limit: int = 20) -> list[Account]:
        """Accounts whose handle or name resembles `query` (spoof watch)."""
        ...
