"""What every domain service holds: the database and the clock."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from inmm_tui.timeutil import Clock

if TYPE_CHECKING:
    from sqlite_utils import Database


class DomainService:
    db: Database
    clock: Clock

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn


class ReadingService:
    """A service that only reads: it holds just a connection, so that it can be built on
    the plain one the UI opens (`store.db.open_connection`) and Home's counts are read
    without importing sqlite-utils. Handed sqlite-utils' `Database`, it reads through its
    connection."""

    clock: Clock

    def __init__(self, db: Database | sqlite3.Connection) -> None:
        self.conn = db if isinstance(db, sqlite3.Connection) else db.conn
