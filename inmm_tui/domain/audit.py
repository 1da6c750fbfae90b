"""The audit log: every state-changing action appends who, what, when, to what, and a
SHA-256 chained to the entry before, so an edited or deleted entry is found.

`append` must run inside the same write transaction as the action it records: the
action and its record commit together or not at all. The functions take a plain
`sqlite3.Connection` so `--report` can verify without importing sqlite-utils.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from inmm_tui.timeutil import to_db, utcnow
from inmm_tui.wording import count

GENESIS = "0" * 64
DAEMON = "daemon"
"""The actor name the daemon writes under."""
CONFIG = "config"
"""The actor of `policy.version`: the configuration's policy and rules put in force."""
ALERT_KINDS = frozenset({"audit_chain", "audit_witness", "unexplained_change",
                         "unexplained_publication", "unknown_actor", "revoked_actor"})
"""The alerts the daemon's audit check raises: while one is open the log is not "OK"."""


def _canonical(details: dict[str, Any]) -> str:
    return json.dumps(details, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(prev_hash: str, seq: int, at: str, actor: str, action: str, subject: str,
               details: str) -> str:
    payload = json.dumps([seq, at, actor, action, subject, details], ensure_ascii=False,
                         separators=(",", ":"))
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def append(conn: sqlite3.Connection, actor: str, action: str, subject: str = "",
           details: dict[str, Any] | None = None, at: dt.datetime | None = None) -> int:
    """Append one entry; returns its sequence number. Call inside a write transaction."""
    if not conn.in_transaction:
        raise RuntimeError("audit.append must run inside the action's write transaction")
    head = conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
    prev_seq, prev_hash = head if head else (0, GENESIS)
    seq = prev_seq + 1
    when = to_db(at or utcnow())
    details_text = _canonical(details or {})
    digest = entry_hash(prev_hash, seq, when, actor, action, subject, details_text)
    conn.execute(
        "INSERT INTO audit (seq, at, actor, action, subject, details, prev_hash, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (seq, when, actor, action, subject, details_text, prev_hash, digest),
    )
    conn.execute(
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?)"
        " ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
        (seq, digest),
    )
    from inmm_tui.domain import notify  # only writers need it, not the first screen

    notify.on_audit(conn, actor, action, subject, details or {}, at or utcnow())
    return seq


@dataclass(frozen=True)
class ChainCheck:
    """The outcome of re-hashing the audit chain (`verify`)."""

    ok: bool
    checked: int
    """Entries re-hashed by this check."""
    total: int
    """Entries in the log."""
    from_seq: int
    """The check started after this entry (0 for a full check)."""
    broken_seq: int | None = None
    problem: str = ""
    last_seq: int = 0
    last_hash: str = GENESIS
    unchecked: int = 0
    """Entries left unchecked because there were more than the check may re-hash."""

    def describe(self) -> str:
        if self.ok:
            scope = "all" if self.from_seq == 0 else f"entries after #{self.from_seq}"
            return (f"audit chain intact ({count(self.total, 'entry', 'entries')}; {scope} "
                    f"re-hashed: {self.checked})")
        if self.unchecked:
            since = "ever" if self.from_seq == 0 else f"since entry #{self.from_seq}"
            return (f"audit chain not verified: no full check {since}, "
                    f"{count(self.unchecked, 'entry', 'entries')} to re-hash "
                    "(`inmm-tui audit verify` checks them all; the daemon does every hour)")
        return f"audit chain BROKEN at entry #{self.broken_seq}: {self.problem}"


def verify(conn: sqlite3.Connection, *, since_checkpoint: bool = False,
           since: tuple[int, str] | None = None, most: int | None = None) -> ChainCheck:
    """Re-hash the chain and name the first broken entry.

    With `since_checkpoint`, start from the last full verification (after checking that
    the checkpointed entry still carries the hash it had then): what `--report` runs.
    With `since` (an entry's number and hash, e.g. the daemon's witness), start there in
    the same way. With `most`, re-hash nothing when more entries than that are left to
    check (no full check has run for a long while, or ever): the check is then not `ok`,
    with `unchecked` saying how many entries were left.
    """
    if conn.in_transaction:
        return _verify(conn, since_checkpoint, since, most)
    conn.execute("BEGIN")  # one snapshot: the head and the entries read together
    try:
        return _verify(conn, since_checkpoint, since, most)
    finally:
        conn.execute("COMMIT")


def _verify(conn: sqlite3.Connection, since_checkpoint: bool,
            since: tuple[int, str] | None, most: int | None) -> ChainCheck:
    head = conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
    # The head's number is the log's length when intact; any gap is reported below.
    total = head[0] if head else 0
    start_seq, prev_hash = 0, GENESIS
    checkpoint = since
    if since_checkpoint and since is None:
        checkpoint = conn.execute("SELECT seq, hash FROM audit_checkpoint WHERE id = 1").fetchone()
    if checkpoint and checkpoint[0] > 0:
        row = conn.execute("SELECT hash FROM audit WHERE seq = ?", (checkpoint[0],)).fetchone()
        if row is None:
            return ChainCheck(False, 0, total, checkpoint[0], checkpoint[0],
                              "the entry last verified has been deleted")
        if row[0] != checkpoint[1]:
            return ChainCheck(False, 0, total, checkpoint[0], checkpoint[0],
                              "the entry last verified has been changed")
        start_seq, prev_hash = checkpoint
    if most is not None and total - start_seq > most:
        return ChainCheck(False, 0, total, start_seq, unchecked=total - start_seq)
    expected = start_seq + 1
    checked = 0
    cursor = conn.execute(
        "SELECT seq, at, actor, action, subject, details, prev_hash, hash FROM audit"
        " WHERE seq > ? ORDER BY seq",
        (start_seq,),
    )
    for seq, at, actor, action, subject, details, stored_prev, stored_hash in cursor:
        if seq != expected:
            return ChainCheck(False, checked, total, start_seq, expected,
                              f"entry #{expected} is missing (deleted)")
        if stored_prev != prev_hash:
            return ChainCheck(False, checked, total, start_seq, seq,
                              "its link to the previous entry does not match")
        if entry_hash(prev_hash, seq, at, actor, action, subject, details) != stored_hash:
            return ChainCheck(False, checked, total, start_seq, seq,
                              "its content no longer matches its hash (edited)")
        prev_hash = stored_hash
        expected += 1
        checked += 1
    last_seq = expected - 1
    if head is None and last_seq > 0:
        return ChainCheck(False, checked, total, start_seq, last_seq, "the chain head is missing")
    if head is not None and (head[0] != last_seq or head[1] != prev_hash):
        if head[0] > last_seq:
            return ChainCheck(False, checked, total, start_seq, last_seq + 1,
                              f"entries #{last_seq + 1} to #{head[0]} are missing (deleted)")
        return ChainCheck(False, checked, total, start_seq, head[0],
                          "the chain head does not match the last entry")
    return ChainCheck(True, checked, total, start_seq, last_seq=last_seq, last_hash=prev_hash)


def record_checkpoint(conn: sqlite3.Connection, check: ChainCheck,
                      at: dt.datetime | None = None) -> None:
    """After a successful full check, remember where it ended. Call inside a write transaction."""
    if not check.ok or check.from_seq != 0 or check.last_seq == 0:
        return
    conn.execute(
        "INSERT INTO audit_checkpoint (id, seq, hash, verified_at) VALUES (1, ?, ?, ?)"
        " ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash,"
        " verified_at = excluded.verified_at",
        (check.last_seq, check.last_hash, to_db(at or utcnow())),
    )


def history(conn: sqlite3.Connection, subject: str) -> list[dict[str, Any]]:
    """Entries about one subject (e.g. `post:12`), oldest first."""
    rows = conn.execute(
        "SELECT seq, at, actor, action, details FROM audit WHERE subject = ? ORDER BY seq",
        (subject,),
    ).fetchall()
    return [
        {"seq": seq, "at": at, "actor": actor, "action": action, "details": json.loads(details)}
        for seq, at, actor, action, details in rows
    ]
