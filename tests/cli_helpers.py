"""Run the real console scripts in a subprocess, as a person or a monitor would."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


def run_cli(*args: str, env: dict[str, str] | None = None, input: str | None = None,
            program: str = "inmm-tui", timeout: float = 60) -> subprocess.CompletedProcess[str]:
    exe = shutil.which(program, path=str(Path(sys.executable).parent)) or program
    full_env = {**os.environ, **(env or {})}
    full_env.pop("INMM_CONFIG", None) if env is None or "INMM_CONFIG" not in env else None
    return subprocess.run([exe, *args], capture_output=True, text=True, env=full_env,
                          input=input, timeout=timeout)
