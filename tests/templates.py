"""Databases made once per session and copied for each test (see conftest.py)."""

from __future__ import annotations

from sqlite_utils import Database


def close_for_copy(db: Database) -> None:
    """Close `db` with everything in its main file, so that copying that file copies the
    database (a WAL database keeps recent writes in its -wal file until a checkpoint)."""
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
