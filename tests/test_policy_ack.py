"""Policy acknowledgement: nobody posts before reading and acknowledging the policy and
screening rules in force, and everyone acknowledges again when either changes."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from inmm_tui.config import PACKAGED_POLICY_RULES, PACKAGED_POLICY_TEXT, Config
from inmm_tui.domain.errors import InvalidState, NotAuthorised
from inmm_tui.domain.roles import Role
from inmm_tui.domain.services import Services
from inmm_tui.store.db import open_database

from .cli_helpers import run_cli
from .conftest import FakeClock, add_people, make_config


def _with_own_rules(tmp_path: Path, clock: FakeClock) -> tuple[Services, Path]:
    """Services whose rules file is a copy the test may edit."""
    rules = tmp_path / "rules.toml"
    shutil.copy(PACKAGED_POLICY_RULES, rules)
    config: Config = make_config(tmp_path, policy_rules=str(rules))
    services = Services.build(config, open_database(config.database_path, create=True),
                              clock=clock)
    add_people(services, acknowledge=False)
    return services, rules


def test_posting_waits_for_acknowledgement_and_again_after_the_rules_change(
        tmp_path: Path, clock: FakeClock) -> None:
    services, rules = _with_own_rules(tmp_path, clock)
    first = services.policy.record_current()

    with pytest.raises(NotAuthorised) as refused:
        services.posts.create_draft("alice", "Registration for the Annual Meeting is open.")
    assert first.version in str(refused.value)
    assert "inmm-tui policy acknowledge" in str(refused.value)

    services.policy.acknowledge("alice", first.version)
    post_id = services.posts.create_draft("alice", "Registration for the Annual Meeting is open.")
    services.posts.submit("alice", post_id)
    with pytest.raises(NotAuthorised, match="acknowledge"):
        services.posts.clear("bob", post_id)  # bob has not acknowledged yet

    # The subcommittee edits the rules file: a new version, and everyone reads again.
    rules.write_text(rules.read_text() + "\n# a new rule is being discussed\n")
    clock.advance(days=1)
    second = services.policy.record_current()
    assert second.version != first.version
    with pytest.raises(NotAuthorised, match=second.version):
        services.posts.create_draft("alice", "Another post.")
    services.policy.acknowledge("alice", second.version)
    services.posts.create_draft("alice", "Another post.")

    entries = services.db.conn.execute(
        "SELECT actor, action, subject FROM audit WHERE action LIKE 'policy.%' ORDER BY seq"
    ).fetchall()
    assert entries == [
        ("config", "policy.version", f"policy:{first.version}"),
        ("alice", "policy.acknowledge", f"policy:{first.version}"),
        ("config", "policy.version", f"policy:{second.version}"),
        ("alice", "policy.acknowledge", f"policy:{second.version}"),
    ]


def test_the_policy_text_is_part_of_the_version(tmp_path: Path, clock: FakeClock) -> None:
    text = tmp_path / "policy.txt"
    shutil.copy(PACKAGED_POLICY_TEXT, text)
    config = make_config(tmp_path, policy_text=str(text))
    services = Services.build(config, open_database(config.database_path, create=True),
                              clock=clock)
    before = services.policy.record_current()
    text.write_text(text.read_text() + "\nRevised by the Executive Committee.\n")
    assert services.policy.record_current().version != before.version


def test_a_stale_version_is_refused_and_audited(tmp_path: Path, clock: FakeClock) -> None:
    services, _ = _with_own_rules(tmp_path, clock)
    services.policy.record_current()
    with pytest.raises(InvalidState, match="not the policy in force"):
        services.policy.acknowledge("alice", "0000000000000000")
    assert services.db.conn.execute(
        "SELECT actor FROM audit WHERE action = 'policy.refused'").fetchall() == [("alice",)]
    with pytest.raises(NotAuthorised, match="not on the INMM roster"):
        services.policy.acknowledge("mallory", services.policy.version().version)


def test_the_roster_and_the_safety_switches_never_wait(tmp_path: Path,
                                                      clock: FakeClock) -> None:
    """HQ right after `init` keeps the roster and can stop everything before reading."""
    services, _ = _with_own_rules(tmp_path, clock)
    services.policy.record_current()
    services.roster.add("hq", "carol", "Carol Cole", Role.ACCOUNT_MANAGER)
    services.switches.set_paused("hq", True, "checking something")
    services.switches.set_paused("hq", False, "done")


def test_status_shows_who_acknowledged_which_version(tmp_path: Path, clock: FakeClock) -> None:
    services, rules = _with_own_rules(tmp_path, clock)
    first = services.policy.record_current()
    services.policy.acknowledge("alice", first.version)
    services.policy.acknowledge("bob", first.version)
    rules.write_text(rules.read_text() + "\n# changed\n")
    second = services.policy.record_current()
    services.policy.acknowledge("alice", second.version)
    rows = {row.login: row for row in services.policy.status()}
    assert (rows["alice"].version, rows["alice"].current) == (second.version, True)
    assert (rows["bob"].version, rows["bob"].current) == (first.version, False)
    assert (rows["hq"].version, rows["hq"].current) == (None, False)


def test_the_cli_shows_acknowledges_and_lists(tmp_path: Path) -> None:
    from inmm_tui.domain.people import current_login

    me = current_login()
    cfg = tmp_path / "inmm.toml"
    cfg.write_text('[inmm]\ndatabase = "inmm.db"\n')
    args = ("--config", str(cfg))
    init = run_cli(*args, "init", "--admin", me)
    assert init.returncode == 0 and "inmm-tui policy acknowledge" in init.stdout

    shown = run_cli(*args, "policy", "show")
    assert shown.returncode == 0
    assert "educated on appropriate posting protocol" in shown.stdout
    version = shown.stdout.split("Version in force: ")[1].split()[0]

    unconfirmed = run_cli(*args, "policy", "acknowledge", input="n\n")
    assert unconfirmed.returncode == 1 and version in unconfirmed.stdout
    before = json.loads(run_cli(*args, "policy", "status", "--json").stdout)
    assert before["current"] == version
    assert before["people"][0]["acknowledged"] is None

    done = run_cli(*args, "policy", "acknowledge", "--yes")
    assert done.returncode == 0, done.stderr
    assert f"Acknowledged version {version} as {me}" in done.stdout
    status = run_cli(*args, "policy", "status")
    assert status.returncode == 0 and f"{me}" in status.stdout
    assert "NOT acknowledged" not in status.stdout
    (listed,) = json.loads(run_cli(*args, "roster", "list", "--json").stdout)
    assert (listed["policy_acknowledged"], listed["policy_current"]) == (version, True)

    # Pointing the configuration at other rules puts a new version in force.
    rules = tmp_path / "rules.toml"
    shutil.copy(PACKAGED_POLICY_RULES, rules)
    rules.write_text(rules.read_text() + "\n# edited\n")
    cfg.write_text(f'[inmm]\ndatabase = "inmm.db"\npolicy_rules = "{rules}"\n')
    again = run_cli(*args, "policy", "status")
    assert "NOT acknowledged (last: " + version in again.stdout

    cfg.write_text('[inmm]\ndatabase = "inmm.db"\npolicy_text = "nowhere.txt"\n')
    broken = run_cli(*args, "policy", "status")
    assert broken.returncode == 2 and "nowhere.txt" in broken.stderr
    assert "Traceback" not in broken.stderr


def test_the_annual_review_lists_who_acknowledged_which_version(
        tmp_path: Path, clock: FakeClock) -> None:
    import datetime as dt

    from inmm_tui.domain import governance

    services, rules = _with_own_rules(tmp_path, clock)
    services.config = dataclasses.replace(services.config, review=dataclasses.replace(
        services.config.review, ec_meeting=(clock.now + dt.timedelta(days=20)).date()))
    first = services.policy.record_current()
    services.policy.acknowledge("alice", first.version)
    services.policy.acknowledge("bob", first.version)
    rules.write_text(rules.read_text() + "\n# changed\n")
    second = services.policy.record_current()
    services.policy.acknowledge("alice", second.version)
    markdown = governance.review_markdown(services.db.conn, services.config, clock())
    lines = {line.split(" | ")[1]: line for line in markdown.splitlines()
             if line.startswith("| ") and " | " in line}
    assert lines["alice"].endswith(f"| version {second.version} on 2026-11-02 |")
    assert lines["bob"].endswith(
        f"| NOT the current version (last: version {first.version} on 2026-11-02) |")
    assert lines["hq"].endswith("| NOT ACKNOWLEDGED |")
