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
    notify = actions.add_parser(
        "notify", help="how a person is told of what concerns them, away from the terminal",
        description="Set your own notifications (HQ may set anyone's). With no option, show "
        "them. Events: clearance_needed, post_cleared, post_rejected, post_commented, "
        "delivery_failed, delivery_held, partly_published, forwarded_to_ec, alert, duty_due, "
        "duty_overdue, monthly_report, compromise (or all).")
    notify.add_argument("login")
    notify.add_argument("--email", help="the address to write to (off: no e-mail)")
    notify.add_argument("--events", help="comma-separated events to receive, or all")
    notify.add_argument("--digest", dest="mode", action="store_const", const="digest",
                        help="gather them in one e-mail a day")
    notify.add_argument("--immediate", dest="mode", action="store_const", const="immediate",
                        help="send each at once (the default)")
    notify.add_argument("--quiet", metavar="HH:MM-HH:MM",
                        help="local hours in which nothing is sent (off: none)")
    notify.add_argument("--json", action="store_true")
    notify.set_defaults(func=run_notify)


def _role(text: str):
    from inmm_tui.domain.roles import parse_role

    return parse_role(text)


def run_list(args: argparse.Namespace) -> int:
    svc = viewer(args)
    people = svc.roster.people()
    if args.json:
        acks = {a.login: a for a in svc.policy.status()}  # `policy status` says it in words
        say(json.dumps([
            {"login": p.login, "name": p.name, "role": p.role.value, "active": p.active,
             "revoked_reason": p.revoked_reason, "last_reviewed_at": p.last_reviewed_at,
             "policy_acknowledged": acks[p.login].version if p.login in acks else None,
             "policy_current": bool(p.login in acks and acks[p.login].current)}
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


def run_notify(args: argparse.Namespace) -> int:
    from inmm_tui.domain import notify

    changing = any(v is not None for v in (args.email, args.events, args.mode, args.quiet))
    if changing:
        svc = services(args)
        events = None if args.events is None else [
            e.strip() for e in args.events.split(",") if e.strip()]
        current = notify.set_settings(
            svc.db, me(), args.login, svc.clock,
            email="unchanged" if args.email is None else args.email, events=events,
            mode=args.mode, quiet=args.quiet)
    else:
        svc = viewer(args)
        current = notify.settings(svc.db.conn, args.login) or notify.Settings(
            args.login, None, (), "immediate", None, None)
    shown = {"login": current.login, "email": current.email,
             "events": list(current.events) or "all", "mode": current.mode,
             "quiet": notify.quiet_text(current)}
    if args.json:
        say(json.dumps(shown, indent=2))
        return 0
    say(f"{current.login}: e-mail {current.email or 'none'}; events "
        f"{', '.join(current.events) or 'all'}; {current.mode}; quiet hours "
        f"{shown['quiet']}")
    return 0
