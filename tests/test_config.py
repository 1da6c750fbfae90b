"""Bad configuration: each fault its own clear message naming the file and the key, exit 2,
no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from inmm_tui.config import ConfigError, load_config, parse_config

from .cli_helpers import run_cli

GOOD = """
[inmm]
database = "inmm.db"
timezone = "Europe/Vienna"

[[outlets]]
name = "x"
kind = "sandbox"
api = "x"
"""


def test_a_good_file_loads_with_paths_relative_to_it(tmp_path: Path) -> None:
    path = tmp_path / "inmm.toml"
    path.write_text(GOOD)
    config = load_config(str(path))
    assert config.database_path == tmp_path / "inmm.db"
    assert [o.name for o in config.outlets] == ["x"] and config.outlets[0].api == "x"
    assert config.daemon.jobs["follow_back"] == "*/15 * * * *"


def test_the_example_config_is_valid() -> None:
    example = Path(__file__).parent.parent / "config" / "inmm.example.toml"
    config = load_config(str(example))
    assert {o.kind for o in config.outlets} == {"x", "mastodon", "bluesky", "linkedin"}


def test_the_embedded_default_uses_sandbox_outlets(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    monkeypatch.delenv("INMM_CONFIG", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.setattr("inmm_tui.config.DEFAULT_CONFIG_PATH", tmp_path / "absent.toml")
    config = load_config(None)
    assert {o.kind for o in config.outlets} == {"sandbox"}
    assert config.database_path == tmp_path / "inmm" / "inmm.db"


CASES = {
    "missing key": ('[[outlets]]\nname = "x"\n', "outlets[0].kind: missing (required)"),
    "wrong type": ('[inmm]\nfour_eyes = "yes"\n', "inmm.four_eyes: expected true or false"),
    "unknown outlet kind": ('[[outlets]]\nname = "fb"\nkind = "facebook"\n',
                            "outlets[0].kind: unknown outlet kind 'facebook'"),
    "unknown key": ('[inmm]\ndatabse = "x.db"\n', "inmm.databse: unknown key"),
    "bad time zone": ('[inmm]\ntimezone = "Mars/Olympus"\n', "inmm.timezone: 'Mars/Olympus'"),
    "not toml": ('[inmm\n', "is not valid TOML"),
    "bad date": ('[review]\nec_meeting = "next year"\n', "review.ec_meeting: expected a date"),
    "negative hold": ('[daemon]\nlate_hold_minutes = -5\n',
                      "daemon.late_hold_minutes: expected a number at least 1, got -5"),
    "port out of range": ('[sandbox]\nport = 99999\n',
                          "sandbox.port: expected a number from 0 to 65535"),
    # each of these gave a traceback, or was accepted and failed later
    "year one meeting": ('[review]\nec_meeting = 0001-01-01\n',
                         "review.ec_meeting: expected a date from 2000-01-01 to 2999-12-31"),
    "huge hold": ('[daemon]\nlate_hold_minutes = 9223372036854775807\n',
                  "daemon.late_hold_minutes: expected a number from 1 to"),
    "infinite retry": ('[daemon]\nretry_base_seconds = inf\n',
                       "daemon.retry_base_seconds: expected a finite number, got inf"),
    "nan timeout": ('[daemon]\nrequest_timeout_seconds = nan\n',
                    "daemon.request_timeout_seconds: expected a finite number, got nan"),
    "unknown signature field": ('[inmm]\nsignature = "{nope}"\n',
                                "inmm.signature: unknown placeholder {nope}"),
    "unbalanced signature": ('[inmm]\nsignature = "^{initials"\n',
                             "inmm.signature: '^{initials' is not a valid template"),
    "cron the daemon refuses": ('[daemon.jobs]\npublish = "61 * * * *"\n',
                                "daemon.jobs.publish: '61 * * * *' is not a cron expression"),
    "cron that never comes": ('[daemon.jobs]\nreminders = "0 8 30 2 *"\n',
                              "daemon.jobs.reminders: '0 8 30 2 *' never comes"),
    "unknown job": ('[daemon.jobs]\npublsh = "* * * * *"\n', "daemon.jobs.publsh: no such job"),
    "nul in a path": ('[inmm]\ndatabase = "in\\u0000mm.db"\n',
                      "inmm.database: a path cannot hold a NUL character"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_files_are_refused_with_their_own_message(tmp_path: Path, case: str) -> None:
    text, message = CASES[case]
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as error:
        load_config(str(path))
    assert message in str(error.value) and str(path) in str(error.value)
    result = run_cli("--config", str(path), "--report")
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_unreadable_and_missing_files(tmp_path: Path) -> None:
    missing = run_cli("--config", str(tmp_path / "nope.toml"), "--report")
    assert missing.returncode == 2 and "no such file" in missing.stderr
    folder = run_cli("--config", str(tmp_path), "--report")
    assert folder.returncode == 2 and "is a folder" in folder.stderr
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    result = run_cli("--config", str(binary), "--report")
    assert result.returncode == 2 and "not UTF-8" in result.stderr
    assert "Traceback" not in missing.stderr + folder.stderr + result.stderr


def test_duplicate_outlet_names_are_refused() -> None:
    data = {"outlets": [{"name": "x", "kind": "x"}, {"name": "x", "kind": "mastodon"}]}
    with pytest.raises(ConfigError, match="name 'x' is used twice"):
        parse_config(data, Path("/etc/inmm/inmm.toml"))


def test_every_number_in_the_config_has_its_range() -> None:
    import dataclasses
    import typing

    from inmm_tui.config import NUMBER_RANGES, embedded_default

    config = embedded_default()
    numbers = {f"{section}.{f.name}" for section in NUMBER_RANGES.keys() | {"inmm"}
               for section in [section.split(".")[0]]
               for f in dataclasses.fields(getattr(config, section))
               if typing.get_type_hints(type(getattr(config, section)))[f.name] in (int, float)}
    assert numbers <= set(NUMBER_RANGES)
