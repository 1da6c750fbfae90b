"""Key e in the moderation queue exports the item's evidence as one zip for the Executive
Committee; an account manager is refused before being asked anything."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

from oversight_support import EC, moderation_services, seed_moderation, tamper
from ui_support import AM, answer, notes, settle

from inmm_tui.ui.app import InmmApp
from inmm_tui.ui.screens.moderation import ModerationScreen
from inmm_tui.ui.screens.prompt import PromptScreen
from inmm_tui.ui.widgets.tables import ListTable


async def _open(pilot, item_id: int) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("o")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ModerationScreen)
    table = pilot.app.screen.query_one("#mod-items", ListTable)
    table.move_cursor(row=table.get_row_index(str(item_id)))
    await settle(pilot)


async def test_the_ec_exports_and_an_account_manager_is_refused(db_path: Path,
                                                                 tmp_path: Path) -> None:
    items = seed_moderation(db_path)
    app = InmmApp(moderation_services(db_path), AM, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open(pilot, items["rude"])
        await pilot.press("e")
        await settle(pilot)
        assert not isinstance(app.screen, PromptScreen)  # refused before asking
        assert "may not export evidence" in notes(app)
    app = InmmApp(moderation_services(db_path), EC, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open(pilot, items["rude"])
        await pilot.press("e")
        await answer(pilot, str(tmp_path / "for-ec"))
        await settle(pilot)
        (written,) = (tmp_path / "for-ec").glob("*.zip")
        assert f"exported to {written}" in notes(app)
        assert "FAILED" not in notes(app)
    with zipfile.ZipFile(written) as archive:
        names = {Path(n).name: n for n in archive.namelist()}
        for line in archive.read(names["SHA256SUMS"]).decode().splitlines():
            digest, name = line.split("  ", 1)
            assert hashlib.sha256(archive.read(names[name])).hexdigest() == digest
    tamper(db_path, items["rude"])
    app = InmmApp(moderation_services(db_path), EC, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open(pilot, items["rude"])
        await pilot.press("e")
        await answer(pilot, str(tmp_path / "again"))
        await settle(pilot)
        assert "EVIDENCE FAILED VERIFICATION" in notes(app)
