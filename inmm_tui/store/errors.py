"""What can go wrong with the database file, in words and exit codes. Imports nothing heavy:
`--report` reads the database with plain `sqlite3` and uses these too."""

from __future__ import annotations

import shutil
import sqlite3
import urllib.parse
from pathlib import Path

BUSY_TIMEOUT_SECONDS = 30.0


def uri(path: Path | str, *, create: bool = False) -> str:
    """The SQLite URI of the database file; without `create`, SQLite refuses a missing file
    instead of making an empty one."""
    return f"file:{urllib.parse.quote(str(Path(path).absolute()))}?mode={'rwc' if create else 'rw'}"


class DatabaseError(Exception):
    """The database file cannot be opened or upgraded; the message says which file and why."""

    exit_code = 2


class StorageUnavailable(DatabaseError):
    """The database is there but cannot be read or written now (disk full, read-only, a
    file of it owned by someone else, locked too long, an I/O error): nothing is wrong with
    the configuration, the host needs fixing (exit 5)."""

    exit_code = 5


_STORAGE_PROBLEMS = (
    ("SQLITE_FULL", "the disk is full (or the database reached its size limit): free some "
                    "space"),
    ("SQLITE_READONLY", "the database cannot be written: the file, its -wal or -shm file or "
                        "its folder is read-only for this user, or the disk is mounted "
                        "read-only"),
    ("SQLITE_CANTOPEN", "the database cannot be opened: check that this user can read and "
                        "write the file, its -wal and -shm files and its folder"),
    ("SQLITE_PERM", "permission denied"),
    ("SQLITE_AUTH", "permission denied"),
    ("SQLITE_IOERR", "the disk reported an input/output error"),
    ("SQLITE_BUSY", f"the database is locked by another program (waited "
                    f"{BUSY_TIMEOUT_SECONDS:.0f} s)"),
    ("SQLITE_LOCKED", f"the database is locked by another program (waited "
                      f"{BUSY_TIMEOUT_SECONDS:.0f} s)"),
    ("SQLITE_CORRUPT", "the database is damaged: restore it from the last backup"),
)


def missing_database(path: Path | str) -> DatabaseError:
    return DatabaseError(f"{path}: no database here: run `inmm-tui init` to create it (it "
                         "makes you its first HQ administrator), or check [inmm] database in "
                         "the configuration")


def storage_error(exc: BaseException, path: Path | str) -> DatabaseError | None:
    """What an error from SQLite or the file system means for the database at `path`, as
    an exception with its exit code; None when it is not about the storage (a bug)."""
    if isinstance(exc, OSError):
        why = exc.strerror or type(exc).__name__
        where = exc.filename or path
        return StorageUnavailable(f"storage unavailable: {where}: {why}")
    if not isinstance(exc, sqlite3.Error):
        return None
    code = getattr(exc, "sqlite_errorname", "") or ""
    if code.startswith("SQLITE_NOTADB"):
        return DatabaseError(f"{path}: is not an SQLite database ({exc}); check [inmm] "
                             "database in the configuration")
    for prefix, meaning in _STORAGE_PROBLEMS:
        if code.startswith(prefix):
            if prefix == "SQLITE_IOERR" and _no_space_left(path):
                meaning = _STORAGE_PROBLEMS[0][1]  # SQLite reports a full tmpfs as I/O error
            return StorageUnavailable(f"storage unavailable: {path}: {meaning} (SQLite: {exc})")
    return None


def _no_space_left(path: Path | str) -> bool:
    try:
        return shutil.disk_usage(Path(path).parent).free == 0
    except OSError:
        return False
