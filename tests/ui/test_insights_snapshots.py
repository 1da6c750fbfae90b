"""How the metrics screen and the questions inbox look at 80x24 and 160x48, charts drawn
from fixed data. Update after an intended change with `--snapshot-update` and review."""

from __future__ import annotations

import pytest
from insights_seed import seed_insights
from ui_support import HQ, SIZES, build_services, going_to

from inmm_tui.ui.app import InmmApp

SCREENS = {"metrics": ("t",), "metrics_year": ("t", "3"), "questions": ("i",)}


@pytest.fixture
def seeded(db_path):  # type: ignore[no-untyped-def]
    seed_insights(db_path)
    return db_path



@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", SCREENS)
def test_insights_screen(snap_compare, seeded, screen: str, size: str) -> None:
    app = InmmApp(build_services(seeded), HQ, watch=False)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=going_to(*SCREENS[screen]))
