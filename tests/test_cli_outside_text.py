"""What the commands print may hold a name, a reply or a platform's error: no terminal
escape in it reaches the terminal; it is shown, made visible (␛). Before, `roster list`,
`spoofs list`, `alerts`, `publishing status` and `--report` printed it raw, and a refusal
naming what was typed echoed its escapes to stderr."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inmm_tui.cli import main
from inmm_tui.config import load_config
from inmm_tui.domain.governance import record_suspect
from inmm_tui.domain.people import current_login
from inmm_tui.domain.reminders import raise_alert
from inmm_tui.domain.roles import Role
from inmm_tui.domain.services import Services
from inmm_tui.outside_text import has_controls, printable
from inmm_tui.store.db import open_database
from inmm_tui.store.tx import write

HOSTILE = "\x1b]2;pwned\x1b\\\x1b[2Jwiped \u202egnp.exe \x00 \x9b31m"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "inmm.toml"
    path.write_text(f'[inmm]\ndatabase = "{tmp_path / "inmm.db"}"\n')
    s = Services.build(load_config(str(path)), open_database(tmp_path / "inmm.db", create=True))
    me = current_login()
    s.roster.initialise(me, "Jo Smith")
    s.roster.add(me, "adoe", "Alex Doe", Role.ACCOUNT_MANAGER)
    post = s.posts.create_draft(me, "New journal issue", topic="Relevant resources")
    s.posts.submit(me, post)
    s.posts.clear("adoe", post)
    s.posts.schedule("adoe", post, None)
    now = s.clock()
    with write(s.db):
        s.db.conn.execute("UPDATE people SET name = ? WHERE login = ?", (HOSTILE, me))
        record_suspect(s.db.conn, "x", HOSTILE, "1", HOSTILE, now)
        raise_alert(s.db.conn, "platform", "x", HOSTILE, now - dt.timedelta(hours=1))
        s.db.conn.execute("UPDATE deliveries SET state = 'failed', attempts = 8, last_error = ?"
                          " WHERE post_id = ?", (HOSTILE, post))
    s.db.conn.close()
    return path


@pytest.mark.parametrize("command", [
    ["roster", "list"], ["spoofs", "list"], ["alerts"], ["publishing", "status"], ["--report"],
])
def test_foreign_text_is_printed_without_its_escapes(config_file: Path, command: list[str],
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    main(["--config", str(config_file), *command])
    out, err = capsys.readouterr()
    for char in ("\x1b", "\x00", "\u202e", "\x9b"):
        assert char not in out + err, (command, out + err)
    assert "␛]2;pwned" in out, (command, out, err)


def test_a_refusal_naming_what_was_typed_prints_no_escape(config_file: Path,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    code = main(["--config", str(config_file), "roster", "reinstate", "nobody\x1b[2J"])
    err = capsys.readouterr().err
    assert code == 4 and "\x1b" not in err and "nobody␛[2J" in err


def test_commands_print_only_through_say() -> None:
    """`print` or `sys.stdout` in a command would bypass `say`'s cleaning: only outputs
    of data already escaped (JSON, the monthly report, screen --json) may use stdout."""
    stdout_allowed = {"screen.py", "report.py", "report_monthly.py"}
    found = []
    for path in [*(ROOT / "inmm_tui" / "commands").glob("*.py"), ROOT / "inmm_tui" / "cli.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "print" and path.name != "common.py"):
                found.append(f"{path.name}:{node.lineno} print")
            if (isinstance(node, ast.Attribute) and node.attr == "stdout"
                    and isinstance(node.value, ast.Name) and node.value.id == "sys"
                    and path.name not in stdout_allowed):
                found.append(f"{path.name}:{node.lineno} sys.stdout")
    assert found == []


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(codec=None)), st.booleans())
def test_printable_returns_printable_text_as_it_is_and_makes_the_rest_visible(
        text: str, multiline: bool) -> None:
    """`printable` skips its patterns for text `str.isprintable` accepts (issue 16: they
    are compiled on first use): that text comes back as it is; any other comes back with
    no control, tab or carriage return left (line breaks only when kept)."""
    shown = printable(text, multiline=multiline)
    if text.isprintable():
        assert shown == text
    assert not has_controls(shown) and "\t" not in shown and "\r" not in shown
    assert multiline or "\n" not in shown
