"""`inmm-tui analytics import FILE.csv`: the website's analytics export (date, campaign,
source, sessions), joined to the posts for referrals and click-throughs in the reports."""

from __future__ import annotations

import argparse

from inmm_tui.commands.common import me, say, services
from inmm_tui.wording import count


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("analytics", help="import the website's analytics")
    actions = parser.add_subparsers(dest="analytics_command", metavar="ACTION", required=True)
    imp = actions.add_parser("import", help="import a CSV export: date, campaign, source, sessions "
                             "(a day already imported is replaced)")
    imp.add_argument("file", metavar="FILE.csv")
    imp.set_defaults(func=run_import)


def run_import(args: argparse.Namespace) -> int:
    from inmm_tui.domain.metrics import import_analytics

    result = import_analytics(services(args).db, me(), args.file)
    if not result.rows:
        say(f"{args.file}: no rows to import.")
        return 0
    say(f"Imported {count(result.rows, 'row')} ({count(result.sessions, 'visit')}, "
        f"{count(result.days, 'day')} "
        f"from {result.first} to {result.last}).")
    return 0
