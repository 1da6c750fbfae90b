"""The Communications Committee Chair records, from the metrics screen, the day a monthly
report was forwarded to the Executive Committee (key f); nobody else sees the key."""

from __future__ import annotations

import pytest
from insights_seed import seed_insights
from ui_support import COMMS, HQ, answer, settle

from inmm_tui.domain import audit
from inmm_tui.reports.monthly import past_reports


@pytest.fixture
def seeded(db_path):  # type: ignore[no-untyped-def]
    seed_insights(db_path)
    return db_path


async def test_the_chair_records_the_selected_report_forwarded(make_app, seeded, services):
    app = make_app(HQ)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert app.screen.check_action("forwarded", ()) is False  # hidden for HQ
    app = make_app(COMMS)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert app.screen.check_action("forwarded", ()) is True
        await pilot.press("f")
        await answer(pilot, "2027-02-30")  # no such day: refused, nothing recorded
        assert services.db.conn.execute("SELECT count(*) FROM report_forwards").fetchone()[0] == 0
        await pilot.press("f")
        await answer(pilot, "2027-02-27")
        await settle(pilot)
        assert [r["forwarded_on"] for r in past_reports(services.db.conn)] == ["2027-02-27"]
        assert any("forwarded to the Executive Committee on 2027-02-27" in str(n.message)
                   for n in app._notifications)
    (entry,) = [e for e in audit.history(services.db.conn, "report:2027-01")
                if e["action"] == "report.forwarded"]
    assert entry["actor"] == COMMS and entry["details"] == {"forwarded_on": "2027-02-27"}
