"""The daemon's governance jobs against the sandbox, through the real adapters: a recorded
rotation is cleared only when the credentials check succeeds (not on a 401, not on a 503);
the planted spoof is queued once; a post made outside the tool raises an alert."""

from __future__ import annotations

from inmm_daemon import governance as jobs

from inmm_tui.domain.reminders import open_alerts
from inmm_tui.domain.services import Services

from .governance_helpers import due, real_outlets


def test_a_rotation_counts_only_after_the_platform_accepts_the_credentials(
        roster: Services, sandbox) -> None:
    svc = real_outlets(roster)
    x, mastodon = sandbox.x(), sandbox.mastodon()
    assert jobs.check_credentials(svc, x) == "nothing to check"
    svc.governance.record_rotation("hq", "x")
    svc.governance.record_rotation("hq", "mastodon")

    sandbox.control.fault("unavailable", api="x", count=5)
    assert jobs.check_credentials(svc, x) == "postponed"  # a 503 proves nothing
    assert "x" in set(due(svc))
    sandbox.control.clear_faults()

    sandbox.control.fault("unauthorized", api="mastodon", count=5)
    assert jobs.check_credentials(svc, mastodon) == "refused"
    assert "mastodon" in set(due(svc))
    assert any(a.kind == "credentials_refused" for a in open_alerts(svc.db.conn))
    sandbox.control.clear_faults()

    assert jobs.check_credentials(svc, x) == "verified"
    assert set(due(svc)) == {"mastodon"}


def test_a_changed_secrets_file_is_noticed(roster: Services) -> None:
    svc = real_outlets(roster)
    svc.governance.record_rotation("hq", "x")
    assert not jobs.check_secrets(svc, "x", b"[outlets.x]\naccess_token = 'one'\n")
    assert jobs.check_secrets(svc, "x", b"[outlets.x]\naccess_token = 'two'\n")
    row = svc.db.execute("SELECT cause FROM rotation_triggers WHERE outlet = 'x'"
                         " ORDER BY id DESC LIMIT 1").fetchone()
    assert row == ("secrets_changed",)


def test_the_planted_spoof_is_queued_once(roster: Services, sandbox) -> None:
    sandbox.control.add_account("x", "INMM_official", name="INMM (official)")
    sandbox.control.add_account("mastodon", "inmmorg_news", name="INMM News")
    for _ in range(2):
        jobs.watch_spoofs(roster, sandbox.x(), "INMMorg")
        jobs.watch_spoofs(roster, sandbox.mastodon(), "INMMorg")
    rows = roster.db.execute(
        "SELECT outlet, handle, status FROM spoof_suspects ORDER BY outlet").fetchall()
    assert rows == [("mastodon", "inmmorg_news", "new"), ("x", "inmm_official", "new")]


def test_a_post_made_outside_the_tool_raises_an_alert(roster: Services, sandbox) -> None:
    x = sandbox.x()
    x.publish("An old post from before the tool", idempotency_key="k1")
    assert jobs.check_platform_posts(roster, x) == 0  # baseline
    x.publish("Free crypto for members!", idempotency_key="k2")
    assert jobs.check_platform_posts(roster, x) == 1
    assert any("Free crypto" in a.message for a in open_alerts(roster.db.conn))
