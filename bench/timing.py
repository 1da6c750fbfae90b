"""Whole-process timing shared by the benches: each figure next to its floor, measured in the
same run, alternately, so that both see the same load on a shared machine.

Bytecode is compiled first, as an installed copy has it (PYTHONDONTWRITEBYTECODE would
otherwise make every run compile the project's modules again)."""

from __future__ import annotations

import compileall
import os
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def compile_project() -> None:
    for package in ("inmm_tui", "daemon"):
        compileall.compile_dir(ROOT / package, quiet=1)


def run_once(command: Sequence[str], ok: Sequence[int] = (0,)) -> float:
    """Seconds the whole process took; a process ending with another code than `ok` is a
    failed run, not a figure."""
    started = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          check=False)
    took = time.perf_counter() - started
    if done.returncode not in ok:
        raise RuntimeError(f"{command[0]} ended with {done.returncode}: {done.stderr[-500:]}")
    return took


def alternate(ours: Callable[[], float], floor: Callable[[], float],
              runs: int) -> tuple[list[float], list[float]]:
    """`runs` pairs, ours then the floor, after one warm-up of each."""
    ours(), floor()
    a, b = [], []
    for _ in range(runs):
        a.append(ours())
        b.append(floor())
    return a, b


def summary(label: str, ours: list[float], floor_label: str, floor: list[float],
            goal: str) -> str:
    m_ours, m_floor = statistics.median(ours), statistics.median(floor)
    pairs = sorted(o / f for o, f in zip(ours, floor, strict=True))
    return "\n".join([
        f"load average (1 min): {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores",
        f"{label}: median {m_ours * 1000:.0f} ms (min {min(ours) * 1000:.0f}, "
        f"max {max(ours) * 1000:.0f}) over {len(ours)} runs",
        f"{floor_label}: median {m_floor * 1000:.0f} ms (min {min(floor) * 1000:.0f}, "
        f"max {max(floor) * 1000:.0f})",
        f"ratio of medians: {m_ours / m_floor:.2f}x; pairwise {pairs[0]:.2f}-{pairs[-1]:.2f}, "
        f"median {statistics.median(pairs):.2f}x ({goal})",
    ])
