"""The audit chain finds an edited entry, a deleted one, and a cut-off tail."""

from __future__ import annotations

from inmm_tui.domain import audit
from inmm_tui.domain.services import Services
from inmm_tui.store.tx import write


def _fill(services: Services, n: int = 10) -> None:
    for i in range(n):
        with write(services.db):
            audit.append(services.db.conn, "hq", "test.action", f"thing:{i}", {"i": i})


def test_an_intact_chain_verifies(roster: Services) -> None:
    _fill(roster)
    check = audit.verify(roster.db.conn)
    assert check.ok and check.total == check.checked and check.total >= 10


def test_an_edited_entry_is_named(roster: Services) -> None:
    _fill(roster)
    victim = roster.db.execute(
        "SELECT seq FROM audit WHERE subject = 'thing:4'").fetchone()[0]
    roster.db.execute("UPDATE audit SET actor = 'someone_else' WHERE seq = ?", [victim])
    check = audit.verify(roster.db.conn)
    assert not check.ok and check.broken_seq == victim
    assert "edited" in check.problem


def test_an_edit_that_recomputes_its_own_hash_breaks_the_next_link(roster: Services) -> None:
    _fill(roster)
    conn = roster.db.conn
    seq, at, actor, _action, subject, details, prev = conn.execute(
        "SELECT seq, at, actor, action, subject, details, prev_hash FROM audit"
        " WHERE subject = 'thing:2'").fetchone()
    forged = audit.entry_hash(prev, seq, at, actor, "test.innocent", subject, details)
    roster.db.execute("UPDATE audit SET action = 'test.innocent', hash = ? WHERE seq = ?",
                      [forged, seq])
    check = audit.verify(conn)
    assert not check.ok and check.broken_seq == seq + 1


def test_a_deleted_entry_is_named(roster: Services) -> None:
    _fill(roster)
    victim = roster.db.execute("SELECT seq FROM audit WHERE subject = 'thing:6'").fetchone()[0]
    roster.db.execute("DELETE FROM audit WHERE seq = ?", [victim])
    check = audit.verify(roster.db.conn)
    assert not check.ok and check.broken_seq == victim and "deleted" in check.problem


def test_a_deleted_tail_is_found(roster: Services) -> None:
    _fill(roster)
    last = roster.db.execute("SELECT max(seq) FROM audit").fetchone()[0]
    roster.db.execute("DELETE FROM audit WHERE seq >= ?", [last - 1])
    check = audit.verify(roster.db.conn)
    assert not check.ok and check.broken_seq == last - 1


def test_the_quick_check_starts_at_the_checkpoint_and_still_sees_its_anchor(
        roster: Services) -> None:
    _fill(roster, 20)
    full = audit.verify(roster.db.conn)
    with write(roster.db):
        audit.record_checkpoint(roster.db.conn, full)
    _fill(roster, 3)
    quick = audit.verify(roster.db.conn, since_checkpoint=True)
    assert quick.ok and quick.checked == 3 and quick.from_seq == full.total
    roster.db.execute("UPDATE audit SET hash = 'x' WHERE seq = ?", [full.total])
    assert not audit.verify(roster.db.conn, since_checkpoint=True).ok
