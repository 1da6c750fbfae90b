"""Changes made beside the tool are found (issue 12, part 5).

Every administrator can write the database. These tests make the changes an administrator
could make with `sqlite3` (or with our own functions) and check that each is found: by the
daemon's audit check (an alert), by `inmm-tui audit verify` (exit 1, naming it) and by
`--report` (never "OK" beside it); and that the daemon refuses to publish a post whose
clearance no audit entry records.

Chain: an edited entry, the last entries deleted with the head fixed, the whole chain
re-hashed. Rows: a role raised, a person added, a cleared post inserted, a clearance hash
changed, a delivery marked sent, a delivery added.
"""

from __future__ import annotations

import json
import logging
import stat
import subprocess
from pathlib import Path

import pytest
from inmm_daemon.service import JOBS, Daemon

from inmm_tui.config import Config
from inmm_tui.domain import audit, authority, governance, witness
from inmm_tui.domain.people import current_login
from inmm_tui.domain.posts import clearance_digest, content_hash
from inmm_tui.domain.reminders import open_alerts
from inmm_tui.domain.roles import Role
from inmm_tui.domain.services import Services
from inmm_tui.store.db import open_database
from inmm_tui.store.tx import write
from inmm_tui.timeutil import to_db, utcnow

from .cli_helpers import run_cli
from .conftest import FakeClock, make_config
from .daemon_helpers import fakes, queue_posts


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """The test database with a witness file, and the same configuration on disk for the
    command line."""
    (tmp_path / "witness").mkdir()
    path = tmp_path / "witness" / "audit-witness.json"
    (tmp_path / "inmm.toml").write_text(
        f'[inmm]\ndatabase = "{tmp_path / "inmm.db"}"\ntimezone = "America/Chicago"\n'
        f'audit_witness = "{path}"\n[review]\npolicy_next_review = "2099-12-01"\n')
    return make_config(tmp_path, audit_witness=str(path))


@pytest.fixture
def history(roster: Services, clock: FakeClock) -> tuple[Services, Daemon]:
    """A roster (with the person running the tests, for the command line), two posts
    published through the daemon, a role changed and a person withdrawn through the tool,
    and the daemon's first audit check: everything anchored."""
    roster.roster.add("hq", current_login(), "Test Runner", Role.HQ)
    roster.roster.change_role("hq", "chair", Role.ACCOUNT_MANAGER)
    roster.roster.revoke("hq", "ec", "left the committee")
    queue_posts(roster, 2)
    daemon = Daemon(roster.config, lambda: open_database(roster.config.database_path),
                    fakes(roster), clock=clock)
    daemon.run_once()
    yield roster, daemon
    daemon.close()


def _audit_check(daemon: Daemon) -> None:
    daemon.run_job(JOBS["audit_check"])


def _alerts(svc: Services, kind: str) -> list[str]:
    return [a.message for a in open_alerts(svc.db.conn) if a.kind == kind]


def _verify(svc: Services) -> subprocess.CompletedProcess[str]:
    return run_cli("--config", str(svc.config.path), "audit", "verify")


def _report(svc: Services) -> tuple[int, str]:
    result = run_cli("--config", str(svc.config.path), "--report")
    line = next(x for x in result.stdout.splitlines() if x.startswith("audit chain:"))
    return result.returncode, line


def _witness(svc: Services) -> witness.Witness:
    path = svc.config.audit_witness_path
    assert path is not None
    found = witness.read(path)
    assert found is not None
    return found


def _head(svc: Services) -> tuple[int, str]:
    return tuple(svc.db.execute("SELECT seq, hash FROM audit_head").fetchone())  # type: ignore[return-value]


# ----- what the tool did is explained and anchored ------------------------------------


def test_a_history_made_through_the_tool_is_explained_and_anchored(
        history: tuple[Services, Daemon], caplog: pytest.LogCaptureFixture) -> None:
    svc, daemon = history
    assert authority.unexplained(svc.db.conn) == []
    assert not [a for a in open_alerts(svc.db.conn) if a.kind in audit.ALERT_KINDS]
    anchored = _witness(svc)
    assert anchored.problems == ()
    assert svc.db.execute("SELECT hash FROM audit WHERE seq = ?",
                          [anchored.seq]).fetchone()[0] == anchored.hash
    path = svc.config.audit_witness_path
    assert path is not None and stat.S_IMODE(path.stat().st_mode) == 0o644
    # entries appended later are witnessed at the next heartbeat, and said in the journal
    svc.roster.add("hq", "carol", "Carol Case", Role.ACCOUNT_MANAGER)
    with caplog.at_level(logging.INFO, logger="inmm_daemon"):
        daemon.heartbeat()
    assert (_witness(svc).seq, _witness(svc).hash) == _head(svc)
    assert f"audit witness: entry #{_head(svc)[0]} hash {_head(svc)[1]}" in caplog.text
    verified = _verify(svc)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "anchored: entry #" in verified.stdout and "explains the roster" in verified.stdout
    _code, line = _report(svc)
    assert line.startswith("audit chain: OK") and "anchored: entry #" in line, line


def test_without_a_witness_the_log_is_said_to_be_not_anchored(tmp_path: Path) -> None:
    cfg = tmp_path / "inmm.toml"
    cfg.write_text('[inmm]\ndatabase = "inmm.db"\n')
    assert run_cli("--config", str(cfg), "init", "--admin", current_login()).returncode == 0
    verified = run_cli("--config", str(cfg), "audit", "verify")
    assert verified.returncode == 0 and "not anchored: no witness file" in verified.stdout
    report = json.loads(run_cli("--config", str(cfg), "--report", "--json").stdout)
    assert report["audit"]["ok"] and not report["audit"]["anchored"]
    assert "not anchored" in report["audit"]["witness"]
    # an edit before the checkpoint: only the daemon's full check sees it; its alert keeps
    # --report from "OK" even without a witness
    db = open_database(tmp_path / "inmm.db")
    db.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 1")
    with write(db):
        assert governance.check_audit(db.conn, utcnow())
    db.close()
    report = json.loads(run_cli("--config", str(cfg), "--report", "--json").stdout)
    assert report["audit"]["chain_ok"] and not report["audit"]["ok"]
    assert report["audit"]["alerts_open"] >= 1
    # configured but never written (the daemon has not run, or the file was removed)
    cfg.write_text(f'[inmm]\ndatabase = "inmm.db"\naudit_witness = "{tmp_path / "w.json"}"\n')
    verified = run_cli("--config", str(cfg), "audit", "verify")
    assert verified.returncode == 1 and "NOT ANCHORED" in verified.stdout
    assert "audit chain: NEEDS ATTENTION" in run_cli("--config", str(cfg), "--report").stdout


# ----- the chain ----------------------------------------------------------------------


def test_an_edit_before_the_checkpoint_is_never_reported_ok(
        history: tuple[Services, Daemon]) -> None:
    svc, daemon = history
    assert svc.db.execute("SELECT seq FROM audit_checkpoint").fetchone()[0] > 3
    svc.db.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 3")
    _audit_check(daemon)
    assert any("BROKEN at entry #3" in m for m in _alerts(svc, "audit_chain"))
    verified = _verify(svc)
    assert verified.returncode == 1 and "BROKEN at entry #3" in verified.stdout
    # --report re-hashes only after the checkpoint; the open alert keeps it from "OK"
    code, line = _report(svc)
    assert code == 1 and line.startswith("audit chain: NEEDS ATTENTION"), line


def test_deleting_the_last_entries_and_fixing_the_head_is_found(
        history: tuple[Services, Daemon]) -> None:
    svc, daemon = history
    for login in ("dave", "erin", "fay"):
        svc.roster.add("hq", login, login.title(), Role.ACCOUNT_MANAGER)
    daemon.heartbeat()  # the daemon witnesses the new entries
    witnessed = _witness(svc)
    assert witnessed.seq == _head(svc)[0]
    # the intruder removes the last three entries (and their rows) and fixes the head
    svc.db.execute("DELETE FROM audit WHERE seq > ?", [witnessed.seq - 3])
    svc.db.execute("DELETE FROM people WHERE login IN ('dave', 'erin', 'fay')")
    last = svc.db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    svc.db.execute("UPDATE audit_head SET seq = ?, hash = ?", list(last))
    assert audit.verify(svc.db.conn).ok  # the chain alone cannot tell
    verified = _verify(svc)
    assert verified.returncode == 1 and "entries were deleted" in verified.stdout
    code, line = _report(svc)
    assert code == 1 and "entries were deleted" in line, line
    _audit_check(daemon)
    assert any("entries were deleted" in m for m in _alerts(svc, "audit_witness"))
    # the witness never goes back, and says what is wrong for whoever reads it
    assert _witness(svc).seq == witnessed.seq and _witness(svc).hash == witnessed.hash
    assert any("entries were deleted" in p for p in _witness(svc).problems)


def test_a_rechained_log_is_found(history: tuple[Services, Daemon]) -> None:
    svc, daemon = history
    conn = svc.db.conn
    # rewrite who added alice, then re-hash every entry so the chain verifies again
    svc.db.execute("UPDATE audit SET actor = 'chair' WHERE action = 'roster.add'"
                   " AND subject = 'person:alice'")
    prev = audit.GENESIS
    rows = conn.execute("SELECT seq, at, actor, action, subject, details FROM audit"
                        " ORDER BY seq").fetchall()
    for seq, at, actor, action, subject, details in rows:
        digest = audit.entry_hash(prev, seq, at, actor, action, subject, details)
        svc.db.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?",
                       [prev, digest, seq])
        prev = digest
    svc.db.execute("UPDATE audit_head SET hash = ?", [prev])
    svc.db.execute("UPDATE audit_checkpoint SET hash = (SELECT hash FROM audit"
                   " WHERE audit.seq = audit_checkpoint.seq)")
    assert audit.verify(conn).ok and audit.verify(conn, since_checkpoint=True).ok
    verified = _verify(svc)
    assert verified.returncode == 1 and "the log was rewritten" in verified.stdout
    code, line = _report(svc)
    assert code == 1 and "the log was rewritten" in line, line
    _audit_check(daemon)
    assert any("rewritten" in m for m in _alerts(svc, "audit_witness"))


# ----- rows changed beside the tool ---------------------------------------------------


def _found(svc: Services, daemon: Daemon, subject: str, words: str) -> None:
    """The change is found by the daemon's check (an alert on `subject`), by `audit
    verify` (exit 1, saying `words`) and kept `--report` from "OK"."""
    _audit_check(daemon)
    alerts = [a for a in open_alerts(svc.db.conn)
              if a.kind == "unexplained_change" and a.subject == subject]
    assert alerts and words in alerts[0].message, [a.message for a in open_alerts(svc.db.conn)]
    verified = _verify(svc)
    assert verified.returncode == 1 and words in verified.stdout, verified.stdout
    code, line = _report(svc)
    assert code == 1 and line.startswith("audit chain: NEEDS ATTENTION"), line


def test_a_role_raised_in_the_database_is_found(history: tuple[Services, Daemon]) -> None:
    svc, daemon = history
    svc.db.execute("UPDATE people SET role = 'hq' WHERE login = 'alice'")
    _found(svc, daemon, "person:alice", "the audit log gave them account_manager")


def test_an_acknowledgement_inserted_in_the_database_is_found(
        history: tuple[Services, Daemon]) -> None:
    """Posting waits for an acknowledgement: one written beside the tool is not explained."""
    svc, daemon = history
    assert authority.unexplained(svc.db.conn) == []  # those made through the tool are
    svc.db.execute("INSERT INTO people (login, name, initials, role, active, added_at,"
                   " added_by) VALUES ('mallory', 'Mal', 'M', 'account_manager', 1, ?, 'hq')",
                   [to_db(svc.clock())])
    svc.db.execute("INSERT INTO policy_acknowledgements (login, version, acknowledged_at)"
                   " SELECT 'mallory', version, ? FROM policy_versions WHERE current = 1",
                   [to_db(svc.clock())])
    _found(svc, daemon, "person:mallory", "has no such acknowledgement")


def test_a_person_added_or_reinstated_in_the_database_is_found(
        history: tuple[Services, Daemon]) -> None:
    svc, daemon = history
    svc.db.execute("INSERT INTO people (login, name, initials, role, active, added_at,"
                   " added_by) VALUES ('mallory', 'Mal', 'M', 'hq', 1, ?, 'hq')",
                   [to_db(svc.clock())])
    svc.db.execute("UPDATE people SET active = 1, revoked_at = NULL, role = 'hq'"
                   " WHERE login = 'ec'")
    _found(svc, daemon, "person:mallory", "never added them")
    [ec] = [a.message for a in open_alerts(svc.db.conn) if a.subject == "person:ec"]
    assert "withdrew them" in ec and "gave them executive_committee" in ec, ec


def _forge_cleared_post(svc: Services, body: str) -> int:
    """A scheduled post with a correct clearance hash, made with our own functions."""
    now = to_db(svc.clock())
    texts = {outlet: f"{body} ^AA" for outlet in ("x", "mastodon")}
    post_id = svc.db.execute(
        "INSERT INTO posts (author, status, body, topic, created_at, updated_at, cleared_by,"
        " cleared_at, clearance_hash) VALUES ('alice', 'scheduled', ?, 'Member news', ?, ?,"
        " 'bob', ?, ?)", [body, now, now, now, clearance_digest(texts, now)]).lastrowid
    for outlet, text in texts.items():
        svc.db.execute("INSERT INTO post_outlets (post_id, outlet) VALUES (?, ?)",
                       [post_id, outlet])
        svc.db.execute("INSERT INTO deliveries (post_id, outlet, state, text, content_hash,"
                       " due_at) VALUES (?, ?, 'pending', ?, ?, ?)",
                       [post_id, outlet, text, content_hash(text), now])
    return int(post_id)


def test_an_inserted_cleared_post_is_found_and_never_published(
        history: tuple[Services, Daemon]) -> None:
    svc, daemon = history
    post_id = _forge_cleared_post(svc, "Buy our partner's coins")
    daemon.run_once()
    sent = [p.text for platform in daemon.platforms.values() for p in platform.posts]
    assert not any("coins" in text for text in sent)
    states = {d.state for d in svc.posts.deliveries(post_id)}
    assert states == {"failed"}, states
    refusals = [e for e in audit.history(svc.db.conn, f"post:{post_id}")
                if e["action"] == "delivery.refused"]
    assert refusals and "no audit entry records its clearance" in refusals[0]["details"]["why"]
    _found(svc, daemon, f"post:{post_id}", "never created it")
    assert any(a.subject == f"post:{post_id}" for a in open_alerts(svc.db.conn))


def test_a_changed_clearance_is_found_and_never_published(
        history: tuple[Services, Daemon], clock: FakeClock) -> None:
    svc, daemon = history
    [post_id] = queue_posts(svc, 1, clock.now.replace(year=2027))
    # change the text and recompute a consistent clearance hash over it
    post = svc.posts.get(post_id)
    texts = {d.outlet: d.text + " Now with a link to our sponsor."
             for d in svc.posts.deliveries(post_id)}
    for outlet, text in texts.items():
        svc.db.execute("UPDATE deliveries SET text = ?, content_hash = ?, due_at = ?"
                       " WHERE post_id = ? AND outlet = ?",
                       [text, content_hash(text), to_db(clock.now), post_id, outlet])
    svc.db.execute("UPDATE posts SET clearance_hash = ? WHERE id = ?",
                   [clearance_digest(texts, post.cleared_at or ""), post_id])
    daemon.run_once()
    assert not any("sponsor" in p.text for platform in daemon.platforms.values()
                   for p in platform.posts)
    assert {d.state for d in svc.posts.deliveries(post_id)} == {"failed"}
    _found(svc, daemon, f"post:{post_id}", "not the one audit entry")


def test_delivery_rows_changed_beside_the_tool_are_found(
        history: tuple[Services, Daemon], clock: FakeClock) -> None:
    svc, daemon = history
    held_back, extended = queue_posts(svc, 2, clock.now.replace(year=2027))
    # a pending delivery marked sent (a publication that never happened, or hidden)
    svc.db.execute("UPDATE deliveries SET state = 'sent', platform_id = '999' WHERE post_id = ?"
                   " AND outlet = 'x'", [held_back])
    delivery = svc.db.execute("SELECT id FROM deliveries WHERE post_id = ? AND outlet = 'x'",
                              [held_back]).fetchone()[0]
    # an outlet added to a cleared post
    svc.db.execute("INSERT INTO deliveries (post_id, outlet, state, text, content_hash, due_at)"
                   " VALUES (?, 'bluesky', 'pending', 'Extra', ?, ?)",
                   [extended, content_hash("Extra"), to_db(clock.now)])
    _found(svc, daemon, f"delivery:{delivery}", "no audit entry records that publication")
    assert any(a.subject == f"post:{extended}" and "differ from what was cleared" in a.message
               for a in open_alerts(svc.db.conn))


def test_deleting_the_alerts_does_not_hide_what_the_daemon_found(
        history: tuple[Services, Daemon]) -> None:
    svc, daemon = history
    svc.db.execute("UPDATE people SET role = 'hq' WHERE login = 'bob'")
    _audit_check(daemon)
    svc.db.execute("DELETE FROM alerts")
    assert any("person:bob" in p for p in _witness(svc).problems)
    code, line = _report(svc)
    assert code == 1 and "1 problem in the witness" in line, line


def test_a_witness_that_cannot_be_written_is_an_alert_not_a_silent_gap(
        roster: Services, clock: FakeClock, tmp_path: Path) -> None:
    (tmp_path / "witness").rmdir()  # e.g. the unit's LogsDirectory= was left out
    daemon = Daemon(roster.config, lambda: open_database(roster.config.database_path),
                    fakes(roster), clock=clock)
    try:
        _audit_check(daemon)
    finally:
        daemon.close()
    assert any("cannot be written" in m for m in _alerts(roster, "audit_witness"))
    assert roster.db.execute("SELECT last_ok FROM daemon_jobs WHERE name = 'audit_check'"
                             ).fetchone()[0] == 1


def test_a_bulk_change_is_alerted_without_burying_hq(roster: Services) -> None:
    now = to_db(roster.clock())
    for i in range(governance.UNEXPLAINED_ALERTS + 10):
        roster.db.execute("INSERT INTO people (login, name, initials, role, active, added_at,"
                          " added_by) VALUES (?, 'X', 'X', 'hq', 1, ?, 'hq')", [f"x{i:03d}", now])
    with write(roster.db):
        governance.check_audit(roster.db.conn, roster.clock())
    alerts = _alerts(roster, "unexplained_change")
    assert len(alerts) == governance.UNEXPLAINED_ALERTS + 1
    assert any("and 10 more rows changed beside the tool" in m for m in alerts)
