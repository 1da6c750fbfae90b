"""`inmm-tui`: the UI with no arguments, `--report` for a quick status, and a few
subcommands for scripts. Each subcommand lives in `inmm_tui/commands/` and imports its
heavy modules only when it runs, so `--report` stays fast."""

from __future__ import annotations

import argparse
import importlib
import sqlite3
import sys
from collections.abc import Sequence

from inmm_tui import __version__
from inmm_tui.commands.common import say
from inmm_tui.store.errors import DatabaseError

SUBCOMMANDS = ("setup", "init", "roster", "governance", "publishing_cmd", "screen", "sandbox_cmd",
               "audit_cmd", "report_monthly", "analytics", "members", "messages", "post_cmd",
               "moderation_cmd", "policy_cmd")
"""The modules of `inmm_tui/commands/` that register subcommands, in `--help`'s order."""
COMMAND_MODULES = {
    "setup": "setup", "init": "init", "roster": "roster", "rotation": "governance",
    "review": "governance", "spoofs": "governance", "alerts": "governance",
    "reminders": "governance", "publishing": "publishing_cmd", "screen": "screen",
    "sandbox": "sandbox_cmd", "audit": "audit_cmd", "report": "report_monthly",
    "analytics": "analytics", "members": "members", "messages": "messages",
    "post": "post_cmd",
    "moderation": "moderation_cmd",
    "policy": "policy_cmd",
}
"""Which module registers each top-level command: building every subcommand's parser costs
more than `--report`'s own work, so only the chosen command's module is loaded."""


def _chosen_command(argv: Sequence[str]) -> str | None:
    """The first positional argument, as argparse will see it; None when there is none
    (`--report`, the UI, `--help`). `--config` (or any prefix of it argparse accepts) takes
    the next word as its value."""
    words = iter(argv)
    for word in words:
        if word == "--":
            return next(words, None)
        if word.startswith("-"):
            if len(word) >= 3 and "--config".startswith(word):
                next(words, None)
            continue
        return word
    return None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for `argv`: with only its command's module registered when that command is
    known, else (no command, `--help`, a misspelt command) with every command, so that help
    and error messages list them all."""
    parser = argparse.ArgumentParser(
        prog="inmm-tui",
        description="Run the INMM social-media accounts the way the Social Media Policy says. "
        "With no command, opens the terminal UI.",
    )
    parser.add_argument("--version", action="version", version=f"inmm-tui {__version__}")
    parser.add_argument("--config", metavar="FILE",
                        help="configuration file (default: $INMM_CONFIG, else /etc/inmm/inmm.toml, "
                        "else the built-in default with the sandbox outlets)")
    parser.add_argument("--report", action="store_true",
                        help="print a quick status and exit (0 healthy, 1 needs attention)")
    parser.add_argument("--json", action="store_true", dest="report_json",
                        help="with --report: one JSON object")
    parser.add_argument("--demo", action="store_true",
                        help="open the UI on a throwaway database with the sandbox outlets")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    words = list(sys.argv[1:] if argv is None else argv)
    chosen = _chosen_command(words)
    asks_help = any(word.startswith("-h") or (len(word) >= 3 and "--help".startswith(word))
                    for word in words)
    if chosen in COMMAND_MODULES:
        names: Sequence[str] = (COMMAND_MODULES[chosen],)
    elif chosen is None and not asks_help:
        names = ()
    else:
        names = SUBCOMMANDS
    for name in names:
        importlib.import_module(f"inmm_tui.commands.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if args.report_json and not args.report:
        parser.error("--json only goes with --report (inmm-tui --report --json)")
    try:
        if args.report:
            from inmm_tui.commands import report

            return report.run(args)
        if args.demo:
            from inmm_tui.commands import demo

            return demo.run(args)
        if args.command is None:
            from inmm_tui.commands import ui

            return ui.run(args)
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # every expected failure carries its exit code
        problem = _storage_problem(args, exc) if isinstance(exc, sqlite3.Error) else exc
        code = getattr(problem, "exit_code", None)
        if code is None:
            raise
        say(f"inmm-tui: {problem}", file=sys.stderr)
        refused = getattr(exc, "refused_login", None)
        if refused or (code == 2 and isinstance(problem, DatabaseError)):
            # No database, or not on its roster: most often the wrong configuration.
            from inmm_tui.commands.common import load

            say(f"inmm-tui: (configuration: {load(args).source})", file=sys.stderr)
        if refused:
            _record_refusal(args, refused)
        return int(code)


def _storage_problem(args: argparse.Namespace, exc: sqlite3.Error) -> Exception | None:
    """A database error met in the middle of a command (the disk filled up, the file became
    read-only or locked): what it means, naming the file; None for a bug."""
    from inmm_tui.commands.common import load
    from inmm_tui.store.errors import storage_error

    return storage_error(exc, load(args).database_path)


def _record_refusal(args: argparse.Namespace, login: str) -> None:
    """Keep the refused attempt for the daemon's suspicious-activity check. Best effort: a
    failure here must not hide the refusal itself."""
    try:
        from inmm_tui.commands.common import load
        from inmm_tui.domain.governance import record_refusal
        from inmm_tui.store.db import open_database

        db = open_database(load(args).database_path)
        try:
            record_refusal(db, login, f"use `{args.command or 'the UI'}`")
        finally:
            db.close()
    except Exception:  # the refusal itself was already reported to the person
        pass


if __name__ == "__main__":
    sys.exit(main())
