"""`inmm-tui init [--admin LOGIN] [--name NAME]`: create the database and the first HQ
administrator (by default whoever runs it)."""

from __future__ import annotations

import argparse
import sys

from inmm_tui.commands.common import me, say, services


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("init", help="create the database and make you (or --admin) its "
                            "first HQ administrator")
    parser.add_argument("--admin", metavar="LOGIN",
                        help="login name on this host of the first administrator (HQ role); "
                        "default: your own")
    parser.add_argument("--name", help="their full name (default: the name the host knows "
                        "them by, else the login)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from inmm_tui.domain.people import full_name
    from inmm_tui.outside_text import printable

    login = args.admin or me()
    svc = services(args, create=True)
    where = svc.config.database_path
    if svc.roster.people():
        # Run again (perhaps by someone else, perhaps after a first run with the wrong
        # login): init never hands out HQ rights on a roster that exists.
        hq = ", ".join(printable(f"{p.name} ({p.login})")
                       for p in svc.roster.refuse_init(me(), login))
        say(f"inmm-tui: {where} is already initialised (HQ: {hq}); nothing changed. "
            "An HQ administrator adds people with `inmm-tui roster add LOGIN --name NAME "
            "--role ROLE`.", file=sys.stderr)
        return 1
    person, _ = svc.roster.initialise(login, args.name or full_name(login))
    svc.policy.record_current()
    say(f"Created {where} and made {person.name} ({person.login}) its first HQ "
        "administrator.")
    say(f"Before posting, {person.login} reads the policy ({svc.config.policy_text_path}) "
        "and acknowledges it: `inmm-tui policy show`, then `inmm-tui policy acknowledge`.")
    if person.login != me():
        say(f"Only {person.login} can use it for now: they add the others with "
            "`inmm-tui roster add`.")
    return 0
