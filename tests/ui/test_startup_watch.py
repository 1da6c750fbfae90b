"""Home counts on a thread as soon as it is built; the database watcher's starting point
is taken before that, so a write landing right after the counting still refreshes Home."""

from __future__ import annotations

from pathlib import Path

from ui_support import HQ, build_services

from inmm_tui.ui.app import InmmApp
from inmm_tui.ui.screens import home


async def test_a_write_right_after_home_counted_still_shows(db_path: Path, monkeypatch) -> None:
    counted = home.read_overview
    elsewhere = build_services(db_path)  # another program, say the daemon's operator

    def count_then_someone_pauses(backend):  # type: ignore[no-untyped-def]
        found = counted(backend)
        elsewhere.switches.set_paused(HQ, True, "storm")
        return found

    monkeypatch.setattr(home, "read_overview", count_then_someone_pauses)
    app = InmmApp(build_services(db_path), HQ, watch=True)
    async with app.run_test() as pilot:
        screen = app.screen
        assert isinstance(screen, home.HomeScreen)
        for _ in range(300):  # the watcher looks every half second
            if screen.overview is not None and screen.overview.paused:
                break
            await pilot.pause(0.01)
        assert screen.overview is not None and screen.overview.paused
