"""`inmm-tui --report` and `--report --json`, on a new and on a populated database, and the
CLI's init and roster commands as a script would use them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

from inmm_tui.domain.people import current_login
from inmm_tui.store.db import open_database
from inmm_tui.timeutil import to_db, utcnow

from .cli_helpers import run_cli


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "inmm.toml"
    path.write_text('[inmm]\ndatabase = "inmm.db"\n[review]\npolicy_next_review = "2099-12-01"\n')
    return path


def test_report_before_init_says_what_to_do(tmp_path: Path) -> None:
    result = run_cli("--config", str(_config(tmp_path)), "--report")
    assert result.returncode == 1
    assert "run `inmm-tui init` first" in result.stdout


def test_init_roster_and_report_on_a_new_database(tmp_path: Path) -> None:
    cfg = str(_config(tmp_path))
    me = current_login()
    assert run_cli("--config", cfg, "init", "--admin", me, "--name", "Ada Admin").returncode == 0
    # init never runs twice: it says who holds HQ and how to add people instead
    for rerun in (["init", "--admin", me], ["init"], ["init", "--admin", "someoneelse"]):
        again = run_cli("--config", cfg, *rerun)
        assert again.returncode == 1, again
        assert f"already initialised (HQ: Ada Admin ({me}))" in again.stderr
        assert "nothing changed" in again.stderr and "inmm-tui roster add" in again.stderr
    added = run_cli("--config", cfg, "roster", "add", "jsmith", "--name", "Jo Smith",
                    "--role", "account_manager")
    assert added.returncode == 0, added.stderr
    listed = json.loads(run_cli("--config", cfg, "roster", "list", "--json").stdout)
    assert {p["login"]: p["role"] for p in listed} == {me: "hq", "jsmith": "account_manager"}

    result = run_cli("--config", cfg, "--report", "--json")
    status = json.loads(result.stdout)
    assert status["initialised"] and status["roster"] == {"people": 2, "active": 2}
    # init, the policy it put in force, the three refused re-runs of init, the addition
    assert status["audit"]["ok"] and status["audit"]["entries"] == 6
    # the daemon never ran: that needs attention
    assert result.returncode == 1 and status["daemon"] is None
    text = run_cli("--config", cfg, "--report")
    assert "daemon: never ran" in text.stdout and "audit chain: OK" in text.stdout


def test_report_on_a_populated_database(tmp_path: Path) -> None:
    cfg = _config(tmp_path)
    me = current_login()
    run_cli("--config", str(cfg), "init", "--admin", me)
    db = open_database(tmp_path / "inmm.db", create=True)
    now = to_db(utcnow())
    db.execute("INSERT INTO heartbeat (name, at, pid) VALUES ('daemon', ?, 1)", [now])
    for i, state in enumerate(["pending", "failed", "sent"]):
        db.execute(
            "INSERT INTO posts (id, author, status, body, created_at, updated_at)"
            " VALUES (?, ?, 'scheduled', 'b', ?, ?)", [i + 1, me, now, now])
        db.execute(
            "INSERT INTO deliveries (post_id, outlet, state, text, content_hash, due_at,"
            " attempts, last_error) VALUES (?, 'x', ?, 't', 'h', ?, 3, ?)",
            [i + 1, state, now, "503 Service Unavailable" if state == "failed" else None])
    db.close()
    result = run_cli("--config", str(cfg), "--report", "--json")
    status = json.loads(result.stdout)
    assert status["posts"]["scheduled"] == 3
    assert status["deliveries"]["failed"] == 1 and status["deliveries"]["sent"] == 1
    assert status["failed"] == [{"post": 2, "outlet": "x", "attempts": 3,
                                 "error": "503 Service Unavailable"}]
    assert status["next_scheduled"]["post"] == 1
    assert result.returncode == 1 and "1 delivery failed" in status["attention"]
    # times are in the configured zone (the default: America/Chicago), not UTC
    chicago = dt.datetime.now(ZoneInfo("America/Chicago")).isoformat()[-6:]
    assert status["generated_at"].endswith(chicago), status["generated_at"]
    assert status["next_scheduled"]["due_at"].endswith(chicago)
    assert status["daemon"]["last_heartbeat"].endswith(chicago)
    text = run_cli("--config", str(cfg), "--report").stdout
    assert text.splitlines()[0].endswith(chicago)
    assert "failed: post #2 on x after 3 attempts: 503 Service Unavailable" in text


def test_report_names_a_broken_audit_chain(tmp_path: Path) -> None:
    cfg = _config(tmp_path)
    run_cli("--config", str(cfg), "init", "--admin", current_login())
    db = open_database(tmp_path / "inmm.db", create=True)
    db.execute("UPDATE audit SET actor = 'intruder' WHERE seq = 1")
    db.close()
    result = run_cli("--config", str(cfg), "--report")
    assert result.returncode == 1
    assert "audit chain: BROKEN at entry #1" in result.stdout


def test_healthy_means_exit_zero(tmp_path: Path) -> None:
    cfg = _config(tmp_path)
    run_cli("--config", str(cfg), "init", "--admin", current_login())
    db = open_database(tmp_path / "inmm.db", create=True)
    db.execute("INSERT INTO heartbeat (name, at, pid) VALUES ('daemon', ?, 1)",
               [to_db(utcnow())])
    db.close()
    result = run_cli("--config", str(cfg), "--report")
    assert result.returncode == 0, result.stdout
    assert "All well." in result.stdout


def test_the_policy_review_date_of_the_2016_policy_is_overdue(tmp_path: Path) -> None:
    path = tmp_path / "inmm.toml"
    path.write_text('[inmm]\ndatabase = "inmm.db"\n')  # the default: December 2021
    run_cli("--config", str(path), "init", "--admin", current_login())
    status = json.loads(run_cli("--config", str(path), "--report", "--json").stdout)
    assert status["policy_review"] == {"due_on": "2021-12-01", "state": "overdue"}
    assert any("due for review on 2021-12-01" in item for item in status["attention"])


def test_a_refused_login_is_recorded_for_the_audit_check(tmp_path: Path) -> None:
    cfg = _config(tmp_path)
    run_cli("--config", str(cfg), "init", "--admin", "someone_else")
    refused = run_cli("--config", str(cfg), "roster", "list")
    assert refused.returncode == 3
    assert "is not on the INMM roster" in refused.stderr and "Traceback" not in refused.stderr
    db = open_database(tmp_path / "inmm.db", create=True)
    rows = db.execute("SELECT login, what FROM access_refusals").fetchall()
    assert rows == [(current_login(), "use `roster`")]
    db.close()


def test_every_reading_command_refuses_a_login_not_on_the_roster(tmp_path: Path) -> None:
    cfg = _config(tmp_path)
    run_cli("--config", str(cfg), "init", "--admin", "someone_else")
    for command in (["roster", "list"], ["rotation", "status"], ["review", "markdown"],
                    ["spoofs", "list"], ["alerts"], ["reminders"], ["publishing", "status"],
                    ["audit", "verify"], ["report", "list"]):
        result = run_cli("--config", str(cfg), *command)
        assert result.returncode == 3, (command, result.stdout, result.stderr)
        assert "is not on the INMM roster" in result.stderr and not result.stdout


def test_a_post_sent_on_one_outlet_and_held_on_the_other_is_partly_published(
        tmp_path: Path) -> None:
    cfg = _config(tmp_path)
    me = current_login()
    run_cli("--config", str(cfg), "init", "--admin", me)
    db = open_database(tmp_path / "inmm.db", create=True)
    now = to_db(utcnow())
    db.execute("INSERT INTO posts (id, author, status, body, created_at, updated_at)"
               " VALUES (1, ?, 'scheduled', 'b', ?, ?)", [me, now, now])
    for outlet, state in (("x", "sent"), ("mastodon", "held")):
        db.execute("INSERT INTO deliveries (post_id, outlet, state, text, content_hash, due_at)"
                   " VALUES (1, ?, ?, 't', 'h', ?)", [outlet, state, now])
    db.close()
    status = json.loads(run_cli("--config", str(cfg), "--report", "--json").stdout)
    assert status["partly_published"] == 1  # the same count the home screen shows
