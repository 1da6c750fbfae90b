"""Time `inmm-tui --report` on the five-year history against `python3 -c 'import sqlite3'`.

    python bench/report.py [--runs 15]

Both are timed as whole processes, alternately, after a warm-up; prints the medians and
their ratio (goal: --report at most 4x the bare interpreter importing sqlite3).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from history import DEFAULT_PATH, build


def _time(cmd: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    db = build(DEFAULT_PATH)
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "inmm.toml"
        cfg.write_text(f'[inmm]\ndatabase = "{db}"\n')
        exe = shutil.which("inmm-tui", path=str(Path(sys.executable).parent)) or "inmm-tui"
        report = [exe, "--config", str(cfg), "--report", "--json"]
        baseline = [sys.executable, "-c", "import sqlite3"]
        _time(report), _time(baseline)
        ours, base = [], []
        for _ in range(args.runs):
            ours.append(_time(report))
            base.append(_time(baseline))
    m_ours, m_base = statistics.median(ours), statistics.median(base)
    print(f"inmm-tui --report --json: median {m_ours * 1000:.1f} ms "
          f"(min {min(ours) * 1000:.1f}, max {max(ours) * 1000:.1f}) over {args.runs} runs")
    print(f"python -c 'import sqlite3': median {m_base * 1000:.1f} ms")
    print(f"ratio: {m_ours / m_base:.2f}x (goal <= 4x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
