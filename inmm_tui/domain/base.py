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
