"""`inmm-tui audit verify`: re-hash the whole audit chain and name the first broken entry."""

from __future__ import annotations

import argparse

from inmm_tui.commands.common import say, viewer


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("audit", help="check the audit log")
    actions = parser.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = actions.add_parser("verify", help="re-hash every entry (exit 1 when broken)")
    verify.set_defaults(func=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    from inmm_tui.domain import audit
    from inmm_tui.store.tx import write

    svc = viewer(args)
    check = audit.verify(svc.db.conn)
    if check.ok:
        with write(svc.db):
            audit.record_checkpoint(svc.db.conn, check)
    say(check.describe())
    return 0 if check.ok else 1
