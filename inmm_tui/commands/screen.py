"""`inmm-tui screen [--json] [FILE]`: the policy screen over each line of a file (issue #4).

Exit code 0 when every line passes, 1 when any line has a warning or is blocked, 2 for
unreadable input or a broken rules file."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from inmm_tui.capabilities import CAPABILITIES
from inmm_tui.commands.common import say
from inmm_tui.domain.errors import InvalidInput


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "screen", help="screen each line of FILE (or standard input) against the policy",
        description="Screen each line of FILE (or standard input) as one post, and print the "
        "verdict (pass, warn, block) and findings. Exit 0 when all pass, 1 otherwise.")
    parser.add_argument("file", nargs="?", help="text file, one post per line (default: stdin)")
    parser.add_argument("--json", action="store_true",
                        help='one JSON object per input line: {"verdict", "findings"}')
    parser.add_argument("--incoming", action="store_true",
                        help="screen as replies or mentions (for the moderation queue)")
    parser.add_argument("--api", action="append", choices=tuple(CAPABILITIES),
                        help="platform whose length limit applies (repeatable; default both)")
    parser.add_argument("--announcement", action="store_true",
                        help="hold each line to the announcement limit (140)")
    parser.add_argument("--hq", action="store_true",
                        help="written by HQ (may acknowledge sponsors and exhibitors)")
    parser.add_argument("--topic", help="check the posts are tagged with this topic")
    parser.add_argument("--signature", help="expected signature, e.g. '^{initials}'")
    parser.add_argument("--rules", metavar="FILE",
                        help="rules file (default: the configured one, else the packaged one)")
    parser.add_argument("--today", metavar="YYYY-MM-DD", help="the date for timeliness")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from inmm_tui.screening import ScreenContext, load_rules, screen

    if args.rules:
        rules = load_rules(args.rules)
    else:
        from inmm_tui.commands import common
        from inmm_tui.screening.bridge import rules_for

        rules = rules_for(common.load(args))
    today = dt.date.today()
    if args.today:
        try:
            today = dt.date.fromisoformat(args.today)
        except ValueError:
            raise InvalidInput(
                f"--today: expected a date like 2026-03-01, got {args.today!r}") from None
    context = ScreenContext(
        direction="incoming" if args.incoming else "outgoing",
        apis=tuple(args.api or CAPABILITIES),
        announcement=args.announcement,
        topic=args.topic,
        hq_author=args.hq,
        signature=args.signature,
        today=today,
        rules=rules,
    )
    worst = 0
    out = sys.stdout
    for number, line in enumerate(_lines(args.file), start=1):
        text = line.rstrip("\r\n")
        result = screen(text, context) if text.strip() else None
        verdict = result.verdict if result else "pass"
        worst = max(worst, 0 if verdict == "pass" else 1)
        if args.json:
            out.write(json.dumps(result.as_dict() if result else
                                 {"verdict": "pass", "findings": []}, ensure_ascii=False) + "\n")
            continue
        say(f"line {number}: {verdict}")
        for finding in result.findings if result else []:
            start, end = finding.span
            excerpt = text[start:end]
            where = f' at {start}-{end} "{_short(excerpt)}"' if excerpt else ""
            # Each finding's own severity: a post can carry a warning (a politician named)
            # beside what blocks it, and the reader must see which is which.
            severity = rules.severity_of(finding.rule, finding.category)
            say(f"  {severity}: {finding.category} ({finding.rule}){where}: {finding.message}")
    return worst


def _short(text: str, size: int = 40) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def _lines(file: str | None):  # type: ignore[no-untyped-def]
    if file is None or file == "-":
        try:
            yield from sys.stdin
        except UnicodeDecodeError:
            raise InvalidInput("standard input is not UTF-8 text") from None
        return
    path = Path(file)
    try:
        with path.open(encoding="utf-8") as handle:
            yield from handle
    except FileNotFoundError:
        raise InvalidInput(
            f"{path}: no such file (expected a text file, one post per line)") from None
    except IsADirectoryError:
        raise InvalidInput(f"{path}: is a folder, expected a text file") from None
    except PermissionError:
        raise InvalidInput(f"{path}: cannot be read (permission denied)") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{path}: is not UTF-8 text") from None
