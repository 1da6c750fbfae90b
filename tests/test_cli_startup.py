"""What `inmm-tui` loads before it does anything: `--report` builds no subcommand's parser,
a subcommand loads only its own module, and `--help` still lists every command."""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
from pathlib import Path

from inmm_tui import cli

from .cli_helpers import run_cli

PROBE = """
import json, sys
from inmm_tui.cli import main
main(sys.argv[1:])
sys.stdout.flush()
print(json.dumps(sorted(m for m in sys.modules if m.startswith("inmm_tui.commands."))),
      file=sys.stderr)
"""


def _commands_loaded(*argv: str) -> set[str]:
    result = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True)
    return set(json.loads(result.stderr.strip().splitlines()[-1]))


def test_report_loads_no_subcommand_module(tmp_path: Path) -> None:
    cfg = tmp_path / "inmm.toml"
    cfg.write_text('[inmm]\ndatabase = "inmm.db"\n')
    loaded = _commands_loaded("--conf", str(cfg), "--report", "--json")
    assert loaded == {"inmm_tui.commands.common", "inmm_tui.commands.report"}, loaded


def test_a_subcommand_loads_only_its_own_module(tmp_path: Path) -> None:
    cfg = tmp_path / "inmm.toml"
    cfg.write_text('[inmm]\ndatabase = "inmm.db"\n')
    loaded = _commands_loaded("--config", str(cfg), "audit", "verify")
    assert loaded == {"inmm_tui.commands.common", "inmm_tui.commands.audit_cmd"}, loaded


def test_every_command_maps_to_the_module_that_registers_it() -> None:
    for name in cli.SUBCOMMANDS:
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(f"inmm_tui.commands.{name}").register(sub)
        for command in sub.choices:
            assert cli.COMMAND_MODULES.get(command) == name, command
    assert set(cli.COMMAND_MODULES.values()) == set(cli.SUBCOMMANDS)


def test_help_and_a_misspelt_command_still_name_every_command() -> None:
    listed = run_cli("--help").stdout
    assert all(command in listed for command in cli.COMMAND_MODULES)
    wrong = run_cli("rosta", "list")
    assert wrong.returncode == 2
    assert "invalid choice: 'rosta'" in wrong.stderr and "'roster'" in wrong.stderr


SCREENING_PROBE = """
import json, sys
from inmm_tui.cli import main
code = main(sys.argv[1:])
sys.stdout.flush()
print(json.dumps([code, sorted(m for m in sys.modules
                               if m.startswith(("inmm_tui.screening", "twitter_text")))]),
      file=sys.stderr)
"""


def test_the_monthly_report_loads_no_screening_rules(tmp_path: Path) -> None:
    from inmm_tui.domain.people import current_login

    cfg = tmp_path / "inmm.toml"
    cfg.write_text('[inmm]\ndatabase = "inmm.db"\n')
    assert run_cli("--config", str(cfg), "init", "--admin", current_login()).returncode == 0
    result = subprocess.run(
        [sys.executable, "-c", SCREENING_PROBE, "--config", str(cfg), "report", "monthly",
         "--month", "2026-10", "--output", str(tmp_path / "october.md")],
        capture_output=True, text=True)
    code, loaded = json.loads(result.stderr.strip().splitlines()[-1])
    assert code == 0 and (tmp_path / "october.md").exists()
    assert loaded == [], loaded


HOME_PROBE = """
import asyncio, json, sys
from inmm_tui.config import parse_config
from inmm_tui.domain.services import Services
from inmm_tui.store.db import open_database
from inmm_tui.ui.app import InmmApp
from inmm_tui.ui.messages import HomeCounted

config = parse_config({"inmm": {"database": sys.argv[1]}}, None)
services = Services.build(config, open_database(sys.argv[1]), lazy_screener=True)
app = InmmApp(services, sys.argv[2], watch=False)
loaded = []


async def main():
    hook = lambda message: loaded.append(1) if isinstance(message, HomeCounted) else None
    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        while not loaded:
            await pilot.pause(0.01)
        await pilot.pause()
        print(json.dumps(sorted(m for m in sys.modules if m.startswith("inmm_tui.domain."))))


asyncio.run(main())
"""


def test_home_imports_only_the_domain_it_shows(tmp_path: Path) -> None:
    from inmm_tui.domain.people import current_login

    cfg = tmp_path / "inmm.toml"
    cfg.write_text('[inmm]\ndatabase = "inmm.db"\n')
    assert run_cli("--config", str(cfg), "init", "--admin", current_login()).returncode == 0
    result = subprocess.run([sys.executable, "-c", HOME_PROBE, str(tmp_path / "inmm.db"),
                             current_login()], capture_output=True, text=True, timeout=120)
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    assert "inmm_tui.domain.queues" in loaded
    # the other screens' services load when those screens first open
    for later in ("governance", "reminders", "follows", "moderation", "members", "posts",
                  "evidence"):
        assert f"inmm_tui.domain.{later}" not in loaded, later


UI_PROBE = """
import json, sys
from pathlib import Path
import inmm_tui.ui.app
from inmm_tui.cli import main

LATER = ("sqlite_utils", "inmm_tui.screening", "inmm_tui.platforms", "tweepy", "mastodon",
         "twitter_text", "inmm_tui.domain.governance_view")


class Probe(inmm_tui.ui.app.InmmApp):
    CSS_PATH = str(Path(inmm_tui.ui.app.__file__).with_name("app.tcss"))  # not beside this

    def run(self, **kwargs):
        return super().run(headless=True, size=(80, 24))

    def on_mount(self) -> None:
        self.set_timer(60, self.exit)  # never hang the test: no answer means no counts
        self.set_interval(0.01, self.counted)

    def counted(self) -> None:
        found = self.screen.query("#whoami")
        if found and str(found.first().render()).startswith("Signed in as"):
            print(json.dumps(sorted(m for m in sys.modules if m.startswith(LATER))), flush=True)
            self.exit()


inmm_tui.ui.app.InmmApp = Probe
sys.exit(main(sys.argv[1:]))
"""


def test_the_ui_shows_home_counted_before_loading_sqlite_utils_rules_or_platforms(
        tmp_path: Path) -> None:
    """`inmm-tui` (no command) as a person starts it: until Home has shown its counts, no
    sqlite-utils (nothing is written or migrated), no screening rules, no platform client
    and none of the governance screens' types (Home's counts and banner need none); each
    loads when something first needs it."""
    from inmm_tui.domain.people import current_login

    cfg = tmp_path / "inmm.toml"
    cfg.write_text('[inmm]\ndatabase = "inmm.db"\n')
    assert run_cli("--config", str(cfg), "init", "--admin", current_login()).returncode == 0
    # Acknowledged, as on every day but the first (else the policy screen opens over Home)
    ack = run_cli("--config", str(cfg), "policy", "acknowledge", "--yes")
    assert ack.returncode == 0, ack.stderr
    result = subprocess.run([sys.executable, "-c", UI_PROBE, "--config", str(cfg)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


GC_PROBE = """
import gc, importlib.abc, importlib.util, json, sys
from pathlib import Path

collections = []
gc.callbacks.append(lambda phase, info: collections.append(1) if phase == "stop" else None)
usual = gc.get_threshold()


def probe(module):
    from textual import on

    class Probe(module.InmmApp):
        CSS_PATH = str(Path(module.__file__).with_name("app.tcss"))  # not beside this

        def run(self, **kwargs):
            return super().run(headless=True, size=(80, 24))

        def on_mount(self) -> None:
            self.set_timer(60, self.exit)  # never hang the test: no answer means no counts

        @on(module.HomeCounted)
        def counted(self) -> None:  # before the app's own handler (a subclass's runs first)
            self.seen = len(collections)
            self.set_timer(0.2, self.report)

        def report(self) -> None:
            print(json.dumps([self.seen, gc.get_threshold() == usual, gc.get_freeze_count()]),
                  flush=True)
            self.exit()

    module.InmmApp = Probe


class PatchOnImport(importlib.abc.MetaPathFinder):
    # The app is patched as `inmm-tui` imports it: importing it here, first, would
    # build Textual's objects before the command starts.
    def find_spec(self, name, path, target=None):
        if name != "inmm_tui.ui.app":
            return None
        collections.clear()  # counted from here: Textual's import and ours, Home
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        load = spec.loader.exec_module
        spec.loader.exec_module = lambda module: (load(module), probe(module))
        return spec


sys.meta_path.insert(0, PatchOnImport())
from inmm_tui.cli import main

sys.exit(main(sys.argv[1:]))
"""


def test_the_collector_leaves_start_up_alone_then_works_as_usual(tmp_path: Path) -> None:
    """Start-up builds objects that live as long as the UI: the cyclic collector does not
    walk them again and again before Home has shown its counts (a tenth of the wait, for
    nothing to free); after that they are frozen and it runs with its usual thresholds."""
    from inmm_tui.domain.people import current_login

    cfg = tmp_path / "inmm.toml"
    cfg.write_text('[inmm]\ndatabase = "inmm.db"\n')
    assert run_cli("--config", str(cfg), "init", "--admin", current_login()).returncode == 0
    ack = run_cli("--config", str(cfg), "policy", "acknowledge", "--yes")
    assert ack.returncode == 0, ack.stderr
    result = subprocess.run([sys.executable, "-c", GC_PROBE, "--config", str(cfg)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    collected, usual_again, frozen = json.loads(result.stdout.strip().splitlines()[-1])
    assert collected == 0
    assert usual_again and frozen > 10_000
