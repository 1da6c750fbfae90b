"""Notifications: events recorded with the action, sent by the daemon's `notify` job to a
real SMTP server and a real webhook receiver on 127.0.0.1, digests, quiet hours, retries,
and exactly once across a daemon killed between the server accepting and the record."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from inmm_daemon import notify as notify_job
from inmm_daemon.notify import Messenger, verify_signature

from inmm_tui.config import ConfigError, parse_config
from inmm_tui.domain import notify
from inmm_tui.domain.errors import InvalidInput, NotAuthorised
from inmm_tui.domain.services import Services
from inmm_tui.store.db import open_database

from .conftest import FakeClock, add_people
from .notify_helpers import SmtpServer, WebhookReceiver, self_signed

SECRET = "hook-secret-123456"


def build(tmp_path: Path, clock, smtp_port: int | None = None, hook: str | None = None,
          secrets: dict[str, str] | None = None, **extra: object) -> tuple[Services, Messenger]:
    notes: dict[str, object] = {"from_address": "social-media@inmm.org", **extra}
    if smtp_port:
        notes.update(smtp_host="127.0.0.1", smtp_port=smtp_port, smtp_security="none")
    if hook:
        notes["webhooks"] = {"team": hook}
    config = parse_config({"inmm": {"database": str(tmp_path / "inmm.db"),
                                    "timezone": "America/Chicago"},
                           "notifications": notes}, tmp_path / "inmm.toml")
    svc = Services.build(config, open_database(config.database_path, create=True), clock=clock)
    add_people(svc)
    return svc, Messenger(config.notifications, {"webhook_secret": SECRET, **(secrets or {})})


def submit(svc: Services, author: str = "alice") -> int:
    post_id = svc.posts.create_draft(author, "Registration for the annual meeting is open")
    svc.posts.submit(author, post_id)
    return post_id


def test_events_are_written_with_the_action_and_name_who_must_act(roster: Services) -> None:
    post_id = submit(roster)
    row = roster.db.conn.execute("SELECT kind, subject, recipients, summary FROM notify_events"
                                 ).fetchone()
    assert row[:2] == ("clearance_needed", f"post:{post_id}")
    # account managers other than the author, the Subcommittee Chair and HQ may clear
    assert json.loads(row[2]) == ["bob", "chair", "hq"]
    assert "Clearance screen (key c)" in row[3]
    # a refused action leaves no event behind: it rolls back with the action
    with pytest.raises(NotAuthorised):
        roster.posts.clear("alice", post_id)
    assert roster.db.conn.execute("SELECT count(*) FROM notify_events").fetchone()[0] == 1
    roster.posts.comment("bob", post_id, "private thought: the date is wrong")
    roster.posts.reject("bob", post_id, "check the date")
    kinds = roster.db.conn.execute(
        "SELECT kind, recipients, summary FROM notify_events ORDER BY created_at, rowid"
    ).fetchall()
    assert [(k, json.loads(r)) for k, r, _ in kinds[1:]] == [
        ("post_commented", ["alice"]), ("post_rejected", ["alice"])]
    assert "private thought" not in kinds[1][2]  # the comment's text is not sent


def test_email_and_webhook_sent_once_each_with_id_and_signature(tmp_path, clock) -> None:
    with SmtpServer() as smtp, WebhookReceiver() as hook:
        svc, messenger = build(tmp_path, clock, smtp.port, hook.url)
        notify.set_settings(svc.db, "bob", "bob", clock, email="bob@example.org")
        post_id = submit(svc)
        assert notify_job.run(svc, messenger) == (2, 0)
        assert notify_job.run(svc, messenger) == (0, 0)  # nothing sent twice
        assert len(smtp.box.messages) == 1 and len(hook.requests) == 1
        mail = smtp.box.messages[0]
        assert mail["To"] == "bob@example.org"
        assert mail["Subject"] == "[INMM] A post awaits your clearance"
        out = svc.db.conn.execute("SELECT message_id, state FROM notify_outbox WHERE channel ="
                                  " 'email'").fetchone()
        assert mail["Message-ID"] == f"<{out[0]}@inmm-tui>" and out[1] == "sent"
        body = mail.get_content()
        assert f"Post #{post_id} by alice awaits your clearance" in body
        assert "roster notify bob" in body
        headers, raw = hook.requests[0]
        assert verify_signature(SECRET.encode(), raw, headers["X-INMM-Signature"])
        assert not verify_signature(b"another secret", raw, headers["X-INMM-Signature"])
        payload = json.loads(raw)
        assert payload["id"] == headers["X-INMM-Event-Id"]
        assert payload["event"] == "clearance_needed"
        assert f"Post #{post_id}" in payload["text"]  # what Slack/Mattermost/Teams show
        assert SECRET not in raw.decode()
        svc.db.close()


def test_a_failing_webhook_is_retried_with_backoff_and_shown_meanwhile(tmp_path, clock) -> None:
    with WebhookReceiver() as hook:
        hook.statuses = [500, 500]
        svc, messenger = build(tmp_path, clock, hook=hook.url, retry_base_seconds=60)
        submit(svc)
        assert notify_job.run(svc, messenger) == (0, 1)
        assert [(c, t, n) for c, t, n, _ in notify.failing(svc.db.conn)] == [("webhook", "team", 1)]
        assert notify_job.run(svc, messenger) == (0, 0)  # waits out its backoff
        clock.advance(seconds=61)
        assert notify_job.run(svc, messenger) == (0, 1)
        clock.advance(seconds=61)  # the second wait is twice as long
        assert notify_job.run(svc, messenger) == (0, 0)
        clock.advance(seconds=60)
        assert notify_job.run(svc, messenger) == (1, 0)
        assert notify.failing(svc.db.conn) == []
        ids = {h["X-INMM-Event-Id"] for h, _ in hook.requests}
        assert len(hook.requests) == 3 and len(ids) == 1  # the same id every time
        svc.db.close()


def test_digest_gathers_a_day_in_one_mail_once(tmp_path, clock) -> None:
    with SmtpServer() as smtp:
        svc, messenger = build(tmp_path, clock, smtp.port, digest_hour=17)
        notify.set_settings(svc.db, "alice", "alice", clock, email="alice@example.org",
                            mode="digest", events=["post_rejected", "post_commented"])
        first, second = submit(svc), submit(svc)
        svc.posts.reject("bob", first, "too long")
        svc.posts.comment("chair", second, "nice")
        notify_job.run(svc, messenger)
        assert smtp.box.messages == []  # 09:00 in Chicago: the digest goes at 17:00
        clock.advance(hours=8)
        assert notify_job.run(svc, messenger) == (1, 0)
        assert notify_job.run(svc, messenger) == (0, 0)
        [mail] = smtp.box.messages
        assert mail["Subject"] == "[INMM] Daily digest: 2 notifications"
        body = mail.get_content()
        assert f"post #{first} was rejected by bob" in body
        assert f"post #{second} was commented on by chair" in body
        assert "clearance" not in mail["Subject"].lower()  # not chosen: not sent
        svc.posts.reject("bob", second, "again")
        clock.advance(hours=1)
        notify_job.run(svc, messenger)
        assert len(smtp.box.messages) == 1  # today's digest went: this one waits for tomorrow
        clock.advance(hours=23)
        notify_job.run(svc, messenger)
        assert len(smtp.box.messages) == 2
        svc.db.close()


def test_quiet_hours_hold_a_mail_until_they_end_but_not_a_compromise(tmp_path, clock) -> None:
    with SmtpServer() as smtp:
        svc, messenger = build(tmp_path, clock, smtp.port)
        # 15:00 UTC is 09:00 in Chicago
        notify.set_settings(svc.db, "hq", "hq", clock, email="hq@example.org",
                            quiet="08:30-10:00")
        submit(svc)
        svc.governance.flag_compromise("alice", "x", "odd posts at night")
        assert notify_job.run(svc, messenger) == (1, 0)
        [mail] = smtp.box.messages
        assert "compromise" in mail["Subject"]
        clock.advance(minutes=59)
        assert notify_job.run(svc, messenger) == (0, 0)
        clock.advance(minutes=1)
        sent, _ = notify_job.run(svc, messenger)
        assert sent >= 1
        later = [m["Subject"] for m in smtp.box.messages[1:]]
        assert "[INMM] A post awaits your clearance" in later
        svc.db.close()


def test_settings_are_checked_and_only_hq_sets_someone_elses(roster: Services, clock) -> None:
    with pytest.raises(InvalidInput, match="not an e-mail address"):
        notify.set_settings(roster.db, "bob", "bob", clock, email="bob at inmm")
    with pytest.raises(InvalidInput, match="unknown event 'everything'"):
        notify.set_settings(roster.db, "bob", "bob", clock, events=["everything"])
    with pytest.raises(InvalidInput, match="HH:MM-HH:MM"):
        notify.set_settings(roster.db, "bob", "bob", clock, quiet="late")
    with pytest.raises(NotAuthorised):
        notify.set_settings(roster.db, "alice", "bob", clock, email="x@example.org")
    assert notify.settings(roster.db.conn, "bob") is None
    refused = roster.db.conn.execute(
        "SELECT actor FROM audit WHERE action = 'notify.refused'").fetchall()
    assert refused == [("alice",)]
    notify.set_settings(roster.db, "hq", "bob", clock, email="bob@example.org",
                        quiet="22:00-07:00")
    assert notify.quiet_text(notify.settings(roster.db.conn, "bob")) == "22:00-07:00"


@pytest.mark.parametrize(("notes", "message"), [
    ({"smtp_host": "mail.example.org", "smtp_security": "none",
      "from_address": "a@inmm.org"}, "allowed only for a server on this host"),
    ({"smtp_host": "mail.example.org"}, "from_address: needed"),
    ({"webhooks": {"team": "http://hooks.example.org/x"}}, "expected an https:// URL"),
    ({"digest_hour": 24}, "notifications.digest_hour: expected a number from 0 to 23"),
    ({"webhook_events": ["everything"]}, "unknown event 'everything'"),
    ({"smtp_hots": "x"}, "notifications.smtp_hots: unknown key"),
])
def test_configuration_refuses_what_would_not_work(tmp_path, notes, message) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config({"notifications": notes}, tmp_path / "inmm.toml")


def test_exactly_once_across_a_daemon_killed_after_the_server_accepted(tmp_path, sandbox,
                                                                        clock) -> None:
    """The real daemon, killed (SIGKILL) while it waits to record a message the server has
    just accepted: the database is held from inside the server's acceptance, so the kill
    falls exactly between the two. The next daemon sends it again with the same id; a
    receiver that drops copies by id (Message-ID, X-INMM-Event-Id) has each once."""
    from .crash_harness import daemon_exe, write_config

    with SmtpServer() as smtp, WebhookReceiver() as hook:
        secrets = tmp_path / "secrets.toml"
        secrets.write_text(f'[notifications]\nwebhook_secret = "{SECRET}"\n')
        secrets.chmod(0o600)
        cfg = write_config(tmp_path, sandbox.url, extra=(
            f'\n[notifications]\nsmtp_host = "127.0.0.1"\nsmtp_port = {smtp.port}\n'
            'smtp_security = "none"\nfrom_address = "social-media@inmm.org"\n'
            f'webhooks = {{ team = "{hook.url}" }}\n'))
        text = cfg.read_text().replace("[inmm]\n", f'[inmm]\nsecrets_file = "{secrets}"\n')
        cfg.write_text(text)
        from inmm_tui.config import load_config

        config = load_config(str(cfg))
        db = open_database(config.database_path, create=True)
        svc = Services.build(config, db)
        add_people(svc)
        notify.set_settings(db, "bob", "bob", svc.clock, email="bob@example.org")
        submit(svc)
        db.close()

        holder: list[sqlite3.Connection] = []

        def hold_database() -> None:  # once: the copy sent after the kill goes through
            conn = sqlite3.connect(config.database_path, isolation_level=None, timeout=30,
                                   check_same_thread=False)
            conn.execute("BEGIN IMMEDIATE")
            holder.append(conn)
            smtp.box.on_receive = hook.on_receive = None

        def run_until_killed(received) -> None:
            received.clear()
            proc = subprocess.Popen([daemon_exe(), "--config", str(cfg), "--once"],
                                    stderr=subprocess.PIPE, text=True)
            assert received.wait(60), proc.stderr.read() if proc.poll() is not None else ""
            time.sleep(0.5)  # the daemon now waits on the database to record the send
            assert proc.poll() is None
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            holder.pop().execute("ROLLBACK")

        smtp.box.on_receive = hold_database
        run_until_killed(smtp.box.received)
        hook.on_receive = hold_database
        run_until_killed(hook.received)
        for _ in range(2):  # after the kills: the rest goes, then nothing more
            done = subprocess.run([daemon_exe(), "--config", str(cfg), "--once"],
                                  capture_output=True, text=True, timeout=60)
            assert done.returncode == 0, done.stderr

        mail_ids = Counter(m["Message-ID"].strip("<>").split("@")[0] for m in smtp.box.messages)
        hook_ids = Counter(h["X-INMM-Event-Id"] for h, _ in hook.requests)
        # the message in hand at each kill arrived twice, with the same id; every other once
        for received in (mail_ids, hook_ids):
            assert set(received.values()) <= {1, 2}
            assert sum(n == 2 for n in received.values()) == 1
        conn = sqlite3.connect(config.database_path)
        rows = conn.execute("SELECT channel, message_id, state, attempts, in_doubt"
                            " FROM notify_outbox").fetchall()
        conn.close()
        assert {state for _, _, state, _, _ in rows} == {"sent"}
        # dropping copies by id, each receiver has each message exactly once
        assert set(mail_ids) == {m for c, m, *_ in rows if c == "email"}
        assert set(hook_ids) == {m for c, m, *_ in rows if c == "webhook"}
        twice = {m for received in (mail_ids, hook_ids) for m, n in received.items() if n == 2}
        assert {(m, n) for _, m, _, n, in_doubt in rows if in_doubt} == {(m, 2) for m in twice}
        assert any("awaits your clearance" in m["Subject"] for m in smtp.box.messages)


def test_report_shows_a_notification_that_keeps_failing(tmp_path, clock) -> None:
    from inmm_tui.reports.status import gather, render_text

    with WebhookReceiver() as hook:
        hook.statuses = [503]
        svc, messenger = build(tmp_path, clock, hook=hook.url)
        submit(svc)
        notify_job.run(svc, messenger)
        text = render_text(gather(svc.config, clock()))
        assert ("notification by webhook to team not delivered after 1 attempt (retrying): "
                "HTTPError: HTTP Error 503") in text
        clock.advance(hours=1)
        notify_job.run(svc, messenger)
        assert "notification by" not in render_text(gather(svc.config, clock()))
        svc.db.close()


def test_every_event_reaches_its_people_by_email_and_the_webhook(tmp_path, clock) -> None:
    from inmm_daemon import moderation as moderation_jobs

    from inmm_tui.domain.alerts import raise_alert
    from inmm_tui.domain.reminders import ensure_reminder
    from inmm_tui.platforms.errors import Rejected
    from inmm_tui.reports import monthly
    from inmm_tui.store.tx import write

    from .daemon_helpers import fakes, publisher, queue_posts
    from .fake_platform import FakePlatform
    from .test_moderation import RUDE

    with SmtpServer() as smtp, WebhookReceiver() as hook:
        svc, messenger = build(tmp_path, clock, smtp.port, hook.url)
        for login in ("hq", "comms", "chair", "ec", "alice", "bob"):
            notify.set_settings(svc.db, login, login, clock, email=f"{login}@example.org")
        rejected = submit(svc)  # clearance_needed
        svc.posts.comment("bob", rejected, "see the date")
        svc.posts.reject("bob", rejected, "wrong date")
        (partly,) = queue_posts(svc, 1)  # post_cleared
        outlets = fakes(svc)
        outlets["x"].fault = lambda f: Rejected("Forbidden")
        publisher(svc, outlets).run(seconds=30)  # failed on x, sent on mastodon
        outlets["mastodon"].fault = lambda f: Rejected("Forbidden")
        (failed,) = queue_posts(svc, 1, body="Failing everywhere {i}")
        publisher(svc, outlets).run(seconds=30)
        outlets["x"].fault = outlets["mastodon"].fault = None
        (held,) = queue_posts(svc, 1, body="Too late {i}")
        clock.advance(hours=3)
        publisher(svc, outlets).run(seconds=30)
        platform = FakePlatform(clock, name="x", api="x")
        platform.add_mention("m2", RUDE)
        moderation_jobs.ingest_mentions(svc, platform, "x")
        (item,) = svc.moderation.items("hq")
        svc.moderation.forward_to_ec("chair", item.id, "consider discipline")
        with write(svc.db):
            raise_alert(svc.db.conn, "test_alert", "daemon", "something odd", clock())
            ensure_reminder(svc.db.conn, "policy_review", "policy", "review the policy",
                            clock(), for_role="communications_chair")
        monthly.write_report(svc, dt.date(2026, 10, 1), "md", actor="hq")
        svc.governance.flag_compromise("alice", "x", "posts nobody wrote")
        notify_job.run(svc, messenger)
        clock.advance(days=2)  # the duty is overdue now
        notify_job.run(svc, messenger)

        titles = {f"[INMM] {t[0].upper()}{t[1:]}": k for k, t in notify.EVENTS.items()}
        mailed = {(titles[m["Subject"]], m["To"].split("@")[0]) for m in smtp.box.messages}
        hooked = {json.loads(body)["event"] for _, body in hook.requests}
        assert hooked == set(notify.EVENTS)
        assert {kind for kind, _ in mailed} == set(notify.EVENTS)
        expected = {
            ("clearance_needed", "bob"), ("clearance_needed", "chair"),
            ("clearance_needed", "hq"), ("post_commented", "alice"),
            ("post_rejected", "alice"), ("post_cleared", "alice"),
            ("partly_published", "alice"), ("partly_published", "hq"),
            ("delivery_failed", "alice"), ("delivery_held", "hq"),
            ("forwarded_to_ec", "ec"), ("alert", "hq"), ("duty_due", "comms"),
            ("duty_overdue", "comms"), ("monthly_report", "comms"), ("compromise", "hq")}
        assert expected <= mailed
        # nobody is told of what is not theirs
        assert not {k for k, who in mailed if who == "ec"} - {"forwarded_to_ec", "duty_due",
                                                               "duty_overdue"}
        assert ("clearance_needed", "alice") not in mailed  # her own post
        for mail in smtp.box.messages:
            assert "Forbidden" not in mail.get_content()  # no platform error text
            assert RUDE not in mail.get_content()
        assert {partly, failed, held}  # the posts exist (ids used in the summaries)
        svc.db.close()


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_email_over_tls_logs_in_with_the_password_from_the_secrets(tmp_path, clock,
                                                                   security) -> None:
    cert = self_signed(tmp_path)
    with SmtpServer(security, cert, "inmm-notify", "mail-password-1") as smtp:
        config = parse_config({
            "inmm": {"database": str(tmp_path / "inmm.db")},
            "notifications": {"smtp_host": "127.0.0.1", "smtp_port": smtp.port,
                              "smtp_security": security, "smtp_username": "inmm-notify",
                              "smtp_cafile": str(cert[0]), "timeout_seconds": 2,
                              "from_address": "social-media@inmm.org"}}, tmp_path / "c.toml")
        svc = Services.build(config, open_database(config.database_path, create=True),
                             clock=clock)
        add_people(svc)
        notify.set_settings(svc.db, "bob", "bob", clock, email="bob@example.org")
        submit(svc)
        wrong = Messenger(config.notifications, {"smtp_password": "not-it"})
        assert notify_job.run(svc, wrong) == (0, 1)  # refused: kept, tried again later
        assert smtp.box.messages == []
        clock.advance(hours=1)
        right = Messenger(config.notifications, {"smtp_password": "mail-password-1"})
        assert notify_job.run(svc, right) == (1, 0)
        assert smtp.logins == ["inmm-notify"] and len(smtp.box.messages) == 1
        error = svc.db.conn.execute("SELECT group_concat(coalesce(last_error, ''))"
                                    " FROM notify_outbox").fetchone()[0]
        assert "not-it" not in error and "mail-password-1" not in error
        with pytest.raises(Exception, match="smtp_password: missing or still the placeholder"):
            Messenger(config.notifications, {"smtp_password": "<mail password>"})
        svc.db.close()


def test_roster_notify_command_sets_shows_and_refuses(tmp_path) -> None:
    from inmm_tui.domain.people import Roster, current_login
    from inmm_tui.domain.roles import Role

    from .cli_helpers import run_cli
    from .conftest import START, make_config

    me = current_login()
    config = make_config(tmp_path)
    db = open_database(config.database_path, create=True)
    roster = Roster(db, (), clock=lambda: START)
    roster.initialise("hq", "Harriet Quinn")
    roster.add("hq", me, "Alice Able", Role.ACCOUNT_MANAGER)
    roster.add("hq", "bob", "Bob Baker", Role.ACCOUNT_MANAGER)
    db.close()
    cfg = tmp_path / "inmm.toml"
    cfg.write_text(f'[inmm]\ndatabase = "{config.database_path}"\n')
    done = run_cli("--config", str(cfg), "roster", "notify", me, "--email", "me@example.org",
                   "--digest", "--quiet", "22:00-07:00", "--events",
                   "post_rejected,clearance_needed", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "login": me, "email": "me@example.org", "events": ["post_rejected", "clearance_needed"],
        "mode": "digest", "quiet": "22:00-07:00"}
    shown = run_cli("--config", str(cfg), "roster", "notify", me)
    assert "me@example.org" in shown.stdout and "digest" in shown.stdout
    bad = run_cli("--config", str(cfg), "roster", "notify", me, "--quiet", "night")
    assert bad.returncode == 2 and "expected HH:MM-HH:MM" in bad.stderr
    other = run_cli("--config", str(cfg), "roster", "notify", "bob", "--email", "b@example.org")
    assert other.returncode == 3 and "only their own notifications" in other.stderr
    assert "Traceback" not in bad.stderr + other.stderr


def test_a_webhook_url_kept_in_the_secrets_file(tmp_path) -> None:
    config = parse_config({"notifications": {"webhooks": {"team": "secret:slack_url"}}},
                          tmp_path / "inmm.toml")
    with pytest.raises(Exception, match=r"notifications\.slack_url: missing"):
        Messenger(config.notifications, {"webhook_secret": SECRET})
    with pytest.raises(Exception, match="not an https:// URL"):
        Messenger(config.notifications, {"webhook_secret": SECRET, "slack_url": "http://x"})
    with WebhookReceiver() as hook:
        svc, messenger = build(tmp_path, FakeClock(), hook="secret:team_url",
                               secrets={"team_url": hook.url})
        submit(svc)
        assert notify_job.run(svc, messenger) == (1, 0)
        svc.db.close()


def test_the_daemon_refuses_webhooks_without_their_signing_key(tmp_path) -> None:
    from .cli_helpers import run_cli

    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[notifications]\nsmtp_password = "x"\n')
    secrets.chmod(0o600)
    cfg = tmp_path / "inmm.toml"
    cfg.write_text(f'[inmm]\ndatabase = "{tmp_path / "inmm.db"}"\nsecrets_file = "{secrets}"\n'
                   '[notifications]\nwebhooks = { team = "https://hooks.example.org/x" }\n')
    result = run_cli("--config", str(cfg), "--once", program="inmm-daemon")
    assert result.returncode == 2, result.stderr
    assert "notifications.webhook_secret: missing" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_monthly_report_in_two_formats_is_one_message(roster: Services) -> None:
    from inmm_tui.reports import monthly

    for fmt in ("md", "html"):
        monthly.write_report(roster, dt.date(2026, 10, 1), fmt, actor="daemon")
    rows = roster.db.conn.execute("SELECT kind, recipients FROM notify_events WHERE kind ="
                                  " 'monthly_report'").fetchall()
    assert rows == [("monthly_report", '["comms"]')]


def test_nothing_more_is_sent_to_someone_whose_rights_were_withdrawn(tmp_path, clock) -> None:
    with SmtpServer() as smtp:
        svc, messenger = build(tmp_path, clock, smtp.port, digest_hour=17)
        notify.set_settings(svc.db, "bob", "bob", clock, email="bob@example.org",
                            mode="digest")
        submit(svc)
        notify_job.run(svc, messenger)  # waits for the evening's digest
        svc.roster.revoke("hq", "bob", "left the committee")
        clock.advance(hours=8)
        assert notify_job.run(svc, messenger) == (0, 0)
        assert smtp.box.messages == []
        states = svc.db.conn.execute("SELECT state FROM notify_outbox WHERE login = 'bob'"
                                     ).fetchall()
        assert ("dropped",) in states and ("sent",) not in states
        svc.db.close()


def test_what_was_settled_long_ago_is_purged_and_nothing_else(tmp_path, clock) -> None:
    with SmtpServer() as smtp:
        svc, messenger = build(tmp_path, clock, smtp.port, digest_hour=17)
        notify.set_settings(svc.db, "bob", "bob", clock, email="bob@example.org",
                            mode="digest")
        notify.set_settings(svc.db, "chair", "chair", clock, email="chair@example.org")
        submit(svc)
        clock.advance(hours=3)
        notify_job.run(svc, messenger)  # the chair's mail goes, bob's waits for 17:00
        clock.advance(hours=5)
        notify_job.run(svc, messenger)  # bob's digest goes
        submit(svc)
        clock.advance(days=89)
        notify_job.run(svc, messenger)  # the new event: the chair's and bob's digest went
        count = "SELECT count(*) FROM notify_outbox"
        before = svc.db.conn.execute(count).fetchone()[0]
        clock.advance(days=2)  # the first day's messages are now over 90 days old
        notify_job.run(svc, messenger)
        rows = svc.db.conn.execute("SELECT login, state FROM notify_outbox ORDER BY id"
                                   ).fetchall()
        # the first day's three (the chair's, bob's and the digest carrying it) are gone
        assert before == 6
        assert rows == [("bob", "digested"), ("chair", "sent"), ("bob", "sent")]
        events = svc.db.conn.execute("SELECT count(*) FROM notify_events").fetchone()[0]
        assert events == 1
        svc.db.close()
