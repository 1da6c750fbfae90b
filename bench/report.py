"""Time `inmm-tui --report --json` on the five-year history against `python -c 'import
sqlite3'`, both whole processes, alternately, in the same run.

    python bench/report.py [--runs 15] [--scale 1]

`--scale 2` builds (once) and uses a history twice as long (bench/out/history-x2.db): the
report's cost must not grow with it. Goal: at most 4x the baseline at 1x and 2x.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from history import DEFAULT_PATH, build
from timing import alternate, compile_project, run_once, summary


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    path = DEFAULT_PATH if args.scale == 1 else DEFAULT_PATH.with_name(
        f"history-x{args.scale:g}.db")
    db = build(path, args.scale)
    compile_project()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "inmm.toml"
        cfg.write_text(f'[inmm]\ndatabase = "{db}"\n')
        exe = shutil.which("inmm-tui", path=str(Path(sys.executable).parent)) or "inmm-tui"
        report = [exe, "--config", str(cfg), "--report", "--json"]
        baseline = [sys.executable, "-c", "import sqlite3"]
        healthy_or_not = (0, 1)  # 1: "needs attention" (the history's daemon is long gone)
        run_once(report, healthy_or_not)  # migrates the file if it is older than the code
        ours, base = alternate(lambda: run_once(report, healthy_or_not),
                               lambda: run_once(baseline), args.runs)
    print(f"history at scale {args.scale:g}: {db}")
    print(summary("inmm-tui --report --json", ours, "python -c 'import sqlite3'", base,
                  "goal <= 4x"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
