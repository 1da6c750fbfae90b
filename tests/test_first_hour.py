"""The first hour: from the README to a deployment. The README's "Using it for real" runs
verbatim, as a login it does not name, with the configuration outside /etc; `setup`
writes what it says; the examples in `config/` load through the real parsers."""

from __future__ import annotations

import datetime as dt
import os
import re
import shlex
import stat
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import urlparse

import pytest

from inmm_tui.commands.setup import configuration, next_steps
from inmm_tui.config import PACKAGED_POLICY_RULES, load_config, parse_config
from inmm_tui.domain.alerts import raise_alert
from inmm_tui.domain.people import current_login
from inmm_tui.platforms.factory import build_platform
from inmm_tui.platforms.secrets import KEYS, SecretsError, load_secrets
from inmm_tui.store.db import open_database
from inmm_tui.store.tx import write

from .cli_helpers import run_cli
from .sandbox_fixtures import RunningSandbox

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def readme_block(heading: str) -> list[str]:
    """The command lines of the first code block under `heading` in the README."""
    text = README.read_text(encoding="utf-8")
    section = text.split(f"\n{heading}\n", 1)[1]
    section = re.split(r"\n#{1,3} ", section, maxsplit=1)[0]
    block = re.search(r"(?:^    \S.*\n)+", section, re.M)
    assert block, f"no code block under {heading}"
    return [line[4:] for line in block.group(0).splitlines()]


def _expect(line: str, home: Path, me: str) -> tuple[int, list[str]]:
    """What the README promises of each line: its exit code and words of its output. A
    line this does not know fails the test: the README changed, so must this."""
    words = shlex.split(line)
    if words[0] == "." and words[1] == ".venv/bin/activate":
        return 0, []
    if words[0] == "export":
        return 0, []
    command = words[1] if words[0] == "inmm-tui" else ""
    if command == "setup":
        return 0, ["export INMM_CONFIG=", "inmm-tui init", "systemctl"]
    if command == "init":
        return 0, [f"({me}) its first HQ administrator"]
    if command == "roster":
        return 0, ["Added Alex Doe (adoe) as Account Manager"]
    if command == "--report":
        return 1, [f"configuration: {home}/inmm/inmm.toml", "roster: 2 active of 2",
                   "the daemon has never run"]
    raise AssertionError(f"README line not covered by this test: {line}")


def test_the_readmes_using_it_for_real_runs_verbatim(tmp_path: Path) -> None:
    me = current_login()
    lines = readme_block("## Using it for real")
    named = {word for line in lines for word in re.findall(r"[A-Za-z_][\w.-]*", line)}
    assert me not in named, f"the test must run as a login the README does not name ({me})"
    assert not Path("/etc/inmm/inmm.toml").exists(), "this host has a real configuration"
    home = tmp_path / "home"
    home.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    # the reader's checkout: the virtual environment of the set-up, the one running this
    (work / ".venv").symlink_to(Path(sys.executable).parent.parent)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("INMM_", "XDG_", "VIRTUAL_ENV"))}
    env["HOME"] = str(home)
    state = tmp_path / "shell-state"
    state.write_text("")
    outputs = []
    for line in lines:
        code, words = _expect(line, home, me)
        # each line in its own shell, as typed one after another: what `export` and the
        # activation set carries over to the next line, nothing else does
        script = f". {shlex.quote(str(state))}\n{line}\nrc=$?\nexport -p > " \
                 f"{shlex.quote(str(state))}\nexit $rc\n"
        result = subprocess.run(["bash", "-c", script], cwd=work, env=env, capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == code, (line, result.stdout, result.stderr)
        for word in words:
            assert word in result.stdout, (line, word, result.stdout)
        assert "Traceback" not in result.stderr
        outputs.append(result.stdout)
    folder = home / "inmm"
    assert {p.name for p in folder.iterdir()} >= {"inmm.toml", "policy.toml", "secrets.toml",
                                                   "inmm.db"}
    assert stat.S_IMODE((folder / "secrets.toml").stat().st_mode) == 0o600
    # nothing went to the built-in default's database
    assert not (home / ".local" / "share" / "inmm").exists()
    # init, run again, changes nothing and says how to add people
    again = run_cli("init", env={"INMM_CONFIG": str(folder / "inmm.toml")})
    assert again.returncode == 1 and "already initialised" in again.stderr
    assert "inmm-tui roster add" in again.stderr
    db = open_database(folder / "inmm.db")
    actions = [tuple(row) for row in db.execute("SELECT actor, action FROM audit ORDER BY seq")]
    db.close()
    assert actions[0] == ("init", "roster.init") and actions[-1] == (me, "roster.refused")


def test_setup_writes_three_files_never_overwrites_and_prints_the_next_steps(
        tmp_path: Path) -> None:
    folder = tmp_path / "conf"
    result = run_cli("setup", str(folder))
    assert result.returncode == 0, result.stderr
    assert f"export INMM_CONFIG={folder / 'inmm.toml'}" in result.stdout
    assert "inmm-tui init" in result.stdout and "inmm-tui roster add" in result.stdout
    assert "sudo" in result.stdout and "setup /etc/inmm --database /var/lib/inmm/inmm.db" \
        in result.stdout
    config = load_config(str(folder / "inmm.toml"))
    assert config.database_path == folder / "inmm.db"
    assert config.policy_rules_path == folder / "policy.toml"
    assert config.policy_rules_path.read_bytes() == PACKAGED_POLICY_RULES.read_bytes()
    assert config.secrets_path == folder / "secrets.toml"
    assert stat.S_IMODE(config.secrets_path.stat().st_mode) == 0o600
    assert config.reports_path == folder / "reports"
    # the secrets file has the form the daemon reads, for every real outlet configured,
    # and the daemon refuses its placeholders, naming the key
    secrets = load_secrets(config.secrets_path)
    for outlet in config.outlets:
        with pytest.raises(SecretsError, match=rf"outlets\.{outlet.name}\.\w+: still the "
                           "placeholder"):
            secrets.for_outlet(outlet)
    # never over an existing file: each one is named, none is touched
    (folder / "policy.toml").write_text("# the subcommittee's edits\n")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    again = run_cli("setup", str(folder))
    assert again.returncode == 2
    for name in ("inmm.toml", "policy.toml", "secrets.toml"):
        assert str(folder / name) in again.stderr
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    # --database puts the database (and the reports) elsewhere
    other = tmp_path / "other"
    assert run_cli("setup", str(other), "--database", str(tmp_path / "db" / "x.db")
                   ).returncode == 0
    moved = load_config(str(other / "inmm.toml"))
    assert moved.database_path == tmp_path / "db" / "x.db"
    assert moved.reports_path == tmp_path / "db" / "reports"


def test_the_secrets_example_is_what_the_daemon_reads(tmp_path: Path) -> None:
    copy = tmp_path / "secrets.toml"
    copy.write_bytes((ROOT / "config" / "secrets.example.toml").read_bytes())
    copy.chmod(0o600)
    secrets = load_secrets(copy)
    example = load_config(str(ROOT / "config" / "inmm.example.toml"))
    for outlet in example.outlets:  # a table for each outlet of the example, every key
        assert set(secrets.outlets[outlet.name]) == set(KEYS[outlet.api])
    filled = tomllib.loads(copy.read_text().replace("<", "real-").replace(">", ""))
    copy.write_text("\n".join(f"[outlets.{name}]\n" + "".join(
        f'{key} = "{value}"\n' for key, value in table.items())
        for name, table in filled["outlets"].items()))
    real = load_secrets(copy)
    assert real.for_outlet(example.outlet("x"))["consumer_key"] == "real-API key"


def test_the_example_configuration_works_where_it_is_copied(tmp_path: Path) -> None:
    copy = tmp_path / "inmm.toml"
    text = (ROOT / "config" / "inmm.example.toml").read_text()
    copy.write_text(text.replace("/var/lib/inmm", str(tmp_path)))
    config = load_config(str(copy))
    assert config.policy_rules_path.is_file()  # the packaged rules: nothing to install
    result = run_cli("--config", str(copy), "init")
    assert result.returncode == 0, result.stderr


def test_an_outlet_switched_to_sandbox_talks_to_the_sandbox_not_its_instance(
        tmp_path: Path, sandbox: RunningSandbox) -> None:
    url = urlparse(sandbox.url)
    text = (ROOT / "config" / "inmm.example.toml").read_text()
    data = tomllib.loads(text)
    data["sandbox"] = {"host": url.hostname, "port": url.port}
    for outlet in data["outlets"]:
        outlet["kind"] = "sandbox"  # the only change the example's comment asks for
    config = parse_config(data, tmp_path / "inmm.toml")
    mastodon = config.outlet("mastodon")
    assert mastodon.base_url == "https://mastodon.social"
    for outlet in config.outlets:
        platform = build_platform(outlet, config, None)
        assert platform.whoami().handle  # answered by the sandbox, with no token


def test_a_missing_policy_rules_file_names_the_key(tmp_path: Path) -> None:
    cfg = tmp_path / "inmm.toml"
    cfg.write_text('[inmm]\ndatabase = "inmm.db"\npolicy_rules = "/nowhere/policy.toml"\n')
    result = run_cli("--config", str(cfg), "init")
    assert result.returncode == 2
    assert f"{cfg}: inmm.policy_rules: /nowhere/policy.toml: no such file" in result.stderr


def test_the_ui_before_init_refuses_and_creates_nothing(tmp_path: Path) -> None:
    cfg = tmp_path / "inmm.toml"
    cfg.write_text('[inmm]\ndatabase = "inmm.db"\n')
    for args in ([], ["--json"]):
        result = run_cli(*args, env={"INMM_CONFIG": str(cfg)})
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr
    assert "--json only goes with --report" in result.stderr
    ui = run_cli(env={"INMM_CONFIG": str(cfg)})
    assert f"{tmp_path / 'inmm.db'}: no database here: run `inmm-tui init`" in ui.stderr
    assert f"configuration: {cfg}" in ui.stderr
    assert not (tmp_path / "inmm.db").exists()
    report = run_cli("--report", env={"INMM_CONFIG": str(cfg)})
    assert report.returncode == 1 and "NOT INITIALISED" in report.stdout


def test_every_program_reads_the_same_configuration_relative_or_not(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "inmm.toml").write_text('[inmm]\ndatabase = "inmm.db"\n')
    env = {"INMM_CONFIG": "conf/inmm.toml"}
    daemon = subprocess.run([str(Path(sys.executable).parent / "inmm-daemon"), "--once"],
                            cwd=tmp_path, env={**os.environ, **env}, capture_output=True,
                            text=True, timeout=60)
    assert daemon.returncode == 2
    assert f"{tmp_path / 'conf' / 'inmm.db'}: no database here" in daemon.stderr
    init = subprocess.run([str(Path(sys.executable).parent / "inmm-tui"), "init"],
                          cwd=tmp_path, env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=60)
    assert init.returncode == 0, init.stderr
    assert f"Created {tmp_path / 'conf' / 'inmm.db'} and made" in init.stdout
    # from another folder, the same database
    report = run_cli("--report", env={"INMM_CONFIG": str(tmp_path / "conf" / "inmm.toml")})
    assert "roster: 1 active of 1" in report.stdout


def test_init_names_whom_it_made_and_warns_when_it_is_someone_else(tmp_path: Path) -> None:
    cfg = tmp_path / "inmm.toml"
    cfg.write_text('[inmm]\ndatabase = "inmm.db"\n')
    result = run_cli("--config", str(cfg), "init", "--admin", "jsmith", "--name", "Jo Smith")
    assert result.returncode == 0
    assert "made Jo Smith (jsmith) its first HQ administrator" in result.stdout
    assert "Only jsmith can use it for now" in result.stdout
    refused = run_cli("--config", str(cfg), "roster", "add", "adoe", "--name", "Alex Doe",
                      "--role", "account_manager")
    assert refused.returncode == 3 and f"(configuration: {cfg})" in refused.stderr
    again = run_cli("--config", str(cfg), "init")
    assert again.returncode == 1 and "HQ: Jo Smith (jsmith)" in again.stderr
    # kept for the daemon's check of refused logins: someone not on the roster tried
    db = open_database(tmp_path / "inmm.db")
    assert [tuple(row) for row in db.execute("SELECT login, what FROM access_refusals")] == [
        (current_login(), "use `roster`"), (current_login(), "`init` on an initialised database")]
    db.close()


def test_report_uses_singular_and_plural(tmp_path: Path) -> None:
    cfg = tmp_path / "inmm.toml"
    cfg.write_text('[inmm]\ndatabase = "inmm.db"\n[review]\npolicy_next_review = "2099-12-01"\n'
                   'ec_meeting = "2000-01-02"\n')
    assert run_cli("--config", str(cfg), "init").returncode == 0
    text = run_cli("--config", str(cfg), "--report").stdout
    assert "(1 person not reviewed)" in text, text


def test_alerts_are_listed_at_the_configured_time_of_day(tmp_path: Path) -> None:
    cfg = tmp_path / "inmm.toml"
    cfg.write_text('[inmm]\ndatabase = "inmm.db"\ntimezone = "Asia/Tokyo"\n')
    assert run_cli("--config", str(cfg), "init").returncode == 0
    db = open_database(tmp_path / "inmm.db")
    with write(db):
        raise_alert(db.conn, "test", "x", "a \x1b[31mred\x1b[0m reply",
                    dt.datetime(2027, 3, 1, 23, 30, tzinfo=dt.UTC))
    db.close()
    listed = run_cli("--config", str(cfg), "alerts").stdout
    assert "2027-03-02 08:30" in listed, listed  # Tokyo is UTC+9
    assert "\x1b" not in listed


def test_setup_for_the_systemd_unit_keeps_its_paths() -> None:
    folder, database = Path("/etc/inmm"), Path("/var/lib/inmm/inmm.db")
    config = parse_config(tomllib.loads(configuration(folder, database)), folder / "inmm.toml")
    assert config.database_path == database
    assert config.reports_path == Path("/var/lib/inmm/reports")
    assert config.secrets_path == folder / "secrets.toml"
    assert config.policy_rules_path == folder / "policy.toml"
    # the witness in the folder only the daemon's user writes (the unit's LogsDirectory=)
    assert config.audit_witness_path == Path("/var/log/inmm/audit-witness.json")
    steps = next_steps(folder / "inmm.toml", database, folder / "secrets.toml")
    assert "sudo systemctl daemon-reload && sudo systemctl enable --now inmm-daemon" in steps
    assert "setup /etc/inmm" not in steps
