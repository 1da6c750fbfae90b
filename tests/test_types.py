"""mypy finds no type error in the code: the files and settings are [tool.mypy] in
pyproject.toml. Incremental: its cache (.mypy_cache/) makes a second run take about a second."""

from __future__ import annotations

from pathlib import Path

import pytest
from mypy import api

ROOT = Path(__file__).parent.parent


def test_mypy_finds_no_type_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    # mypy reads pyproject.toml, and resolves its `files`, from the working directory.
    monkeypatch.chdir(ROOT)
    out, err, status = api.run([])
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert status == 0 and not errors, (
        f"mypy found {len(errors)} type error(s); run `.venv/bin/mypy` from {ROOT} to see "
        f"them with their notes:\n" + "\n".join(errors or out.splitlines()) + err)
    # Every module was checked, the daemon's too (through the typecheck/inmm_daemon link).
    modules = [*ROOT.joinpath("inmm_tui").rglob("*.py"), *ROOT.joinpath("daemon").glob("*.py")]
    assert f"no issues found in {len(modules)} source files" in out, out
