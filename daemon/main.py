"""`inmm-daemon [--config FILE] [--once]`: the service that acts on the platforms.

Exit codes: 0 stopped cleanly (or `--once` done), 1 another daemon already runs on the
database, 2 bad configuration (a cron expression that does not parse, an unreadable or
too widely readable secrets file, no database or not a database: `inmm-tui init` creates
it), 5 storage unavailable (disk full, read-only, a file owned by someone else, or the
database deleted or replaced under the running daemon: systemd restarts it).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sqlite3
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from inmm_tui import __version__

if TYPE_CHECKING:
    from sqlite_utils import Database

    from inmm_tui.config import Config
    from inmm_tui.platforms.base import Platform
    from inmm_tui.platforms.secrets import Secrets

log = logging.getLogger("inmm_daemon")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inmm-daemon",
        description="Publish due posts and run the INMM accounts' periodic jobs.")
    parser.add_argument("--version", action="version", version=f"inmm-daemon {__version__}")
    parser.add_argument("--config", metavar="FILE",
                        help="configuration file (default: $INMM_CONFIG, else "
                        "/etc/inmm/inmm.toml, else the built-in default)")
    parser.add_argument("--once", action="store_true",
                        help="publish what is due, run each job whose time has come (all the first "
                        "time) and exit: for a cron entry on hosts without systemd")
    return parser


def build_platforms(config: Config, secrets: Secrets | None
                    ) -> tuple[dict[str, Platform], dict[str, str]]:
    """One client per outlet, and why any outlet has none. Such an outlet's deliveries
    wait (and say why) while the other outlets publish."""
    from inmm_tui.platforms.factory import build_platform

    platforms, problems = {}, {}
    for outlet in config.outlets:
        try:
            platforms[outlet.name] = build_platform(outlet, config, secrets)
        except Exception as exc:
            problems[outlet.name] = str(exc) or type(exc).__name__
            log.error("outlet %s cannot be used: %s", outlet.name, problems[outlet.name])
    return platforms, problems


def alert_unusable(db: Database, problems: dict[str, str]) -> None:
    """An alert everyone sees for each outlet the daemon cannot publish to."""
    from inmm_tui.domain.reminders import raise_alert
    from inmm_tui.store.tx import write
    from inmm_tui.timeutil import utcnow

    with write(db):
        for outlet, problem in problems.items():
            raise_alert(db.conn, "outlet_unusable", f"outlet:{outlet}",
                        f"the daemon cannot publish to {outlet}: {problem}", utcnow())


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from inmm_daemon.credentials import TokenKeeper
    from inmm_daemon.notify import Messenger
    from inmm_daemon.runtime import InstanceLock, Notifier, setup_logging
    from inmm_daemon.service import Daemon, cron_triggers, note_secrets
    from inmm_daemon.workers import start_workers

    from inmm_tui.config import load_config
    from inmm_tui.domain.services import Services
    from inmm_tui.store.db import open_database
    from inmm_tui.store.errors import storage_error

    setup_logging()
    lock = None
    workers = None
    try:
        config = load_config(args.config)
        cron_triggers(config)  # a bad expression stops us before anything else
        lock = InstanceLock(config.database_path)
        lock.acquire()
        # The platform clients are imported only now: a bad configuration or a second
        # daemon is refused without loading them.
        from inmm_tui.platforms.factory import ensure_sandbox, needs_secrets
        from inmm_tui.platforms.secrets import load_secrets

        notes = config.notifications
        wants_secrets = needs_secrets(config) or bool(
            notes.webhooks or (notes.smtp_host and notes.smtp_username))
        secrets = load_secrets(config.secrets_path) if wants_secrets else None
        messenger = Messenger(notes, secrets.notifications if secrets else {},
                              secrets.source if secrets else "") \
            if notes.smtp_host or notes.webhooks else None
        setup_logging([secrets.outlets, dict(secrets.notifications)] if secrets else {})
        path = config.database_path
        db = open_database(path)  # create or migrate once, before the jobs open theirs
        for outlet in note_secrets(Services.build(config, db), secrets.outlets if secrets else {}):
            log.warning("the secrets of %s changed since the daemon last started: "
                        "HQ is asked to record the rotation", outlet)
        platforms, problems = build_platforms(config, secrets)
        alert_unusable(db, problems)
        db.close()
        # Renewed tokens go back to the secrets file; their expiry is reminded to HQ.
        TokenKeeper(config, lambda: open_database(path)).attach(platforms)
        # As a service each outlet publishes from a process of its own (they start while
        # we finish starting; they claim nothing until the first publish run).
        workers = None if args.once else start_workers(config, secrets)
        daemon = Daemon(config, lambda: open_database(path), platforms, notifier=Notifier(),
                        messenger=messenger, workers=workers)
        del secrets  # the clients keep what they need; nothing else holds the tokens
        sandbox = ensure_sandbox(config)  # sandbox outlets and no sandbox running yet
    except Exception as exc:
        if workers is not None:  # (they would keep the interpreter from exiting)
            workers.close()
        problem: Exception | None = exc
        if isinstance(exc, sqlite3.Error):  # the disk filled up, the file became read-only
            problem = storage_error(exc, config.database_path)
        if getattr(problem, "exit_code", None) is None:  # not one of ours: a bug, show it
            raise
        # ConfigError, SecretsError, DatabaseError (2), StorageUnavailable (5) or
        # AlreadyRunning (1)
        print(f"inmm-daemon: {problem}", file=sys.stderr)
        if lock is not None:
            lock.release()
        return int(problem.exit_code)  # type: ignore[union-attr]

    def on_signal(signum: int, frame: object) -> None:
        # Nothing but setting the flag here: logging from a signal handler can deadlock.
        daemon.stop_signal = signal.Signals(signum).name
        daemon.stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        if args.once:
            daemon.run_once()
            daemon.close()
        else:
            daemon.serve()
    finally:
        if workers is not None:
            workers.close()  # (done already unless serving ended in an error)
        if sandbox is not None:
            sandbox.stop()
        lock.release()
    return daemon.exit_code


if __name__ == "__main__":
    sys.exit(main())
