"""Issue 14, "An 80x24 terminal": what a person sees in a small SSH terminal hides
nothing that matters, cuts nothing into something else, and says what the code does."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from oversight_support import moderation_services
from ui_support import HQ, NOW, screen_text, settle

from inmm_tui.domain.moderation import IncomingMention
from inmm_tui.ui.app import InmmApp
from inmm_tui.ui.screens.moderation import ModerationScreen

SMALL = (80, 24)


async def test_a_cut_handle_ends_in_an_ellipsis_never_in_another_account(db_path: Path):
    s = moderation_services(db_path)
    for n, handle in enumerate(("iaea_fan_421", "iaea_fan_42")):
        s.moderation.ingest("x", [IncomingMention(f"m{n}", f"u{n}", handle, "A Fan",
                                                  "INMM are idiots and liars",
                                                  NOW - dt.timedelta(minutes=5 - n))])
    s.db.conn.close()
    app = InmmApp(moderation_services(db_path), HQ, watch=False)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, ModerationScreen)
        rows = [line for line in screen_text(app).splitlines()
                if "@iaea" in line and line.split()[0].isdigit()]
    assert len(rows) == 2
    shown = sorted(part for line in rows for part in line.split() if part.startswith("@iaea"))
    # The shorter handle fits and shows whole; the longer is cut with "…", so it cannot
    # be read as the shorter one.
    assert shown == ["@iaea_fan_42", "@iaea_fan_4…"]
