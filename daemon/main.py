"""`inmm-daemon`: the service that acts on the platforms (issue #5 builds its jobs)."""

from __future__ import annotations

import sys


def main() -> int:
    print("inmm-daemon: not built yet", file=sys.stderr)
    return 1
