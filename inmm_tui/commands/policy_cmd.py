"""`inmm-tui policy show|acknowledge|status`: read the policy and the screening rules,
acknowledge the version in force (audited), and see who has acknowledged which version."""

from __future__ import annotations

import argparse
import json
import sys

from inmm_tui.commands.common import me, say, services, viewer


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "policy", help="read and acknowledge the policy and screening rules",
        description="Nobody posts, clears, comments, moderates or publishes until they have "
        "read and acknowledged the policy and screening rules in force; when either changes, "
        "everyone acknowledges again before their next post.")
    actions = parser.add_subparsers(dest="policy_command", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="print the policy, where the rules are, and the "
                              "version to acknowledge")
    show.set_defaults(func=run_show)
    ack = actions.add_parser("acknowledge", help="acknowledge the version in force, as you")
    ack.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    ack.set_defaults(func=run_acknowledge)
    status = actions.add_parser("status", help="who has acknowledged which version")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=run_status)


def run_show(args: argparse.Namespace) -> int:
    svc = services(args)
    version = svc.policy.record_current()
    say(svc.policy.text().rstrip())
    say("")
    say(f"Screening rules: {svc.policy.rules_path} (`inmm-tui screen` checks a text against them)")
    say(f"Version in force: {version.version}")
    say("Acknowledge it with `inmm-tui policy acknowledge`.")
    return 0


def run_acknowledge(args: argparse.Namespace) -> int:
    svc = viewer(args)  # someone not on the roster is refused (exit 3) before being asked
    version = svc.policy.record_current()
    say(f"Policy: {svc.policy.text_path}")
    say(f"Screening rules: {svc.policy.rules_path}")
    say(f"Version: {version.version}")
    if not args.yes:
        if not sys.stdin.isatty():
            say("inmm-tui: not confirmed: run it in a terminal, or add --yes", file=sys.stderr)
            return 1
        answer = input(f"I, {me()}, have read this policy and these screening rules and will "
                       "follow them. Acknowledge? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            say("Not acknowledged; nothing changed.")
            return 1
    svc.policy.acknowledge(me(), version.version)
    say(f"Acknowledged version {version.version} as {me()}.")
    return 0


def run_status(args: argparse.Namespace) -> int:
    svc = viewer(args)
    version = svc.policy.record_current()
    rows = svc.policy.status()
    if args.json:
        say(json.dumps({"current": version.version,
                        "people": [{"login": r.login, "name": r.name, "role": r.role,
                                    "active": r.active, "acknowledged": r.version,
                                    "acknowledged_at": r.acknowledged_at,
                                    "current": r.current} for r in rows]}, indent=2))
        return 0
    say(f"Version in force: {version.version}")
    for r in rows:
        state = ("acknowledged" if r.current
                 else f"NOT acknowledged (last: {r.version})" if r.version
                 else "NOT acknowledged")
        when = f" on {r.acknowledged_at[:10]}" if r.current and r.acknowledged_at else ""
        withdrawn = "" if r.active else " [rights withdrawn]"
        say(f"{r.login:<16} {r.name} ({r.role}){withdrawn}: {state}{when}")
    return 0
