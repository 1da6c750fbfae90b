"""Write transactions, shared by every writer; imports nothing heavy so the domain can use it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database


@contextlib.contextmanager
def write(db: Database) -> Iterator[Database]:
    """A write transaction taken at once (BEGIN IMMEDIATE), so that two processes
    writing together wait on the busy timeout instead of failing with "database is
    locked" when a read transaction tries to upgrade. Nested calls become savepoints
    through sqlite-utils' `db.atomic()`; the outer one needs none (it rolls back whole),
    which spares every write two statements (the publisher makes two writes a post)."""
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
        db.conn.execute("COMMIT")
    except BaseException:
        db.rollback()
        raise
