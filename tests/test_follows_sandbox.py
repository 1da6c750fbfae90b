"""The "done when" list of issue 7 against the sandbox, through the real X and Mastodon
adapters: followers arriving are followed back exactly once; a restart mid-way resumes;
the follow limit is honoured; a hidden reply has its evidence stored first; an edited
evidence record is detected."""

from __future__ import annotations

import pytest
from inmm_daemon import follow_back
from inmm_daemon import moderation as jobs

from inmm_tui.domain import audit, evidence
from inmm_tui.domain.errors import InvalidState
from inmm_tui.domain.services import Services
from inmm_tui.store.db import open_database
from inmm_tui.timeutil import utcnow

from .conftest import FakeClock


class Killed(Exception):
    """The daemon process dying in the middle of a run."""


class DiesOnPage:
    """Wraps an adapter; the call for followers page `n` (1-based) kills the process."""

    def __init__(self, platform, n: int):
        self._platform, self._n, self._calls = platform, n, 0

    def __getattr__(self, name: str):
        return getattr(self._platform, name)

    def followers(self, cursor=None):
        self._calls += 1
        if self._calls == self._n:
            raise Killed("kill -9 while paging followers")
        return self._platform.followers(cursor)


@pytest.fixture
def live_clock(clock: FakeClock) -> FakeClock:
    # The sandbox's follow limit runs on the real clock; so must ours here.
    clock.now = utcnow()
    return clock


def _follow_requests(sandbox, api: str = "x") -> int:
    key = "POST /2/users/:id/following" if api == "x" else "POST /api/v1/accounts/:id/follow"
    return sandbox.control.state()["requests"].get(f"{api} {key}", 0)


@pytest.mark.parametrize("api", ["x", "mastodon"])
def test_followers_arriving_are_followed_back_exactly_once(roster: Services, sandbox,
                                                          live_clock: FakeClock, api: str) -> None:
    platform = sandbox.x() if api == "x" else sandbox.mastodon()
    first = sandbox.control.add_followers(api, "fan", 30)
    report = follow_back.run(roster, platform, api)
    assert report.followed_back == 30
    live_clock.advance(minutes=16)
    later = sandbox.control.add_followers(api, "late", 5)
    assert follow_back.run(roster, platform, api).followed_back == 5
    live_clock.advance(minutes=16)
    assert follow_back.run(roster, platform, api).followed_back == 0
    state = sandbox.control.state()[api]
    assert set(first + later) <= set(state["following"])
    assert _follow_requests(sandbox, api) == 35  # one call per follower, never twice
    assert roster.follows.balance(api).following == 35


def test_a_restart_mid_way_resumes_where_it_left_off(roster: Services, sandbox, config,
                                                     live_clock: FakeClock) -> None:
    ids = sandbox.control.add_followers("x", "fan", 2500)  # three pages of 1,000
    with pytest.raises(Killed):
        follow_back.run(roster, DiesOnPage(sandbox.x(), 3), "x")
    roster.db.close()
    pages_before = sandbox.control.requests("x GET /2/users/:id/followers")
    assert pages_before == 2

    db = open_database(config.database_path, create=True)  # a new process
    svc = Services.build(config, db, clock=live_clock)
    report = follow_back.run(svc, sandbox.x(), "x")
    assert sandbox.control.requests("x GET /2/users/:id/followers") == pages_before + 1
    assert report.completed["followers"]
    assert db.execute("SELECT count(*) FROM followers WHERE gone_at IS NULL").fetchone()[0] == 2500
    # Followed back within the limit, each once; the rest wait for the next window.
    assert report.followed_back == 50 and _follow_requests(sandbox) == 50
    followed = set(sandbox.control.state()["x"]["following"])
    assert len(followed) == 50 and followed <= set(ids)
    assert len(svc.follows.pending_follow_backs("x", 5000)) == 2450
    db.close()


def test_the_follow_limit_is_honoured(roster: Services, sandbox, live_clock: FakeClock) -> None:
    sandbox.control.add_followers("x", "fan", 120)
    assert follow_back.run(roster, sandbox.x(), "x").followed_back == 50
    assert follow_back.run(roster, sandbox.x(), "x").followed_back == 0
    assert _follow_requests(sandbox) == 50  # our own budget: the platform never said 429
    assert "rate-limited" not in follow_back.run(roster, sandbox.x(), "x").stopped


def test_a_platform_rate_limit_is_waited_out(roster: Services, sandbox,
                                            live_clock: FakeClock) -> None:
    sandbox.control.settings(follow_limit=5)  # stricter than X's published 50
    sandbox.control.add_followers("x", "fan", 8)
    report = follow_back.run(roster, sandbox.x(), "x")
    assert report.followed_back == 5 and "rate-limited" in report.stopped
    calls = _follow_requests(sandbox)
    live_clock.advance(minutes=5)
    assert follow_back.run(roster, sandbox.x(), "x").followed_back == 0
    assert _follow_requests(sandbox) == calls  # not even tried before the reset


def _rude_reply(sandbox, api: str = "x") -> str:
    ours = sandbox.x().publish("The 67th Annual Meeting opens today", idempotency_key="k1")
    sandbox.control.add_account(api, "troll", "T Roll")
    return sandbox.control.post(api, "troll", "You are all idiots and liars",
                                in_reply_to=ours.platform_id)


def test_a_hidden_reply_has_its_evidence_stored_first(roster: Services, sandbox,
                                                     live_clock: FakeClock) -> None:
    reply_id = _rude_reply(sandbox)
    sandbox.control.add_account("x", "fan", "A Fan")
    result = jobs.ingest_mentions(roster, sandbox.x(), "x")
    assert (result.new, result.queued) == (1, 1)
    assert jobs.ingest_mentions(roster, sandbox.x(), "x").new == 0  # since the last seen id
    (item,) = roster.moderation.items("hq")
    assert item.platform_id == reply_id and item.verdict == "block"
    live_clock.advance(minutes=2)
    roster.moderation.request_hide("alice", item.id)
    assert reply_id not in sandbox.control.state()["x"]["hidden"]  # the UI only asks
    assert jobs.perform_requests(roster, sandbox.x(), "x").done == 1
    assert reply_id in sandbox.control.state()["x"]["hidden"]
    item = roster.moderation.get("hq", item.id)
    conn = roster.db.conn
    captured, raw = conn.execute("SELECT captured_at, raw_payload FROM evidence WHERE id = ?",
                                 (item.evidence_id,)).fetchone()
    assert captured < item.hidden_at and reply_id in raw
    order = [e["action"] for e in audit.history(conn, f"evidence:{item.evidence_id}")] + [
        e["action"] for e in audit.history(conn, f"moderation:{item.id}")]
    assert order == ["evidence.capture", "moderation.queue", "moderation.hide",
                     "moderation.hide.done"]


def test_an_edited_evidence_record_is_detected_and_blocks_the_hide(
        roster: Services, sandbox, live_clock: FakeClock) -> None:
    reply_id = _rude_reply(sandbox)
    jobs.ingest_mentions(roster, sandbox.x(), "x")
    (item,) = roster.moderation.items("hq")
    assert evidence.verify(roster.db.conn, item.evidence_id).ok
    roster.db.conn.execute(
        "UPDATE evidence SET raw_payload = replace(raw_payload, 'idiots', 'friends')")
    check = evidence.verify(roster.db.conn, item.evidence_id)
    assert not check.ok and "edited" in check.problem
    with pytest.raises(Exception, match="cannot be hidden"):
        roster.moderation.request_hide("alice", item.id)
    assert jobs.perform_requests(roster, sandbox.x(), "x").done == 0
    assert reply_id not in sandbox.control.state()["x"]["hidden"]


def test_report_on_mastodon_keeps_the_platforms_reference(roster: Services, sandbox,
                                                          live_clock: FakeClock) -> None:
    ours = sandbox.mastodon().publish("Welcome to the Annual Meeting", idempotency_key="m1")
    sandbox.control.add_account("mastodon", "troll", "T Roll")
    sandbox.control.post("mastodon", "troll", "what a shit conference",
                         in_reply_to=ours.platform_id)
    assert jobs.ingest_mentions(roster, sandbox.mastodon(), "mastodon").queued == 1
    (item,) = roster.moderation.items("hq")
    roster.moderation.request_report("alice", item.id, "abusive reply")
    with pytest.raises(InvalidState, match="Mastodon has no way to hide a reply"):
        roster.moderation.request_hide("alice", item.id)  # refused now, not a minute later
    report = jobs.perform_requests(roster, sandbox.mastodon(), "mastodon")
    assert (report.done, report.failed) == (1, 0)
    item = roster.moderation.get("hq", item.id)
    assert item.report_ref and item.reported_at
    assert item.hide_requested_at is None and item.action_error is None
    assert sandbox.control.state()["reports"][0]["id"] == item.report_ref
