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
    log = actions.add_parser(
        "log", help="who did what, when, on which post, and whether the chain vouches for it",
        description="The chairs, HQ and the Executive Committee read everyone's entries; "
        "an account manager reads their own. Exit 1 when the chain is broken.")
    log.add_argument("--person", metavar="LOGIN", help="only what this person did")
    log.add_argument("--since", metavar="DATE", help="from this local date (or date and time)")
    log.add_argument("--action", metavar="A",
                     help="only this action (post.clear), or a family of them (post)")
    log.add_argument("--json", action="store_true")
    log.set_defaults(func=run_log)


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


def run_log(args: argparse.Namespace) -> int:
    import json

    from inmm_tui.commands.common import me, services
    from inmm_tui.domain import audit_log
    from inmm_tui.domain.when import format_local

    svc = services(args)
    tz = svc.config.tz
    since = audit_log.parse_since(args.since, tz) if args.since else None
    log = audit_log.read(svc.db, me(), svc.clock, person=args.person, since=since,
                         action=args.action)
    if args.json:
        say(json.dumps({
            "chain": {"ok": log.chain.ok, "entries": log.chain.total,
                      "broken_at": log.chain.broken_seq, "problem": log.chain.problem},
            "only_own": log.only_own,
            "entries": [{"seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action,
                         "subject": e.subject, "details": e.details, "verified": e.verified}
                        for e in log.entries]}, indent=2, ensure_ascii=False))
    else:
        say(log.chain.describe())
        if log.only_own:
            say("(your own entries only)")
        for e in log.entries:
            mark = "" if e.verified else "  [NOT VERIFIED]"
            details = json.dumps(e.details, ensure_ascii=False, sort_keys=True)
            say(f"#{e.seq:<6} {format_local(e.at, tz)}  {e.actor:<12} {e.action:<24} "
                f"{e.subject:<16} {details}{mark}")
        say(count(len(log.entries), "entry", "entries"))
    return 0 if log.chain.ok else 1
