"""How the metrics screen and the questions inbox look at 80x24 and 160x48, charts drawn
from fixed data. Update after an intended change with `--snapshot-update` and review."""

from __future__ import annotations

import pytest
from insights_seed import seed_insights
from ui_support import HQ, build_services, settle, still

from inmm_tui.ui.app import InmmApp

SIZES = {"small": (80, 24), "wide": (160, 48)}
SCREENS = {"metrics": ("t",), "metrics_year": ("t", "3"), "questions": ("i",)}


@pytest.fixture
def seeded(db_path):  # type: ignore[no-untyped-def]
    seed_insights(db_path)
    return db_path


def _going_to(*keys: str):  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        still(pilot)
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", SCREENS)
def test_insights_screen(snap_compare, seeded, screen: str, size: str) -> None:
    app = InmmApp(build_services(seeded), HQ, watch=False)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=_going_to(*SCREENS[screen]))
