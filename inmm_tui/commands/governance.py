"""Governance from the command line: `rotation`, `review`, `spoofs`, `alerts`, `reminders`.

Each goes through the same domain services as the UI; permissions are checked there for
the caller's login."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from inmm_tui.commands.common import me, say, services, viewer


def register(sub: argparse._SubParsersAction) -> None:
    rotation = sub.add_parser("rotation", help="credential rotation: status, record, flag")
    actions = rotation.add_subparsers(dest="rotation_command", metavar="ACTION", required=True)
    status = actions.add_parser("status", help="when each outlet's credentials are due")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=run_rotation_status)
    record = actions.add_parser("record", help="HQ changed an outlet's credentials")
    record.add_argument("outlet")
    record.add_argument("--note", default="")
    record.set_defaults(func=run_rotation_record)
    flag = actions.add_parser("flag", help="report a suspected compromise (all outlets if none named)")
    flag.add_argument("outlet", nargs="?")
    flag.add_argument("--reason", required=True)
    flag.set_defaults(func=run_rotation_flag)

    review = sub.add_parser("review", help="the roster's annual review before the EC meeting")
    actions = review.add_subparsers(dest="review_command", metavar="ACTION", required=True)
    show = actions.add_parser("status", help="who is reviewed and who is pending")
    show.set_defaults(func=run_review_status)
    person = actions.add_parser("person", help="record one person's outcome")
    person.add_argument("login")
    person.add_argument("outcome", choices=["keep", "change_role", "withdraw"])
    person.add_argument("--role", help="the new role, with change_role")
    person.add_argument("--reason", default="")
    person.set_defaults(func=run_review_person)
    markdown = actions.add_parser("markdown", help="the list to take to the EC meeting")
    markdown.add_argument("--output", metavar="FILE")
    markdown.set_defaults(func=run_review_markdown)

    spoofs = sub.add_parser("spoofs", help="look-alike accounts found by the spoof watch")
    actions = spoofs.add_subparsers(dest="spoofs_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list")
    listing.set_defaults(func=run_spoofs_list)
    mark = actions.add_parser("mark", help="harmless, reported (with --ref) or gone")
    mark.add_argument("id", type=int)
    mark.add_argument("decision", choices=["harmless", "reported", "gone"])
    mark.add_argument("--ref", default="", help="the platform's report reference")
    mark.set_defaults(func=run_spoofs_mark)

    alerts = sub.add_parser("alerts", help="open alerts; --ack ID acknowledges one")
    alerts.add_argument("--ack", type=int, metavar="ID")
    alerts.set_defaults(func=run_alerts)
    reminders = sub.add_parser("reminders", help="open reminders; --done ID marks one done")
    reminders.add_argument("--done", type=int, metavar="ID")
    reminders.set_defaults(func=run_reminders)


def run_rotation_status(args: argparse.Namespace) -> int:
    from inmm_tui.domain.duties import rotation_status

    svc = viewer(args)
    statuses = rotation_status(svc.db.conn, svc.config, svc.clock())
    if args.json:
        say(json.dumps([{
            "outlet": s.outlet, "due": s.due, "reasons": s.reasons,
            "last_verified": s.last_verified.isoformat() if s.last_verified else None,
            "next_due": s.due_at.isoformat() if s.due_at else None,
            "awaiting_check": s.awaiting_check} for s in statuses], indent=2))
    else:
        for s in statuses:
            when = s.due_at.date().isoformat() if s.due_at else "-"
            state = "DUE: " + "; ".join(s.reasons) if s.due else f"ok until {when}"
            if s.awaiting_check:
                state += " (a rotation awaits the daemon's check)"
            say(f"{s.outlet:<12} {state}")
    return 1 if any(s.due for s in statuses) else 0


def run_rotation_record(args: argparse.Namespace) -> int:
    services(args).governance.record_rotation(me(), args.outlet, args.note)
    say(f"Recorded. The daemon will check the new credentials of {args.outlet} on its next run.")
    return 0


def run_rotation_flag(args: argparse.Namespace) -> int:
    services(args).governance.flag_compromise(me(), args.outlet, args.reason)
    say("Recorded: rotation is now due, and HQ has been alerted.")
    return 0


def run_review_status(args: argparse.Namespace) -> int:
    from inmm_tui.domain.duties import review_status

    svc = viewer(args)
    status = review_status(svc.db.conn, svc.config, svc.clock())
    if status is None:
        say("No EC meeting date is configured ([review] ec_meeting).")
        return 1
    say(f"EC meeting {status.meeting.isoformat()}; review opens {status.opens_on.isoformat()}"
        + (" (OVERDUE)" if status.overdue else ""))
    for login, outcome in sorted(status.reviewed.items()):
        say(f"  reviewed  {login:<16} {outcome}")
    for login in status.pending:
        say(f"  pending   {login}")
    return 1 if status.overdue else 0


def run_review_person(args: argparse.Namespace) -> int:
    from inmm_tui.commands.roster import _role

    role = _role(args.role) if args.role else None
    services(args).governance.review_person(me(), args.login, args.outcome, role=role,
                                            reason=args.reason)
    say(f"Recorded: {args.login}: {args.outcome}.")
    return 0


def run_review_markdown(args: argparse.Namespace) -> int:
    from inmm_tui.domain.governance import review_markdown

    svc = viewer(args)
    text = review_markdown(svc.db.conn, svc.config, svc.clock())
    if args.output:
        from inmm_tui.domain.errors import InvalidInput

        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:  # a full or read-only disk, a folder that is not there
            raise InvalidInput(f"{args.output}: cannot write the review "
                               f"({exc.strerror or exc})") from None
        say(f"Wrote {args.output}")
    else:
        say(text, end="")
    return 0


def run_spoofs_list(args: argparse.Namespace) -> int:
    svc = viewer(args)
    rows = svc.db.execute(
        "SELECT id, outlet, handle, name, status, report_ref FROM spoof_suspects"
        " ORDER BY status = 'new' DESC, id").fetchall()
    for suspect_id, outlet, handle, name, status, ref in rows:
        say(f"#{suspect_id:<4} {outlet:<10} @{handle:<20} {name or '':<24} {status}"
            + (f" ({ref})" if ref else ""))
    if not rows:
        say("No look-alike accounts found.")
    return 0


def run_spoofs_mark(args: argparse.Namespace) -> int:
    services(args).governance.mark_suspect(me(), args.id, args.decision, args.ref)
    say(f"Suspect #{args.id}: {args.decision}.")
    return 0


def run_alerts(args: argparse.Namespace) -> int:
    from inmm_tui.domain.reminders import open_alerts

    svc = viewer(args)
    if args.ack:
        svc.reminders.acknowledge(me(), args.ack)
        say(f"Alert #{args.ack} acknowledged.")
        return 0

    alerts = open_alerts(svc.db.conn)
    for alert in alerts:  # at the time of day people here read (the configured zone)
        say(f"#{alert.id:<4} {alert.raised_at.astimezone(svc.config.tz):%Y-%m-%d %H:%M} "
            f"{alert.kind:<24} {alert.message}")
    if not alerts:
        say("No open alerts.")
    return 1 if alerts else 0


def run_reminders(args: argparse.Namespace) -> int:
    from inmm_tui.domain.reminders import open_reminders

    svc = viewer(args)
    if args.done:
        svc.reminders.mark_done(me(), args.done)
        say(f"Reminder #{args.done} done.")
        return 0

    reminders = open_reminders(svc.db.conn)
    for reminder in reminders:
        say(f"#{reminder.id:<4} due {reminder.due_at.astimezone(svc.config.tz):%Y-%m-%d} "
            f"{reminder.message}"
            + (f"\n      how: {reminder.how}" if reminder.how else ""))
    if not reminders:
        say("No open reminders.")
    return 0
