"""Shared by the governance UI tests: services whose config has an EC meeting in the
review window (the fixed clock is 1 March 2027, the meeting 20 March), and a spoof queue."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from ui_support import NOW, fake_screener

from inmm_tui.config import Review, embedded_default
from inmm_tui.domain.governance import record_suspect
from inmm_tui.domain.services import Services
from inmm_tui.store.db import open_database
from inmm_tui.store.tx import write
from inmm_tui.ui.app import InmmApp

MEETING = dt.date(2027, 3, 20)


def gov_services(path: Path) -> Services:
    config = dataclasses.replace(embedded_default(), review=Review(ec_meeting=MEETING))
    return Services.build(config, open_database(path, create=True), clock=lambda: NOW,
                          screener=fake_screener)


def gov_app(path: Path, login: str) -> InmmApp:
    return InmmApp(gov_services(path), login, watch=False)


def add_suspects(services: Services) -> None:
    with write(services.db):
        record_suspect(services.db.conn, "x", "inmm_0rg", "901", "INMM official",
                       NOW - dt.timedelta(days=3))
        record_suspect(services.db.conn, "mastodon", "inmmhq", None, "INMM HQ",
                       NOW - dt.timedelta(days=1))


