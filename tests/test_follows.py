"""Follow-back (R10-R12) against a small in-memory platform, for what the sandbox tests
(`test_follows_sandbox.py`) leave out: the exact cursor a restart resumes at, a rate limit
on the test clock, nobody who does not follow INMM is followed, follows found already in
place, followers who leave, organisations only by an administrator's decision, review."""

from __future__ import annotations

import datetime as dt

import pytest
from inmm_daemon import follow_back

from inmm_tui.domain import audit
from inmm_tui.domain.errors import InvalidInput, InvalidState, NotAuthorised
from inmm_tui.domain.follows import REVIEW_INTERVAL_DAYS
from inmm_tui.domain.oversight import followed_page
from inmm_tui.domain.services import Services
from inmm_tui.store.db import open_database
from inmm_tui.timeutil import from_db

from .conftest import FakeClock
from .fake_platform import Crash, FakePlatform


def _ids(n: int, start: int = 0) -> list[str]:
    return [str(1000 + i) for i in range(start, start + n)]


def _following(svc: Services, reason: str | None = None) -> set[str]:
    sql = "SELECT user_id FROM following WHERE outlet = 'x' AND unfollowed_at IS NULL"
    if reason:
        sql += f" AND reason = '{reason}'"
    return {r[0] for r in svc.db.conn.execute(sql)}



def _followed(svc: Services, outlet: str) -> list:  # type: ignore[type-arg]
    """Every account `outlet` follows, newest first, as the follow review pages them."""
    return followed_page(svc.db.conn, "hq", outlet, limit=10_000).rows


def test_a_restart_mid_way_resumes_at_the_next_page(roster: Services, clock: FakeClock,
                                                   config) -> None:
    platform = FakePlatform(clock, page_size=10)
    platform.add_followers(*_ids(35))
    platform.crash_on_cursor = "20"  # killed while fetching the third page
    with pytest.raises(Crash):
        follow_back.run(roster, platform, "x")
    staged, cursor = roster.db.conn.execute(
        "SELECT (SELECT count(*) FROM sync_pages), cursor FROM sync_state"
        " WHERE outlet = 'x' AND job = 'followers'").fetchone()
    assert (staged, cursor) == (20, "20")  # two pages committed with their cursor
    # the first page's followers are known at once (the newest are listed first)
    assert roster.follows.pending_follow_backs("x", 100) == [
        (uid, f"h{uid}", f"Name {uid}") for uid in _ids(10)]
    roster.db.close()

    # A new process on the same database.
    db = open_database(config.database_path, create=True)
    svc = Services.build(config, db, clock=clock)
    platform.calls.clear()
    report = follow_back.run(svc, platform, "x")
    follower_calls = [c[1] for c in platform.calls if c[0] == "followers"]
    assert follower_calls == ["20", "30"]  # resumed, not from the start
    assert report.completed["followers"]
    assert report.followed_back == 35
    assert all(platform.follows_of(uid) == 1 for uid in _ids(35))
    run, completed = db.conn.execute(
        "SELECT run, completed_run FROM sync_state WHERE outlet = 'x' AND job = 'followers'"
    ).fetchone()
    assert run == completed == 1
    db.close()


def test_a_platform_rate_limit_stops_the_run_until_its_reset(roster: Services,
                                                            clock: FakeClock) -> None:
    platform = FakePlatform(clock, page_size=100, follow_limit=5)  # stricter than our budget
    platform.add_followers(*_ids(8))
    report = follow_back.run(roster, platform, "x")
    assert report.followed_back == 5 and "rate-limited" in report.stopped
    calls = len(platform.calls)
    clock.advance(minutes=5)
    follow_back.run(roster, platform, "x")
    assert not [c for c in platform.calls[calls:] if c[0] == "follow"]  # waits for the reset
    clock.advance(minutes=11)
    assert follow_back.run(roster, platform, "x").followed_back == 3


def test_nobody_who_does_not_follow_inmm_is_followed(roster: Services, clock: FakeClock) -> None:
    with pytest.raises(InvalidState, match="does not initiate"):
        roster.follows.record_follow_back("x", "424242")
    platform = FakePlatform(clock)
    platform.add_followers("1", "2")
    platform.refuse.add("2")
    report = follow_back.run(roster, platform, "x")
    assert report.followed_back == 1 and report.refused == 1
    # An account unfollowed after review is not followed back again, though it follows us.
    roster.follows.unfollow("alice", "x", "1", reason="spam")
    follow_back.run(roster, platform, "x")
    assert "1" not in platform.following_ids
    clock.advance(minutes=20)
    follow_back.run(roster, platform, "x")
    assert platform.follows_of("1") == 1 and platform.follows_of("2") == 1  # refused: not retried


def test_an_account_already_followed_on_the_platform_is_not_followed_again(
        roster: Services, clock: FakeClock) -> None:
    platform = FakePlatform(clock)
    platform.add_followers("1", "2", "3")
    platform.following_ids = ["2", "900"]  # followed before the tool: a follower and another
    follow_back.run(roster, platform, "x")
    assert [c[1] for c in platform.calls if c[0] == "follow"] == ["1", "3"]
    reasons = dict(roster.db.conn.execute("SELECT user_id, reason FROM following"))
    assert reasons["900"] == "organisation"  # shown for review as somebody's earlier choice


def test_followers_who_leave_are_recorded_gone_and_the_balance_follows(
        roster: Services, clock: FakeClock) -> None:
    platform = FakePlatform(clock, page_size=2)
    platform.add_followers(*_ids(5))
    follow_back.run(roster, platform, "x")
    platform.remove_follower(_ids(5)[1])
    clock.advance(minutes=15)
    report = follow_back.run(roster, platform, "x")
    assert report.gone == 1
    gone = roster.db.conn.execute(
        "SELECT user_id FROM followers WHERE gone_at IS NOT NULL").fetchall()
    assert gone == [(_ids(5)[1],)]
    (entry,) = [e for e in audit.history(roster.db.conn, "outlet:x")
                if e["action"] == "followers.sync" and e["details"]["gone"]]
    assert entry["details"]["sample"] == [f"h{_ids(5)[1]}"]  # who left is on the record
    balance = roster.follows.balance("x")
    assert (balance.followers, balance.following) == (4, 5)
    assert balance.ratio == pytest.approx(1.25)
    # Coming back clears the mark.
    platform.add_followers(_ids(5)[1])
    clock.advance(minutes=15)
    follow_back.run(roster, platform, "x")
    assert roster.follows.balance("x").followers == 5


def test_organisations_are_followed_only_by_an_administrators_decision(
        roster: Services, clock: FakeClock) -> None:
    follows = roster.follows
    with pytest.raises(InvalidInput, match="individuals"):
        follows.follow_organisation("hq", "x", "77", "JaneDoe", why="nice", organisation=False)
    with pytest.raises(NotAuthorised):
        follows.follow_organisation("comms", "x", "77", "IAEAorg", why="sister", organisation=True)
    follows.follow_organisation("hq", "x", "77", "@IAEAorg", name="IAEA",
                                why="sister organisation", organisation=True)
    platform = FakePlatform(clock)
    follow_back.run(roster, platform, "x")
    assert platform.follows_of("77") == 1
    listed = _followed(roster, "x")
    assert [(f.user_id, f.reason, f.followed_by, f.pending_action) for f in listed] == [
        ("77", "organisation", "hq", None)]
    follows.block("chair", "x", "77", reason="no longer relevant")
    follow_back.run(roster, platform, "x")
    assert ("block", "77") in platform.calls and _followed(roster, "x") == []
    actions = [e["action"] for e in audit.history(roster.db.conn, "account:x:77")]
    assert actions == ["follow.organisation", "follow.follow.done", "follow.block",
                       "follow.block.done"]


def test_the_followed_list_newest_first_and_the_review_is_kept_and_reminded(
        roster: Services, clock: FakeClock) -> None:
    platform = FakePlatform(clock)
    for uid in ("1", "2", "3"):
        platform.add_followers(uid)
        follow_back.run(roster, platform, "x")
        clock.advance(minutes=20)
    assert [f.user_id for f in _followed(roster, "x")] == ["3", "2", "1"]
    assert all(f.follows_us for f in _followed(roster, "x"))
    status = roster.follows.review_status()
    assert status.last_full_review is None and status.overdue
    roster.follows.ensure_review_reminder()
    assert roster.db.conn.execute(
        "SELECT count(*) FROM reminders WHERE kind = 'follow_review' AND done_at IS NULL"
    ).fetchone()[0] == 1
    assert roster.follows.mark_reviewed("alice", "x", ["1", "2"]) == 2
    with pytest.raises(NotAuthorised):
        roster.follows.record_full_review("ec")
    status = roster.follows.record_full_review("alice", note="all appropriate")
    assert not status.overdue and status.last_full_review is not None
    due = from_db(status.next_due or "")
    assert due - from_db(status.last_full_review) == dt.timedelta(days=REVIEW_INTERVAL_DAYS)
    clock.advance(days=REVIEW_INTERVAL_DAYS + 1)
    assert roster.follows.review_status().overdue


def test_a_follow_made_while_the_following_list_is_paged_is_not_taken_for_an_unfollow(
        roster: Services, clock: FakeClock) -> None:
    follows = roster.follows
    platform = FakePlatform(clock)
    platform.add_followers("1")
    platform.following_ids = ["50", "51"]
    follow_back.run(roster, platform, "x")  # "1" followed back; the lists are known
    clock.advance(hours=1)
    position = follows.begin("x", "following")
    assert position is not None and position.cursor is None
    follows.record_page("x", "following", position.run, [("50", "h50", None)], "p2")
    clock.advance(minutes=1)
    # Meanwhile a new follower is followed back: on the platform it is at the top of the
    # list, on a page this run has already read.
    platform.add_followers("2")
    follows.record_page("x", "followers", follows.begin("x", "followers").run,
                        [("2", "h2", None), ("1", "h1", None)], None)
    follows.record_follow_back("x", "2")
    clock.advance(minutes=1)
    follows.record_page("x", "following", position.run, [("51", "h51", None)], None)
    still = {f.user_id for f in _followed(roster, "x")}
    assert still == {"2", "50", "51"}  # "1" was dropped on the platform; "2" is kept
