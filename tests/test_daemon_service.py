"""The daemon around the publisher: cron timings and their validation, catching up a run
missed while down (once), the heartbeat `--report` reads, the audit check, the
single-instance lock, the secrets file, and logs that never show a token."""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
from pathlib import Path

import pytest
from inmm_daemon import runtime
from inmm_daemon.service import JOBS, Daemon, cron_triggers

from inmm_tui.config import ConfigError, parse_config
from inmm_tui.domain.services import Services
from inmm_tui.platforms.errors import AuthFailed
from inmm_tui.reports.status import gather
from inmm_tui.store.db import open_database
from inmm_tui.timeutil import to_db

from .cli_helpers import run_cli
from .conftest import FakeClock, acknowledge_policy
from .daemon_helpers import fakes, queue_posts


def _daemon(svc: Services, clock: FakeClock) -> Daemon:
    path = svc.config.database_path
    return Daemon(svc.config, lambda: open_database(path), fakes(svc), clock=clock)


def _config(tmp_path: Path, jobs: dict[str, str]) -> Path:
    cfg = tmp_path / "inmm.toml"
    lines = ['[inmm]', f'database = "{tmp_path / "inmm.db"}"', "", "[daemon.jobs]"]
    lines += [f'{name} = "{expr}"' for name, expr in jobs.items()]
    cfg.write_text("\n".join(lines) + "\n")
    return cfg


def test_every_configured_timing_becomes_a_cron_trigger(tmp_path: Path) -> None:
    config = parse_config({"daemon": {"jobs": {"follow_back": "*/15 * * * *"}}},
                          tmp_path / "inmm.toml")
    triggers = cron_triggers(config)
    assert set(triggers) == set(config.daemon.jobs)
    start = dt.datetime(2027, 1, 4, 10, 1, tzinfo=dt.UTC)
    assert triggers["follow_back"].get_next_fire_time(None, start).astimezone(dt.UTC) == \
        dt.datetime(2027, 1, 4, 10, 15, tzinfo=dt.UTC)


@pytest.mark.parametrize("expression", ["every 15 minutes", "*/15 * *", "61 * * * *"])
def test_a_cron_expression_that_does_not_parse_names_the_job(tmp_path: Path,
                                                              expression: str) -> None:
    # refused when the configuration is loaded, so `--report` and the daemon agree
    with pytest.raises(ConfigError, match=r"inmm\.toml: daemon\.jobs\.follow_back: .*five fields"):
        parse_config({"daemon": {"jobs": {"follow_back": expression}}}, tmp_path / "inmm.toml")


def test_the_daemon_refuses_a_bad_cron_expression_with_exit_2(tmp_path: Path) -> None:
    cfg = _config(tmp_path, {"follow_back": "*/15 * *"})
    result = run_cli("--config", str(cfg), "--once", program="inmm-daemon")
    assert result.returncode == 2, result.stderr
    assert "daemon.jobs.follow_back" in result.stderr and "'*/15 * *'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "inmm.db").exists()  # refused before touching anything


def test_an_unknown_job_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"daemon\.jobs\.folow_back: no such job"):
        parse_config({"daemon": {"jobs": {"folow_back": "* * * * *"}}}, tmp_path / "c.toml")


def test_a_second_daemon_on_the_same_database_refuses_with_exit_1(tmp_path: Path) -> None:
    cfg = _config(tmp_path, {})
    lock = runtime.InstanceLock(tmp_path / "inmm.db")
    lock.acquire()
    try:
        result = run_cli("--config", str(cfg), "--once", program="inmm-daemon")
    finally:
        lock.release()
    assert result.returncode == 1
    assert f"already running on {tmp_path / 'inmm.db'}" in result.stderr
    assert f"pid {os.getpid()}" in result.stderr and "Traceback" not in result.stderr
    again = runtime.InstanceLock(tmp_path / "inmm.db")
    again.acquire()  # released: a new one may start
    again.release()


def test_once_publishes_writes_the_heartbeat_and_records_each_job(
        roster: Services, clock: FakeClock) -> None:
    posts = queue_posts(roster, 2)
    daemon = _daemon(roster, clock)
    daemon.run_once()
    assert all(roster.posts.get(p).status == "published" for p in posts)
    status = gather(roster.config, clock.now)
    assert status["daemon"]["pid"] == os.getpid() and status["daemon"]["age_seconds"] == 0
    runs = dict(roster.db.execute("SELECT name, last_ok FROM daemon_jobs").fetchall())
    assert runs == {name: 1 for name in JOBS}
    # run again a minute later, as from cron: publishing and notifications run, the hourly and monthly
    # jobs wait for their time
    clock.advance(minutes=1)
    assert daemon.run_once() == ["publish", "notify"]  # both every minute
    clock.advance(hours=1)
    assert "audit_check" in daemon.run_once()
    assert status["audit"]["ok"]
    checkpoint = roster.db.execute("SELECT seq FROM audit_checkpoint").fetchone()
    assert checkpoint is not None  # the audit check recorded a full verification


def test_a_run_missed_while_down_is_caught_up_once(roster: Services, clock: FakeClock) -> None:
    daemon = _daemon(roster, clock)
    trigger = daemon.triggers["audit_check"]  # "30 * * * *"
    assert not daemon.missed("audit_check", trigger)  # never ran: nothing to catch up
    clock.now = dt.datetime(2026, 11, 2, 15, 31, tzinfo=dt.UTC)
    daemon.run_job(JOBS["audit_check"])
    clock.now = dt.datetime(2026, 11, 2, 16, 10, tzinfo=dt.UTC)
    assert not daemon.missed("audit_check", trigger)  # next run 16:30 has not come
    clock.now = dt.datetime(2026, 11, 2, 21, 5, tzinfo=dt.UTC)  # down for five runs
    assert daemon.missed("audit_check", trigger)
    daemon.run_job(JOBS["audit_check"])  # the one catch-up run
    assert not daemon.missed("audit_check", trigger)
    runs = roster.db.execute("SELECT runs FROM daemon_jobs WHERE name = 'audit_check'").fetchone()
    assert runs[0] == 2


def test_a_broken_audit_chain_raises_an_alert(roster: Services, clock: FakeClock) -> None:
    roster.db.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 2")
    _daemon(roster, clock).run_job(JOBS["audit_check"])
    alerts = gather(roster.config, clock.now)["alerts"]
    assert any(a["kind"] == "audit_chain" and "BROKEN at entry #2" in a["message"] for a in alerts)


def test_logs_mask_tokens_and_use_journald_priorities(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOURNAL_STREAM", "8:1234")
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    runtime.setup_logging({"x": {"token": "s3cr3t-t0ken-AAAA"}})
    logging.getLogger("inmm_daemon.test").error("call failed with s3cr3t-t0ken-AAAA in it")
    logging.getLogger("inmm_daemon.test").info("all well")
    lines = stream.getvalue().splitlines()
    assert lines == ["<3>inmm_daemon.test: call failed with [secret] in it",
                     "<6>inmm_daemon.test: all well"]
    logging.getLogger().handlers.clear()


def test_new_credentials_are_checked_and_a_refusal_raises_an_alert(
        roster: Services, clock: FakeClock) -> None:
    for outlet in ("x", "mastodon"):
        roster.db.execute(
            "INSERT INTO credential_rotations (outlet, rotated_at, recorded_by) VALUES (?, ?, 'hq')",
            [outlet, to_db(clock.now)])
    daemon = _daemon(roster, clock)
    daemon.publisher.platforms["x"].fault = lambda f: AuthFailed("401 Unauthorized")
    daemon.check_credentials()
    results = dict(roster.db.execute(
        "SELECT outlet, verify_result FROM credential_rotations").fetchall())
    assert results == {"x": "auth_failed", "mastodon": "ok"}
    alerts = gather(roster.config, clock.now)["alerts"]
    assert any(a["subject"] == "outlet:x" and "401" in a["message"] for a in alerts)


class _StubJob:
    def __init__(self, next_run_time: dt.datetime):
        self.next_run_time = next_run_time

    def modify(self, next_run_time: dt.datetime) -> None:
        self.next_run_time = next_run_time


class _StubScheduler:
    def __init__(self, job: _StubJob):
        self.job = job

    def get_job(self, name: str) -> _StubJob:
        return self.job

    def modify_job(self, name: str, next_run_time: dt.datetime) -> None:
        self.job.next_run_time = next_run_time


def test_publishing_is_woken_when_the_next_post_falls_due(roster: Services,
                                                          clock: FakeClock) -> None:
    clock.now = dt.datetime.now(dt.UTC)
    daemon = _daemon(roster, clock)
    far = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    daemon.scheduler = _StubScheduler(_StubJob(far))
    (post_id,) = queue_posts(roster, 1, clock.now + dt.timedelta(seconds=30))
    daemon.publish()  # nothing due yet: the next run is set for the due time
    assert daemon.scheduler.job.next_run_time == clock.now + dt.timedelta(seconds=30)
    # someone schedules a post due now: the wake check sees the database change
    daemon.scheduler.job.next_run_time = far
    daemon.wake_check()  # first look: nothing due yet
    assert daemon.scheduler.job.next_run_time == far
    queue_posts(roster, 1, clock.now, body="urgent {i}")
    daemon.wake_check()
    assert daemon.scheduler.job.next_run_time < far
    daemon.scheduler.job.next_run_time = far
    daemon.wake_check()  # nothing changed, nothing due: left alone
    assert daemon.scheduler.job.next_run_time == far
    assert roster.posts.get(post_id).status == "scheduled"


def test_publishing_problems_and_actions_from_the_command_line(tmp_path: Path) -> None:
    from inmm_tui.config import load_config
    from inmm_tui.domain.people import current_login
    from inmm_tui.domain.roles import Role

    cfg = tmp_path / "inmm.toml"
    cfg.write_text(f'[inmm]\ndatabase = "{tmp_path / "inmm.db"}"\n')
    args = ("--config", str(cfg))
    assert run_cli(*args, "init", "--admin", current_login()).returncode == 0
    svc = Services.build(load_config(str(cfg)), open_database(tmp_path / "inmm.db", create=True))
    svc.roster.add(current_login(), "alice", "Alice Able", Role.ACCOUNT_MANAGER)
    svc.roster.add(current_login(), "bob", "Bob Baker", Role.ACCOUNT_MANAGER)
    acknowledge_policy(svc, current_login(), "alice", "bob")
    (post_id,) = queue_posts(svc, 1)
    ids = {d.outlet: d.id for d in svc.posts.deliveries(post_id)}
    svc.db.execute("UPDATE deliveries SET state = 'sent' WHERE outlet = 'mastodon'")
    svc.db.execute("UPDATE deliveries SET state = 'failed', last_error = ? WHERE outlet = 'x'",
                   [f"post #{post_id} on x: failed after 8 attempts: 503 Service Unavailable"])
    status = run_cli(*args, "publishing", "status")
    assert status.returncode == 1, status.stderr
    assert f"delivery {ids['x']}: post #{post_id} on x FAILED (partly published)" in status.stdout
    assert "503 Service Unavailable -> retry or withdraw" in status.stdout
    assert run_cli(*args, "publishing", "retry", str(ids["x"])).returncode == 0
    assert svc.posts.deliveries(post_id)[1].state == "pending"
    wrong = run_cli(*args, "publishing", "release", str(ids["x"]))
    assert wrong.returncode == 1 and "not held" in wrong.stderr
    assert run_cli(*args, "publishing", "pause", "--reason", "checking").returncode == 0
    report = run_cli(*args, "--report", "--json")
    assert '"publishing_paused": true' in report.stdout
    assert "PAUSED" in run_cli(*args, "publishing", "status").stdout
    assert run_cli(*args, "publishing", "resume").returncode == 0
    assert run_cli(*args, "publishing", "status").returncode == 0
    svc.db.close()


def test_while_paused_publishing_is_not_woken_over_and_over(roster: Services,
                                                           clock: FakeClock) -> None:
    clock.now = dt.datetime.now(dt.UTC)
    daemon = _daemon(roster, clock)
    far = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    daemon.scheduler = _StubScheduler(_StubJob(far))
    queue_posts(roster, 1)
    roster.switches.set_paused("hq", True, "checking")
    daemon.publish()
    daemon.wake_check()
    assert daemon.scheduler.job.next_run_time == far


def test_report_shows_a_failing_job_and_a_failure_naming_the_post_once(
        roster: Services, clock: FakeClock) -> None:
    from inmm_tui.reports.status import render_text

    daemon = _daemon(roster, clock)
    broken = JOBS["audit_check"].__class__("audit_check", lambda d: 1 / 0)
    daemon.run_job(broken)
    (post_id,) = queue_posts(roster, 1)
    roster.db.execute("UPDATE deliveries SET state = 'failed', attempts = 8, last_error = ?"
                      " WHERE outlet = 'x'",
                      [f"post #{post_id} on x: failed after 8 attempts: 503 Service Unavailable"])
    status = gather(roster.config, clock.now)
    assert "the daemon's audit_check job failed on its last run" in status["attention"]
    text = render_text(status)
    assert f"\n  post #{post_id} on x: failed after 8 attempts: 503 Service Unavailable\n" in text
    assert "daemon job audit_check failed at" in text and "ZeroDivisionError" in text


def test_at_start_a_missed_run_is_made_up_once_then_the_timing_resumes(
        roster: Services, clock: FakeClock) -> None:
    from .crash_harness import wait_for

    clock.advance(minutes=5)  # 15:05
    daemon = _daemon(roster, clock)
    daemon.run_job(JOBS["audit_check"])
    daemon.run_job(JOBS["poll_metrics"])
    # the daemon was down five hours: several audit checks and metrics polls were missed
    roster.db.execute("UPDATE daemon_jobs SET last_run_at = ?",
                      [to_db(clock.now - dt.timedelta(hours=5))])
    roster.db.execute("UPDATE daemon_jobs SET last_run_at = ? WHERE name = 'poll_metrics'",
                      [to_db(clock.now - dt.timedelta(minutes=4))])  # this one was not (hourly)

    def runs(name: str) -> int:
        row = roster.db.execute("SELECT runs FROM daemon_jobs WHERE name = ?", [name]).fetchone()
        return row[0] if row else 0

    daemon.start()
    try:
        assert wait_for(lambda: runs("audit_check") == 2, timeout=10)
        assert wait_for(lambda: runs("publish") >= 1, timeout=10)
        job = daemon.scheduler.get_job("audit_check")
        assert job.next_run_time > dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
        assert daemon.scheduler.get_job("poll_metrics").next_run_time > \
            dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
    finally:
        daemon.shutdown()
    assert runs("audit_check") == 2 and runs("poll_metrics") == 1


def test_retry_timings_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ConfigError,
                       match=r"daemon\.retry_base_seconds: expected a number at least 0.001, got 0"):
        parse_config({"daemon": {"retry_base_seconds": 0}}, tmp_path / "inmm.toml")


def test_one_outlet_failing_a_job_does_not_skip_the_other_and_the_run_shows_failed(
        roster: Services, clock: FakeClock) -> None:
    daemon = _daemon(roster, clock)
    x, mastodon = daemon.platforms["x"], daemon.platforms["mastodon"]
    x.fault = lambda f: ValueError("broken adapter")
    daemon.run_job(JOBS["follow_back"])
    assert "followers" in mastodon.requests or "following" in mastodon.requests
    ok, error = roster.db.execute(
        "SELECT last_ok, last_error FROM daemon_jobs WHERE name = 'follow_back'").fetchone()
    assert ok == 0 and "x: ValueError: broken adapter" in error and "mastodon" not in error


def _delete_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def test_a_database_deleted_under_the_daemon_stops_it_claiming_nothing(
        roster: Services, clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    daemon = _daemon(roster, clock)
    daemon.heartbeat()
    daemon.publisher.run(seconds=5)  # each outlet's connection is open, as in a running daemon
    assert daemon.exit_code == 0 and not daemon.stop.is_set()
    queue_posts(roster, 2)  # due now
    path = roster.config.database_path
    _delete_database(path)
    with caplog.at_level(logging.CRITICAL, logger="inmm_daemon"):
        daemon.heartbeat()
    assert daemon.stop.is_set() and daemon.exit_code == 5
    assert f"the database {path} was deleted while the daemon was running" in caplog.text
    assert daemon.publisher.run(seconds=5).handled == 0  # nothing claimed from the old file
    daemon.close()
    assert not path.exists()  # and no empty database made in its place


def test_the_publish_job_leaves_a_missing_database_to_the_daemon_not_to_a_traceback(
        roster: Services, clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    # Seen in CI: the database deleted just as the publish job opened its services for
    # reading shares; the job logged a traceback instead of the daemon's plain exit 5.
    from inmm_daemon.service import JOBS

    from inmm_tui.store.errors import DatabaseError

    daemon = _daemon(roster, clock)
    _delete_database(roster.config.database_path)
    with caplog.at_level(logging.ERROR, logger="inmm_daemon"), \
            pytest.raises(DatabaseError, match="no database here"):
        JOBS["publish"].run(daemon)
    assert "Traceback" not in caplog.text and "share" not in caplog.text
    daemon.close()


def test_a_database_replaced_under_the_daemon_raises_an_alert_in_the_new_one(
        roster: Services, clock: FakeClock) -> None:
    daemon = _daemon(roster, clock)
    path = roster.config.database_path
    _delete_database(path)
    fresh = open_database(path, create=True)  # e.g. a backup put back in its place
    fresh.close()
    daemon.wake_check()  # the check every second notices it as the heartbeat does
    assert daemon.stop.is_set() and daemon.exit_code == 5
    daemon.close()
    alerts = gather(roster.config, clock.now)["alerts"]
    assert [a["kind"] for a in alerts] == ["database_replaced"]
    assert "replaced by another file" in alerts[0]["message"]


def test_the_service_exits_5_when_its_database_is_deleted(tmp_path: Path,
                                                          sandbox: object) -> None:
    """The real daemon under a fast watchdog: deleting its database ends it within
    seconds with exit 5 (systemd restarts it; with no database it then refuses to start)."""
    import subprocess
    import sys
    import time

    port = sandbox.url.rsplit(":", 1)[1].strip("/")  # type: ignore[attr-defined]
    cfg = tmp_path / "inmm.toml"
    cfg.write_text(f'[inmm]\ndatabase = "inmm.db"\n[sandbox]\nport = {port}\n')
    assert run_cli("--config", str(cfg), "init", "--admin", "root").returncode == 0
    env = {**os.environ, "INMM_CONFIG": str(cfg), "WATCHDOG_USEC": "3000000"}
    env.pop("NOTIFY_SOCKET", None)
    daemon = subprocess.Popen([sys.executable, "-c", "import sys, inmm_daemon.main as m;"
                               " sys.exit(m.main())"], env=env, stderr=subprocess.PIPE,
                              text=True)
    try:
        assert daemon.stderr is not None
        started = time.monotonic()
        for line in daemon.stderr:
            if "started" in line or time.monotonic() - started > 30:
                break
        _delete_database(tmp_path / "inmm.db")
        code = daemon.wait(timeout=30)
        rest = daemon.stderr.read()
    finally:
        daemon.kill()
    assert code == 5, rest
    assert "was deleted while the daemon was running" in rest and "Traceback" not in rest
    assert not (tmp_path / "inmm.db").exists()
    again = run_cli("--config", str(cfg), "--once", program="inmm-daemon")
    assert again.returncode == 2 and "no database here" in again.stderr
