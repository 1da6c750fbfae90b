"""Shared by the UI tests: the fixed clock, the people, a screener that finds things,
and helpers to wait for workers."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input, TextArea
from textual.worker import WorkerState

from inmm_tui.config import embedded_default
from inmm_tui.domain.posts import ScreenOutcome, ScreenRequest
from inmm_tui.domain.services import Services
from inmm_tui.store.db import open_database

NOW = dt.datetime(2027, 3, 1, 15, 0, tzinfo=dt.UTC)
HQ, AM, CHAIR, COMMS = "jsmith", "adoe", "bchair", "ccomms"


def fake_screener(request: ScreenRequest) -> ScreenOutcome:
    """Blocks "BUY NOW" (a transactional link stands in), warns on "election"."""
    findings = []
    for word, severity, category, message in (
        ("BUY NOW", "block", "transactional", "links to an order page are not allowed"),
        ("election", "warn", "politics", "politics is not an appropriate topic"),
    ):
        start = request.text.find(word)
        if start >= 0:
            findings.append({"rule": category, "category": category, "severity": severity,
                             "message": message, "span": [start, start + len(word)]})
    verdict = ("block" if any(f["severity"] == "block" for f in findings)
               else "warn" if findings else "pass")
    return ScreenOutcome(verdict, findings)


def build_services(path: Path) -> Services:
    return Services.build(embedded_default(), open_database(path, create=True), clock=lambda: NOW,
                          screener=fake_screener)


async def settle(pilot: Pilot) -> None:
    """Wait until every loading or acting worker is done and its message handled.

    Awaited, not slept: each round waits until the app and the screen have handled every
    message queued so far (which may start workers), then for the workers started. Only
    the last `pause()` waits for the app to go idle (at least 20 ms, for repaints); three
    such pauses per call used to cost a UI test about a second of sleeping."""
    for _ in range(50):
        await pilot._wait_for_screen()
        busy = [w for w in pilot.app.workers if w.group != "watch" and not w.is_finished]
        if not busy:
            break
        # a worker just made is pending until the event loop has started its task
        await asyncio.sleep(0)
        await asyncio.gather(*(w.wait() for w in busy if w.state is not WorkerState.PENDING),
                             return_exceptions=True)
    await pilot.pause()


def still(pilot: Pilot) -> None:
    """No blinking cursor in a snapshot."""
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False
    for widget in pilot.app.screen.query(TextArea):
        widget.cursor_blink = False


SIZES = {"small": (80, 24), "wide": (160, 48)}
"""The two terminal sizes every screen is snapshotted at."""


def going_to(*keys: str):  # type: ignore[no-untyped-def]
    """A snapshot's `run_before`: press `keys` one by one, letting the workers settle."""

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        still(pilot)
        await pilot.pause()

    return run_before


def notes(app) -> str:  # type: ignore[no-untyped-def]
    """Every notification the app has shown, joined."""
    return " | ".join(str(n.message) for n in app._notifications)


async def answer(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type `text` into the open one-line prompt and confirm it."""
    from textual.widgets import Input

    from inmm_tui.ui.screens.prompt import PromptScreen

    assert isinstance(pilot.app.screen, PromptScreen)
    pilot.app.screen.query_one(Input).value = text
    await pilot.press("enter")
    await settle(pilot)


def screen_text(app) -> str:  # type: ignore[no-untyped-def]
    """What the terminal shows now, as plain text, one line per row (as the SVG
    snapshots draw it, without the colours)."""
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", record=True, legacy_windows=False,
                      safe_box=False)
    console.print(app.screen._compositor.render_update(
        full=True, screen_stack=app._background_screens))
    return console.export_text()
