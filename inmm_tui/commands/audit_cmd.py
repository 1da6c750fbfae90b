"""`inmm-tui audit verify`: re-hash the whole audit chain, compare it with the daemon's
witness, and list every row the log does not explain."""

from __future__ import annotations

import argparse

from inmm_tui.commands.common import say, viewer
from inmm_tui.wording import count


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("audit", help="check the audit log")
    actions = parser.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = actions.add_parser(
        "verify", help="re-hash every entry, compare with the daemon's witness, and check "
                       "that the log explains the roster, clearances and deliveries "
                       "(exit 1 when anything is wrong)")
    verify.set_defaults(func=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    from inmm_tui.domain import audit, authority, witness
    from inmm_tui.store.tx import write

    svc = viewer(args)
    conn = svc.db.conn
    check = audit.verify(conn)
    anchoring = witness.status(conn, svc.config.audit_witness_path)
    findings = authority.unexplained(conn)
    if check.ok and not (anchoring.configured and not anchoring.anchored):
        with write(svc.db):
            audit.record_checkpoint(conn, check)
    say(check.describe())
    say(anchoring.message)
    standing = anchoring.witness.problems if anchoring.witness else ()
    if standing:
        say(f"the daemon's last audit check found {count(len(standing), 'problem')}:")
        for problem in standing:
            say(f"  - {problem}")
    if findings:
        say(f"changed beside the tool (the audit log does not explain): {len(findings)}")
        for finding in findings:
            say(f"  - {finding.message}")
    else:
        say("the log explains the roster, every clearance and every delivery")
    return 0 if check.ok and not anchoring.attention and not findings else 1
