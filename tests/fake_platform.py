"""A small in-memory Platform for the follow-back and moderation tests: pages of
followers, a follow limit per window on the test clock, mentions, and a record of every
call made (so "exactly once" and "never before the evidence" can be asserted)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from inmm_tui.platforms.base import Account, Mention, Page
from inmm_tui.platforms.errors import RateLimited, Rejected

from .conftest import FakeClock


class Crash(Exception):
    """Stands for the daemon being killed in the middle of a run."""


class FakePlatform:
    def __init__(self, clock: FakeClock, *, name: str = "x", api: str = "x", page_size: int = 10,
                 follow_limit: int | None = None, window: dt.timedelta = dt.timedelta(minutes=15)):
        self.name = name
        self.api = api
        self.clock = clock
        self.page_size = page_size
        self.follower_ids: list[str] = []
        self.following_ids: list[str] = []
        self.follow_limit = follow_limit
        self.window = window
        self.calls: list[tuple[str, Any]] = []
        self.follow_times: list[dt.datetime] = []
        self.crash_on_cursor: str | None = None
        self.refuse: set[str] = set()
        self.mention_list: list[Mention] = []

    # ----- test controls --------------------------------------------------------

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
        return sum(1 for name, arg in self.calls if name == "follow" and arg == user_id)

    # ----- Platform -------------------------------------------------------------

    def _page(self, ids: list[str], cursor: str | None) -> Page:
        start = int(cursor or 0)
        chunk = ids[start:start + self.page_size]
        end = start + len(chunk)
        return Page([Account(uid, f"h{uid}", f"Name {uid}") for uid in chunk],
                    str(end) if end < len(ids) else None)

    def followers(self, cursor: str | None = None) -> Page:
        self.calls.append(("followers", cursor))
        if self.crash_on_cursor is not None and cursor == self.crash_on_cursor:
            self.crash_on_cursor = None
            raise Crash(f"killed while fetching the page at {cursor}")
        return self._page(self.follower_ids, cursor)

    def following(self, cursor: str | None = None) -> Page:
        self.calls.append(("following", cursor))
        return self._page(self.following_ids, cursor)

    def follow(self, user_id: str) -> None:
        now = self.clock()
        if self.follow_limit is not None:
            recent = [t for t in self.follow_times if t > now - self.window]
            if len(recent) >= self.follow_limit:
                raise RateLimited("too many follows", min(recent) + self.window)
        self.calls.append(("follow", user_id))
        if user_id in self.refuse:
            raise Rejected("this account is suspended")
        self.follow_times.append(now)
        if user_id not in self.following_ids:
            self.following_ids.append(user_id)

    def unfollow(self, user_id: str) -> None:
        self.calls.append(("unfollow", user_id))
        if user_id in self.following_ids:
            self.following_ids.remove(user_id)

    def block(self, user_id: str) -> None:
        self.calls.append(("block", user_id))

    def hide_reply(self, platform_id: str) -> None:
        self.calls.append(("hide_reply", platform_id))

    def report(self, user_id: str, reason: str, platform_ids: list[str] | None = None) -> str:
        self.calls.append(("report", user_id))
        return f"report-{user_id}"

    def mentions(self, since_id: str | None = None) -> list[Mention]:
        self.calls.append(("mentions", since_id))
        ids = [m.platform_id for m in self.mention_list]
        start = ids.index(since_id) + 1 if since_id in ids else 0
        return self.mention_list[start:start + 5]
