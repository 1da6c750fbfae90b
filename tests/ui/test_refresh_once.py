"""One change of the database refreshes each screen once: the message the app hands to
each screen must not bubble back to the app, which would hand it out again for ever."""

from __future__ import annotations

from ui_support import HQ, settle

from inmm_tui.ui.messages import DatabaseChanged
from inmm_tui.ui.screens.home import HomeScreen


async def test_one_database_change_reloads_the_home_screen_once(make_app, monkeypatch):
    reloads = []
    original = HomeScreen.reload

    def counting(self: HomeScreen) -> None:
        reloads.append(1)
        original(self)

    monkeypatch.setattr(HomeScreen, "reload", counting)
    app = make_app(HQ)
    async with app.run_test() as pilot:
        await settle(pilot)
        before = len(reloads)
        app.post_message(DatabaseChanged())
        for _ in range(20):
            await pilot.pause()
        assert len(reloads) - before == 1


