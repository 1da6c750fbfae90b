"""How each screen looks, at 80x24 (a small SSH terminal) and 160x48, on fixed data.
Update after an intended change with `pytest tests/ui --snapshot-update` and review the SVGs."""

from __future__ import annotations

import datetime as dt

import pytest
from ui_support import AM, HQ, build_services, settle, still

from inmm_tui.domain.reminders import ensure_reminder, raise_alert
from inmm_tui.domain.when import parse_local_time
from inmm_tui.store.tx import write
from inmm_tui.ui.app import InmmApp
from inmm_tui.ui.screens.compose import ComposeScreen

SIZES = {"small": (80, 24), "wide": (160, 48)}


@pytest.fixture
def seeded(db_path):  # type: ignore[no-untyped-def]
    s = build_services(db_path)
    tz = s.config.tz
    s.switches.start_event(HQ, "Annual Meeting 2027", "#INMM27")
    s.posts.create_draft(HQ, "Call for papers closes soon", topic="Annual Meeting")
    warn = s.posts.create_draft(AM, "Our statement on the election of the new board",
                                topic="INMM announcement")
    s.posts.submit(AM, warn)
    plain = s.posts.create_draft(AM, "Registration is open: https://inmm.org/am27",
                                 topic="Annual Meeting",
                                 scheduled_at=parse_local_time("2027-03-03 10:00", tz, s.clock()))
    s.posts.submit(AM, plain)
    s.posts.clear(HQ, plain)
    failing = s.posts.create_draft(HQ, "New journal issue", topic="Relevant resources")
    s.posts.submit(HQ, failing)
    s.posts.clear(AM, failing)
    s.posts.schedule(AM, failing, None)
    s.db.conn.execute(
        "UPDATE deliveries SET state = 'failed', attempts = 8,"
        " last_error = '403 Forbidden: duplicate content' WHERE post_id = ? AND outlet = 'x'",
        (failing,))
    with write(s.db):
        ensure_reminder(s.db.conn, "rotation", "outlet:x",
                        "Rotate the X credentials (due every 6 months)",
                        s.clock() - dt.timedelta(days=2))
        raise_alert(s.db.conn, "daemon", "daemon", "The daemon has not run for 2 hours",
                    s.clock())
    s.db.conn.close()
    return db_path


def _app(db_path, login: str = HQ) -> InmmApp:  # type: ignore[no-untyped-def]
    return InmmApp(build_services(db_path), login, watch=False)


def _going_to(*keys: str, body: str = ""):  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        if body:
            pilot.app.screen.query_one("#body").insert(body)
            await pilot.pause(0.1)
            await settle(pilot)
        still(pilot)
        await pilot.pause()

    return run_before


SCREENS = {
    "home": (),
    "clearance": ("c",),
    "schedule": ("s",),
    "roster": ("r",),
    "events": ("e",),
    "reminders": ("m",),
    "help": ("question_mark",),
}


@pytest.fixture(autouse=True)
def quick_preview(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ComposeScreen, "PREVIEW_DELAY", 0.01)
    monkeypatch.setattr(ComposeScreen, "AUTOSAVE_DELAY", 30)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", SCREENS)
def test_screen(snap_compare, seeded, screen: str, size: str) -> None:
    assert snap_compare(_app(seeded), terminal_size=SIZES[size],
                        run_before=_going_to(*SCREENS[screen]))


@pytest.mark.parametrize("size", SIZES)
def test_compose_with_findings(snap_compare, seeded, size: str) -> None:
    assert snap_compare(_app(seeded), terminal_size=SIZES[size],
                        run_before=_going_to("n", body="Vote in the election, BUY NOW"))
