"""Media with alt text through the pilot: the author attaches a photo in compose (path,
then alt text), submits; the clearer sees what the file is, its alt text and a half-block
preview of it, and clears it; a file without alt text is refused on the screen."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from textual.widgets import Input, Static, TextArea
from textual.widgets._footer import FooterKey
from ui_support import AM, HQ, notes, settle

from inmm_tui.domain import audit
from inmm_tui.domain.services import Services
from inmm_tui.ui.screens.clearance import ClearanceScreen
from inmm_tui.ui.screens.compose import ComposeScreen, FileList
from inmm_tui.ui.screens.confirm import ConfirmItemScreen
from inmm_tui.ui.screens.prompt import PromptScreen

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from media_helpers import SERIAL_NUMBER, jpeg_with_gps, png

ALT = "Delegates at the registration desk on the first morning"


@pytest.fixture(autouse=True)
def quick_debounce(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ComposeScreen, "PREVIEW_DELAY", 0.01)
    monkeypatch.setattr(ComposeScreen, "AUTOSAVE_DELAY", 0.05)


async def answer(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(pilot.app.screen, PromptScreen)
    field = pilot.app.screen.query_one("#prompt-input", Input)
    field.focus()
    field.insert_text_at_cursor(text)
    await pilot.press("enter")
    await settle(pilot)


async def test_attach_in_compose_then_the_clearer_sees_the_file_and_its_alt_text(
        make_app, services: Services, tmp_path: Path) -> None:
    photo = jpeg_with_gps(tmp_path / "desk.jpg", size=(48, 32), colour=(220, 20, 20))
    app = make_app(HQ)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ComposeScreen)
        app.screen.query_one("#body", TextArea).insert("Registration is open")
        await settle(pilot)
        await pilot.press("ctrl+o")
        await settle(pilot)
        await answer(pilot, str(photo))
        await answer(pilot, ALT)
        listed = app.screen.query_one("#media-list", FileList)
        number, described, alt = (str(cell) for cell in listed.get_row_at(0))
        assert number == "1" and described.startswith("desk.jpg: JPEG 48x32, ")
        assert alt == ALT[:39] + "…"  # cut in the table, whole beneath it
        shown = str(app.screen.query_one("#media-alt", Static).render())
        assert shown == f"Alt text of desk.jpg: {ALT}"
        await pilot.press("ctrl+t")
        await settle(pilot)
    post = services.posts.get(1)
    assert post.status == "submitted"
    (item,) = services.media.items(1)
    assert SERIAL_NUMBER.encode() not in Path(item.path).read_bytes()

    app2 = make_app(AM)
    async with app2.run_test(size=(120, 50)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app2.screen, ClearanceScreen)
        shown = app2.screen.query_one("#post-media", Static)
        text = str(shown.render())
        assert "desk.jpg: JPEG 48x32" in text and "KB" in text and ALT in text
        assert "▀" in text  # the half-block preview
        # drawn in the photo's own red
        drawn = app2.screen.detail["media"]
        colours = {span.style.color.triplet for span in drawn.spans
                   if not isinstance(span.style, str) and span.style.color is not None}
        assert colours and all(c is not None and c.red > 150 and c.green < 80
                               for c in colours)
        await pilot.press("a")
        await settle(pilot)
    assert services.posts.get(1).status == "scheduled"


async def test_a_file_without_alt_text_is_refused_in_compose(make_app, services: Services,
                                                             tmp_path: Path) -> None:
    photo = jpeg_with_gps(tmp_path / "desk.jpg")
    app = make_app(HQ)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        app.screen.query_one("#body", TextArea).insert("Registration is open")
        await settle(pilot)
        await pilot.press("ctrl+o")
        await settle(pilot)
        await answer(pilot, str(photo))
        await answer(pilot, "   ")  # the prompt itself wants something written
        assert isinstance(app.screen, PromptScreen)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("ctrl+o")
        await settle(pilot)
        await answer(pilot, str(tmp_path / "missing.png"))
        await answer(pilot, "A chart")
        assert "no such file" in notes(app)
    assert services.media.items(1) == []


async def test_the_selected_file_is_taken_off_the_draft_once_confirmed(
        make_app, services: Services, tmp_path: Path) -> None:
    photo = jpeg_with_gps(tmp_path / "desk.jpg", size=(48, 32))
    chart = png(tmp_path / "chart.png")
    app = make_app(HQ)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        app.screen.query_one("#body", TextArea).insert("Registration is open")
        await settle(pilot)
        for path, alt in ((photo, ALT), (chart, "A chart of registrations by day")):
            await pilot.press("ctrl+o")
            await settle(pilot)
            await answer(pilot, str(path))
            await answer(pilot, alt)
        files = app.screen.query_one("#media-list", FileList)
        assert files.row_count == 2
        files.focus()
        await pilot.press("down")  # the chart
        await settle(pilot)
        assert "Alt text of chart.png" in str(app.screen.query_one("#media-alt", Static).render())
        assert "Remove file" in [k.description for k in app.screen.query(FooterKey)]
        await pilot.press("delete")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmItemScreen)
        assert "chart.png" in str(app.screen.query_one("#confirm-author", Static).render())
        await pilot.press("escape")  # changed their mind: nothing taken off
        await settle(pilot)
        assert [i.name for i in services.media.items(1)] == ["desk.jpg", "chart.png"]
        await pilot.press("delete")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ComposeScreen)
        assert "Took off chart.png" in notes(app)
        files = app.screen.query_one("#media-list", FileList)
        assert files.row_count == 1 and str(files.get_row_at(0)[1]).startswith("desk.jpg")
    assert [i.name for i in services.media.items(1)] == ["desk.jpg"]
    entry, deleted = audit.history(services.db.conn, "post:1")[-2:]
    assert entry["action"] == "post.media.remove" and entry["details"]["file"] == "chart.png"
    assert deleted["action"] == "media.delete"  # and its stored copy, which no post needs
