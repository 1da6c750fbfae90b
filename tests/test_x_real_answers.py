"""Issue 13, the X side: the answers X really gives, built from X's published shapes (each
labelled where it is built, in `inmm_tui/platforms/sandbox/x_limits.py` and `x_api.py`),
served by the sandbox to the real tweepy client and our adapter, and what the daemon
does with them.

- defect 1: a mention's text reaches screening as it was posted (X escapes `&<>` and
  wraps every link in t.co; the destination is only in `entities.urls`);
- defect 3: a 429 from the 24-hour posting cap waits for `x-user-limit-24hour-reset`, not
  the 15-minute `x-rate-limit-reset`; the monthly cap (`UsageCapExceeded`) pauses the
  outlet and alerts HQ;
- defect 4: a 403 `client-not-enrolled` (the plan lacks the endpoint) is `NotInPlan`, an
  `Unsupported`, not `AuthFailed`: shown on the item and in governance, the rest goes on;
- defect 5: a 200 whose JSON is not the endpoint's shape is a `TransientError`.
"""

from __future__ import annotations

import datetime as dt

import pytest
import requests
from inmm_daemon import follow_back
from inmm_daemon import moderation as jobs

from inmm_tui.domain.governance_view import GovernanceView
from inmm_tui.domain.services import Services
from inmm_tui.platforms.errors import (
    AuthFailed,
    NotInPlan,
    RateLimited,
    TransientError,
    Unsupported,
    UsageCapped,
)
from inmm_tui.platforms.x import XPlatform
from inmm_tui.screening.bridge import incoming_screener_for
from inmm_tui.timeutil import utcnow

from .conftest import FakeClock
from .daemon_helpers import publisher, queue_posts
from .sandbox_fixtures import RunningSandbox

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def clock() -> FakeClock:
    # The sandbox's reset times are real times: start the fake clock at now.
    return FakeClock(utcnow().replace(microsecond=0))


def x(sandbox: RunningSandbox) -> XPlatform:
    platform = sandbox.x(timeout=5)
    platform.whoami()  # so that a fault hits the call under test, not the id look-up
    return platform


def raw(sandbox: RunningSandbox, path: str, **params: str) -> requests.Response:
    """An X endpoint as tweepy's own session calls it (signed), without our adapter."""
    from tweepy import OAuth1UserHandler

    client = sandbox.x().client
    auth = OAuth1UserHandler(client.consumer_key, client.consumer_secret, client.access_token,
                             client.access_token_secret).apply_auth()
    return client.session.get(f"https://api.twitter.com{path}", params=params, auth=auth)


# ---- defect 1: what screening sees of an X mention ------------------------------------------

REPLY = "@INMMorg compare https://shop.mirion.com/products/falcon & <the others>"
"""Blocked by the incoming screen for its order link alone: as X delivers it (t.co, and
`&amp;`) it would pass."""


def test_an_x_mention_is_screened_with_its_real_link_and_text(
        roster: Services, sandbox: RunningSandbox) -> None:
    screen = incoming_screener_for(roster.config)
    assert screen(REPLY).verdict == "block"
    sandbox.control.post("x", "vendor", REPLY)
    platform = x(sandbox)

    jobs.ingest_mentions(roster, platform, "x")

    text, verdict = roster.db.conn.execute("SELECT text, verdict FROM mentions").fetchone()
    assert text == REPLY and verdict == "block"
    # As X sent it: escaped, the link behind t.co; screened so, it would have passed.
    (mention,) = platform.mentions()
    delivered = mention.raw["tweet"]["text"]
    assert "https://t.co/" in delivered and "&amp; &lt;the others&gt;" in delivered
    assert "shop.mirion.com" not in delivered and screen(delivered).verdict == "pass"


# ---- defect 3: the 24-hour and monthly caps -------------------------------------------------

def test_the_24_hour_cap_waits_for_its_own_reset_not_the_15_minute_one(
        sandbox: RunningSandbox) -> None:
    platform = x(sandbox)
    sandbox.control.fault("daily_cap", api="x", method="POST", reset_in=20 * 3600)
    with pytest.raises(RateLimited) as caught:
        platform.publish("One more", idempotency_key="k")
    # The 15-minute window (x-rate-limit-reset) is not spent; the 24-hour one is.
    assert caught.value.reset_at > utcnow() + 19 * HOUR
    assert not isinstance(caught.value, UsageCapped)


def test_the_sandbox_counts_the_24_hour_posting_cap(sandbox: RunningSandbox) -> None:
    platform = x(sandbox)
    sandbox.control.settings(x_daily_posts=2)
    platform.publish("first", idempotency_key="1")
    platform.publish("second", idempotency_key="2")
    with pytest.raises(RateLimited) as caught:
        platform.publish("third", idempotency_key="3")
    assert utcnow() + 23 * HOUR < caught.value.reset_at <= utcnow() + 24 * HOUR + HOUR
    assert len([p for p in sandbox.control.state()["x"]["posts"]
                if not p["deleted"]]) == 2


def test_the_publisher_waits_out_the_24_hour_cap_in_one_call(
        roster: Services, clock: FakeClock, sandbox: RunningSandbox) -> None:
    posts = queue_posts(roster, 3)
    sandbox.control.fault("daily_cap", api="x", method="POST", reset_in=10 * 3600)
    pub = publisher(roster, {"x": sandbox.x(timeout=5), "mastodon": sandbox.mastodon()})

    pub.run(seconds=30)

    assert sandbox.control.requests("x POST /2/tweets") == 1
    assert clock.now + 9 * HOUR < pub.next_due() <= clock.now + 11 * HOUR
    assert all(d.state == "pending" and d.attempts == 0 for p in posts
               for d in roster.posts.deliveries(p) if d.outlet == "x")
    assert not roster.db.conn.execute("SELECT count(*) FROM alerts").fetchone()[0]


def test_the_monthly_cap_is_usage_capped(sandbox: RunningSandbox) -> None:
    platform = x(sandbox)
    sandbox.control.fault("usage_cap", api="x")
    with pytest.raises(UsageCapped) as caught:
        platform.mentions()
    assert caught.value.reset_at > utcnow() + 23 * HOUR
    assert "Monthly product cap" in str(caught.value)


def test_after_the_monthly_cap_no_job_calls_x_again_until_the_probe(
        sandbox: RunningSandbox) -> None:
    platform = x(sandbox)
    sandbox.control.fault("usage_cap", api="x", method="GET")
    with pytest.raises(UsageCapped):
        platform.mentions()
    before = sandbox.control.requests("x ")
    for call in (platform.followers, platform.mentions, lambda: platform.metrics("1")):
        with pytest.raises(UsageCapped, match="not asked before"):
            call()
    assert sandbox.control.requests("x ") == before


def test_a_spent_monthly_cap_pauses_the_outlet_and_alerts_hq(
        roster: Services, clock: FakeClock, sandbox: RunningSandbox) -> None:
    first, second = queue_posts(roster, 2)
    sandbox.control.fault("usage_cap", api="x", method="POST", path="/2/tweets")
    pub = publisher(roster, {"x": sandbox.x(timeout=5), "mastodon": sandbox.mastodon()})

    pub.run(seconds=30)

    waiting = [d for p in (first, second) for d in roster.posts.deliveries(p) if d.outlet == "x"]
    assert [d.state for d in waiting] == ["pending", "pending"]
    assert "usage cap" in (waiting[0].last_error or "")
    # One call reached X: the outlet waits as a whole, about a day, not counted as attempts.
    assert sandbox.control.requests("x POST /2/tweets") == 1
    assert pub.next_due() is not None and pub.next_due() > clock.now + 23 * HOUR
    assert all(d.attempts == 0 for d in waiting)
    (kind, message), = roster.db.conn.execute(
        "SELECT kind, message FROM alerts WHERE subject = 'outlet:x'").fetchall()
    assert kind == "usage_capped" and "monthly usage cap" in message
    # Mastodon is not held back.
    assert all(d.state == "sent" for p in (first, second) for d in roster.posts.deliveries(p)
               if d.outlet == "mastodon")
    limits = GovernanceView(roster.db, roster.config, roster.clock).plan_limits()
    assert [(limit.outlet, limit.operation) for limit in limits] == [("x", "monthly usage cap")]


# ---- defect 4: the plan's tiers -------------------------------------------------------------

def test_a_tier_refusal_is_not_in_plan_not_the_credentials(sandbox: RunningSandbox) -> None:
    platform = x(sandbox)
    sandbox.control.fault("not_enrolled", api="x")
    with pytest.raises(NotInPlan) as caught:
        platform.block("123")
    assert isinstance(caught.value, Unsupported) and not isinstance(caught.value, AuthFailed)
    assert caught.value.operation == "block"
    assert "plan" in str(caught.value) and "Appropriate Level of API Access" in str(caught.value)


def test_a_basic_plan_lacks_follower_lists_and_blocking_but_posts(
        sandbox: RunningSandbox) -> None:
    platform = x(sandbox)
    sandbox.control.settings(x_plan="basic")
    with pytest.raises(NotInPlan):
        platform.followers()
    with pytest.raises(NotInPlan):
        platform.block(sandbox.control.add_account("x", "troll"))
    assert platform.publish("Still posting", idempotency_key="k").platform_id
    assert platform.mentions() == []


def test_a_post_the_plan_refuses_fails_alone_and_shows_in_governance(
        roster: Services, clock: FakeClock, sandbox: RunningSandbox) -> None:
    first, second = queue_posts(roster, 2)
    sandbox.control.fault("not_enrolled", api="x", method="POST", path="/2/tweets")
    pub = publisher(roster, {"x": sandbox.x(timeout=5), "mastodon": sandbox.mastodon()})

    pub.run(seconds=30)

    (refused,) = [d for d in roster.posts.deliveries(first) if d.outlet == "x"]
    (after,) = [d for d in roster.posts.deliveries(second) if d.outlet == "x"]
    assert refused.state == "failed" and "plan" in (refused.last_error or "")
    assert after.state == "sent"  # publishing went on
    kinds = [k for (k,) in roster.db.conn.execute("SELECT kind FROM alerts")]
    assert "credentials_refused" not in kinds and "plan_refused" in kinds
    limits = GovernanceView(roster.db, roster.config, roster.clock).plan_limits()
    assert [(limit.outlet, limit.operation) for limit in limits] == [("x", "publish")]


def test_follow_back_on_a_basic_plan_still_performs_the_requests(
        roster: Services, sandbox: RunningSandbox, clock: FakeClock) -> None:
    org = sandbox.control.add_account("x", "nrc")
    troll = sandbox.control.add_account("x", "troll")
    platform = x(sandbox)
    platform.follow(troll)
    follow_back.run(roster, platform, "x")  # whom we follow, while the plan allows it
    sandbox.control.settings(x_plan="basic")
    roster.follows.block("hq", "x", troll, "abuse")
    roster.follows.follow_organisation("hq", "x", org, "nrc", why="regulator",
                                       organisation=True)

    report = follow_back.run(roster, platform, "x")

    assert "not in the plan" in report.stopped
    state = sandbox.control.state()["x"]
    assert org in state["following"] and troll not in state["blocks"]
    error = roster.db.conn.execute(
        "SELECT action_error FROM following WHERE user_id = ?", (troll,)).fetchone()[0]
    assert "plan" in error
    assert roster.follows.pending_actions("x") == []  # withdrawn with the reason, not retried
    limits = GovernanceView(roster.db, roster.config, roster.clock).plan_limits()
    assert {limit.operation for limit in limits} == {"block", "following"}


def test_a_block_the_plan_lacks_is_shown_on_the_item_and_in_governance(
        roster: Services, sandbox: RunningSandbox) -> None:
    sandbox.control.post("x", "vendor", REPLY)
    platform = x(sandbox)
    jobs.ingest_mentions(roster, platform, "x")
    (item_id,) = [i for (i,) in roster.db.conn.execute("SELECT id FROM moderation_items")]
    roster.moderation.request_block("hq", item_id, "advertising")
    sandbox.control.settings(x_plan="basic")  # blocking is Enterprise-only

    report = jobs.perform_requests(roster, platform, "x")

    assert report.failed == 1 and report.stopped == ""
    error = roster.db.conn.execute(
        "SELECT action_error FROM moderation_items WHERE id = ?", (item_id,)).fetchone()[0]
    assert error.startswith("block: ") and "plan" in error
    assert sandbox.control.state()["x"]["blocks"] == []
    limits = GovernanceView(roster.db, roster.config, roster.clock).plan_limits()
    assert [(limit.outlet, limit.operation) for limit in limits] == [("x", "block")]
    assert "credentials_refused" not in [k for (k,) in roster.db.conn.execute(
        "SELECT kind FROM alerts")]


# ---- defect 5: a 200 with the wrong shape ----------------------------------------------------

CALLS = {
    "publish": lambda p: p.publish("Hello", idempotency_key="k"),
    "delete": lambda p: p.delete("1500000000000001001"),
    "whoami": lambda p: p.whoami(),
    "recent_posts": lambda p: p.recent_posts(),
    "followers": lambda p: p.followers(),
    "following": lambda p: p.following(),
    "follow": lambda p: p.follow("1500000000000001001"),
    "unfollow": lambda p: p.unfollow("1500000000000001001"),
    "hide_reply": lambda p: p.hide_reply("1500000000000001001"),
    "block": lambda p: p.block("1500000000000001001"),
    "mentions": lambda p: p.mentions(),
    "metrics": lambda p: p.metrics("1500000000000001001"),
    "lookup_user": lambda p: p.lookup_user("someone"),
    "search_accounts": lambda p: p.search_accounts("INMMorg"),
}


@pytest.mark.parametrize("call", sorted(CALLS))
def test_a_wrong_shaped_200_is_transient(sandbox: RunningSandbox, call: str) -> None:
    platform = x(sandbox)
    sandbox.control.fault("wrong_shape", api="x", count=20)
    with pytest.raises(TransientError, match="malformed"):
        CALLS[call](platform)


def test_an_empty_object_is_not_an_empty_last_page(sandbox: RunningSandbox) -> None:
    from inmm_tui.platforms.x import _listing

    assert _listing({"meta": {"result_count": 0}}) == ([], None)  # X's real empty page
    for body in ({}, {"data": []}, {"meta": {"result_count": 2}},
                 {"data": {"id": "1"}, "meta": {"result_count": 1}},
                 {"data": [], "meta": {"result_count": 0, "next_token": 7}}):
        with pytest.raises(ValueError):
            _listing(body)


# ---- the sandbox answers as X does -----------------------------------------------------------

def test_users_carry_only_the_default_fields_unless_asked(sandbox: RunningSandbox) -> None:
    plain = raw(sandbox, "/2/users/me").json()["data"]
    assert set(plain) == {"id", "name", "username"}
    asked = raw(sandbox, "/2/users/me", **{"user.fields": "public_metrics"}).json()["data"]
    assert set(asked) == {"id", "name", "username", "public_metrics"}


def test_mentions_expand_authors_only_when_asked(sandbox: RunningSandbox) -> None:
    sandbox.control.post("x", "fan", "@INMMorg hello")
    path = f"/2/users/{sandbox.control.state()['x']['me']}/mentions"
    assert "includes" not in raw(sandbox, path).json()
    body = raw(sandbox, path, expansions="author_id").json()
    assert [u["username"] for u in body["includes"]["users"]] == ["fan"]


def test_pagination_tokens_are_opaque_and_checked(sandbox: RunningSandbox) -> None:
    sandbox.control.add_followers("x", "fan", 3)
    path = f"/2/users/{sandbox.control.state()['x']['me']}/followers"
    first = raw(sandbox, path, max_results="2").json()
    token = first["meta"]["next_token"]
    assert not token.isdigit() and token.isalnum() and token == token.lower()
    rest = raw(sandbox, path, max_results="2", pagination_token=token).json()
    assert rest["meta"]["result_count"] == 1 and "next_token" not in rest["meta"]
    assert raw(sandbox, path, pagination_token="1234").status_code == 400
    # And the adapter pages to the end with them.
    platform = x(sandbox)
    page = platform.followers()
    assert len(page.accounts) == 3 and page.next_cursor is None


def test_normal_answers_carry_rate_limit_headers(sandbox: RunningSandbox) -> None:
    first = raw(sandbox, "/2/users/me")
    second = raw(sandbox, "/2/users/me")
    assert first.status_code == 200
    assert int(first.headers["x-rate-limit-limit"]) > 0
    assert int(second.headers["x-rate-limit-remaining"]) == \
        int(first.headers["x-rate-limit-remaining"]) - 1
    assert int(first.headers["x-rate-limit-reset"]) > utcnow().timestamp()


def test_the_sandbox_refuses_a_plan_it_does_not_know(sandbox: RunningSandbox) -> None:
    from inmm_tui.platforms.sandbox.control import SandboxError

    with pytest.raises(SandboxError, match="x_plan: expected one of free, basic"):
        sandbox.control.settings(x_plan="gold")
    with pytest.raises(SandboxError, match="x_daily_posts"):
        sandbox.control.settings(x_daily_posts="many")


def test_a_plan_refusal_has_x_shape(sandbox: RunningSandbox) -> None:
    sandbox.control.settings(x_plan="basic")
    answer = raw(sandbox, f"/2/users/{sandbox.control.state()['x']['me']}/followers")
    assert answer.status_code == 403
    body = answer.json()
    assert body["reason"] == "client-not-enrolled"
    assert body["type"] == "https://api.twitter.com/2/problems/client-forbidden"


# ---- the sandbox outlet's plan, from the configuration ----------------------------------------

def _config_with(tmp_path, **x_outlet):  # type: ignore[no-untyped-def]
    from inmm_tui.config import parse_config

    outlets = [{"name": "x", "kind": "sandbox", "api": "x", **x_outlet},
               {"name": "mastodon", "kind": "sandbox", "api": "mastodon"}]
    return parse_config({"inmm": {"database": str(tmp_path / "inmm.db")}, "outlets": outlets},
                        tmp_path / "inmm.toml")


def test_a_sandbox_x_outlet_configured_basic_gets_basics_refusals(tmp_path) -> None:
    import dataclasses
    import socket

    from inmm_tui.platforms.factory import build_platform, ensure_sandbox

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = _config_with(tmp_path, plan="basic")
    config = dataclasses.replace(config, sandbox=dataclasses.replace(config.sandbox, port=port))
    started = ensure_sandbox(config)
    assert started is not None
    try:
        platform = build_platform(config.outlets[0], config, None)
        with pytest.raises(NotInPlan):
            platform.followers()
        assert platform.publish("Hello", idempotency_key="k").platform_id
    finally:
        started.stop()


@pytest.mark.parametrize(("outlet", "words"), [
    ({"plan": "gold"}, r"outlets\[0\]\.plan: expected one of free, basic, pro, enterprise"),
    ({"kind": "x", "plan": "basic"}, "only a sandbox outlet imitating a platform"),
])
def test_a_wrong_plan_is_named_in_the_configuration(tmp_path, outlet, words) -> None:
    from inmm_tui.config import ConfigError

    with pytest.raises(ConfigError, match=words):
        _config_with(tmp_path, **outlet)


# ---- the 429 families, read by tweepy from a spec-built answer --------------------------------

def _too_many_requests(headers: dict[str, str], body: dict[str, object]) -> Exception:
    """tweepy's own exception for a 429 with these headers and body, as its client raises it."""
    import json

    import tweepy

    response = requests.Response()
    response.status_code, response.reason = 429, "Too Many Requests"
    response.headers.update(headers)
    response._content = json.dumps(body).encode()
    reset = headers.get("x-rate-limit-reset")
    return tweepy.TooManyRequests(response, reset_time=int(reset) if reset else None)


def test_the_spent_app_24_hour_window_is_the_one_waited_for() -> None:
    # Spec-built (labelled): X's 429 body for a rate limit, and its three header families,
    # the 15-minute one with requests left, the user's 24-hour one too, the app's spent.
    now = int(utcnow().timestamp())
    exc = _too_many_requests(
        {"x-rate-limit-limit": "100", "x-rate-limit-remaining": "97",
         "x-rate-limit-reset": str(now + 600),
         "x-user-limit-24hour-limit": "100", "x-user-limit-24hour-remaining": "40",
         "x-user-limit-24hour-reset": str(now + 3600),
         "x-app-limit-24hour-limit": "10000", "x-app-limit-24hour-remaining": "0",
         "x-app-limit-24hour-reset": str(now + 18 * 3600)},
        {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank",
         "status": 429})
    platform = XPlatform("x", handle="INMMorg", timeout=1, consumer_key="k",
                         consumer_secret="s", access_token="1-t", access_token_secret="ts")
    error = platform._translate("publish", exc)
    assert isinstance(error, RateLimited) and "24-hour app" in str(error)
    assert error.reset_at == dt.datetime.fromtimestamp(now + 18 * 3600, dt.UTC)
