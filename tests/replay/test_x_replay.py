"""Every method of the X adapter, through the real tweepy client, against answers shaped as X
sends them (tests/replay/fixtures/x; where each shape comes from: SOURCES.md)."""

from __future__ import annotations

import datetime as dt

import pytest

from inmm_tui.platforms.errors import (
    AuthFailed,
    DuplicateContent,
    NotFound,
    PlatformError,
    RateLimited,
    Rejected,
    TransientError,
    Unsupported,
)
from tests.replay.conftest import Replay

ME = "1456123098765432832"
ALICE, BOB, GONE = "1287654321987654321", "1122334455667788990", "1599887766554433221"
ANNOUNCE = "1995400000123456789"
M_A, M_B, M_C = "1995412345678901248", "1995409876543210496", "1995398765432109056"
P1, P2, P3 = "1995420000111222333", "1995390000444555666", "1995380000777888999"
NEW_POST = "1995431234567890123"


def in_about(seconds: float, moment: dt.datetime) -> bool:
    """Whether `moment` is `seconds` from now, give or take the test's own running time."""
    delta = (moment - dt.datetime.now(dt.UTC)).total_seconds()
    return seconds - 10 <= delta <= seconds + 1


def fields(value: str | None) -> set[str]:
    return set((value or "").split(","))


# ---- whoami ----------------------------------------------------------------------------------

def test_whoami_reads_our_account(replay: Replay) -> None:
    replay.serve("x/get_me")
    me = replay.x().whoami()
    assert (me.user_id, me.handle, me.name) == (ME, "INMMorg", "INMM")
    assert (me.followers_count, me.following_count) == (4817, 612)
    assert me.description.startswith("Institute of Nuclear Materials Management: safeguards, security & ")
    asked = replay.server.asked("GET", "/2/users/me")[0]
    assert {"public_metrics", "description"} <= fields(asked.param("user.fields"))
    assert asked.headers["authorization"].startswith("OAuth ")  # user context, OAuth 1.0a


def test_whoami_refused_credentials_are_auth_failed(replay: Replay) -> None:
    replay.serve("x/get_me_401")
    with pytest.raises(AuthFailed, match="Unauthorized"):
        replay.x().whoami()


# ---- publish ---------------------------------------------------------------------------------

TEXT = "Registration for the 68th Annual Meeting is open: early rates end 1 March & seats are limited"


def test_publish_sends_the_text_and_reads_the_new_post(replay: Replay) -> None:
    replay.serve("x/create_tweet_201")
    published = replay.x().publish(TEXT, idempotency_key="d-1")
    assert published.platform_id == NEW_POST
    assert published.url == f"https://x.com/INMMorg/status/{NEW_POST}"
    assert replay.server.asked("POST", "/2/tweets")[0].json() == {"text": TEXT}


def test_publish_in_reply_names_the_post(replay: Replay) -> None:
    replay.serve("x/create_tweet_201")
    replay.x().publish("@alice_safeguard 1 March", idempotency_key="r-1", in_reply_to=M_A)
    body = replay.server.asked("POST", "/2/tweets")[0].json()
    assert body["reply"] == {"in_reply_to_tweet_id": M_A}


@pytest.mark.parametrize(("fixture", "error", "words"), [
    ("x/create_tweet_403_duplicate", DuplicateContent, "already posted"),
    ("x/create_tweet_403_reply_not_allowed", Rejected, "not allowed because you have not been mentioned"),
    ("x/create_tweet_400_invalid", Rejected, "reply.in_reply_to_tweet_id"),
    ("x/create_tweet_503_json", TransientError, "503"),
    ("x/create_tweet_503_html", TransientError, "503"),
    ("x/create_tweet_200_html", TransientError, "malformed|JSON|Expecting value"),
])
def test_publish_errors(replay: Replay, fixture: str, error: type[PlatformError], words: str) -> None:
    replay.serve(fixture)
    with pytest.raises(error, match=words) as caught:
        replay.x().publish(TEXT, idempotency_key="e-1")
    # A refusal of this one post is never mistaken for refused credentials or a duplicate.
    assert not isinstance(caught.value, AuthFailed)
    if error is not DuplicateContent:
        assert not isinstance(caught.value, DuplicateContent)


@pytest.mark.parametrize(("fixture", "reset_in"), [
    ("x/create_tweet_429_window", 600),     # the 15-minute window: x-rate-limit-reset
    ("x/create_tweet_429_user_24h", 50000),  # the user's 24-hour cap: x-user-limit-24hour-reset
    ("x/create_tweet_429_app_24h", 30000),   # the app's 24-hour cap: x-app-limit-24hour-reset
])
def test_publish_over_a_limit_waits_for_that_limits_reset(replay: Replay, fixture: str,
                                                          reset_in: int) -> None:
    replay.serve(fixture)
    with pytest.raises(RateLimited) as caught:
        replay.x().publish(TEXT, idempotency_key="w-1")
    assert in_about(reset_in, caught.value.reset_at)


def test_publish_answered_with_the_wrong_shape_is_transient(replay: Replay) -> None:
    replay.serve("x/create_tweet_200_wrong_shape")
    with pytest.raises(TransientError):
        replay.x().publish(TEXT, idempotency_key="s-1")


# ---- delete ----------------------------------------------------------------------------------

def test_delete_our_post(replay: Replay) -> None:
    replay.serve("x/delete_tweet_200")
    replay.x().delete(P1)
    assert len(replay.server.asked("DELETE", f"/2/tweets/{P1}")) == 1


def test_delete_a_post_that_is_gone_is_not_found(replay: Replay) -> None:
    replay.serve("x/delete_tweet_404")
    with pytest.raises(NotFound):
        replay.x().delete("1995000000000000001")


# ---- recent posts ----------------------------------------------------------------------------

def test_recent_posts_pages_to_the_last_page_with_exact_text(replay: Replay) -> None:
    replay.serve("x/get_me", "x/get_users_tweets_page1", "x/get_users_tweets_page2")
    x = replay.x()
    posts = x.recent_posts(limit=50)
    assert [p.platform_id for p in posts] == [P1, P2, P3]
    # Escaping undone (only &, <, > are escaped; quotes come as they are) and t.co expanded.
    assert posts[0].text == ('Webinar Thursday: "Safeguards by design" & Q&A, 15:00 UTC '
                             "https://www.inmm.org/events/webinar-2026-12-03?utm_source=x&ref=hq")
    assert posts[1].text == "Papers due 1 March. Length <= 6 pages."
    assert posts[0].url == f"https://x.com/INMMorg/status/{P1}"
    assert posts[2].created_at == dt.datetime(2026, 11, 20, 9, 12, 44, tzinfo=dt.UTC)
    assert [x.posted_text(p) for p in posts] == [p.text for p in posts]
    first, last = replay.server.asked("GET", f"/2/users/{ME}/tweets")
    assert {"entities", "created_at", "author_id"} <= fields(first.param("tweet.fields"))
    assert first.param("pagination_token") is None
    assert last.param("pagination_token") == "7140dibdnow9c7btw4b0nz0x8s3q7k1xfqm5nd2c4yl0r"


# ---- followers, following --------------------------------------------------------------------

def test_followers_page_to_the_last_page(replay: Replay) -> None:
    replay.serve("x/get_me", "x/get_users_followers_page1", "x/get_users_followers_page2")
    x = replay.x()
    first = x.followers()
    assert [a.handle for a in first.accounts] == ["alice_safeguard", "bob_nucmat"]
    assert first.next_cursor == "C3MTBGQE5EHHGZZZ"
    last = x.followers(first.next_cursor)
    assert last.next_cursor is None
    assert [(a.user_id, a.name) for a in last.accounts] == [("1745000111222333444", "Carol Δ Dupont")]
    assert first.unreadable == last.unreadable == []


def test_followers_refused_by_the_plan_is_unsupported(replay: Replay) -> None:
    replay.serve("x/get_me", "x/get_users_followers_403_tier")
    with pytest.raises(Unsupported):
        replay.x().followers()


def test_following_single_page(replay: Replay) -> None:
    replay.serve("x/get_me", "x/get_users_following")
    page = replay.x().following()
    assert [a.user_id for a in page.accounts] == [BOB]
    assert page.next_cursor is None


# ---- follow, unfollow, hide, block, report ---------------------------------------------------

def test_follow_and_unfollow(replay: Replay) -> None:
    replay.serve("x/get_me", "x/follow_user", "x/unfollow_user")
    x = replay.x()
    x.follow(BOB)
    x.unfollow(BOB)
    assert replay.server.asked("POST", f"/2/users/{ME}/following")[0].json() == {"target_user_id": BOB}
    assert len(replay.server.asked("DELETE", f"/2/users/{ME}/following/{BOB}")) == 1


def test_hide_reply(replay: Replay) -> None:
    replay.serve("x/hide_reply")
    replay.x().hide_reply(M_A)
    assert replay.server.asked("PUT", f"/2/tweets/{M_A}/hidden")[0].json() == {"hidden": True}


def test_block(replay: Replay) -> None:
    replay.serve("x/get_me", "x/block_user")
    replay.x().block(GONE)
    assert replay.server.asked("POST", f"/2/users/{ME}/blocking")[0].json() == {"target_user_id": GONE}


def test_block_refused_by_the_plan_is_unsupported(replay: Replay) -> None:
    replay.serve("x/get_me", "x/block_user_403_tier")
    with pytest.raises(Unsupported):
        replay.x().block(GONE)


def test_report_is_unsupported_without_asking_x(replay: Replay) -> None:
    with pytest.raises(Unsupported):
        replay.x().report(GONE, "spam", [M_B])
    assert replay.server.requests == []


# ---- mentions --------------------------------------------------------------------------------

def test_mentions_page_to_the_last_page_with_exact_text_and_authors(replay: Replay) -> None:
    replay.serve("x/get_me", "x/get_users_mentions_page1", "x/get_users_mentions_page2")
    found = replay.x().mentions()
    assert [m.platform_id for m in found] == [M_C, M_B, M_A]  # oldest first
    by_id = {m.platform_id: m for m in found}
    a = by_id[M_A]
    assert a.text == ("@INMMorg Q&A slides from session 4B? Agenda <here>: "
                      "https://example.org/agenda?day=2&room=B")
    assert (a.author.user_id, a.author.handle, a.in_reply_to) == (ALICE, "alice_safeguard", ANNOUNCE)
    assert a.created_at == dt.datetime(2026, 11, 30, 9, 41, 17, tzinfo=dt.UTC)
    assert a.raw["tweet"]["id"] == M_A
    # The suspended author is absent from includes: the reply still comes, its author unknown.
    assert (by_id[M_B].author.user_id, by_id[M_B].author.handle) == (GONE, "")
    assert by_id[M_B].in_reply_to is None
    assert (by_id[M_C].author.handle, by_id[M_C].in_reply_to) == ("bob_nucmat", P2)
    assert found.unreadable == []
    first, last = replay.server.asked("GET", f"/2/users/{ME}/mentions")
    assert {"entities", "created_at", "author_id", "referenced_tweets"} <= fields(
        first.param("tweet.fields"))
    assert first.param("expansions") == "author_id"
    assert last.param("pagination_token") == "7140dibdnow9c7btw4b0q1d1n5yf9pm3s2rk6h8vwe0a1"


def test_mentions_since_with_nothing_newer(replay: Replay) -> None:
    replay.serve("x/get_me", "x/get_users_mentions_empty")
    assert replay.x().mentions(since_id=M_A) == []
    assert replay.server.asked("GET", f"/2/users/{ME}/mentions")[0].param("since_id") == M_A


def test_mentions_read_a_long_post_whole(replay: Replay) -> None:
    replay.serve("x/get_me", "x/get_users_mentions_long_post")
    [mention] = replay.x().mentions(since_id="1995399999999999999")
    assert mention.text.endswith("refund you promised me is now at "
                                 "https://inmm-refunds.example.net/claim and I expect an answer this week.")
    asked = replay.server.asked("GET", f"/2/users/{ME}/mentions")[0]
    assert "note_tweet" in fields(asked.param("tweet.fields"))


def test_mentions_over_the_monthly_cap_is_not_a_15_minute_wait(replay: Replay) -> None:
    replay.serve("x/get_me", "x/get_users_mentions_429_usage_cap")
    with pytest.raises(PlatformError) as caught:
        replay.x().mentions()
    error = caught.value
    assert not (isinstance(error, RateLimited)
                and error.reset_at < dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))


# ---- metrics, look-up, search ----------------------------------------------------------------

def test_metrics(replay: Replay) -> None:
    replay.serve("x/get_tweet_metrics")
    metrics = replay.x().metrics(P1)
    assert (metrics.reposts, metrics.replies, metrics.likes, metrics.quotes, metrics.impressions) == (
        7, 3, 41, 2, 3862)
    assert fields(replay.server.asked("GET", f"/2/tweets/{P1}")[0].param("tweet.fields")) == {
        "public_metrics"}


def test_metrics_of_a_deleted_post_is_rejected(replay: Replay) -> None:
    replay.serve("x/get_tweet_not_found")
    with pytest.raises(Rejected, match="Could not find tweet"):
        replay.x().metrics("1995000000000000002")


def test_lookup_user(replay: Replay) -> None:
    replay.serve("x/get_user_by_username", "x/get_user_by_username_not_found")
    x = replay.x()
    alice = x.lookup_user("@alice_safeguard")
    assert alice is not None
    assert (alice.user_id, alice.handle, alice.url) == (ALICE, "alice_safeguard",
                                                        "https://x.com/alice_safeguard")
    assert x.lookup_user("INMMorgOfficial") is None
    assert x.lookup_user("not a handle!") is None  # never asked: X would answer 400
    assert len(replay.server.requests) == 2


def test_search_accounts_finds_look_alikes(replay: Replay) -> None:
    replay.serve("x/get_users_by_usernames")
    found = replay.x().search_accounts("INMMorg")
    assert [(a.user_id, a.handle) for a in found] == [(ME, "INMMorg"),
                                                      ("1801234567890123456", "INMM0rg")]
    asked = replay.server.asked("GET", "/2/users/by")[0]
    assert "inmm0rg" in {n.lower() for n in fields(asked.param("usernames"))}
