"""`inmm-tui` (the UI) reports a crash in its exit code: before, a screen that crashed
(MarkupError on a follower's name) left the person at the shell with exit 0."""

from __future__ import annotations

import functools
import time
from pathlib import Path

import pytest
from textual.app import App
from textual.pilot import Pilot

from inmm_tui.cli import main
from inmm_tui.config import load_config
from inmm_tui.domain.people import current_login
from inmm_tui.domain.services import Services
from inmm_tui.store.db import open_database
from inmm_tui.ui.app import InmmApp
from tests.conftest import acknowledge_policy


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "inmm.toml"
    path.write_text(f'[inmm]\ndatabase = "{tmp_path / "inmm.db"}"\n')
    services = Services.build(load_config(str(path)), open_database(tmp_path / "inmm.db", create=True))
    services.roster.initialise(current_login(), "Jo Smith")
    acknowledge_policy(services, current_login())
    services.db.close()
    return path


def _headless(monkeypatch: pytest.MonkeyPatch, pilot_does) -> None:  # type: ignore[no-untyped-def]
    """`inmm-tui` runs the real app, without a terminal, driven by `pilot_does`."""
    monkeypatch.setattr(InmmApp, "run", functools.partialmethod(
        App.run, headless=True, size=(80, 24), auto_pilot=pilot_does))


def test_a_crash_in_the_ui_is_a_non_zero_exit(config_file: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    async def crash(pilot: Pilot) -> None:
        await pilot.pause()

        def broken() -> None:
            raise RuntimeError("a screen failed")

        pilot.app.call_later(broken)

    _headless(monkeypatch, crash)
    assert main(["--config", str(config_file)]) == 1


def test_quitting_is_exit_0(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async def quit_(pilot: Pilot) -> None:
        await pilot.pause()
        await pilot.press("q")

    _headless(monkeypatch, quit_)
    assert main(["--config", str(config_file)]) == 0


def test_a_hung_up_terminal_ends_the_program_even_if_closing_hangs(
        config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Seen: an SSH connection dropped while Home drew; Textual's output thread had stopped
    # on its first write to the vanished terminal, the driver waited for it for ever while
    # closing, and the program held the database for half an hour. On a hang-up the app
    # exits (129) and a timer ends the process if closing does not finish.
    import inmm_tui.ui.app as app_module

    ended: list[int] = []
    monkeypatch.setattr(app_module, "HANG_UP_GRACE_SECONDS", 0.05)
    monkeypatch.setattr(app_module.os, "_exit", ended.append)

    async def hang_up(pilot: Pilot) -> None:
        await pilot.pause()
        pilot.app.hang_up()  # type: ignore[attr-defined]  # what SIGHUP calls

    _headless(monkeypatch, hang_up)
    assert main(["--config", str(config_file)]) == app_module.HANG_UP_EXIT
    time.sleep(0.3)
    assert ended == [app_module.HANG_UP_EXIT]
