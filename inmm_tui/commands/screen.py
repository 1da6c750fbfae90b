"""`inmm-tui screen [--json] [FILE]`: the policy screen over each line of a file (issue #4)."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("screen", help="screen each line of FILE (or standard input)")
    parser.add_argument("file", nargs="?", help="text file, one post per line (default: stdin)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    print("inmm-tui: the policy screen is not built yet", file=sys.stderr)
    return 1
