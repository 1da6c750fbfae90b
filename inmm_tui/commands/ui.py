"""Open the terminal UI (the default when no command is given)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from inmm_tui.commands.common import me, viewer

if TYPE_CHECKING:
    from textual.app import App


def run(args: argparse.Namespace) -> int:
    from inmm_tui.ui.app import InmmApp

    svc = viewer(args, lazy_screener=True)
    app = InmmApp(svc, me())
    app.run()
    return exit_code(app)


def exit_code(app: App[Any]) -> int:
    """0 after a normal quit; Textual's own code (1) when the app stopped on an error, so
    that a crash (whose traceback Textual prints) is not reported as success."""
    return app.return_code or 0
