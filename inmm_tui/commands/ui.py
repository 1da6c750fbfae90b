"""Open the terminal UI (the default when no command is given)."""

from __future__ import annotations

import argparse

from inmm_tui.commands.common import me, viewer


def run(args: argparse.Namespace) -> int:
    from inmm_tui.ui.app import InmmApp

    svc = viewer(args, lazy_screener=True)
    InmmApp(svc, me()).run()
    return 0
