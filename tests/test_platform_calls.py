"""Every interface call, on both platforms, through the real tweepy and Mastodon.py code
over HTTP against the sandbox."""

from __future__ import annotations

import datetime as dt

import pytest

from inmm_tui.capabilities import BLOCK, HIDE, REPORT
from inmm_tui.platforms.base import Platform
from inmm_tui.platforms.errors import NotFound, RateLimited, Unsupported
from tests.sandbox_fixtures import RunningSandbox


@pytest.fixture(params=["x", "mastodon"])
def platform(request: pytest.FixtureRequest, sandbox: RunningSandbox) -> Platform:
    return sandbox.x() if request.param == "x" else sandbox.mastodon()


def posts_in(sandbox: RunningSandbox, api: str) -> list[dict]:
    return sandbox.control.state()[api]["posts"]


def test_whoami_is_our_account(platform: Platform) -> None:
    me = platform.whoami()
    assert me.handle == "INMMorg"
    assert me.user_id


def test_publish_reaches_the_platform_and_recent_posts(platform: Platform,
                                                       sandbox: RunningSandbox) -> None:
    first = platform.publish("Annual Meeting registration is open", idempotency_key="k1")
    second = platform.publish("Webinar on Thursday", idempotency_key="k2")
    stored = {p["id"]: p["text"] for p in posts_in(sandbox, platform.api)}
    assert stored == {first.platform_id: "Annual Meeting registration is open",
                      second.platform_id: "Webinar on Thursday"}
    assert first.platform_id in first.url
    recent = platform.recent_posts(limit=10)
    assert [(r.platform_id, r.text) for r in recent] == [
        (second.platform_id, "Webinar on Thursday"),
        (first.platform_id, "Annual Meeting registration is open"),
    ]


def test_publish_in_reply(platform: Platform, sandbox: RunningSandbox) -> None:
    theirs = sandbox.control.post(platform.api, "alice", "@INMMorg when is the deadline?")
    answer = platform.publish("@alice 1 March", idempotency_key="r1", in_reply_to=theirs)
    stored = {p["id"]: p for p in posts_in(sandbox, platform.api)}
    assert stored[answer.platform_id]["in_reply_to"] == theirs


def test_delete(platform: Platform, sandbox: RunningSandbox) -> None:
    post = platform.publish("Withdrawn soon", idempotency_key="d1")
    platform.delete(post.platform_id)
    stored = {p["id"]: p for p in posts_in(sandbox, platform.api)}
    assert stored[post.platform_id]["deleted"] is True
    assert platform.recent_posts() == []
    with pytest.raises(NotFound):
        platform.delete(post.platform_id)


def test_followers_page_through_everyone(platform: Platform, sandbox: RunningSandbox) -> None:
    # More than one page on either platform (Mastodon 80, X 1000 per page).
    count = 1001 if platform.api == "x" else 81
    ids = sandbox.control.add_followers(platform.api, "fan", count)
    seen: list[str] = []
    cursor = None
    pages = 0
    while pages < 5:
        page = platform.followers(cursor)
        seen.extend(a.user_id for a in page.accounts)
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert pages == 2
    assert seen == list(reversed(ids))  # newest first, none twice, none missing


def test_follow_unfollow_and_following(platform: Platform, sandbox: RunningSandbox) -> None:
    fan = sandbox.control.add_follower(platform.api, "matcon_mike", "Mike Chen", "MC&A")
    platform.follow(fan)
    page = platform.following()
    assert [(a.user_id, a.handle, a.name) for a in page.accounts] == [(fan, "matcon_mike",
                                                                       "Mike Chen")]
    assert page.next_cursor is None
    assert sandbox.control.state()[platform.api]["following"] == [fan]
    platform.unfollow(fan)
    assert platform.following().accounts == []


def test_block_breaks_the_follow(platform: Platform, sandbox: RunningSandbox) -> None:
    troll = sandbox.control.add_follower(platform.api, "troll")
    assert platform.capabilities.cannot(BLOCK) is None
    platform.block(troll)
    state = sandbox.control.state()[platform.api]
    assert state["blocks"] == [troll]
    assert troll not in state["followers"]


def test_mentions_since_id_oldest_first(platform: Platform, sandbox: RunningSandbox) -> None:
    ours = platform.publish("Our announcement", idempotency_key="m0")
    first = sandbox.control.post(platform.api, "alice", "Thanks!", in_reply_to=ours.platform_id)
    second = sandbox.control.post(platform.api, "bob", "@INMMorg question about dues")
    sandbox.control.post(platform.api, "carol", "Unrelated chatter")
    mentions = platform.mentions()
    assert [(m.platform_id, m.author.handle, m.text, m.in_reply_to) for m in mentions] == [
        (first, "alice", "Thanks!", ours.platform_id),
        (second, "bob", "@INMMorg question about dues", None),
    ]
    assert all(m.created_at.tzinfo is not None and m.raw for m in mentions)
    assert mentions[0].created_at.utcoffset() == dt.timedelta(0)
    if platform.api == "x":
        assert [m.platform_id for m in platform.mentions(since_id=first)] == [second]
        assert platform.mentions(since_id=second) == []
    else:
        # Mastodon gives its own cursor (a place among its notifications); the ones after
        # the first come again (the store drops them as duplicates), and the new one.
        assert mentions.cursor is not None
        third = sandbox.control.post(platform.api, "dave", "@INMMorg and another")
        again = platform.mentions(since_id=mentions.cursor)
        assert [m.platform_id for m in again] == [second, third]


def test_metrics(platform: Platform, sandbox: RunningSandbox) -> None:
    post = platform.publish("Measured", idempotency_key="x1")
    sandbox.control.set_metrics(platform.api, post.platform_id, reposts=3, replies=2, likes=7,
                                quotes=1, impressions=250)
    metrics = platform.metrics(post.platform_id)
    assert (metrics.reposts, metrics.replies, metrics.likes, metrics.quotes) == (3, 2, 7, 1)
    # Only X reports impressions.
    assert metrics.impressions == (250 if platform.api == "x" else None)


def test_lookup_and_search_find_look_alikes(platform: Platform, sandbox: RunningSandbox) -> None:
    spoof = sandbox.control.add_account(platform.api, "INMM0rg", "INMM Official")
    sandbox.control.add_account(platform.api, "gardening_club")
    assert platform.lookup_user("INMM0rg").user_id == spoof
    assert platform.lookup_user("nobody_here") is None
    found = {a.handle for a in platform.search_accounts("INMMorg")}
    assert "INMM0rg" in found
    assert "gardening_club" not in found


def test_hide_reply_where_declared(platform: Platform, sandbox: RunningSandbox) -> None:
    ours = platform.publish("Our post", idempotency_key="h1")
    reply = sandbox.control.post(platform.api, "rude", "rude words", in_reply_to=ours.platform_id)
    if platform.capabilities.cannot(HIDE):
        with pytest.raises(Unsupported):
            platform.hide_reply(reply)
        return
    platform.hide_reply(reply)
    assert sandbox.control.state()["x"]["hidden"] == [reply]


def test_report_where_declared(platform: Platform, sandbox: RunningSandbox) -> None:
    troll = sandbox.control.add_account(platform.api, "troll")
    post = sandbox.control.post(platform.api, "troll", "@INMMorg spam spam")
    if platform.capabilities.cannot(REPORT):
        with pytest.raises(Unsupported):
            platform.report(troll, "spam", [post])
        return
    reference = platform.report(troll, "Spam, see evidence #12", [post])
    reports = sandbox.control.state()["reports"]
    assert [(r["id"], r["target_account"]["id"], r["comment"], r["status_ids"])
            for r in reports] == [(reference, troll, "Spam, see evidence #12", [post])]


def test_x_follow_limit_gives_rate_limited_with_reset(sandbox: RunningSandbox) -> None:
    sandbox.control.settings(follow_limit=2, follow_window=900)
    platform = sandbox.x()
    ids = sandbox.control.add_followers("x", "fan", 3)
    platform.follow(ids[0])
    platform.follow(ids[1])
    before = dt.datetime.now(dt.UTC)
    with pytest.raises(RateLimited) as raised:
        platform.follow(ids[2])
    assert before + dt.timedelta(seconds=800) < raised.value.reset_at
    assert raised.value.reset_at < before + dt.timedelta(seconds=960)
    assert sandbox.control.state()["x"]["following"] == sorted(ids[:2])


def test_mastodon_idempotency_key_posts_once(sandbox: RunningSandbox) -> None:
    platform = sandbox.mastodon()
    first = platform.publish("Once only", idempotency_key="delivery-7-attempt-1")
    again = platform.publish("Once only", idempotency_key="delivery-7-attempt-1")
    other = platform.publish("Once only", idempotency_key="delivery-8-attempt-1")
    assert again == first
    assert other.platform_id != first.platform_id
    assert len(posts_in(sandbox, "mastodon")) == 2


def test_recent_posts_pages_past_one_page(platform: Platform, sandbox: RunningSandbox) -> None:
    count = 105 if platform.api == "x" else 45  # X pages by 100, Mastodon by 40
    ids = [sandbox.control.post(platform.api, "INMMorg", f"Post {n}") for n in range(count)]
    recent = platform.recent_posts(limit=count - 2)
    assert [r.platform_id for r in recent] == list(reversed(ids))[: count - 2]


def test_sandbox_is_reached_directly_even_with_a_proxy_configured(
        sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # nothing listens there
    assert sandbox.x().whoami().handle == "INMMorg"
    assert sandbox.mastodon().whoami().handle == "INMMorg"
