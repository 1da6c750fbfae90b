"""Open the terminal UI (the default when no command is given)."""

from __future__ import annotations

import argparse

from inmm_tui.commands.common import me, services


def run(args: argparse.Namespace) -> int:
    from inmm_tui.domain.people import authorise
    from inmm_tui.domain.roles import Action
    from inmm_tui.ui.app import InmmApp

    svc = services(args, lazy_screener=True)
    login = me()
    authorise(svc.db.conn, login, Action.VIEW)
    InmmApp(svc, login).run()
    return 0
