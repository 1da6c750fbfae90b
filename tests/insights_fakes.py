"""A small in-memory outlet for the metrics jobs, with a rate limit that can be armed."""

from __future__ import annotations

import datetime as dt

from inmm_tui.platforms.base import Account, Metrics
from inmm_tui.platforms.errors import RateLimited, Rejected


class FakeOutlet:
    """Implements the part of `Platform` the metrics jobs use, and counts the calls."""

    api = "x"

    def __init__(self, name: str = "x", *, followers: int | None = 120,
                 following: int | None = 80):
        self.name = name
        self.followers = followers
        self.following = following
        self.counts: dict[str, Metrics] = {}
        self.calls: list[str] = []
        self.limit_after: int | None = None
        """Raise RateLimited once this many metrics calls have been made."""
        self.reset_at = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)

    def whoami(self) -> Account:
        self.calls.append("whoami")
        return Account("1", "INMMorg", "INMM", followers_count=self.followers,
                       following_count=self.following)

    def metrics(self, platform_id: str) -> Metrics:
        self.calls.append(f"metrics:{platform_id}")
        made = sum(c.startswith("metrics:") for c in self.calls)
        if self.limit_after is not None and made > self.limit_after:
            raise RateLimited("429 Too Many Requests", self.reset_at)
        if platform_id not in self.counts:
            raise Rejected("404 No status found with that ID")
        return self.counts[platform_id]
