"""`inmm-tui sandbox`: run the local server that speaks the X and Mastodon APIs (issue #3)."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("sandbox", help="run the local X/Mastodon sandbox server")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    print("inmm-tui: the sandbox is not built yet", file=sys.stderr)
    return 1
