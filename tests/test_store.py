"""The database: migrations from an empty file, re-opening, pragmas, two writers at once."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlite_utils import Database

from inmm_tui.store import schema, version
from inmm_tui.store.db import DatabaseError, connect, open_database
from inmm_tui.timeutil import from_db, to_db


def test_migrations_apply_to_an_empty_file_and_are_recorded(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    db = open_database(path, create=True)
    applied = [m.name for m in schema.migrations.applied(db)]
    assert applied == [m.name for m in schema.migrations._migrations]
    assert {"people", "posts", "deliveries", "audit", "followers", "evidence"} <= set(
        db.table_names())
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    db.close()


def test_reopening_applies_nothing_twice_and_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "inmm.db"
    db = open_database(path, create=True)
    db.execute("INSERT INTO settings VALUES ('k', 'v', 'now', 'test')")
    db.close()
    again = open_database(path, create=True)
    assert again.execute("SELECT value FROM settings WHERE key = 'k'").fetchone()[0] == "v"
    count = again.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0]
    assert count == len(schema.migrations._migrations)
    again.close()


def test_the_fast_path_count_matches_the_registered_migrations() -> None:
    assert len(schema.migrations._migrations) == version.MIGRATION_COUNT
    assert schema.migrations.name == version.MIGRATION_SET


def test_a_file_that_is_not_a_database_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(DatabaseError, match=r"junk\.db"):
        open_database(path, create=True)


def test_foreign_keys_are_enforced(tmp_path: Path) -> None:
    db = open_database(tmp_path / "fk.db", create=True)
    with pytest.raises(Exception, match="FOREIGN KEY"):
        db.execute("INSERT INTO comments (post_id, login, body, at) VALUES (999, 'x', 'y', 'z')")
    db.close()


WRITER = textwrap.dedent(
    """
    import sys
    from inmm_tui.domain import audit
    from inmm_tui.store.db import open_database
    from inmm_tui.store.tx import write

    db = open_database(sys.argv[1], create=True)
    for i in range(int(sys.argv[3])):
        with write(db):
            # read first, then write: the pattern that fails with "database is locked"
            # under a deferred transaction
            db.conn.execute("SELECT count(*) FROM audit").fetchone()
            audit.append(db.conn, sys.argv[2], "test.write", f"n:{i}", {"i": i})
    print("done")
    """
)


def test_two_processes_writing_at_once_never_see_database_is_locked(tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    open_database(path, create=True).close()
    runs = 300
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), who, str(runs)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for who in ("one", "two")
    ]
    outputs = [proc.communicate(timeout=120) for proc in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert "locked" not in err
    conn = connect(path)
    from inmm_tui.domain import audit

    assert conn.execute("SELECT count(*) FROM audit").fetchone()[0] == 2 * runs
    assert audit.verify(conn).ok
    conn.close()


def test_plain_sqlite_utils_sees_the_schema(tmp_path: Path) -> None:
    open_database(tmp_path / "x.db", create=True).close()
    assert "deliveries" in Database(tmp_path / "x.db").table_names()


@settings(max_examples=300, deadline=None)
@given(st.datetimes(min_value=dt.datetime(1000, 1, 1), timezones=st.timezones()))
def test_a_stored_time_reads_back_as_the_same_moment_in_utc(moment: dt.datetime) -> None:
    # `from_db` reads the stored shape without strptime (the publisher reads several
    # times a delivery): exactly what `to_db` wrote comes back.
    back = from_db(to_db(moment))
    assert back == moment.astimezone(dt.UTC) and back.tzinfo is dt.UTC
    assert to_db(back) == to_db(moment)


@pytest.mark.parametrize("text", [
    "2026-11-30 14:44:49.333110Z",  # a space for the T
    "2026-11-30T14:44:49.333110+00:00",
    "2026-11-30T14:44:49Z",  # no microseconds
    "2026-11-30T14:44:49,333110Z",
    "2026-11-30T14:44:49.333110",  # no zone
    "2026-11-30",
    "2026-13-30T14:44:49.333110Z",
    "",
])
def test_a_time_not_in_the_stored_shape_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        from_db(text)
