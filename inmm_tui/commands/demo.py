"""`inmm-tui --demo`: the UI on a throwaway database, so a newcomer can try every flow.

The person running it is the HQ administrator; a colleague (account manager) and a
Subcommittee Chair (appointed by the Communications Chair, also on the roster) are there
too, and F2 switches between you, the colleague and the chair, so that clearance by
another person and a block override can be tried alone. The sandbox
outlets and the daemon are started in the background when they are installed, and
stopped when the UI closes; the database goes with them."""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inmm_tui.domain.services import Services

COLLEAGUE = ("colleague", "Casey Colleague")
COMMS = ("comms", "Cora Comms")
CHAIR = ("chair", "Sam Chair")
START_GRACE_SECONDS = 1.5
"""A background program still running after this long is taken as started."""


def run(args: argparse.Namespace) -> int:
    from inmm_tui.commands.ui import exit_code
    from inmm_tui.config import load_config
    from inmm_tui.domain.people import current_login
    from inmm_tui.domain.services import Services
    from inmm_tui.store.db import open_database
    from inmm_tui.ui.app import InmmApp

    workdir = Path(tempfile.mkdtemp(prefix="inmm-demo-"))
    processes: list[subprocess.Popen[bytes]] = []
    try:
        config_path = write_config(workdir)
        config = load_config(str(config_path))
        services = Services.build(config, open_database(config.database_path, create=True),
                                  lazy_screener=True)
        login = current_login()
        seed(services, login)
        env = {**os.environ, "INMM_CONFIG": str(config_path)}
        notes = []
        for name, command in (
            ("sandbox", [sys.executable, "-m", "inmm_tui.cli", "sandbox", "--simulate", "30"]),
            ("daemon", [sys.executable, "-c", "import sys, inmm_daemon.main as m;"
                        " sys.exit(m.main())"]),
        ):
            process, note = start(name, command, env, workdir)
            notes.append(note)
            if process is not None:
                processes.append(process)
        app = InmmApp(services, login, switch_to=[login, COLLEAGUE[0], CHAIR[0]],
                      intro="Demo on a throwaway database. " + " ".join(notes)
                      + " F2 switches person.")
        app.run()
        code = exit_code(app)
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(workdir, ignore_errors=True)
    return code


def write_config(workdir: Path) -> Path:
    port = free_port()
    path = workdir / "inmm.toml"
    path.write_text(
        "# Written by inmm-tui --demo; removed when the demo ends.\n"
        "[inmm]\n"
        'database = "inmm.db"\n'
        'secrets_file = "secrets.toml"\n'
        "[sandbox]\n"
        'host = "127.0.0.1"\n'
        f"port = {port}\n"
        # A demo lasts minutes: the daemon's periodic jobs run every minute, so followers
        # are followed back and replies reach the moderation queue while one watches.
        "[daemon.jobs]\n"
        'follow_back = "* * * * *"\n'
        'ingest_mentions = "* * * * *"\n'
        'poll_metrics = "*/2 * * * *"\n'
        'spoof_watch = "*/5 * * * *"\n',
        encoding="utf-8",
    )
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seed(services: Services, login: str) -> None:
    """The demo roster, and one post waiting for the newcomer to clear."""
    from inmm_tui.domain.people import full_name
    from inmm_tui.domain.roles import Role

    name = full_name(login)
    services.roster.initialise(login, name)
    services.roster.add(login, COLLEAGUE[0], COLLEAGUE[1], Role.ACCOUNT_MANAGER)
    services.roster.add(login, COMMS[0], COMMS[1], Role.COMMUNICATIONS_CHAIR)
    # The policy: the Communications Committee Chair appoints the Subcommittee Chair.
    services.roster.add(COMMS[0], CHAIR[0], CHAIR[1], Role.SUBCOMMITTEE_CHAIR)
    post_id = services.posts.create_draft(
        COLLEAGUE[0], "Registration for the INMM Annual Meeting is open: https://inmm.org",
        topic="Annual Meeting")
    services.posts.submit(COLLEAGUE[0], post_id)


def start(name: str, command: list[str], env: dict[str, str],
          workdir: Path) -> tuple[subprocess.Popen[bytes] | None, str]:
    """Start one background program; (None, why) when it is not available here."""
    log = (workdir / f"{name}.log").open("wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, cwd=workdir)
    deadline = time.monotonic() + START_GRACE_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return None, f"The {name} is not available in this build."
        time.sleep(0.1)
    return process, f"The {name} is running."
