"""Capabilities, not platform names: each adapter declares what its platform can do, the
sandbox (speaking the real APIs to the real clients) does exactly that, and the daemon and
the domain ask the capability, so an outlet they have never met plugs in unchanged."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pytest

from inmm_tui.capabilities import (
    BLOCK,
    CAPABILITIES,
    HIDE,
    MASTODON,
    REPORT,
    Capabilities,
    X,
    for_api,
)
from inmm_tui.config import OUTLET_KINDS, PLATFORM_APIS
from inmm_tui.domain.services import Services
from inmm_tui.platforms.base import Platform
from inmm_tui.platforms.bluesky import BlueskyPlatform
from inmm_tui.platforms.errors import DuplicateContent, Rejected, Unsupported
from inmm_tui.platforms.linkedin import LinkedInPlatform
from inmm_tui.platforms.mastodon import MastodonPlatform
from inmm_tui.platforms.x import XPlatform

from .conftest import FakeClock
from .daemon_helpers import drain, fakes, publisher, queue_posts, states
from .fake_platform import FakePlatform
from .sandbox_fixtures import RunningSandbox

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(params=["x", "mastodon", "bluesky", "linkedin"])
def platform(request: pytest.FixtureRequest, sandbox: RunningSandbox) -> Platform:
    return {"x": sandbox.x, "mastodon": sandbox.mastodon, "bluesky": sandbox.bluesky,
            "linkedin": sandbox.linkedin}[request.param]()


def test_each_adapter_declares_the_capabilities_the_domain_reads() -> None:
    adapters = (XPlatform, MastodonPlatform, BlueskyPlatform, LinkedInPlatform)
    assert {a.api: a.capabilities for a in adapters} == CAPABILITIES
    assert all(a.capabilities.api == a.api for a in adapters)
    # An outlet may speak exactly the APIs there are capabilities for.
    assert tuple(CAPABILITIES) == PLATFORM_APIS and ("sandbox", *CAPABILITIES) == OUTLET_KINDS


def test_posting_on_the_sandbox_behaves_as_declared(platform: Platform,
                                                    sandbox: RunningSandbox) -> None:
    caps = platform.capabilities
    first = platform.publish("Registration is open", idempotency_key="k1")
    if caps.idempotent_posting:  # the same key hands back the same post
        assert platform.publish("Registration is open", idempotency_key="k1") == first
    if caps.refuses_duplicates:
        with pytest.raises(DuplicateContent):
            platform.publish("Registration is open", idempotency_key="k2")
    else:
        assert platform.publish("Registration is open", idempotency_key="k2") != first
    longest = platform.publish("a" * caps.max_length, idempotency_key="k3")
    assert longest.platform_id
    with pytest.raises(Rejected):
        platform.publish("b" * (caps.max_length + 1), idempotency_key="k4")


@pytest.mark.parametrize("request_", [HIDE, BLOCK, REPORT])
def test_moderation_on_the_sandbox_is_what_is_declared(
        platform: Platform, sandbox: RunningSandbox, request_: str) -> None:
    ours = platform.publish("Our post", idempotency_key="m1")
    troll = sandbox.control.add_account(platform.api, "troll")
    reply = sandbox.control.post(platform.api, "troll", "@INMMorg rude words",
                                 in_reply_to=ours.platform_id)
    call = {HIDE: lambda: platform.hide_reply(reply), BLOCK: lambda: platform.block(troll),
            REPORT: lambda: platform.report(troll, "spam", [reply])}[request_]
    why = platform.capabilities.cannot(request_)
    assert why == for_api(platform.api).cannot(request_)  # what the domain refuses by
    if why is None:
        call()
    else:
        with pytest.raises(Unsupported):
            call()


def test_what_cannot_be_done_says_what_can() -> None:
    assert X.cannot(HIDE) is None and MASTODON.cannot(REPORT) is None
    assert X.cannot(REPORT) == "X has no report API; report the account on x.com; block or hide instead"
    assert MASTODON.cannot(HIDE) == "Mastodon has no way to hide a reply; block or report instead"
    newcomer = dataclasses.replace(X, api="next", label="Next", moderation=frozenset(), why_not={})
    assert newcomer.cannot(BLOCK) == "the Next API cannot block an account"
    with pytest.raises(ValueError, match="unknown platform api 'myspace'"):
        for_api("myspace")  # the configuration names only known ones


@pytest.mark.parametrize("like", [X, MASTODON], ids=["like-x", "like-mastodon"])
def test_an_outlet_the_daemon_has_never_met_is_reconciled_by_its_capabilities(
        roster: Services, clock: FakeClock, like: Capabilities) -> None:
    """A new platform ("next") declaring idempotent posting gets its post back by reusing
    the key; one that does not is looked for among its recent posts. Either way: one post,
    and no change to the daemon."""
    caps = dataclasses.replace(like, api="next", label="Next")
    (post_id,) = queue_posts(roster, 1)
    outlets = fakes(roster)
    outlets["mastodon"] = fake = FakePlatform(clock, name="mastodon", api="next",
                                              capabilities=caps)
    fake.lose_responses = 1
    pub = publisher(roster, outlets)
    pub.run(seconds=30)
    drain(pub, clock, until=clock.now + dt.timedelta(hours=1))
    assert len(fake.posts) == 1 and states(roster, post_id)["mastodon"] == "sent"
    if caps.idempotent_posting:
        assert fake.requests == ["publish", "publish"]  # the same key, the same post
    else:
        assert fake.requests == ["publish", "recent_posts"]  # found, not re-sent


PLATFORM_NAME_TEST = re.compile(
    r"""\bapi\s*[!=]=\s*["']|[!=]=\s*["'](x|mastodon)["']|["'](x|mastodon)["']\s*[!=]=""")


def test_no_platform_name_is_tested_outside_the_adapters() -> None:
    """Callers ask the capability; only `inmm_tui/platforms` may tell platforms by name."""
    sources = [p for p in [*(ROOT / "inmm_tui").rglob("*.py"), *(ROOT / "daemon").rglob("*.py")]
               if "platforms" not in p.relative_to(ROOT).parts]
    assert len(sources) > 50
    found = [f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
             for p in sources for n, line in enumerate(p.read_text().splitlines(), 1)
             if PLATFORM_NAME_TEST.search(line)]
    assert found == []
