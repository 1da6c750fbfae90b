"""Fixtures that start the sandbox in-process on a free port (imported by conftest.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest

from inmm_tui.config import Config, parse_config
from inmm_tui.domain.services import Services
from inmm_tui.platforms.bluesky import BlueskyPlatform
from inmm_tui.platforms.linkedin import LinkedInPlatform
from inmm_tui.platforms.mastodon import MastodonPlatform
from inmm_tui.platforms.sandbox import (
    SANDBOX_BLUESKY_CREDENTIALS,
    SANDBOX_LINKEDIN_CREDENTIALS,
    SANDBOX_MASTODON_CREDENTIALS,
    SANDBOX_X_CREDENTIALS,
    Sandbox,
    SandboxControl,
)
from inmm_tui.platforms.sandbox.world import LINKEDIN_ORG_ID
from inmm_tui.platforms.x import XPlatform

TEST_TIMEOUT = 0.5
"""Client timeout in the tests: short, so `slow` faults (delay 1.5 s) time out quickly."""


@dataclass
class RunningSandbox:
    url: str
    control: SandboxControl
    server: Sandbox

    def x(self, name: str = "x", timeout: float = TEST_TIMEOUT) -> XPlatform:
        return XPlatform(name, handle="INMMorg", timeout=timeout, base_url=self.url,
                         **SANDBOX_X_CREDENTIALS)

    def mastodon(self, name: str = "mastodon", timeout: float = TEST_TIMEOUT) -> MastodonPlatform:
        return MastodonPlatform(name, base_url=self.url, timeout=timeout,
                                **SANDBOX_MASTODON_CREDENTIALS)

    def bluesky(self, name: str = "bluesky", timeout: float = TEST_TIMEOUT) -> BlueskyPlatform:
        return BlueskyPlatform(name, handle="inmmorg.bsky.social", base_url=self.url,
                               timeout=timeout, **SANDBOX_BLUESKY_CREDENTIALS)

    def linkedin(self, name: str = "linkedin", timeout: float = TEST_TIMEOUT) -> LinkedInPlatform:
        return LinkedInPlatform(name, organization_id=LINKEDIN_ORG_ID, base_url=self.url,
                                timeout=timeout, **SANDBOX_LINKEDIN_CREDENTIALS)


@pytest.fixture(scope="session")
def _sandbox_server() -> Iterator[Sandbox]:
    server = Sandbox(port=0).start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(_sandbox_server: Sandbox) -> Iterator[RunningSandbox]:
    """A running sandbox with a fresh state: `.url`, `.control` (SandboxControl), `.x()`,
    `.mastodon()` (adapters pointed at it with the sandbox's dummy credentials)."""
    control = SandboxControl(_sandbox_server.url)
    control.reset()
    yield RunningSandbox(_sandbox_server.url, control, _sandbox_server)
    control.clear_faults()


def posted_by_us(sandbox: RunningSandbox, api: str) -> Counter[str]:
    """How many times each text stands on `api` under our account, deleted posts aside."""
    posts = sandbox.control.state()[api]["posts"]
    return Counter(p["text"] for p in posts if p["author"] == "INMMorg" and not p["deleted"])


def one_outlet_config(tmp_path: Path, sandbox: RunningSandbox, name: str, api: str,
                      label: str) -> Config:
    """A configuration with one sandbox outlet speaking `api`, short request timeouts."""
    url = urlparse(sandbox.url)
    return parse_config({
        "inmm": {"database": str(tmp_path / "inmm.db"), "timezone": "America/Chicago"},
        "sandbox": {"host": url.hostname, "port": url.port},
        "daemon": {"request_timeout_seconds": 0.5},
        "outlets": [{"name": name, "kind": "sandbox", "api": api, "label": label}],
    }, tmp_path / "inmm.toml")


def services_with_people(config: Config, clock: object) -> Iterator[Services]:
    """Services on a new database for `config`, with the people of `add_people`; closed
    after the test (for a `people` fixture: `yield from services_with_people(...)`)."""
    from inmm_tui.store.db import open_database
    from tests.conftest import add_people

    db = open_database(config.database_path, create=True)
    services = Services.build(config, db, clock=clock)  # type: ignore[arg-type]
    add_people(services)
    yield services
    db.close()
