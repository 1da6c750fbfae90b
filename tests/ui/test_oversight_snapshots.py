"""How the moderation queue (with an item whose evidence was edited) and the follow
review look at 80x24 and 160x48, on fixed data. Update with `--snapshot-update`."""

from __future__ import annotations

import pytest
from oversight_support import moderation_services, seed_follows, seed_moderation, tamper
from ui_support import AM, SIZES, going_to

from inmm_tui.ui.app import InmmApp


@pytest.mark.parametrize("size", SIZES)
def test_moderation_queue(snap_compare, db_path, size: str) -> None:
    items = seed_moderation(db_path)
    tamper(db_path, items["spam"])  # the newest, shown first: NOT VERIFIED
    app = InmmApp(moderation_services(db_path), AM, watch=False)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=going_to("o"))


@pytest.mark.parametrize("size", SIZES)
def test_moderation_verified_item(snap_compare, db_path, size: str) -> None:
    seed_moderation(db_path)
    app = InmmApp(moderation_services(db_path), AM, watch=False)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=going_to("o", "down"))


@pytest.mark.parametrize("size", SIZES)
def test_follow_review(snap_compare, db_path, size: str) -> None:
    seed_follows(db_path)
    app = InmmApp(moderation_services(db_path), AM, watch=False)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=going_to("f"))


@pytest.mark.parametrize("size", SIZES)
def test_follow_organisation_form(snap_compare, db_path, size: str) -> None:
    seed_follows(db_path)
    app = InmmApp(moderation_services(db_path), AM, watch=False)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=going_to("f", "o"))
