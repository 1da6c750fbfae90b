"""Open the database the one way both programs use: WAL, busy timeout, foreign keys, migrations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from inmm_tui.store.schema import migrations
from inmm_tui.store.tx import write

BUSY_TIMEOUT_SECONDS = 30.0


class DatabaseError(Exception):
    """The database file cannot be opened or upgraded; the message says which file and why."""

    exit_code = 2


def connect(path: Path | str) -> sqlite3.Connection:
    """A raw connection with the pragmas every connection needs (no migrations)."""
    conn = sqlite3.connect(
        str(path),
        timeout=BUSY_TIMEOUT_SECONDS,  # sets SQLite's busy timeout
        isolation_level=None,  # transactions are explicit: `write()` / `db.atomic()`
        check_same_thread=False,
    )
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def open_database(path: Path | str) -> Database:
    """Open (creating if need be) the database and apply pending migrations."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = connect(path)
    except (sqlite3.Error, OSError) as exc:
        raise DatabaseError(f"{path}: cannot open the database: {exc}") from None
    try:
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    except sqlite3.Error as exc:
        conn.close()
        raise DatabaseError(f"{path}: cannot open the database: {exc}") from None
    if str(mode).lower() != "wal":
        conn.close()
        raise DatabaseError(f"{path}: the database refused WAL mode (got {mode!r})")
    db = Database(conn, execute_plugins=False)
    try:
        with write(db):
            # Serialise the check-and-apply so two programs starting together
            # cannot both try to apply the same migration.
            migrations.apply(db)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise DatabaseError(f"{path}: is not a usable INMM database: {exc}") from None
    return db
