"""`inmm-tui --report [--json]`."""

from __future__ import annotations

import argparse
import json
import sys

from inmm_tui.commands.common import load, say


def run(args: argparse.Namespace) -> int:
    from inmm_tui.reports.status import gather, render_text

    status = gather(load(args))
    if args.report_json:
        json.dump(status, sys.stdout, indent=2, sort_keys=True)
        sys.stdout.write("\n")
    else:
        say(render_text(status))
    return 0 if status["healthy"] else 1
