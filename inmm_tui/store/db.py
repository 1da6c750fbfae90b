"""Open the database the one way both programs use: WAL, busy timeout, foreign keys, migrations.

Only `inmm-tui init` (and tests, and the demo's throwaway database) create the file; every
other opening refuses a missing database, so a database deleted or moved under a running
program is never silently replaced by an empty one."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from inmm_tui.store.errors import (
    BUSY_TIMEOUT_SECONDS,
    DatabaseError,
    StorageUnavailable,
    missing_database,
    storage_error,
    uri,
)
from inmm_tui.store.version import MIGRATION_COUNT, MIGRATION_SET

if TYPE_CHECKING:
    from sqlite_utils import Database

__all__ = ["BUSY_TIMEOUT_SECONDS", "DatabaseError", "StorageUnavailable", "connect",
           "open_connection", "open_database", "storage_error", "wrap"]


def connect(path: Path | str, *, create: bool = False) -> sqlite3.Connection:
    """A raw connection with the pragmas every connection needs (no migrations). Without
    `create`, SQLite itself refuses a missing file (no race with a check beforehand)."""
    conn = sqlite3.connect(
        uri(path, create=create),
        uri=True,
        timeout=BUSY_TIMEOUT_SECONDS,  # sets SQLite's busy timeout
        isolation_level=None,  # transactions are explicit: `write()` / `db.atomic()`
        check_same_thread=False,
    )
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def open_database(path: Path | str, *, create: bool = False) -> Database:
    """Open the database and apply pending migrations; with `create` (init, tests), make
    it first if it does not exist. DatabaseError (exit 2) for a missing file, a folder or
    a file that is not SQLite; StorageUnavailable (exit 5) when the storage fails."""
    return wrap(open_connection(path, create=create))


def open_connection(path: Path | str, *, create: bool = False) -> sqlite3.Connection:
    """`open_database` without sqlite-utils when the file is up to date: a plain connection
    (what the UI reads its first screen with, `wrap` it to write). sqlite-utils is imported
    only when the file has migrations to apply (or is being created)."""
    path = Path(path)
    try:
        if path.is_dir():
            raise DatabaseError(f"{path}: is a folder, not a database file; check [inmm] "
                                "database in the configuration")
        if not create and not path.exists():
            raise missing_database(path)
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise storage_error(exc, path) from None  # type: ignore[misc]
    conn = None
    try:
        conn = connect(path, create=create)
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise DatabaseError(f"{path}: the database refused WAL mode (got {mode!r})")
        if not is_current(conn):
            from inmm_tui.store.schema import migrations
            from inmm_tui.store.tx import write

            db = wrap(conn)
            with write(db):
                # Serialise the check-and-apply so two programs starting together
                # cannot both try to apply the same migration.
                migrations.apply(db)
    except (sqlite3.Error, OSError) as exc:
        if conn is not None:
            conn.close()
        problem = storage_error(exc, path)
        if problem is None:
            raise DatabaseError(f"{path}: is not a usable INMM database: {exc}") from None
        raise problem from None
    except DatabaseError:
        if conn is not None:
            conn.close()
        raise
    return conn


def is_current(conn: sqlite3.Connection) -> bool:
    """Whether the file has exactly the migrations this code ships (`store/version.py`),
    so that it may be read as it is; anything else goes through the migrations."""
    try:
        applied = conn.execute("SELECT count(*) FROM _sqlite_migrations WHERE migration_set = ?",
                               (MIGRATION_SET,)).fetchone()[0]
    except sqlite3.OperationalError:  # a new file: no migrations table yet
        return False
    return bool(applied == MIGRATION_COUNT)


def wrap(conn: sqlite3.Connection) -> Database:
    """sqlite-utils' `Database` on a connection `open_connection` made (for writing)."""
    from sqlite_utils import Database

    return Database(conn, execute_plugins=False)
