"""`inmm-tui members import FILE.csv`: replace the list of members, volunteers and staff
(columns name, kind, email, handles) used to look up the poster of a questionable reply."""

from __future__ import annotations

import argparse
from pathlib import Path

from inmm_tui.commands.common import me, say, services
from inmm_tui.wording import count as n


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("members", help="import the members, volunteers and staff list")
    actions = parser.add_subparsers(dest="members_command", metavar="ACTION", required=True)
    imp = actions.add_parser(
        "import", help="replace the list from a CSV with columns name, kind, email, handles")
    imp.add_argument("file", metavar="FILE.csv")
    imp.set_defaults(func=run_import)


def run_import(args: argparse.Namespace) -> int:
    from inmm_tui.domain.errors import InvalidInput
    from inmm_tui.domain.members import parse_csv

    path = Path(args.file)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path}: not UTF-8 text (byte {exc.start}); save the CSV as UTF-8") \
            from None
    rows = parse_csv(text, str(path))
    svc = services(args)
    count = svc.members.import_rows(me(), rows, source=str(path), content=content)
    kinds = {kind: sum(1 for r in rows if r.kind == kind) for kind in ("member", "volunteer", "staff")}
    say(f"Imported {n(count, 'person', 'people')} from {path} "
        f"({n(kinds['member'], 'member')}, {n(kinds['volunteer'], 'volunteer')}, "
        f"{kinds['staff']} staff).")
    return 0
