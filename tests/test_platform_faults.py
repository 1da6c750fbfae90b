"""Every fault the sandbox can inject is turned into the right error of ours, on both
platforms, through the real client libraries."""

from __future__ import annotations

import datetime as dt
import socket

import pytest

from inmm_tui.platforms.errors import (
    AuthFailed,
    DuplicateContent,
    PlatformError,
    RateLimited,
    Rejected,
    TransientError,
)
from inmm_tui.platforms.mastodon import MastodonPlatform
from inmm_tui.platforms.sandbox import SANDBOX_MASTODON_CREDENTIALS, SANDBOX_X_CREDENTIALS
from inmm_tui.platforms.x import XPlatform
from tests.sandbox_fixtures import RunningSandbox

APIS = ["x", "mastodon"]
EXPECTED = {
    "unavailable": TransientError,
    "rate_limit": RateLimited,
    "slow": TransientError,
    "truncated": TransientError,
    "non_json": TransientError,
    "lost": TransientError,
    "unauthorized": AuthFailed,
}


def adapter(sandbox: RunningSandbox, api: str) -> XPlatform | MastodonPlatform:
    platform = sandbox.x() if api == "x" else sandbox.mastodon()
    platform.whoami()  # so that the fault hits the call under test, not the id look-up
    return platform


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_fault_on_publish_maps_to_our_error(sandbox: RunningSandbox, api: str, kind: str) -> None:
    platform = adapter(sandbox, api)
    sandbox.control.fault(kind, api=api, method="POST", delay=1.5)
    with pytest.raises(PlatformError) as raised:
        platform.publish(f"Text under fault {kind}", idempotency_key=f"key-{kind}")
    assert type(raised.value) is EXPECTED[kind]
    assert "\n" not in str(raised.value)
    assert str(raised.value).startswith(f"{api}: publish:")


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_fault_on_a_read_maps_to_our_error(sandbox: RunningSandbox, api: str, kind: str) -> None:
    platform = adapter(sandbox, api)
    sandbox.control.fault(kind, api=api, method="GET", delay=1.5)
    with pytest.raises(PlatformError) as raised:
        platform.followers()
    assert type(raised.value) is EXPECTED[kind]


@pytest.mark.parametrize("api", APIS)
def test_rate_limit_carries_the_reset_time(sandbox: RunningSandbox, api: str) -> None:
    platform = adapter(sandbox, api)
    sandbox.control.fault("rate_limit", api=api, reset_in=600)
    before = dt.datetime.now(dt.UTC)
    with pytest.raises(RateLimited) as raised:
        platform.mentions()
    expected = before + dt.timedelta(seconds=600)
    assert abs((raised.value.reset_at - expected).total_seconds()) < 5


@pytest.mark.parametrize("api", APIS)
def test_503_for_n_requests_then_success(sandbox: RunningSandbox, api: str) -> None:
    platform = adapter(sandbox, api)
    sandbox.control.fault("unavailable", api=api, count=2)
    for _ in range(2):
        with pytest.raises(TransientError):
            platform.recent_posts()
    assert platform.recent_posts() == []


@pytest.mark.parametrize("api", APIS)
def test_503_for_a_time(sandbox: RunningSandbox, api: str) -> None:
    platform = adapter(sandbox, api)
    sandbox.control.fault("unavailable", api=api, seconds=300)
    for _ in range(3):
        with pytest.raises(TransientError):
            platform.recent_posts()
    sandbox.control.clear_faults()
    assert platform.recent_posts() == []


def test_x_duplicate_content(sandbox: RunningSandbox) -> None:
    platform = adapter(sandbox, "x")
    sandbox.control.fault("duplicate", api="x")
    with pytest.raises(DuplicateContent):
        platform.publish("Looks new", idempotency_key="a")
    # And X's own check: the same text twice.
    platform.publish("Said once", idempotency_key="b")
    with pytest.raises(DuplicateContent):
        platform.publish("Said once", idempotency_key="c")
    assert [p["text"] for p in sandbox.control.state()["x"]["posts"]] == ["Said once"]


def test_x_lost_answer_is_transient_and_the_post_is_found_again(sandbox: RunningSandbox) -> None:
    platform = adapter(sandbox, "x")
    sandbox.control.fault("lost", api="x", method="POST", path="/2/tweets")
    with pytest.raises(TransientError):
        platform.publish("Did it go out?", idempotency_key="k")
    # The daemon reconciles through the account's recent posts before any retry.
    assert [r.text for r in platform.recent_posts()] == ["Did it go out?"]


@pytest.mark.parametrize("kind", ["lost", "truncated", "slow"])
def test_mastodon_retry_with_the_same_key_does_not_post_twice(sandbox: RunningSandbox,
                                                              kind: str) -> None:
    platform = adapter(sandbox, "mastodon")
    sandbox.control.fault(kind, api="mastodon", method="POST", delay=1.5)
    with pytest.raises(TransientError):
        platform.publish("Exactly once", idempotency_key="delivery-3-attempt-1")
    again = platform.publish("Exactly once", idempotency_key="delivery-3-attempt-1")
    posts = sandbox.control.state()["mastodon"]["posts"]
    assert [(p["id"], p["text"]) for p in posts] == [(again.platform_id, "Exactly once")]


@pytest.mark.parametrize("api", APIS)
def test_too_long_is_rejected(sandbox: RunningSandbox, api: str) -> None:
    platform = adapter(sandbox, api)
    with pytest.raises(Rejected) as raised:
        platform.publish("x" * 600, idempotency_key="long")
    assert not isinstance(raised.value, DuplicateContent)


@pytest.mark.parametrize("api", APIS)
def test_wrong_token_is_auth_failed(sandbox: RunningSandbox, api: str) -> None:
    if api == "x":
        platform = XPlatform("x", handle="INMMorg", timeout=1, base_url=sandbox.url,
                             **{**SANDBOX_X_CREDENTIALS, "access_token": "1-revoked"})
    else:
        platform = MastodonPlatform("mastodon", access_token="revoked", base_url=sandbox.url,
                                    timeout=1)
    with pytest.raises(AuthFailed):
        platform.whoami()


@pytest.mark.parametrize("api", APIS)
def test_connection_refused_is_transient(api: str) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    if api == "x":
        platform = XPlatform("x", handle="INMMorg", timeout=1, base_url=url,
                             **SANDBOX_X_CREDENTIALS)
    else:
        platform = MastodonPlatform("mastodon", base_url=url, timeout=1,
                                    **SANDBOX_MASTODON_CREDENTIALS)
    with pytest.raises(TransientError):
        platform.whoami()


def test_a_429_without_reset_header_waits_a_full_window() -> None:
    from inmm_tui.platforms.common import RATE_LIMIT_FALLBACK, reset_time

    before = dt.datetime.now(dt.UTC)
    assert before + RATE_LIMIT_FALLBACK <= reset_time(None) <= before + RATE_LIMIT_FALLBACK * 2
    # A reset already in the past (clock skew) never yields a time behind us.
    assert reset_time(before.timestamp() - 60) > before
