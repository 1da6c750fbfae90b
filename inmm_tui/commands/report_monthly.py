"""`inmm-tui report monthly [--month YYYY-MM] [--format md|html] [--output FILE]`: the
monthly summary the Communications Committee Chair forwards to the Executive Committee,
and `inmm-tui report list` for the reports already written."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from inmm_tui.commands.common import me, say, services, viewer


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("report", help="write the monthly summary for the Executive Committee")
    actions = parser.add_subparsers(dest="report_command", metavar="ACTION", required=True)
    monthly = actions.add_parser("monthly", help="write the summary of one month")
    monthly.add_argument("--month", metavar="YYYY-MM",
                         help="the month to summarise (default: the month just ended)")
    monthly.add_argument("--format", choices=("md", "html"), default="md",
                         help="Markdown (default) or one self-contained HTML file with charts")
    monthly.add_argument("--output", metavar="FILE",
                         help="where to write it ('-' for standard output; default: the "
                         "reports folder of the config, [metrics] reports_dir)")
    monthly.set_defaults(func=run_monthly)
    listing = actions.add_parser("list", help="the monthly reports already written")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=run_list)
    forwarded = actions.add_parser(
        "forwarded", help="record that a month's report was forwarded to the Executive "
        "Committee (the Communications Committee Chair)")
    forwarded.add_argument("month", metavar="MONTH", help="the report's month, YYYY-MM")
    forwarded.add_argument("--on", metavar="DATE",
                           help="the day it was forwarded, YYYY-MM-DD (default: today)")
    forwarded.set_defaults(func=run_forwarded)


def run_monthly(args: argparse.Namespace) -> int:
    from inmm_tui.domain.people import authorise
    from inmm_tui.domain.roles import Action
    from inmm_tui.reports import monthly

    svc = services(args, lazy_screener=True)  # the report screens nothing: no rules to load
    month = (monthly.parse_month(args.month) if args.month
             else monthly.previous_month(svc.clock().astimezone(svc.config.tz).date()))
    login = me()
    if args.output == "-":
        authorise(svc.db.conn, login, Action.MONTHLY_REPORT)
        report = monthly.gather(svc.db.conn, svc.config, month, svc.clock())
        sys.stdout.write(monthly.render(report, args.format))
        return 0
    path = monthly.write_report(svc, month, args.format, actor=login,
                                output=Path(args.output) if args.output else None)
    say(f"Wrote the {month.strftime('%B %Y')} report to {path}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from inmm_tui.reports.monthly import past_reports

    svc = viewer(args)
    reports = past_reports(svc.db.conn)
    if args.json:
        say(json.dumps(reports, indent=2))
        return 0
    if not reports:
        say("No monthly report has been written yet.")
    for r in reports:
        missing = "" if r["exists"] else "  (file missing)"
        sent = (f"forwarded to the EC {r['forwarded_on']}" if r["forwarded_on"]
                else "not yet forwarded")
        say(f"{r['month']}  {r['format']:<4} {r['written_at'][:16]}  {r['written_by']:<10} "
            f"{r['path']}{missing}  ({sent})")
    return 0


def run_forwarded(args: argparse.Namespace) -> int:
    from inmm_tui.domain.errors import InvalidInput
    from inmm_tui.reports import forwarding
    from inmm_tui.reports.monthly import parse_month

    try:
        month = parse_month(args.month)
    except InvalidInput:
        raise InvalidInput(f"MONTH {args.month!r}: expected a month like 2027-03") from None
    on = forwarding.parse_day(args.on) if args.on else None
    svc = services(args, lazy_screener=True)
    day = forwarding.record_forwarded(svc.db, me(), month, svc.clock, svc.config.tz, on)
    say(f"Recorded: the {month.strftime('%B %Y')} report was forwarded to the Executive "
        f"Committee on {day.isoformat()}.")
    return 0
