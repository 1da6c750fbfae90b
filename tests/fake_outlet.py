"""An in-memory outlet implementing the `Platform` protocol's publishing side, with the
faults the daemon must survive: outages, rate limits, lost responses, refused tokens."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from inmm_tui.platforms.base import Account, Mention, Metrics, Page, Published, RecentPost
from inmm_tui.platforms.errors import DuplicateContent, TransientError


@dataclass
class FakePost:
    platform_id: str
    text: str
    key: str
    created_at: dt.datetime | None = None


@dataclass
class FakePlatform:
    name: str
    api: str
    clock: Callable[[], dt.datetime]
    posts: list[FakePost] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    """Every call, by method name, in order."""
    fault: Callable[[FakePlatform], Exception | None] | None = None
    """Called before each request; an exception it returns is raised instead of answering."""
    lose_responses: int = 0
    """This many publishes create the post, then fail as if the response was lost."""

    def _enter(self, method: str) -> None:
        self.requests.append(method)
        if self.fault is not None:
            error = self.fault(self)
            if error is not None:
                raise error

    def publish(self, text: str, *, idempotency_key: str,
                in_reply_to: str | None = None) -> Published:
        self._enter("publish")
        if self.api == "mastodon":
            for post in self.posts:
                if post.key == idempotency_key:  # the Idempotency-Key is honoured
                    return self._published(post)
        elif self.posts and self.posts[-1].text == text:
            raise DuplicateContent("You are not allowed to create a Tweet with duplicate content.")
        post = FakePost(str(1000 + len(self.posts)), text, idempotency_key, self.clock())
        self.posts.append(post)
        if self.lose_responses:
            self.lose_responses -= 1
            raise TransientError("connection reset while reading the response")
        return self._published(post)

    def whoami(self) -> Account:
        self._enter("whoami")
        return Account(user_id="1", handle="INMMorg")

    def followers(self, cursor: str | None = None) -> Page:
        self._enter("followers")
        return Page([], None)

    def following(self, cursor: str | None = None) -> Page:
        self._enter("following")
        return Page([], None)

    def mentions(self, since_id: str | None = None) -> list[Mention]:
        self._enter("mentions")
        return []

    def metrics(self, platform_id: str) -> Metrics:
        self._enter("metrics")
        return Metrics(likes=1)

    def lookup_user(self, handle: str) -> Account | None:
        self._enter("lookup_user")
        return None

    def recent_posts(self, limit: int = 50) -> list[RecentPost]:
        self._enter("recent_posts")
        return [RecentPost(p.platform_id, p.text, self._published(p).url, p.created_at)
                for p in reversed(self.posts[-limit:])]

    def posted_text(self, post: RecentPost) -> str:
        return post.text  # kept exactly: no call to make

    def count(self, text: str) -> int:
        return sum(1 for p in self.posts if p.text == text)

    def _published(self, post: FakePost) -> Published:
        return Published(post.platform_id, f"https://{self.name}.example/{post.platform_id}")
