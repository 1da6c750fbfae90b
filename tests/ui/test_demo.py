"""`inmm-tui --demo`: a throwaway database with the current login as HQ, two demo
colleagues, a post to clear, and nothing left behind."""

from __future__ import annotations

from pathlib import Path

import pytest
from ui_support import AM, HQ, settle

from inmm_tui import cli
from inmm_tui.commands import demo
from inmm_tui.domain.people import current_login
from inmm_tui.domain.roles import Role
from inmm_tui.ui.app import InmmApp
from inmm_tui.ui.screens.home import HomeScreen


def test_demo_opens_the_ui_on_a_throwaway_database(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, object] = {}

    def fake_run(self: InmmApp) -> None:
        services = self.services
        seen["path"] = services.config.database_path
        seen["me"] = services.queues.overview(self.login).person.role
        seen["people"] = {p.login for p in services.queues.people(self.login)}
        seen["waiting"] = services.queues.overview(self.login).awaiting_clearance
        seen["switch_to"] = self.switch_to
        # The newcomer can clear the colleague's post at once (four-eyes holds).
        services.posts.clear(self.login, 1)

    monkeypatch.setattr(InmmApp, "run", fake_run)
    monkeypatch.setattr(demo, "START_GRACE_SECONDS", 0.3)
    assert cli.main(["--demo"]) == 0
    me = current_login()
    assert seen["me"] is Role.HQ
    assert seen["people"] == {me, "colleague", "chair", "comms"}
    assert seen["waiting"] == 1
    assert seen["switch_to"] == [me, "colleague", "chair"]
    assert not Path(str(seen["path"])).parent.exists()  # removed on exit


async def test_f2_switches_person_only_in_the_demo(make_app, db_path) -> None:
    from ui_support import build_services

    app = InmmApp(build_services(db_path), HQ, watch=False, switch_to=[HQ, AM])
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert app.backend.login == AM and isinstance(app.screen, HomeScreen)
        assert "Alex Doe" in str(app.screen.query_one("#whoami").render())
    plain = make_app(HQ)
    async with plain.run_test() as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert plain.backend.login == HQ
