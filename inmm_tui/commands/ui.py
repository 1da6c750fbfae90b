"""Open the terminal UI (the default when no command is given)."""

from __future__ import annotations

import argparse
import gc
from typing import TYPE_CHECKING, Any

from inmm_tui.commands.common import me, viewer

if TYPE_CHECKING:
    from textual.app import App


START_GC_THRESHOLD = 100_000
"""New objects between two runs of the cyclic collector until Home has shown its counts
(usually 700)."""


def run(args: argparse.Namespace) -> int:
    # Start-up builds some 80,000 objects (Textual's classes and ours, Home's widgets) that
    # live as long as the program; every 700 new ones the collector would walk the newest
    # again, finding nothing to free: a tenth of the wait for the first screen. So it runs
    # rarely until Home has shown its counts; the app then freezes what start-up built
    # (`InmmApp.warm_later`) and puts the usual thresholds back.
    usual = gc.get_threshold()
    gc.set_threshold(START_GC_THRESHOLD)
    from inmm_tui.ui.app import InmmApp

    svc = viewer(args, lazy_screener=True)
    app = InmmApp(svc, me(), gc_threshold=usual)
    app.run()
    return exit_code(app)


def exit_code(app: App[Any]) -> int:
    """0 after a normal quit; Textual's own code (1) when the app stopped on an error, so
    that a crash (whose traceback Textual prints) is not reported as success."""
    return app.return_code or 0
