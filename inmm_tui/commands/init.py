"""`inmm-tui init --admin LOGIN [--name NAME]`: create the database and the first HQ administrator."""

from __future__ import annotations

import argparse

from inmm_tui.commands.common import say, services


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("init", help="create the database and the first HQ administrator")
    parser.add_argument("--admin", required=True, metavar="LOGIN",
                        help="login name on this host of the first administrator (HQ role)")
    parser.add_argument("--name", help="their full name (default: the login)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    svc = services(args, create=True)
    person, created = svc.roster.initialise(args.admin, args.name or args.admin)
    where = svc.config.database_path
    if created:
        say(f"Created {where} with {person.name} ({person.login}) as HQ administrator.")
    else:
        say(f"{where} already has {person.name} ({person.login}) as HQ administrator; "
            "nothing changed.")
    return 0
