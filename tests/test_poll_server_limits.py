"""A Mastodon server's own poll limits (its /api/v2/instance `configuration.polls`): read
by the daemon through Mastodon.py from the sandbox, kept for the domain, which checks a
poll against them when it is written, submitted and cleared; checked again by the adapter
before publishing; the built-in defaults while they were never read."""

from __future__ import annotations

import pytest
from inmm_daemon.server_limits import read_server_limits
from inmm_daemon.service import JOBS, Daemon

from inmm_tui.capabilities import MASTODON, PollRules
from inmm_tui.domain import audit
from inmm_tui.domain.errors import InvalidInput
from inmm_tui.domain.polls import Poll, server_rules
from inmm_tui.domain.services import Services
from inmm_tui.store.db import open_database

from .conftest import FakeClock
from .daemon_helpers import publisher
from .sandbox_fixtures import RunningSandbox

FOUR = Poll(("Plenary", "Workshops", "Poster session", "Technical tour"), 24 * 60)
"""Four options, each within 50 characters, open a day: what the defaults allow."""
QUESTION = "Straw poll: which session did you like best?"


def _draft(svc: Services, poll: Poll = FOUR) -> int:
    return svc.posts.create_draft("alice", QUESTION, topic="Annual Meeting", poll=poll,
                                  outlets=["mastodon"], scheduled_at=svc.clock())


def test_the_daemon_reads_the_server_s_limits_and_a_poll_beyond_them_is_refused(
        roster: Services, sandbox: RunningSandbox, clock: FakeClock) -> None:
    assert MASTODON.polls is not None and FOUR.minutes <= MASTODON.polls.max_minutes
    assert server_rules(roster.db.conn, "mastodon") is None  # never read: the defaults
    allowed = _draft(roster)
    assert roster.posts.submit("alice", allowed).status == "submitted"

    sandbox.control.settings(mastodon_polls={"max_options": 3, "max_characters_per_option": 20,
                                             "min_expiration": 3600,
                                             "max_expiration": 3 * 86400})
    path = roster.config.database_path
    daemon = Daemon(roster.config, lambda: open_database(path),
                    {"x": sandbox.x(), "mastodon": sandbox.mastodon()}, clock=clock)
    try:
        daemon.run_job(JOBS["poll_metrics"])
    finally:
        daemon.close()
    assert sandbox.control.requests("GET /api/v2/instance") == 1  # Mastodon only, not X
    assert server_rules(roster.db.conn, "mastodon") == PollRules(
        max_options=3, option_length=20, min_minutes=60, max_minutes=3 * 1440)
    assert server_rules(roster.db.conn, "x") is None
    entries = audit.history(roster.db.conn, "outlet:mastodon")
    (entry,) = [e for e in entries if e["action"] == "outlet.poll_limits"]
    assert entry["action"] == "outlet.poll_limits" and entry["details"]["polls"]["max_options"] == 3

    # submitting: refused, naming the server's limit
    refused = _draft(roster)
    with pytest.raises(InvalidInput, match="mastodon: polls on this Mastodon server \\(its own "
                                           "limit\\) take at most 3 options"):
        roster.posts.submit("alice", refused)
    # writing it: compose shows it as a blocking finding
    preview = roster.posts.preview("alice", QUESTION, outlets=["mastodon"], poll=FOUR)
    assert preview.outcome.verdict == "block"
    assert any("take at most 3 options" in f["message"] for f in preview.outcome.findings)
    # clearing the one submitted before the limits were read: refused too, and audited
    with pytest.raises(InvalidInput, match="take at most 3 options"):
        roster.posts.clear("bob", allowed)
    assert roster.posts.get(allowed).status == "submitted"
    assert audit.history(roster.db.conn, f"post:{allowed}")[-1]["action"] == "post.refused"

    long_option = Poll(("A twenty-five characters!", "No"), 24 * 60)
    with pytest.raises(InvalidInput, match="poll option 1 is 25 characters; this Mastodon "
                                           "server \\(its own limit\\) takes at most 20"):
        roster.posts.submit("alice", _draft(roster, long_option))
    too_short = Poll(("Yes", "No"), 30)
    with pytest.raises(InvalidInput, match="polls on this Mastodon server \\(its own limit\\) "
                                           "are open 1 h to 3 d; 30 min asked"):
        roster.posts.submit("alice", _draft(roster, too_short))
    fits = _draft(roster, Poll(("Yes", "No", "Maybe"), 2 * 60))
    assert roster.posts.submit("alice", fits).status == "submitted"


def test_a_server_that_lowered_its_limits_after_clearance_refuses_before_posting(
        roster: Services, sandbox: RunningSandbox) -> None:
    post_id = _draft(roster)
    roster.posts.submit("alice", post_id)
    roster.posts.clear("bob", post_id)  # under the defaults: four options are fine
    sandbox.control.settings(mastodon_polls={"max_options": 3})
    publisher(roster, {"mastodon": sandbox.mastodon()}).run(seconds=30)  # type: ignore[dict-item]
    (delivery,) = roster.posts.deliveries(post_id)
    assert delivery.state == "failed"
    assert "polls on this Mastodon server (its own limit) take at most 3 options" in (
        roster.db.conn.execute("SELECT last_error FROM deliveries WHERE id = ?",
                               (delivery.id,)).fetchone()[0])
    assert sandbox.control.requests("POST /api/v1/statuses") == 0  # nothing was posted


def test_limits_kept_when_the_server_does_not_answer_and_rechecked_when_read(
        roster: Services, sandbox: RunningSandbox) -> None:
    mastodon = sandbox.mastodon()
    sandbox.control.settings(mastodon_polls={"max_options": 3})
    assert read_server_limits(roster, mastodon, "mastodon") == PollRules(3, 50, 5, 43829)
    sandbox.control.fault("unavailable", api="mastodon", method="GET", path="/api/v2/instance",
                          count=5)
    assert read_server_limits(roster, sandbox.mastodon(), "mastodon") is None
    assert server_rules(roster.db.conn, "mastodon") == PollRules(3, 50, 5, 43829)
    sandbox.control.clear_faults()
    sandbox.control.settings(mastodon_polls={"max_options": 4})
    assert read_server_limits(roster, mastodon, "mastodon") == PollRules(4, 50, 5, 43829)
    assert roster.posts.submit("alice", _draft(roster)).status == "submitted"
    assert [e["details"]["polls"]["max_options"]
            for e in audit.history(roster.db.conn, "outlet:mastodon")] == [3, 4]
