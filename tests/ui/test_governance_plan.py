"""Issue 13, defect 4: an operation the outlet's plan does not include (X's 403
client-not-enrolled) is shown on the governance screen, with the platform's words as
literal text, until HQ acknowledges the alert."""

from __future__ import annotations

from pathlib import Path

from gov_support import gov_app, gov_services
from ui_support import AM, settle

from inmm_tui.domain.governance import record_plan_refusal
from inmm_tui.store.tx import write
from inmm_tui.ui.screens.governance import GovernanceScreen


async def test_a_plan_refusal_shows_on_the_governance_screen(db_path: Path) -> None:
    services = gov_services(db_path)
    with write(services.db):
        record_plan_refusal(services.db.conn, "x", "block",
                            "x: block: X's plan for this app does not include this [red]x[/]",
                            services.clock())
    app = gov_app(db_path, AM)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        assert isinstance(app.screen, GovernanceScreen)
        plan = app.screen.query_one("#gov-plan")
        shown = str(plan.render())
        assert plan.display
        assert "Not in the outlet's plan" in shown and "x: block" in shown
        assert "[red]x[/]" in shown  # the platform's words, literally


async def test_nothing_is_shown_when_every_plan_suffices(db_path: Path) -> None:
    app = gov_app(db_path, AM)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        assert not app.screen.query_one("#gov-plan").display
