"""One in-memory outlet implementing the `Platform` protocol for the daemon's tests, built on
the capability model: it honours an Idempotency-Key, refuses duplicate text, hides, blocks
and reports exactly as its API's `Capabilities` say, so a test that runs it as "mastodon"
meets Mastodon's rules and not X's.

Every call is recorded in `calls` as (method, argument), so "exactly once" and "never
before the evidence" can be asserted; `fault` can fail any call (outages, rate limits,
refused tokens), `lose_responses` makes publishes that create the post and then fail as
if the answer was lost."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from inmm_tui.capabilities import BLOCK, HIDE, REPORT, Capabilities, PollRules, for_api
from inmm_tui.domain.polls import Poll
from inmm_tui.platforms.base import (
    Account,
    Mention,
    Mentions,
    Metrics,
    Page,
    Published,
    RecentPost,
)
from inmm_tui.platforms.errors import (
    DuplicateContent,
    RateLimited,
    Rejected,
    TransientError,
    Unsupported,
)


class Crash(Exception):
    """Stands for the daemon being killed in the middle of a run."""


@dataclass
class FakePost:
    platform_id: str
    text: str
    key: str
    created_at: dt.datetime | None = None


class FakePlatform:
    def __init__(self, clock: Callable[[], dt.datetime], *, name: str | None = None,
                 api: str = "x", page_size: int = 10, follow_limit: int | None = None,
                 followers_count: int | None = 120, following_count: int | None = 80,
                 capabilities: Capabilities | None = None):
        self.name = name or api
        self.api = api
        self.capabilities = capabilities or for_api(api)
        """Its API's, or for an outlet the code has never met, any the test declares."""
        self.clock = clock
        self.calls: list[tuple[str, Any]] = []
        self.fault: Callable[[FakePlatform], Exception | None] | None = None
        """Called on each call once recorded; an exception it returns is raised instead."""
        # publishing
        self.posts: list[FakePost] = []
        self.lose_responses = 0
        self.replies_to: dict[str, str | None] = {}
        """Text published → the post it answered (a thread's part, a correction)."""
        """This many publishes create the post, then fail as if the answer was lost."""
        # followers and follows
        self.page_size = page_size
        self.follower_ids: list[str] = []
        self.following_ids: list[str] = []
        self.follow_limit = follow_limit
        """At most this many follows in the API's follow window (None: no limit)."""
        self.follow_times: list[dt.datetime] = []
        self.crash_on_cursor: str | None = None
        self.refuse: set[str] = set()
        """Accounts whose follow the platform refuses (suspended)."""
        # mentions and metrics
        self.mention_list: list[Mention] = []
        self.counts: dict[str, Metrics] = {}
        self.followers_count = followers_count
        self.following_count = following_count

    # ----- test controls --------------------------------------------------------

    @property
    def requests(self) -> list[str]:
        """The methods called, in order."""
        return [method for method, _ in self.calls]

    def count(self, text: str) -> int:
        return sum(1 for p in self.posts if p.text == text)

    def add_followers(self, *user_ids: str) -> None:
        self.follower_ids.extend(user_ids)

    def remove_follower(self, user_id: str) -> None:
        self.follower_ids.remove(user_id)

    def add_mention(self, platform_id: str, text: str, handle: str = "troll",
                    author_id: str = "u-troll") -> Mention:
        mention = Mention(platform_id, Account(author_id, handle, handle.title()), text,
                          self.clock(), "p1", {"id": platform_id, "text": text,
                                                "author_id": author_id})
        self.mention_list.append(mention)
        return mention

    def follows_of(self, user_id: str) -> int:
        return self.calls.count(("follow", user_id))

    def _enter(self, method: str, argument: Any = None) -> None:
        self.calls.append((method, argument))
        if self.fault is not None:
            error = self.fault(self)
            if error is not None:
                raise error

    def _able(self, request: str) -> None:
        why = self.capabilities.cannot(request)
        if why is not None:
            raise Unsupported(f"{self.name}: {why}")

    # ----- Platform -------------------------------------------------------------

    def poll_rules(self, *, fresh: bool = False) -> PollRules | None:
        return None  # no server of its own: the capabilities' documented limits stand

    def whoami(self) -> Account:
        self._enter("whoami")
        return Account("1", "INMMorg", "INMM", followers_count=self.followers_count,
                       following_count=self.following_count)

    def publish(self, text: str, *, idempotency_key: str,
                in_reply_to: str | None = None, poll: Poll | None = None) -> Published:
        self._enter("publish", text)
        self.replies_to[text] = in_reply_to
        if self.capabilities.idempotent_posting:
            for post in self.posts:
                if post.key == idempotency_key:
                    return self._published(post)
        if self.capabilities.refuses_duplicates and self.posts and self.posts[-1].text == text:
            raise DuplicateContent("You are not allowed to create a Tweet with duplicate content.")
        post = FakePost(str(1000 + len(self.posts)), text, idempotency_key, self.clock())
        self.posts.append(post)
        if self.lose_responses:
            self.lose_responses -= 1
            raise TransientError("connection reset while reading the response")
        return self._published(post)

    def recent_posts(self, limit: int = 50) -> list[RecentPost]:
        self._enter("recent_posts", limit)
        return [RecentPost(p.platform_id, p.text, self._published(p).url, p.created_at)
                for p in reversed(self.posts[-limit:])]

    def posted_text(self, post: RecentPost) -> str:
        return post.text  # kept exactly: no call to make

    def _published(self, post: FakePost) -> Published:
        return Published(post.platform_id, f"https://{self.name}.example/{post.platform_id}")

    def _page(self, ids: list[str], cursor: str | None) -> Page:
        start = int(cursor or 0)
        chunk = ids[start:start + self.page_size]
        end = start + len(chunk)
        return Page([Account(uid, f"h{uid}", f"Name {uid}") for uid in chunk],
                    str(end) if end < len(ids) else None)

    def followers(self, cursor: str | None = None) -> Page:
        self._enter("followers", cursor)
        if self.crash_on_cursor is not None and cursor == self.crash_on_cursor:
            self.crash_on_cursor = None
            raise Crash(f"killed while fetching the page at {cursor}")
        return self._page(self.follower_ids, cursor)

    def following(self, cursor: str | None = None) -> Page:
        self._enter("following", cursor)
        return self._page(self.following_ids, cursor)

    def follow(self, user_id: str) -> None:
        now = self.clock()
        if self.follow_limit is not None:  # refused before it counts as a follow call
            window = self.capabilities.follow_limit[1]
            recent = [t for t in self.follow_times if t > now - window]
            if len(recent) >= self.follow_limit:
                raise RateLimited("too many follows", min(recent) + window)
        self._enter("follow", user_id)
        if user_id in self.refuse:
            raise Rejected("this account is suspended")
        self.follow_times.append(now)
        if user_id not in self.following_ids:
            self.following_ids.append(user_id)

    def unfollow(self, user_id: str) -> None:
        self._enter("unfollow", user_id)
        if user_id in self.following_ids:
            self.following_ids.remove(user_id)

    def hide_reply(self, platform_id: str) -> None:
        self._enter("hide_reply", platform_id)
        self._able(HIDE)

    def block(self, user_id: str) -> None:
        self._enter("block", user_id)
        self._able(BLOCK)

    def report(self, user_id: str, reason: str, platform_ids: list[str] | None = None) -> str:
        self._enter("report", user_id)
        self._able(REPORT)
        return f"report-{user_id}"

    def mentions(self, since_id: str | None = None) -> Mentions:
        self._enter("mentions", since_id)
        ids = [m.platform_id for m in self.mention_list]
        start = ids.index(since_id) + 1 if since_id in ids else 0
        return Mentions(self.mention_list[start:start + 5])

    def metrics(self, platform_id: str) -> Metrics:
        self._enter("metrics", platform_id)
        if platform_id not in self.counts:
            raise Rejected("404 No status found with that ID")
        return self.counts[platform_id]

    def lookup_user(self, handle: str) -> Account | None:
        self._enter("lookup_user", handle)
        return None
