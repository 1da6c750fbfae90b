"""Mastodon through Mastodon.py: `ratelimit_method="throw"` (never sleep inside a call), an
explicit timeout, and an `Idempotency-Key` on every status post so that a retry after a
lost answer returns the same status instead of posting twice."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import requests
from mastodon import (
    Mastodon,
    MastodonAPIError,
    MastodonError,
    MastodonIllegalArgumentError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)

from inmm_tui.capabilities import MASTODON
from inmm_tui.outside_text import storable, storable_json
from inmm_tui.platforms.base import (
    Account,
    Mention,
    Mentions,
    Metrics,
    Page,
    Published,
    RecentPost,
)
from inmm_tui.platforms.common import (
    Adapter,
    count,
    html_to_text,
    id_key,
    is_loopback,
    reset_time,
)
from inmm_tui.platforms.errors import (
    AuthFailed,
    NotFound,
    PlatformError,
    RateLimited,
    Rejected,
    TransientError,
    Unsupported,
)

MAX_PAGES = 10
"""Bound on pages fetched in one call (mentions, recent posts)."""
PAGE_SIZE = 40
FOLLOW_PAGE_SIZE = 80
REPORT_COMMENT_LIMIT = 1000
SUSPENDED_WORDS = ("login", "suspended", "disabled")
"""Mastodon's 403 for a disabled or suspended account names one of these."""


class MastodonPlatform(Adapter):
    api = "mastodon"
    capabilities = MASTODON

    def __init__(self, name: str, *, access_token: str, base_url: str, timeout: float):
        super().__init__(name)
        session = requests.Session()
        session.trust_env = not is_loopback(base_url)
        # The version is given so that Mastodon.py never asks the instance for it.
        self.client = Mastodon(
            access_token=access_token, api_base_url=base_url, ratelimit_method="throw",
            request_timeout=timeout, version_check_mode="none", mastodon_version="4.3.0",
            session=session,
        )

    def whoami(self) -> Account:
        self._me = self._parse("whoami", _account,
                               self._call("whoami", self.client.account_verify_credentials))
        return self._me

    def publish(self, text: str, *, idempotency_key: str,
                in_reply_to: str | None = None) -> Published:
        status = self._call("publish", self.client.status_post, text, in_reply_to_id=in_reply_to,
                            visibility="public", idempotency_key=idempotency_key)
        return self._parse("publish", lambda s: Published(str(s["id"]), str(s["url"])), status)

    def delete(self, platform_id: str) -> None:
        self._call("delete", self.client.status_delete, platform_id)

    def recent_posts(self, limit: int = 50) -> list[RecentPost]:
        found: list[RecentPost] = []
        max_id = None
        for _ in range(MAX_PAGES):
            page = self._call("recent posts", self.client.account_statuses, self._me_id(),
                              max_id=max_id, limit=min(PAGE_SIZE, limit - len(found)))
            statuses = self._parse("recent posts", list, page)
            # Each post alone: one malformed post must not hide the others (reconciliation).
            found.extend(self._each("recent posts", _recent, statuses)[0])
            if not statuses or len(found) >= limit:
                break
            max_id = self._parse("recent posts", lambda p: str(p[-1]["id"]), statuses)
        return found[:limit]

    def posted_text(self, post: RecentPost) -> str:
        # `content` is HTML made from the text (links, mentions, paragraphs): the source
        # is the text itself, exactly as it was posted.
        source = self._call("status source", self.client.status_source, post.platform_id)
        return self._parse("status source", lambda s: storable(str(s["text"])), source)

    def followers(self, cursor: str | None = None) -> Page:
        return self._page("followers", self.client.account_followers, cursor)

    def following(self, cursor: str | None = None) -> Page:
        return self._page("following", self.client.account_following, cursor)

    def follow(self, user_id: str) -> None:
        self._call("follow", self.client.account_follow, user_id)

    def unfollow(self, user_id: str) -> None:
        self._call("unfollow", self.client.account_unfollow, user_id)

    def hide_reply(self, platform_id: str) -> None:
        raise Unsupported(f"{self.name}: Mastodon cannot hide a reply; block or report instead")

    def block(self, user_id: str) -> None:
        self._call("block", self.client.account_block, user_id)

    def report(self, user_id: str, reason: str, platform_ids: list[str] | None = None) -> str:
        report = self._call("report", self.client.report, user_id, status_ids=platform_ids or None,
                            comment=reason[:REPORT_COMMENT_LIMIT], category="other")
        return self._parse("report", lambda r: str(r["id"]), report)

    def mentions(self, since_id: str | None = None) -> Mentions:
        # Mastodon pages notifications by notification id, not by status id, so walk back
        # from the newest until we pass `since_id` (a status id, as on X).
        found: list[Mention] = []
        unreadable: list[tuple[str, str]] = []
        max_id = None
        for _ in range(MAX_PAGES):
            page = self._call("mentions", self.client.notifications, types=["mention"],
                              max_id=max_id, limit=PAGE_SIZE)
            if not page:
                break
            notifications = self._parse("mentions", lambda p: [n for n in p if n.get("status")],
                                        page)
            # Each mention alone: one Mastodon sent malformed is left out (and named), not
            # the batch, which would stop ingestion at it for ever.
            batch, bad = self._each("mentions", _mention, notifications,
                                    ident=lambda n: n["status"]["id"])
            fresh = [m for m in batch
                     if since_id is None or id_key(m.platform_id) > id_key(since_id)]
            found.extend(fresh)
            unreadable.extend((i, e) for i, e in bad
                              if since_id is None or i == "?" or id_key(i) > id_key(since_id))
            if len(fresh) < len(batch):
                break
            max_id = str(page[-1]["id"])
        unique = {m.platform_id: m for m in found}
        return Mentions(sorted(unique.values(), key=lambda m: id_key(m.platform_id)),
                        dict(unreadable).items())

    def metrics(self, platform_id: str) -> Metrics:
        status = self._call("metrics", self.client.status, platform_id)
        return self._parse("metrics", lambda s: Metrics(
            reposts=count(s.get("reblogs_count")), replies=count(s.get("replies_count")),
            likes=count(s.get("favourites_count")), quotes=count(s.get("quotes_count")),
            impressions=None,
        ), status)

    def lookup_user(self, handle: str) -> Account | None:
        try:
            account = self._call("look-up", self.client.account_lookup, handle.lstrip("@"))
        except NotFound:
            return None
        return self._parse("look-up", _account, account)

    def search_accounts(self, query: str, limit: int = 20) -> list[Account]:
        found = self._call("search", self.client.account_search, query.lstrip("@"),
                           limit=min(limit, 80))
        return self._parse("search", lambda p: [_account(a) for a in p], found)

    # ---- plumbing ------------------------------------------------------------------------

    def _page(self, what: str, method: Callable[..., Any], cursor: str | None) -> Page:
        page = self._call(what, method, self._me_id(), max_id=cursor, limit=FOLLOW_PAGE_SIZE)
        after = getattr(page, "_pagination_next", None)
        cursor = self._parse(what, lambda p: str(after["max_id"]) if after and p else None, page)
        # Each account alone: one malformed account must not fail the page, for ever.
        accounts, unreadable = self._each(what, _account, self._parse(what, list, page))
        return Page(accounts, cursor, unreadable)

    def _translate(self, what: str, exc: Exception) -> PlatformError | None:
        where = f"{self.name}: {what}"
        if isinstance(exc, MastodonRatelimitError):
            # Mastodon.py parsed X-RateLimit-Reset (adjusted to our clock) before throwing.
            reset = self.client.ratelimit_reset
            usable = reset if reset and reset > time.time() else None
            return RateLimited(f"{where}: rate limited", reset_time(usable))
        if isinstance(exc, MastodonUnauthorizedError):
            return AuthFailed(f"{where}: Mastodon refused the token ({_text(exc)})")
        if isinstance(exc, MastodonServerError | MastodonNetworkError):
            return TransientError(f"{where}: {_text(exc)}")
        if isinstance(exc, MastodonNotFoundError):
            return NotFound(f"{where}: not found ({_text(exc)})")
        if isinstance(exc, MastodonAPIError):
            status = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else None
            if status is None:
                # Mastodon.py could not parse the body (cut short, HTML from a proxy).
                return TransientError(f"{where}: malformed answer")
            message = _text(exc)
            if status == 403 and any(w in message.lower() for w in SUSPENDED_WORDS):
                return AuthFailed(f"{where}: {message}")
            if 400 <= status < 500:
                return Rejected(f"{where}: {message}")
            return TransientError(f"{where}: {message}")
        if isinstance(exc, MastodonIllegalArgumentError):
            return Rejected(f"{where}: {exc}")
        if isinstance(exc, MastodonError):
            return TransientError(f"{where}: {type(exc).__name__}")
        return None


def _text(exc: Exception) -> str:
    """Mastodon.py's errors carry (message, status, reason, error text); show the useful part."""
    parts = [str(a) for a in exc.args[1:] if a is not None] or [str(exc)]
    return " ".join(parts)


def _account(data: Any) -> Account:
    return Account(
        user_id=str(data["id"]),
        handle=storable(data["acct"]),
        name=storable(data.get("display_name") or ""),
        description=storable(html_to_text(str(data.get("note") or ""))),
        url=storable(data.get("url") or ""),
        followers_count=count(data.get("followers_count")),
        following_count=count(data.get("following_count")),
        verified=False,
    )


def _recent(status: Any) -> RecentPost:
    return RecentPost(str(status["id"]), storable(html_to_text(status["content"])),
                      str(status["url"]), created_at=status["created_at"].astimezone(dt.UTC))


def _mention(notification: Any) -> Mention:
    status = notification["status"]
    reply_to = status.get("in_reply_to_id")
    return Mention(
        platform_id=str(status["id"]),
        author=_account(status["account"]),
        text=storable(html_to_text(status["content"])),
        # Mastodon.py gives local time; the rest of the product works in UTC.
        created_at=status["created_at"].astimezone(dt.UTC),
        in_reply_to=str(reply_to) if reply_to else None,
        raw=storable_json(_plain(status)),
    )


def _plain(value: Any) -> Any:
    """Mastodon.py's typed objects as plain JSON-able values (kept as evidence)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
