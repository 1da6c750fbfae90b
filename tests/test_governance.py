"""Governance (R18, R19, R20, R24, R25): rotation by each of its causes, verified only by a
working check; the roster's annual review; the policy review; spoof variants; suspicious
activity in the audit log."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from inmm_tui.config import Review
from inmm_tui.domain import audit, duties, governance
from inmm_tui.domain.errors import InvalidInput, NotAuthorised
from inmm_tui.domain.people import authorise
from inmm_tui.domain.reminders import open_alerts, open_reminders
from inmm_tui.domain.roles import Action, Role
from inmm_tui.domain.services import Services
from inmm_tui.store.tx import write

from .conftest import FakeClock
from .governance_helpers import due, real_outlets


def _verify(svc: Services, outlet: str, ok: bool, message: str = "") -> None:
    with write(svc.db):
        governance.record_credentials_check(svc.db.conn, outlet, ok, message, svc.clock())


def test_rotation_is_due_until_a_rotation_is_recorded_and_verified(roster: Services,
                                                                  clock: FakeClock) -> None:
    svc = real_outlets(roster)
    assert set(due(svc)) == {"x", "mastodon"}
    svc.governance.record_rotation("hq", "x", "new app password")
    status = {s.outlet: s for s in duties.rotation_status(svc.db.conn, svc.config, clock())}
    assert status["x"].due and status["x"].awaiting_check
    _verify(svc, "x", True, "@INMMorg")
    assert set(due(svc)) == {"mastodon"}


def test_rotation_falls_due_six_months_later(roster: Services, clock: FakeClock) -> None:
    svc = real_outlets(roster)
    for outlet in ("x", "mastodon"):
        svc.governance.record_rotation("hq", outlet)
        _verify(svc, outlet, True)
    assert due(svc) == {}
    clock.advance(days=180)
    assert due(svc) == {}
    clock.advance(days=5)
    assert set(due(svc)) == {"x", "mastodon"}
    assert "months ago" in due(svc)["x"][0]


def test_a_revoked_person_makes_rotation_due_at_once(roster: Services) -> None:
    svc = real_outlets(roster)
    for outlet in ("x", "mastodon"):
        svc.governance.record_rotation("hq", outlet)
        _verify(svc, outlet, True)
    roster.clock.advance(minutes=1)
    svc.roster.revoke("hq", "bob", "left")
    reasons = due(svc)
    assert set(reasons) == {"x", "mastodon"}
    assert "roster change" in reasons["x"][0] and "Bob Baker" in reasons["x"][0]


def test_a_suspected_compromise_makes_rotation_due_and_alerts(roster: Services) -> None:
    svc = real_outlets(roster)
    svc.governance.record_rotation("hq", "x")
    _verify(svc, "x", True)
    roster.clock.advance(minutes=1)
    svc.governance.flag_compromise("alice", "x", "a post we did not write appeared")
    assert "compromise" in due(svc)["x"][0]
    assert [a.kind for a in open_alerts(svc.db.conn)] == ["compromise"]
    with pytest.raises(InvalidInput):
        svc.governance.flag_compromise("alice", "x", " ")


def test_a_refused_check_does_not_clear_the_rotation(roster: Services) -> None:
    svc = real_outlets(roster)
    svc.governance.record_rotation("hq", "x")
    _verify(svc, "x", False, "401 Unauthorized")
    reasons = due(svc)
    assert "refused by the platform" in " ".join(reasons["x"])
    assert any(a.kind == "credentials_refused" for a in open_alerts(svc.db.conn))


def test_only_hq_records_a_rotation(roster: Services) -> None:
    with pytest.raises(NotAuthorised):
        roster.governance.record_rotation("alice", "x")
    with pytest.raises(InvalidInput, match="unknown outlet 'facebook'"):
        roster.governance.record_rotation("hq", "facebook")


def test_a_changed_secrets_file_is_offered_as_a_rotation(roster: Services) -> None:
    svc = real_outlets(roster)
    with write(svc.db):
        key = governance.fingerprint_key(svc.db.conn, svc.clock())
        first = governance.secrets_fingerprint(key, b"token-one")
        assert not governance.note_secrets_fingerprint(svc.db.conn, "x", first, svc.clock())
        assert not governance.note_secrets_fingerprint(svc.db.conn, "x", first, svc.clock())
        second = governance.secrets_fingerprint(key, b"token-two")
        assert governance.note_secrets_fingerprint(svc.db.conn, "x", second, svc.clock())
    assert "secrets changed" in " ".join(due(svc)["x"])
    stored = " ".join(str(v) for row in svc.db.execute("SELECT * FROM settings") for v in row)
    assert "token-one" not in stored and "token-two" not in stored


def test_reminders_open_once_and_close_when_done(roster: Services) -> None:
    svc = real_outlets(roster, policy_next_review=dt.date(2099, 1, 1))
    with write(svc.db):
        assert governance.raise_reminders(svc.db.conn, svc.config, svc.clock()) == 2
        assert governance.raise_reminders(svc.db.conn, svc.config, svc.clock()) == 0
    assert {r.subject for r in open_reminders(svc.db.conn)} == {"x", "mastodon"}
    svc.governance.record_rotation("hq", "x")
    _verify(svc, "x", True)
    assert {r.subject for r in open_reminders(svc.db.conn)} == {"mastodon"}


def test_roster_review_records_each_outcome_and_withdrawal_is_immediate(
        roster: Services, clock: FakeClock) -> None:
    meeting = (clock.now + dt.timedelta(days=20)).date()
    svc = real_outlets(roster, ec_meeting=meeting)
    status = duties.review_status(svc.db.conn, svc.config, clock())
    assert status.open and len(status.pending) == 6
    svc.governance.review_person("hq", "alice", "keep")
    svc.governance.review_person("hq", "bob", "withdraw", reason="no longer volunteering")
    svc.governance.review_person("hq", "comms", "change_role", role=Role.ACCOUNT_MANAGER)
    with pytest.raises(NotAuthorised, match="no longer has rights"):
        authorise(svc.db.conn, "bob", Action.VIEW)
    status = duties.review_status(svc.db.conn, svc.config, clock())
    assert status.reviewed == {"alice": "keep", "bob": "withdraw", "comms": "change_role"}
    assert sorted(status.pending) == ["chair", "ec", "hq"]
    markdown = governance.review_markdown(svc.db.conn, svc.config, clock())
    assert "| Alice Able | alice | Account Manager | keep |" in markdown
    assert "rights withdrawn (no longer volunteering)" in markdown
    assert "NOT YET REVIEWED" in markdown and "3 reviewed, 3 pending." in markdown
    clock.advance(days=21)
    assert duties.review_status(svc.db.conn, svc.config, clock()).overdue
    for login in ("chair", "ec", "hq"):
        svc.governance.review_person("hq", login, "keep")
    assert not duties.review_status(svc.db.conn, svc.config, clock()).overdue


def test_policy_review_reminds_sixty_days_before_and_is_overdue_after(roster: Services) -> None:
    config = dataclasses.replace(roster.config, review=Review(
        policy_next_review=dt.date(2027, 1, 15)))
    at = lambda d: dt.datetime.combine(d, dt.time(12), tzinfo=dt.UTC)  # noqa: E731
    assert duties.policy_review(config, at(dt.date(2026, 11, 15))).state == "ok"
    assert duties.policy_review(config, at(dt.date(2026, 11, 16))).state == "upcoming"
    assert duties.policy_review(config, at(dt.date(2027, 1, 16))).state == "overdue"


def test_spoof_variants_of_the_society_handle() -> None:
    variants = governance.spoof_variants("@INMMorg", ["inmm_official"])
    for expected in ("inmmrog", "innmorg", "inmmmorg", "1nmmorg", "inmm0rg", "inmmorgofficial",
                     "inmmorg_news", "officialinmmorg", "inmm_official", "inmorg"):
        assert expected in variants, expected
    assert "inmmorg" not in variants and len(variants) == len(set(variants))


def test_a_suspect_is_queued_once(roster: Services) -> None:
    with write(roster.db):
        assert governance.record_suspect(roster.db.conn, "x", "INMM_official", "99", "INMM",
                                         roster.clock())
        assert not governance.record_suspect(roster.db.conn, "x", "inmm_official", "99", "INMM",
                                             roster.clock())
    suspect_id = roster.db.execute("SELECT id FROM spoof_suspects").fetchone()[0]
    with pytest.raises(InvalidInput, match="reference"):
        roster.governance.mark_suspect("alice", suspect_id, "reported")
    roster.governance.mark_suspect("alice", suspect_id, "reported", "X-TICKET-123")
    row = roster.db.execute("SELECT status, report_ref FROM spoof_suspects").fetchone()
    assert row == ("reported", "X-TICKET-123")


def _check(svc: Services) -> list[str]:
    with write(svc.db):
        return governance.check_audit(svc.db.conn, svc.clock())


def test_suspicious_activity_each_case_raises_its_alert(roster: Services) -> None:
    assert _check(roster) == []
    # actions by people no longer on the roster
    roster.roster.revoke("hq", "bob", "left")
    with write(roster.db):
        audit.append(roster.db.conn, "bob", "post.create", "post:99", {},
                     at=roster.clock() + dt.timedelta(minutes=5))
        audit.append(roster.db.conn, "stranger", "post.create", "post:98", {})
    # a login outside the roster
    governance.record_refusal(roster.db, "mallory", "open the UI")
    # a publication that no clearance explains
    post_id = roster.posts.create_draft("alice", "Hello")
    roster.db.execute(
        "INSERT INTO deliveries (post_id, outlet, state, text, content_hash, due_at)"
        " VALUES (?, 'x', 'sent', 'Hello', 'h', 'now')", [post_id])
    messages = _check(roster)
    kinds = {a.kind for a in open_alerts(roster.db.conn)}
    assert {"revoked_actor", "unknown_actor", "refused_login",
            "unexplained_publication"} <= kinds, messages
    assert _check(roster) == []  # raised once, not on every run
    # a broken hash chain
    roster.db.execute("UPDATE audit SET details = '{\"forged\":1}' WHERE seq = 3")
    assert any("BROKEN" in m for m in _check(roster))


def test_posts_on_the_platform_that_did_not_come_through_the_tool(roster: Services) -> None:
    def look(recent: list[tuple[str, str]]) -> list[str]:
        with write(roster.db):
            return governance.unexplained_platform_posts(roster.db.conn, "x", recent,
                                                         roster.clock())

    assert look([("100", "Our post from 2019")]) == []  # the first look is the baseline
    raised = look([("111", "Buy crypto now"), ("100", "Our post from 2019")])
    assert len(raised) == 1 and "did not come through inmm-tui" in raised[0]
    assert look([("111", "Buy crypto now")]) == []  # alerted once


def test_governance_from_the_command_line(tmp_path) -> None:
    from inmm_tui.domain.people import current_login

    from .cli_helpers import run_cli

    cfg = tmp_path / "inmm.toml"
    cfg.write_text('[inmm]\ndatabase = "inmm.db"\n[[outlets]]\nname = "x"\nkind = "x"\n'
                   '[review]\nec_meeting = "2099-01-01"\n')
    args = ("--config", str(cfg))
    run_cli(*args, "init", "--admin", current_login())
    status = run_cli(*args, "rotation", "status")
    assert status.returncode == 1 and "no verified rotation" in status.stdout
    assert run_cli(*args, "rotation", "record", "x", "--note", "new token").returncode == 0
    assert "awaits the daemon's check" in run_cli(*args, "rotation", "status").stdout
    bad = run_cli(*args, "rotation", "record", "facebook")
    assert bad.returncode == 2 and "unknown outlet 'facebook'" in bad.stderr
    flagged = run_cli(*args, "rotation", "flag", "--reason", "odd login e-mail")
    assert flagged.returncode == 0
    alerts = run_cli(*args, "alerts")
    assert alerts.returncode == 1 and "odd login e-mail" in alerts.stdout
    markdown = run_cli(*args, "review", "markdown")
    assert "NOT YET REVIEWED" in markdown.stdout


def test_a_reminder_done_today_is_not_reopened_as_new(roster: Services) -> None:
    from inmm_tui.domain.reminders import ensure_reminder

    due = roster.clock()
    with write(roster.db):
        assert ensure_reminder(roster.db.conn, "policy_review", "2027", "review", due)
    reminder = open_reminders(roster.db.conn)[0]
    roster.reminders.mark_done("hq", reminder.id)
    with write(roster.db):
        assert not ensure_reminder(roster.db.conn, "policy_review", "2027", "review", due)
    assert open_reminders(roster.db.conn) == []


def test_spoof_variants_of_a_domain_handle_stay_under_its_domain() -> None:
    # Bluesky's handles are domain names: a squatter registers a look-alike first label
    # under the same domain (with `-`, as a domain name has no `_`).
    variants = governance.spoof_variants("inmmorg.bsky.social")
    assert "inmm-official.bsky.social" in variants
    assert "lnmmorg.bsky.social" in variants
    assert all(v.endswith(".bsky.social") and "_" not in v for v in variants)
    assert "inmmorg.bsky.social" not in variants
