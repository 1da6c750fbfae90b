"""What the service needs around its jobs: one instance per database, systemd's notify
protocol, and logs journald keeps well (and never a token). The secrets themselves are
read by `inmm_tui.platforms.secrets`, in the daemon only."""

from __future__ import annotations

import fcntl
import logging
import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from inmm_tui.store.errors import StorageUnavailable, missing_database


class AlreadyRunning(Exception):
    exit_code = 1


class InstanceLock:
    """An exclusive `flock` on a file next to the database: a second daemon on the same
    database refuses to start. The kernel drops the lock when the process dies, however
    it dies, so a crash never leaves a stale lock behind."""

    def __init__(self, database: Path):
        self.database = database
        self.path = database.with_name(database.name + ".daemon.lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except FileNotFoundError:  # no folder: no database either
            raise missing_database(self.database) from None
        except OSError as exc:  # owned by another user, a read-only disk
            raise StorageUnavailable(f"storage unavailable: {self.path}: cannot open the daemon's lock file: "
                                     f"{exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            raise AlreadyRunning(
                f"another inmm-daemon (pid {holder}) is already running on "
                f"{self.database}; refusing to start a second one"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class Notifier:
    """systemd's notify protocol (READY, WATCHDOG, STOPPING, STATUS) through `sdnotify`;
    does nothing when the daemon is not run by systemd (`$NOTIFY_SOCKET` unset)."""

    def __init__(self) -> None:
        self.enabled = bool(os.environ.get("NOTIFY_SOCKET"))
        self._notifier: Any = None
        if self.enabled:
            import sdnotify

            self._notifier = sdnotify.SystemdNotifier()
        usec = os.environ.get("WATCHDOG_USEC", "")
        self.watchdog_seconds = int(usec) / 1e6 if usec.isdigit() else None

    def send(self, message: str) -> None:
        if self._notifier is not None:
            self._notifier.notify(message)

    def ready(self, status: str) -> None:
        self.send(f"READY=1\nSTATUS={status}")

    def watchdog(self) -> None:
        self.send("WATCHDOG=1")

    def stopping(self) -> None:
        self.send("STOPPING=1")


_PRIORITY = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3,
             logging.CRITICAL: 2}


class _Formatter(logging.Formatter):
    """Under journald: `<priority>` prefixes (journald reads them as the level) and no
    time stamp (journald adds its own). Elsewhere: a time stamp and the level. Either way,
    any secret value that slipped into a message is masked."""

    def __init__(self, journald: bool, secrets: Iterable[str]):
        fmt = "%(name)s: %(message)s" if journald else \
            "%(asctime)s %(levelname)s %(name)s: %(message)s"
        super().__init__(fmt)
        self.journald = journald
        self.secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, "[secret]")
        if self.journald:
            priority = _PRIORITY.get(record.levelno, 6)
            text = "\n".join(f"<{priority}>{line}" for line in text.splitlines())
        return text


def setup_logging(secrets: Any = None, level: int = logging.INFO) -> None:
    """Log to standard error; `secrets` (any nesting of mappings and lists of strings) are
    masked wherever they would appear."""
    journald = bool(os.environ.get("JOURNAL_STREAM"))
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter(journald, secret_values(secrets)))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # APScheduler says "Running job ..." for every run; that is noise in the journal.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def mask_secrets(values: Iterable[str]) -> None:
    """Mask `values` too from now on (tokens the daemon obtained after it started)."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler.formatter, _Formatter):
            known = set(handler.formatter.secrets) | {v for v in values if len(v) >= 6}
            handler.formatter.secrets = sorted(known, key=len, reverse=True)


def secret_values(secrets: Any) -> list[str]:
    """Every string in the secrets, to be masked in the logs."""
    if isinstance(secrets, str):
        return [secrets]
    if isinstance(secrets, Mapping):
        return [v for value in secrets.values() for v in secret_values(value)]
    if isinstance(secrets, list):
        return [v for value in secrets for v in secret_values(value)]
    return []
