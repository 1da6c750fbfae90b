"""The replay server, started once, emptied before each test; adapters pointed at it the
way tests/sandbox_fixtures.py points them at the sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from inmm_tui.platforms.mastodon import MastodonPlatform
from inmm_tui.platforms.x import XPlatform
from tests.replay.server import ReplayServer

TIMEOUT = 2.0
# Tokens the server never checks; tweepy signs with them (OAuth 1.0a), Mastodon.py sends one.
X_TOKENS = {"consumer_key": "replay-consumer-key", "consumer_secret": "replay-consumer-secret",
            "access_token": "1456123098765432832-replayAccessToken",
            "access_token_secret": "replay-access-token-secret"}
MASTODON_TOKEN = "replay-mastodon-access-token"


@dataclass
class Replay:
    server: ReplayServer

    def serve(self, *names: str) -> None:
        self.server.serve(*names)

    def x(self) -> XPlatform:
        return XPlatform("x", handle="INMMorg", timeout=TIMEOUT, base_url=self.server.url,
                         **X_TOKENS)

    def mastodon(self) -> MastodonPlatform:
        return MastodonPlatform("mastodon", access_token=MASTODON_TOKEN,
                                base_url=self.server.url, timeout=TIMEOUT)


@pytest.fixture(scope="session")
def _replay_server() -> Iterator[ReplayServer]:
    server = ReplayServer().start()
    yield server
    server.stop()


@pytest.fixture
def replay(_replay_server: ReplayServer) -> Iterator[Replay]:
    """`.serve("x/get_me", ...)` loads fixtures; `.x()` / `.mastodon()` build adapters;
    `.server.requests` is what the client sent. Fails the test if the client asked for
    anything no fixture answers."""
    _replay_server.reset()
    yield Replay(_replay_server)
    unmatched = [f"{r.method} {r.path}?{r.query}" for r in _replay_server.unmatched]
    assert not unmatched, f"requests no fixture answered: {unmatched}"
