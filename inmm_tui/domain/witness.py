"""The audit chain's anchor outside the database: the witness file.

Every administrator can write the database, so a chain kept only there can be cut short
(last entries deleted, `audit_head` fixed) or re-hashed from scratch and still verify.
The daemon, under its own user, writes the head it has verified (entry number and hash)
to a file administrators can read but not write, and says the same in the journal.
`audit verify` and `--report` then check that the database still holds that entry with
that hash: since each hash covers every entry before it, this proves entries 1 to the
witnessed one are the ones the daemon saw.

The witness only moves forward: the daemon writes a new head only when the chain still
holds the witnessed entry unchanged, so a log that lost or rewrote witnessed entries is
never anchored again (after an investigation, root removes the file to start afresh).
The witness also carries what the daemon's last audit check found, so deleting the
alerts from the database does not hide it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from inmm_tui.domain import audit
from inmm_tui.timeutil import to_db

MAX_PROBLEMS = 20
"""Problems written into the witness; the rest are counted."""


class WitnessError(Exception):
    """The witness file exists but cannot be read or is not one the daemon wrote."""


@dataclass(frozen=True)
class Witness:
    seq: int
    """The last entry the daemon verified (0: the log was empty)."""
    hash: str
    at: str
    """When the daemon wrote this (database time format)."""
    problems: tuple[str, ...] = ()
    """What the daemon's last audit check found wrong; empty when all was well."""


def read(path: Path) -> Witness | None:
    """The witness, or None when none was written yet; WitnessError when unusable."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise WitnessError(f"the witness file {path} cannot be read ({exc})") from None
    try:
        data = json.loads(raw)
        witness = Witness(int(data["seq"]), str(data["hash"]), str(data["at"]),
                          tuple(str(p) for p in data.get("problems", [])))
    except (ValueError, KeyError, TypeError):
        raise WitnessError(f"the witness file {path} is not one the daemon wrote") from None
    if witness.seq < 0 or len(witness.hash) != 64:
        raise WitnessError(f"the witness file {path} is not one the daemon wrote")
    return witness


def write(path: Path, witness: Witness) -> None:
    """Replace the witness atomically (a reader sees the old file or the new one), readable
    by all: the folder, writable by the daemon's user alone, keeps others from changing it."""
    import tempfile  # only the daemon writes: kept off `--report`'s start-up

    payload = json.dumps({"seq": witness.seq, "hash": witness.hash, "at": witness.at,
                          "problems": list(witness.problems)}, indent=1) + "\n"
    handle, temporary = tempfile.mkstemp(prefix=".witness-", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def compare(conn: sqlite3.Connection, witness: Witness) -> str | None:
    """Why the database's log no longer holds the witnessed entry; None when it does."""
    if witness.seq == 0:
        return None
    row = conn.execute("SELECT hash FROM audit WHERE seq = ?", (witness.seq,)).fetchone()
    if row is None:
        last = conn.execute("SELECT coalesce(max(seq), 0) FROM audit").fetchone()[0]
        return (f"the daemon witnessed {witness.seq} audit entries but the log now ends at "
                f"#{last}: entries were deleted")
    if row[0] != witness.hash:
        return (f"audit entry #{witness.seq} is not the one the daemon witnessed at "
                f"{witness.at}: the log was rewritten")
    head = conn.execute("SELECT seq FROM audit_head WHERE id = 1").fetchone()
    if head is None or head[0] < witness.seq:
        return (f"the chain head says the log ends before entry #{witness.seq}, which the "
                "daemon witnessed: the head was moved back")
    return None


@dataclass(frozen=True)
class Anchoring:
    """How the database's log stands against the witness, for `audit verify` and `--report`."""

    configured: bool
    anchored: bool
    """The witness exists and the log holds its entry unchanged."""
    message: str
    witness: Witness | None = None

    @property
    def attention(self) -> bool:
        """A configured witness that is missing, unreadable, contradicted, or that reports
        problems. No witness configured is said plainly ("not anchored") but is not by
        itself a fault: the demo and a host without the daemon's service have none."""
        if not self.configured:
            return False
        return not self.anchored or bool(self.witness and self.witness.problems)


def status(conn: sqlite3.Connection, path: Path | None) -> Anchoring:
    if path is None:
        return Anchoring(False, False,
                         "not anchored: no witness file is configured ([inmm] audit_witness), so "
                         "a log cut short or re-hashed from scratch cannot be told apart")
    try:
        witness = read(path)
    except WitnessError as exc:
        return Anchoring(True, False, f"NOT ANCHORED: {exc}")
    if witness is None:
        return Anchoring(True, False,
                         f"NOT ANCHORED: the witness file {path} does not exist yet (the daemon "
                         "writes it when it starts and at each audit check)")
    problem = compare(conn, witness)
    if problem:
        return Anchoring(True, False, f"DOES NOT MATCH THE WITNESS: {problem}", witness)
    head = conn.execute("SELECT coalesce(max(seq), 0) FROM audit").fetchone()[0]
    later = head - witness.seq
    return Anchoring(True, True,
                     f"anchored: entry #{witness.seq} matches the daemon's witness of "
                     f"{witness.at}" + (f" ({later} later entries not yet witnessed)"
                                        if later > 0 else ""), witness)


@dataclass(frozen=True)
class Advance:
    witness: Witness | None
    problem: str | None
    """Why the witness could not move forward (the log contradicts it, or is broken)."""
    moved: bool
    """The witnessed head changed (worth a line in the journal)."""


def advance(conn: sqlite3.Connection, path: Path, now: dt.datetime, *,
            verified: audit.ChainCheck | None = None,
            problems: list[str] | None = None) -> Advance:
    """The daemon's step: when the log still holds the witnessed entry and verifies from it,
    witness the current head. `verified` is a check already made (outside the write lock),
    of the whole log or from the witnessed entry; without it the entries after the
    witnessed one are re-hashed here. `problems` replaces the problems the
    witness carries (the full audit check's findings); None keeps them."""
    try:
        old = read(path)
    except WitnessError as exc:
        return Advance(None, str(exc), False)  # never overwrite a witness we cannot read
    seq, digest = (old.seq, old.hash) if old else (0, audit.GENESIS)
    problem = compare(conn, old) if old else None
    if problem is None:
        check = (verified if verified is not None and verified.from_seq in (0, seq)
                 else audit.verify(conn, since=(seq, digest)))
        if not check.ok:
            problem = check.describe()
        elif check.last_seq >= seq:
            seq, digest = check.last_seq, check.last_hash
    standing = list(problems) if problems is not None else list(old.problems if old else ())
    if problem and problem not in standing:
        standing.insert(0, problem)
    if len(standing) > MAX_PROBLEMS:
        more = len(standing) - MAX_PROBLEMS + 1
        standing = [*standing[:MAX_PROBLEMS - 1],
                    f"... and {more} more (see `inmm-tui audit verify`)"]
    moved = old is None or (seq, digest) != (old.seq, old.hash)
    if old is not None and not moved and tuple(standing) == old.problems:
        return Advance(old, problem, False)
    new = Witness(seq, digest, to_db(now), tuple(standing))
    try:
        write(path, new)
    except OSError as exc:
        return Advance(old, f"the witness file {path} cannot be written ({exc})", False)
    return Advance(new, problem, moved)
