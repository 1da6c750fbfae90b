"""`inmm-tui roster list|add|revoke|reinstate|role`: scripted roster changes, through the
same domain service the UI uses (permissions are checked there, for the caller's login)."""

from __future__ import annotations

import argparse
import json

from inmm_tui.commands.common import me, say, services, viewer


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "roster", help="list or change the authorised people",
        description="Who may change whom follows the policy: HQ keeps the list, the "
        "Communications Committee Chair appoints the Subcommittee Chair, the Subcommittee "
        "Chair assigns account managers; nobody changes their own role. A refusal exits 3 "
        "(1 for one Subcommittee Chair at a time, or the last HQ person) and is audited.")
    actions = parser.add_subparsers(dest="roster_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="everyone on the roster")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=run_list)
    add = actions.add_parser("add", help="add a person")
    add.add_argument("login")
    add.add_argument("--name", required=True)
    add.add_argument("--role", required=True,
                     help="executive_committee, hq, communications_chair, subcommittee_chair "
                     "or account_manager")
    add.set_defaults(func=run_add)
    revoke = actions.add_parser("revoke", help="withdraw a person's rights at once")
    revoke.add_argument("login")
    revoke.add_argument("--reason", required=True)
    revoke.set_defaults(func=run_revoke)
    reinstate = actions.add_parser("reinstate", help="give a person their rights back")
    reinstate.add_argument("login")
    reinstate.set_defaults(func=run_reinstate)
    role = actions.add_parser("role", help="change a person's role")
    role.add_argument("login")
    role.add_argument("role")
    role.set_defaults(func=run_role)


def _role(text: str):
    from inmm_tui.domain.roles import parse_role

    return parse_role(text)


def run_list(args: argparse.Namespace) -> int:
    svc = viewer(args)
    people = svc.roster.people()
    if args.json:
        say(json.dumps([
            {"login": p.login, "name": p.name, "role": p.role.value, "active": p.active,
             "revoked_reason": p.revoked_reason, "last_reviewed_at": p.last_reviewed_at}
            for p in people], indent=2))
        return 0
    for p in people:
        state = "active" if p.active else f"WITHDRAWN ({p.revoked_reason})"
        say(f"{p.login:<16} {p.name:<28} {p.role.label:<34} {state}")
    return 0


def run_add(args: argparse.Namespace) -> int:
    person = services(args).roster.add(me(), args.login, args.name, _role(args.role))
    say(f"Added {person.name} ({person.login}) as {person.role.label}.")
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    person = services(args).roster.revoke(me(), args.login, args.reason)
    say(f"Withdrew {person.name}'s rights. Every outlet's credentials are now due for rotation.")
    return 0


def run_reinstate(args: argparse.Namespace) -> int:
    person = services(args).roster.reinstate(me(), args.login)
    say(f"{person.name} has their rights again.")
    return 0


def run_role(args: argparse.Namespace) -> int:
    person = services(args).roster.change_role(me(), args.login, _role(args.role))
    say(f"{person.name} is now {person.role.label}.")
    return 0
