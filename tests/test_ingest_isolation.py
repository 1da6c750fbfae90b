"""Issue 12, part 3: one bad item never blocks a queue. Text from the platforms is made
storable where it enters (a lone surrogate or NUL becomes U+FFFD), and an item that still
cannot be processed is skipped alone: logged, recorded, an alert after a few, the cursor
moving on."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from inmm_daemon import moderation as jobs
from inmm_daemon.questions import triage_questions

from inmm_tui.domain.questions import questions_for
from inmm_tui.domain.reminders import open_alerts
from inmm_tui.domain.services import Services
from inmm_tui.timeutil import utcnow

from .conftest import FakeClock
from .fake_platform import FakePlatform
from .sandbox_fixtures import RunningSandbox

LONE = "\ud800"


@pytest.fixture
def live_clock(clock: FakeClock) -> FakeClock:
    clock.now = utcnow()
    return clock


def _texts(svc: Services, outlet: str) -> list[str]:
    return [r[0] for r in svc.db.conn.execute(
        "SELECT text FROM mentions WHERE outlet = ? ORDER BY id", (outlet,))]


@pytest.mark.parametrize("api", ["x", "mastodon"])
def test_a_reply_with_a_lone_surrogate_does_not_stop_mention_ingestion(
        roster: Services, sandbox: RunningSandbox, live_clock: FakeClock, api: str) -> None:
    platform = sandbox.x() if api == "x" else sandbox.mastodon()
    ours = platform.publish("Welcome to the Annual Meeting", idempotency_key="k1")
    sandbox.control.add_account(api, "odd", f"Odd {LONE} Name\x00")
    sandbox.control.post(api, "odd", f"nice {LONE} one\x00 @INMMorg",
                         in_reply_to=ours.platform_id)
    sandbox.control.post(api, "fan", "@INMMorg see you there", in_reply_to=ours.platform_id)
    first = jobs.ingest_mentions(roster, platform, api)
    assert first.new == 2
    assert _texts(roster, api) == ["nice \ufffd one\ufffd @INMMorg", "@INMMorg see you there"]
    name = roster.db.conn.execute("SELECT author_name FROM mentions WHERE author_handle = 'odd'"
                                  ).fetchone()[0]
    assert name == "Odd \ufffd Name\ufffd"
    # and the next reply is ingested on the next run, after the odd one
    sandbox.control.post(api, "fan", "@INMMorg and the next one", in_reply_to=ours.platform_id)
    assert jobs.ingest_mentions(roster, platform, api).new == 1
    assert _texts(roster, api)[-1] == "@INMMorg and the next one"
    assert triage_questions(roster) == []  # the triage reads them back without trouble


def test_an_item_that_cannot_be_stored_is_skipped_alone_and_alerted_after_three(
        roster: Services, clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    from inmm_tui.domain.skips import skipped

    # An adapter that let a lone surrogate through (defence in depth): that item fails
    # to store; it is skipped, the others are stored and the cursor moves past it.
    platform = FakePlatform(clock)
    platform.add_mention("m1", "@INMMorg hello")
    platform.add_mention("m2", f"@INMMorg bad {LONE}")
    platform.add_mention("m3", "@INMMorg still here")
    with caplog.at_level(logging.WARNING, logger="inmm_daemon.moderation"):
        result = jobs.ingest_mentions(roster, platform, "x")
    assert (result.new, result.last_platform_id) == (2, "m3")
    assert _texts(roster, "x") == ["@INMMorg hello", "@INMMorg still here"]
    assert any("m2" in r.getMessage() and "UnicodeEncodeError" in r.getMessage()
               for r in caplog.records)
    assert LONE not in caplog.text
    assert [s[1] for s in skipped(roster.db.conn, "mentions", "x")] == ["m2"]
    assert not [a for a in open_alerts(roster.db.conn) if a.kind == "items_skipped"]
    assert jobs.ingest_mentions(roster, platform, "x").new == 0  # m2 is not fetched again
    platform.add_mention("m4", f"{LONE} again")
    platform.add_mention("m5", f"and {LONE} again")
    platform.add_mention("m6", "@INMMorg the last")
    assert jobs.ingest_mentions(roster, platform, "x").new == 1
    (alert,) = [a for a in open_alerts(roster.db.conn) if a.kind == "items_skipped"]
    assert alert.subject == "mentions:x" and "3 items" in alert.message and "m5" in alert.message
    actions = [r[0] for r in roster.db.conn.execute("SELECT action FROM audit")]
    assert actions.count("mentions.skipped") == 3


def test_a_mention_that_cannot_be_judged_does_not_stop_the_questions_triage(
        roster: Services) -> None:
    from .test_questions import mention

    def asks(text: str) -> bool:
        if "boom" in text:
            raise ValueError("the classifier choked")
        return text.endswith("?")

    inbox = questions_for(roster)
    q1 = mention(roster, "@INMMorg when is it?")
    mention(roster, "@INMMorg boom?")
    q3 = mention(roster, "@INMMorg where is it?")
    inbox.asks = asks
    with pytest.raises(ValueError):
        inbox.triage()  # without a handler, the error is raised (and nothing moves)
    failures: list[tuple[int, str, str]] = []
    assert inbox.triage(on_error=lambda i, o, e: failures.append((i, o, str(e)))) == [q1, q3]
    assert failures == [(q1 + 1, "x", "the classifier choked")]
    assert inbox.triage(on_error=lambda *a: None) == []  # the cursor moved past it


def test_storable_replaces_only_what_no_store_accepts() -> None:
    from inmm_tui.outside_text import storable, storable_json

    assert storable(f"a{LONE}b\x00c\u200d\U0001f600") == "a\ufffdb\ufffdc\u200d\U0001f600"
    assert storable_json({f"k{LONE}": [f"v{LONE}", 1, None]}) == {"k\ufffd": ["v\ufffd", 1, None]}


def test_an_unexpected_error_on_one_moderation_request_does_not_block_the_later_ones(
        roster: Services, clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    from inmm_tui.domain.skips import skipped

    class Broken(FakePlatform):
        def block(self, user_id: str) -> None:
            if user_id == "u-odd":
                self.calls.append(("block", user_id))
                raise KeyError("blocked_by")  # a fault nobody foresaw, for this one account
            super().block(user_id)

    from inmm_tui.domain.moderation import Moderation

    from .test_moderation import _screen

    roster.moderation = Moderation(roster.db, roster.posts, clock=roster.clock, screen=_screen)
    platform = Broken(clock)
    platform.add_mention("m1", "you idiots", handle="odd", author_id="u-odd")
    platform.add_mention("m2", "idiots and liars", handle="troll", author_id="u-troll")
    jobs.ingest_mentions(roster, platform, "x")
    ids = {i.author_handle: i.id for i in roster.moderation.items("hq")}
    for item_id in ids.values():
        roster.moderation.request_block("alice", item_id, "insults")
    with caplog.at_level(logging.WARNING, logger="inmm_daemon.moderation"):
        report = jobs.perform_requests(roster, platform, "x")
    assert (report.done, report.failed, report.stopped) == (1, 1, "")
    assert roster.moderation.get("hq", ids["troll"]).blocked_at is not None
    odd = roster.moderation.get("hq", ids["odd"])
    assert odd.blocked_at is None and odd.block_requested_at is None
    assert "KeyError" in (odd.action_error or "")  # shown on the item, not retried for ever
    assert [s[1] for s in skipped(roster.db.conn, "moderation requests", "x")] == \
        [f"block #{ids['odd']}"]
    assert any("KeyError" in r.getMessage() for r in caplog.records)
    jobs.perform_requests(roster, platform, "x")
    assert platform.calls.count(("block", "u-odd")) == 1


class _OneBadAccount(FakePlatform):
    """A platform on which every call about account "2" fails in a way nobody foresaw."""

    def follow(self, user_id: str) -> None:
        if user_id == "2":
            self.calls.append(("follow", user_id))
            raise KeyError("relationship")
        super().follow(user_id)

    def unfollow(self, user_id: str) -> None:
        if user_id == "2":
            self.calls.append(("unfollow", user_id))
            raise TypeError("'NoneType' object is not subscriptable")
        super().unfollow(user_id)


def test_an_unexpected_error_following_back_one_account_does_not_stop_the_others(
        roster: Services, clock: FakeClock) -> None:
    from inmm_daemon import follow_back

    from inmm_tui.domain.skips import skipped

    platform = _OneBadAccount(clock)
    platform.add_followers("1", "2", "3")
    report = follow_back.run(roster, platform, "x")
    assert (report.followed_back, report.refused) == (2, 1)
    assert set(platform.following_ids) == {"1", "3"}
    error = roster.db.conn.execute(
        "SELECT follow_back_error FROM followers WHERE user_id = '2'").fetchone()[0]
    assert "KeyError" in error  # shown on the follower
    assert [s[1] for s in skipped(roster.db.conn, "follow-back", "x")] == ["account 2"]
    clock.advance(minutes=20)
    follow_back.run(roster, platform, "x")
    assert platform.follows_of("2") == 1  # not tried again in front of the others


def test_an_unexpected_error_on_one_requested_unfollow_does_not_block_the_later_ones(
        roster: Services, clock: FakeClock) -> None:
    from inmm_daemon import follow_back

    from inmm_tui.domain.skips import skipped

    platform = _OneBadAccount(clock)
    platform.following_ids = ["2", "3"]  # followed before the tool
    follow_back.run(roster, platform, "x")
    for user_id in ("2", "3"):
        roster.follows.unfollow("alice", "x", user_id, reason="review")
    follow_back.run(roster, platform, "x")
    assert platform.following_ids == ["2"]  # "3" unfollowed after "2" failed
    row = roster.db.conn.execute("SELECT pending_action, action_error FROM following"
                                 " WHERE user_id = '2'").fetchone()
    assert row[0] is None and "TypeError" in row[1]
    assert [s[1] for s in skipped(roster.db.conn, "follow requests", "x")] == ["unfollow 2"]
    follow_back.run(roster, platform, "x")
    assert platform.calls.count(("unfollow", "2")) == 1


@pytest.mark.parametrize("api", ["x", "mastodon"])
def test_a_garbage_count_on_one_post_does_not_sink_the_metrics_poll(
        roster: Services, clock: FakeClock, sandbox: RunningSandbox, api: str) -> None:
    from inmm_daemon import metrics as metrics_jobs

    from .test_metrics import sent_post

    outlet = sandbox.x() if api == "x" else sandbox.mastodon()
    published = [outlet.publish(f"Post {i}", idempotency_key=f"k{i}") for i in range(3)]
    for i, post in enumerate(published):
        sandbox.control.set_metrics(api, post.platform_id, likes=10 + i, reposts=i)
        sent_post(roster, api, post.platform_id, clock() - dt.timedelta(hours=3 - i))
    sandbox.control.set_metrics(api, published[1].platform_id, likes={"count": 11})
    assert metrics_jobs.poll_metrics(roster, outlet, api).posts_polled == 3
    rows = roster.db.conn.execute(
        "SELECT d.platform_id, m.likes, m.reposts FROM post_metrics m"
        " JOIN deliveries d ON d.id = m.delivery_id ORDER BY d.id").fetchall()
    ids = [p.platform_id for p in published]
    assert rows == [(ids[0], 10, 0), (ids[1], None, 1), (ids[2], 12, 2)]


def test_an_unexpected_error_on_one_post_does_not_stop_the_metrics_poll(
        roster: Services, clock: FakeClock) -> None:
    from inmm_daemon import metrics as metrics_jobs

    from inmm_tui.domain.skips import skipped
    from inmm_tui.platforms.base import Metrics

    from .test_metrics import sent_post

    class Odd(FakePlatform):
        def metrics(self, platform_id: str) -> Metrics:
            if platform_id == "p0":
                self.calls.append(("metrics", platform_id))
                raise AttributeError("'list' object has no attribute 'get'")
            return super().metrics(platform_id)

    for i in range(3):
        sent_post(roster, "x", f"p{i}", clock() - dt.timedelta(days=3 - i))
    outlet = Odd(clock)
    outlet.counts = {f"p{i}": Metrics(likes=i) for i in range(3)}
    result = metrics_jobs.poll_metrics(roster, outlet, "x")
    assert result.posts_polled == 2 and any("p0" in s for s in result.skipped)
    assert [s[1] for s in skipped(roster.db.conn, "metrics", "x")] == ["post p0"]
    clock.advance(hours=1)
    assert metrics_jobs.poll_metrics(roster, outlet, "x").posts_polled == 2  # and again


def test_an_unexpected_error_looking_up_one_look_alike_does_not_stop_the_spoof_watch(
        roster: Services, sandbox: RunningSandbox) -> None:
    from inmm_daemon import governance as governance_jobs

    from inmm_tui.domain.skips import skipped

    sandbox.control.add_account("x", "inmmrog", name="INMM (real, honest)")
    x = sandbox.x()
    real_lookup = x.lookup_user

    def lookup_user(handle: str):  # type: ignore[no-untyped-def]
        if handle == "imnmorg":  # looked up before "inmmrog"
            raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")
        return real_lookup(handle)

    x.lookup_user = lookup_user  # type: ignore[method-assign]
    assert governance_jobs.watch_spoofs(roster, x, "INMMorg") == 1
    suspects = roster.db.execute("SELECT handle FROM spoof_suspects").fetchall()
    assert suspects == [("inmmrog",)]
    assert [s[1] for s in skipped(roster.db.conn, "spoof watch", "x")] == ["imnmorg"]


def test_a_malformed_follower_does_not_stop_the_follower_sync(
        roster: Services, sandbox: RunningSandbox) -> None:
    from inmm_daemon import follow_back

    from inmm_tui.domain.skips import skipped

    # (Mastodon.py fills a missing field with None itself, so on Mastodon this one reads.)
    api, platform = "x", sandbox.x()
    sandbox.control.add_followers(api, "early", 2)
    odd = sandbox.control.add_follower(api, "odd", garbage={"username": None})
    sandbox.control.add_followers(api, "late", 2)
    report = follow_back.run(roster, platform, api)
    assert report.stopped == "" and report.completed.get("followers")
    handles = {r[0] for r in roster.db.conn.execute(
        "SELECT handle FROM followers WHERE outlet = ?", (api,))}
    assert handles == {"early_1", "early_2", "late_1", "late_2"}
    assert report.followed_back == 4
    ((outlet, item, error, _),) = skipped(roster.db.conn, "followers", api)
    assert (outlet, item) == (api, f"account {odd}") and "malformed" in error


def test_a_reply_from_a_malformed_author_does_not_stop_mention_ingestion_on_x(
        roster: Services, sandbox: RunningSandbox) -> None:
    x = sandbox.x()
    ours = x.publish("Welcome to the Annual Meeting", idempotency_key="k1")
    sandbox.control.add_account("x", "odd", garbage={"username": None})
    sandbox.control.post("x", "odd", "@INMMorg who are you", in_reply_to=ours.platform_id)
    sandbox.control.post("x", "fan", "@INMMorg see you there", in_reply_to=ours.platform_id)
    assert jobs.ingest_mentions(roster, x, "x").new == 2
    rows = roster.db.conn.execute("SELECT author_handle, text FROM mentions ORDER BY id").fetchall()
    assert rows == [("", "@INMMorg who are you"), ("fan", "@INMMorg see you there")]


@pytest.mark.parametrize("api", ["x", "mastodon"])
def test_a_malformed_reply_is_left_out_and_the_others_are_ingested(
        roster: Services, sandbox: RunningSandbox, api: str,
        caplog: pytest.LogCaptureFixture) -> None:
    from inmm_tui.domain.skips import skipped

    platform = sandbox.x() if api == "x" else sandbox.mastodon()
    ours = platform.publish("Welcome to the Annual Meeting", idempotency_key="k1")
    sandbox.control.post(api, "fan", "@INMMorg first", in_reply_to=ours.platform_id)
    odd = sandbox.control.post(api, "odd", "@INMMorg odd", in_reply_to=ours.platform_id,
                               garbage={"created_at": None})
    sandbox.control.post(api, "fan", "@INMMorg last", in_reply_to=ours.platform_id)
    with caplog.at_level(logging.WARNING, logger="inmm_tui.platforms"):
        assert jobs.ingest_mentions(roster, platform, api).new == 2
    assert _texts(roster, api) == ["@INMMorg first", "@INMMorg last"]
    assert any("malformed" in r.getMessage() for r in caplog.records)
    ((item, error, _),) = [s[1:] for s in skipped(roster.db.conn, "mentions", api)]
    assert item == odd and "malformed" in error  # recorded: an alert after a few
    sandbox.control.post(api, "fan", "@INMMorg and on", in_reply_to=ours.platform_id)
    assert jobs.ingest_mentions(roster, platform, api).new == 1
