"""`inmm-tui audit log`: who did what, filtered, with the chain's verification state; the
oversight roles read everyone's entries, an account manager only their own."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo

import pytest

from inmm_tui.domain import audit_log
from inmm_tui.domain.errors import InvalidInput, NotAuthorised
from inmm_tui.domain.people import Roster, current_login
from inmm_tui.domain.roles import Role
from inmm_tui.domain.services import Services
from inmm_tui.store.db import open_database

from .cli_helpers import run_cli
from .conftest import START, make_config


def activity(svc: Services, clock) -> int:
    post_id = svc.posts.create_draft("alice", "Annual meeting registration is open")
    svc.posts.submit("alice", post_id)
    clock.advance(days=1)
    svc.posts.reject("bob", post_id, "add the dates")
    return post_id


@pytest.mark.parametrize("reader", ["comms", "chair", "hq", "ec"])
def test_overseers_read_everyone_with_filters(roster: Services, clock, reader: str) -> None:
    post_id = activity(roster, clock)
    log = audit_log.read(roster.db, reader, clock)
    assert not log.only_own and log.chain.ok
    assert {e.actor for e in log.entries} >= {"hq", "alice", "bob"}
    assert all(e.verified for e in log.entries)
    bob = audit_log.read(roster.db, reader, clock, person="bob")
    version = roster.policy.version().version  # bob acknowledged it in `add_people`
    assert [(e.action, e.subject) for e in bob.entries] == [
        ("policy.acknowledge", f"policy:{version}"), ("post.reject", f"post:{post_id}")]
    posts = audit_log.read(roster.db, reader, clock, action="post")
    assert [e.action for e in posts.entries] == ["post.create", "post.submit", "post.reject"]
    assert [e.action for e in audit_log.read(roster.db, reader, clock,
                                             action="post.submit").entries] == ["post.submit"]
    later = audit_log.read(roster.db, reader, clock, since=START + dt.timedelta(hours=12))
    assert [e.action for e in later.entries] == ["post.reject"]


def test_an_account_manager_reads_only_their_own_and_a_refusal_is_audited(
        roster: Services, clock) -> None:
    activity(roster, clock)
    own = audit_log.read(roster.db, "alice", clock)
    assert own.only_own and {e.actor for e in own.entries} == {"alice"}
    with pytest.raises(NotAuthorised, match="only their own entries"):
        audit_log.read(roster.db, "alice", clock, person="bob")
    refused = roster.db.conn.execute(
        "SELECT actor, subject FROM audit WHERE action = 'audit.refused'").fetchall()
    assert refused == [("alice", "person:bob")]
    with pytest.raises(NotAuthorised):
        audit_log.read(roster.db, "stranger", clock)


def test_entries_after_a_break_in_the_chain_are_not_verified(roster: Services, clock) -> None:
    activity(roster, clock)
    seq = roster.db.conn.execute("SELECT seq FROM audit WHERE action = 'post.submit'"
                                 ).fetchone()[0]
    roster.db.conn.execute("UPDATE audit SET details = '{}' WHERE seq = ?", (seq,))
    roster.db.conn.commit()
    log = audit_log.read(roster.db, "hq", clock)
    assert not log.chain.ok and log.chain.broken_seq == seq
    assert [e.verified for e in log.entries] == [e.seq < seq for e in log.entries]


def test_since_must_be_a_date() -> None:
    with pytest.raises(InvalidInput, match="expected a date like 2027-03-15"):
        audit_log.parse_since("last week", zoneinfo.ZoneInfo("UTC"))


def test_the_command_prints_json_and_exits_by_the_chain(tmp_path) -> None:
    me = current_login()
    config = make_config(tmp_path)
    db = open_database(config.database_path, create=True)
    roster = Roster(db, (), clock=lambda: START)
    roster.initialise("hq", "Harriet Quinn")
    roster.add("hq", me, "Cora Comms", Role.COMMUNICATIONS_CHAIR)
    roster.add("hq", "alice", "Alice Able", Role.ACCOUNT_MANAGER)
    db.close()
    cfg = tmp_path / "inmm.toml"
    cfg.write_text(f'[inmm]\ndatabase = "{config.database_path}"\n')
    shown = run_cli("--config", str(cfg), "audit", "log", "--person", "hq", "--json")
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert data["chain"]["ok"] and not data["only_own"]
    assert [e["action"] for e in data["entries"]] == ["roster.add", "roster.add"]
    text = run_cli("--config", str(cfg), "audit", "log", "--action", "roster")
    assert text.returncode == 0 and "audit chain intact" in text.stdout
    assert "3 entries" in text.stdout
    bad = run_cli("--config", str(cfg), "audit", "log", "--since", "yesterday")
    assert bad.returncode == 2 and "expected a date" in bad.stderr
    assert "Traceback" not in bad.stderr
