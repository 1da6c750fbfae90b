"""Deleting what was published and correcting it (issue 17): the request and its
permissions, the daemon performing it against the sandbox through the real adapters,
the audit check's replay, and corrections published as replies to the original."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from inmm_daemon.deletions import perform_deletions

from inmm_tui.domain.authority import unexplained
from inmm_tui.domain.errors import InvalidState, NotAuthorised
from inmm_tui.domain.posts import verify_clearance
from inmm_tui.domain.services import Services
from inmm_tui.timeutil import utcnow

from .conftest import FakeClock
from .daemon_helpers import publisher, queue_posts
from .sandbox_fixtures import RunningSandbox

OUTLETS = ("mastodon", "x")


@pytest.fixture
def clock() -> FakeClock:
    # The sandbox's rate-limit reset times are real times: start the fake clock at now.
    return FakeClock(utcnow().replace(microsecond=0))


def _platforms(sandbox: RunningSandbox) -> dict[str, Any]:
    return {"x": sandbox.x(), "mastodon": sandbox.mastodon()}


def _published(svc: Services, sandbox: RunningSandbox, body: str = "INMM news item {i}") -> int:
    (post_id,) = queue_posts(svc, 1, body=body)
    publisher(svc, _platforms(sandbox)).run(seconds=30)
    assert svc.posts.get(post_id).status == "published"
    return post_id


def _perform(svc: Services, sandbox: RunningSandbox) -> None:
    for name, platform in _platforms(sandbox).items():
        perform_deletions(svc, platform, name)


def _sandbox_post(sandbox: RunningSandbox, api: str, platform_id: str) -> dict[str, Any]:
    (post,) = [p for p in sandbox.control.state()[api]["posts"] if p["id"] == platform_id]
    return post


def _deletes(sandbox: RunningSandbox) -> int:
    return (sandbox.control.requests("x DELETE /2/tweets")
            + sandbox.control.requests("mastodon DELETE /api/v1/statuses"))


def _audit(svc: Services, action: str) -> list[dict[str, Any]]:
    return [json.loads(d) for (d,) in svc.db.conn.execute(
        "SELECT details FROM audit WHERE action = ? ORDER BY seq", (action,))]


# ----- the request ---------------------------------------------------------------------

def test_only_hq_and_the_subcommittee_chair_may_delete_and_a_refusal_is_audited(
        roster: Services, sandbox: RunningSandbox) -> None:
    post = _published(roster, sandbox)
    for login in ("alice", "bob", "comms", "ec"):
        with pytest.raises(NotAuthorised):
            roster.deletions.request_delete(login, post, None, "wrong date")
    refused = roster.db.conn.execute(
        "SELECT actor FROM audit WHERE action = 'post.delete_refused' ORDER BY seq").fetchall()
    assert [r[0] for r in refused] == ["alice", "bob", "comms", "ec"]
    assert roster.deletions.of_post(post) == []
    assert {d.outlet for d in roster.deletions.request_delete("chair", post, ["x"], "wrong date")
            } == {"x"}
    assert {d.outlet for d in roster.deletions.request_delete("hq", post, None, "wrong date")
            } == set(OUTLETS)


def test_a_post_not_published_on_the_outlet_is_refused_and_asking_twice_asks_once(
        roster: Services, sandbox: RunningSandbox) -> None:
    (queued,) = queue_posts(roster, 1, when=roster.clock() + dt.timedelta(days=1))
    with pytest.raises(InvalidState, match="not published"):
        roster.deletions.request_delete("hq", queued, None, "cancel")
    post = _published(roster, sandbox)
    with pytest.raises(InvalidState, match="not published on bluesky"):
        roster.deletions.request_delete("hq", post, ["bluesky"], "wrong")
    with pytest.raises(Exception, match="say why"):
        roster.deletions.request_delete("hq", post, None, "  ")
    first = roster.deletions.request_delete("hq", post, ["x"], "wrong date")
    again = roster.deletions.request_delete("hq", post, ["x"], "wrong date")
    assert first == again and len(again) == 1
    assert [d["new"] for d in _audit(roster, "post.delete_request")] == [["x"], []]


# ----- the daemon against the sandbox ------------------------------------------------------

def test_the_daemon_deletes_once_on_each_outlet_and_the_post_shows_withdrawn(
        roster: Services, sandbox: RunningSandbox) -> None:
    post = _published(roster, sandbox)
    ids = {d.outlet: d.platform_id for d in roster.posts.deliveries(post)}
    roster.deletions.request_delete("hq", post, None, "the date was wrong")
    _perform(roster, sandbox)
    _perform(roster, sandbox)  # a second run has nothing left to do
    assert _deletes(sandbox) == 2
    assert _sandbox_post(sandbox, "x", ids["x"])["deleted"]
    assert _sandbox_post(sandbox, "mastodon", ids["mastodon"])["deleted"]
    assert {d.outlet: d.state for d in roster.posts.deliveries(post)} == {
        "mastodon": "deleted", "x": "deleted"}
    assert roster.posts.get(post).status == "withdrawn"
    assert {(r.outlet, r.state) for r in roster.queues.schedule("hq") if r.post_id == post} == {
        ("x", "deleted"), ("mastodon", "deleted")}  # as the Schedule screen shows it
    assert sorted(d["outlet"] for d in _audit(roster, "delivery.deleted")) == list(OUTLETS)
    assert unexplained(roster.db.conn) == []


def test_deleting_from_one_outlet_leaves_the_post_published_on_the_other(
        roster: Services, sandbox: RunningSandbox) -> None:
    post = _published(roster, sandbox)
    roster.deletions.request_delete("chair", post, ["mastodon"], "wrong audience")
    _perform(roster, sandbox)
    assert {d.outlet: d.state for d in roster.posts.deliveries(post)} == {
        "mastodon": "deleted", "x": "sent"}
    assert roster.posts.get(post).status == "published"


def test_a_404_means_already_gone_and_counts_as_done(
        roster: Services, sandbox: RunningSandbox) -> None:
    post = _published(roster, sandbox)
    x_id = next(d.platform_id for d in roster.posts.deliveries(post) if d.outlet == "x")
    roster.deletions.request_delete("hq", post, ["x"], "wrong")
    sandbox.x().delete(x_id)  # deleted on the platform (or by us, before a crash)
    _perform(roster, sandbox)
    (item,) = roster.deletions.of_post(post)
    assert item.state == "deleted" and item.last_error is None
    assert _audit(roster, "delivery.deleted")[0]["already_gone"] is True


def test_a_transient_failure_is_retried_with_backoff_and_never_blocks_the_others(
        roster: Services, clock: FakeClock, sandbox: RunningSandbox) -> None:
    first = _published(roster, sandbox, "First {i}")
    second = _published(roster, sandbox, "Second {i}")
    roster.deletions.request_delete("hq", first, ["x"], "wrong")
    clock.advance(seconds=1)
    roster.deletions.request_delete("hq", second, ["x"], "wrong")
    sandbox.control.fault("unavailable", api="x", method="DELETE", count=1)
    perform_deletions(roster, sandbox.x(), "x")
    one, = roster.deletions.of_post(first)
    two, = roster.deletions.of_post(second)
    assert one.state == "pending" and one.attempts == 1 and "503" in (one.last_error or "")
    assert two.state == "deleted"  # the one after the failing one went ahead
    perform_deletions(roster, sandbox.x(), "x")  # backing off: not tried again yet
    assert sandbox.control.requests("x DELETE /2/tweets") == 2
    clock.advance(minutes=15)
    perform_deletions(roster, sandbox.x(), "x")
    assert roster.deletions.of_post(first)[0].state == "deleted"
    assert sandbox.control.requests("x DELETE /2/tweets") == 3
    assert unexplained(roster.db.conn) == []


def test_a_refusal_fails_that_deletion_with_an_alert_and_the_next_goes_on(
        roster: Services, clock: FakeClock, sandbox: RunningSandbox) -> None:
    first = _published(roster, sandbox, "First {i}")
    second = _published(roster, sandbox, "Second {i}")
    roster.deletions.request_delete("hq", first, ["x"], "wrong")
    clock.advance(seconds=1)
    roster.deletions.request_delete("hq", second, ["x"], "wrong")
    # The first request names a post X will not let us delete (another account's).
    theirs = sandbox.control.post("x", "someone", "their post")
    with roster.db.conn:
        roster.db.conn.execute("UPDATE deletions SET platform_id = ? WHERE post_id = ?",
                               (theirs, first))
    perform_deletions(roster, sandbox.x(), "x")
    (one,) = roster.deletions.of_post(first)
    assert one.state == "failed" and "not allowed" in (one.last_error or "")
    assert roster.deletions.of_post(second)[0].state == "deleted"
    (alert,) = roster.db.conn.execute(
        "SELECT message FROM alerts WHERE kind = 'deletion_failed'").fetchall()
    assert f"post #{first} on x" in alert[0] and "still public" in alert[0]
    assert roster.posts.get(first).status == "published"


def test_a_rate_limit_stops_the_outlets_run_without_spending_an_attempt(
        roster: Services, clock: FakeClock, sandbox: RunningSandbox) -> None:
    post = _published(roster, sandbox)
    roster.deletions.request_delete("hq", post, None, "wrong")
    sandbox.control.fault("rate_limit", api="x", method="DELETE", count=1, reset_in=60)
    assert perform_deletions(roster, sandbox.x(), "x").stopped.startswith("rate limited")
    assert perform_deletions(roster, sandbox.mastodon(), "mastodon").deleted == 1
    x = next(d for d in roster.deletions.of_post(post) if d.outlet == "x")
    assert (x.state, x.attempts) == ("pending", 0)
    assert perform_deletions(roster, sandbox.x(), "x").deleted == 0  # waits for the reset
    assert sandbox.control.requests("x DELETE /2/tweets") == 1
    clock.advance(minutes=2)
    assert perform_deletions(roster, sandbox.x(), "x").deleted == 1


# ----- the audit check's replay -----------------------------------------------------------

def test_a_delivery_marked_deleted_by_hand_is_not_explained_by_the_audit_log(
        roster: Services, sandbox: RunningSandbox) -> None:
    post = _published(roster, sandbox)
    d = next(d for d in roster.posts.deliveries(post) if d.outlet == "x")
    with roster.db.conn:
        roster.db.conn.execute(
            "INSERT INTO deletions (delivery_id, post_id, outlet, platform_id, reason,"
            " requested_by, requested_at, state) VALUES (?, ?, 'x', ?, 'x', 'hq', '', 'deleted')",
            (d.id, post, d.platform_id))
    (finding,) = unexplained(roster.db.conn)
    assert finding.subject == f"delivery:{d.id}" and "marked deleted" in finding.message


# ----- corrections --------------------------------------------------------------------

def test_a_correction_is_cleared_then_published_as_a_reply_on_each_outlet_and_deletes_the_original(
        roster: Services, sandbox: RunningSandbox) -> None:
    original = _published(roster, sandbox, "Workshop on 12 May {i}")
    ids = {d.outlet: d.platform_id for d in roster.posts.deliveries(original)}
    correction = roster.posts.create_correction(
        "chair", original, "Correction: the workshop is on 13 May, not 12 May.",
        delete_original=True)
    assert roster.posts.get(correction).correction_of == original
    assert sorted(roster.posts.get(correction).outlets) == list(OUTLETS)
    roster.posts.submit("chair", correction)
    with pytest.raises(NotAuthorised):  # four eyes, like any post
        roster.posts.clear("chair", correction, publish_if_untimed=True)
    roster.posts.clear("bob", correction, publish_if_untimed=True)
    assert _audit(roster, "post.clear")[-1]["replies"] == ids
    assert roster.deletions.of_post(original) == []  # not before the correction is out
    publisher(roster, _platforms(sandbox)).run(seconds=30)
    sent = {d.outlet: d.platform_id for d in roster.posts.deliveries(correction)}
    assert roster.posts.get(correction).status == "published"
    for outlet in OUTLETS:
        assert _sandbox_post(sandbox, outlet, sent[outlet])["in_reply_to"] == ids[outlet]
    requested = roster.deletions.of_post(original)
    assert {(d.outlet, d.requested_by) for d in requested} == {
        ("x", "chair"), ("mastodon", "chair")}
    _perform(roster, sandbox)
    assert roster.posts.get(original).status == "withdrawn"
    assert unexplained(roster.db.conn) == []


def test_an_account_manager_may_correct_but_not_ask_for_the_deletion(
        roster: Services, sandbox: RunningSandbox) -> None:
    original = _published(roster, sandbox)
    with pytest.raises(NotAuthorised):
        roster.posts.create_correction("alice", original, "Correction: ...", delete_original=True)
    assert roster.db.conn.execute(
        "SELECT actor FROM audit WHERE action = 'post.delete_refused'").fetchall() == [("alice",)]
    assert roster.posts.create_correction("alice", original, "Correction: it is 13 May.")


def test_the_clearance_covers_the_reply_link_so_a_changed_link_is_refused(
        roster: Services, sandbox: RunningSandbox) -> None:
    original = _published(roster, sandbox)
    correction = roster.posts.create_correction("alice", original, "Correction: 13 May.")
    roster.posts.submit("alice", correction)
    roster.posts.clear("bob", correction, publish_if_untimed=True)
    x = next(d for d in roster.posts.deliveries(correction) if d.outlet == "x")
    assert verify_clearance(roster.db.conn, x.id) is None and unexplained(roster.db.conn) == []
    with roster.db.conn:  # pointed at another post beside the tool
        roster.db.conn.execute("UPDATE deliveries SET in_reply_to = '999' WHERE id = ?", (x.id,))
    assert "differ from what was cleared" in (verify_clearance(roster.db.conn, x.id) or "")
    assert any(f.subject == f"post:{correction}" for f in unexplained(roster.db.conn))


# ----- the command line -----------------------------------------------------------------

def test_delete_and_correct_from_the_command_line(tmp_path, sandbox: RunningSandbox) -> None:  # type: ignore[no-untyped-def]
    from inmm_tui.config import load_config
    from inmm_tui.domain.people import current_login
    from inmm_tui.domain.roles import Role
    from inmm_tui.store.db import open_database

    from .cli_helpers import run_cli
    from .conftest import acknowledge_policy

    cfg = tmp_path / "inmm.toml"
    cfg.write_text(f'[inmm]\ndatabase = "{tmp_path / "inmm.db"}"\n')
    args = ("--config", str(cfg))
    assert run_cli(*args, "init", "--admin", current_login()).returncode == 0
    svc = Services.build(load_config(str(cfg)), open_database(tmp_path / "inmm.db", create=True))
    svc.roster.add(current_login(), "alice", "Alice Able", Role.ACCOUNT_MANAGER)
    svc.roster.add(current_login(), "bob", "Bob Baker", Role.ACCOUNT_MANAGER)
    acknowledge_policy(svc, current_login(), "alice", "bob")  # commands put the policy in force
    post = _published(svc, sandbox)
    wrong = run_cli(*args, "publishing", "delete", str(post), "--outlet", "nowhere",
                    "--reason", "wrong date")
    assert wrong.returncode == 1 and "not published on nowhere" in wrong.stderr
    assert "Traceback" not in wrong.stderr
    done = run_cli(*args, "publishing", "delete", str(post), "--outlet", "x",
                   "--reason", "wrong date")
    assert done.returncode == 0, done.stderr
    assert f"post #{post} on x: pending" in done.stdout
    assert [(d.outlet, d.reason) for d in svc.deletions.of_post(post)] == [("x", "wrong date")]
    corrected = run_cli(*args, "publishing", "correct", str(post), "--text",
                        "Correction: the workshop is on 13 May.")
    assert corrected.returncode == 0, corrected.stderr
    assert "submitted for clearance" in corrected.stdout
    correction = svc.db.conn.execute(
        "SELECT id, status FROM posts WHERE correction_of = ?", (post,)).fetchone()
    assert correction[1] == "submitted"
    svc.db.close()


def test_the_daemons_publish_job_performs_the_deletions(
        roster: Services, clock: FakeClock, sandbox: RunningSandbox) -> None:
    from inmm_daemon.service import Daemon

    from inmm_tui.store.db import open_database

    path = roster.config.database_path
    daemon = Daemon(roster.config, lambda: open_database(path), _platforms(sandbox), clock=clock)
    post = _published(roster, sandbox)
    roster.deletions.request_delete("hq", post, None, "wrong date")
    daemon.run_once()
    assert roster.posts.get(post).status == "withdrawn"
    assert _deletes(sandbox) == 2
