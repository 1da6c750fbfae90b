"""The core knows nothing of Textual or the platform clients, and --report loads none of them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

HEAVY = ("textual", "tweepy", "mastodon", "requests")

PROBE = """
import importlib, json, pkgutil, sys
import inmm_tui.config
for package in ("domain", "store", "screening", "reports"):
    module = importlib.import_module(f"inmm_tui.{package}")
    for info in pkgutil.iter_modules(module.__path__):
        importlib.import_module(f"inmm_tui.{package}.{info.name}")
print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))
"""


def test_domain_and_store_import_no_ui_or_platform_client() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         check=True).stdout
    loaded = set(json.loads(out))
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


REPORT_PROBE = """
import json, sys
from inmm_tui.cli import main
code = main(["--config", sys.argv[1], "--report", "--json"])
sys.stdout.flush()
print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})), file=sys.stderr)
"""


def test_report_loads_no_ui_no_platform_client_and_not_sqlite_utils(tmp_path: Path) -> None:
    cfg = tmp_path / "inmm.toml"
    cfg.write_text('[inmm]\ndatabase = "inmm.db"\n')
    from inmm_tui.store.db import open_database

    open_database(tmp_path / "inmm.db", create=True).close()
    result = subprocess.run([sys.executable, "-c", REPORT_PROBE, str(cfg)], capture_output=True,
                            text=True)
    loaded = set(json.loads(result.stderr.strip().splitlines()[-1]))
    assert not loaded & {*HEAVY, "sqlite_utils"}, loaded & {*HEAVY, "sqlite_utils"}
    assert json.loads(result.stdout)["initialised"] is True


def test_import_linter_contracts_hold() -> None:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert exe, "import-linter is part of the test extras"
    root = Path(__file__).parent.parent
    result = subprocess.run([exe], capture_output=True, text=True, cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken" in result.stdout
