"""Evidence of a questionable post, captured on ingestion, before anything can be hidden
(policy: "Handling Questionable Information": "take a screen capture of the post before
hiding it"; R14).

A capture holds the platform's raw payload, a rendering of the post as a person saw it
(an SVG from Rich's console export: author, handle, time, text), the capture time, and a
SHA-256 over all of them. The hash is also written into the audit chain, so an edit of
the evidence row is detected even by someone who can write to the database: the row's
content no longer matches its hash, or its hash no longer matches the audit entry (which
cannot itself be changed without breaking the chain).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from inmm_tui.domain import audit
from inmm_tui.outside_text import printable
from inmm_tui.timeutil import to_db

CAPTURE = "evidence.capture"


@dataclass(frozen=True)
class EvidenceCheck:
    evidence_id: int
    ok: bool
    problem: str = ""
    purged: bool = False


def digest(mention_id: int, captured_at: str, raw_payload: str, rendered_svg: str) -> str:
    """SHA-256 over everything the capture holds, in a fixed layout."""
    payload = json.dumps([mention_id, captured_at, raw_payload, rendered_svg],
                         ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def render_svg(outlet: str, author_name: str | None, handle: str, created_at: str,
               text: str) -> str:
    """The post as a person saw it, rendered to SVG by Rich (no terminal needed)."""
    from rich.console import Console
    from rich.panel import Panel
    from rich.text import Text

    # Only the recording is kept; what Rich prints to the file is thrown away.
    console = Console(record=True, width=80, file=io.StringIO(), color_system="truecolor",
                      force_terminal=True)
    # Control and bidi characters made visible, as every screen shows them: written raw
    # they would make the SVG ill-formed XML (an ESC) that no browser opens, or reorder
    # what is seen (an RTL override).
    name, handle = printable(author_name or handle), printable(handle.lstrip("@"))
    body = Text()
    body.append(name, style="bold")
    body.append(f"  @{handle}", style="dim")
    body.append(f"\n{created_at}\n\n", style="dim")
    body.append(printable(text, multiline=True))
    console.print(Panel(body, title=f"{outlet}", title_align="left", border_style="grey50"))
    return console.export_svg(title=f"{outlet} @{handle} {created_at}")


def capture(conn: sqlite3.Connection, mention_id: int, raw: dict[str, Any] | None,
            at: dt.datetime, actor: str = audit.DAEMON) -> int:
    """Capture the evidence of one ingested mention; returns its id. Call inside the
    write transaction that queues the mention, so nothing is queued without evidence.
    `raw` is the platform's JSON for the post (the mention's stored fields without it)."""
    row = conn.execute(
        "SELECT outlet, author_name, author_handle, created_at, text FROM mentions WHERE id = ?",
        (mention_id,)).fetchone()
    if row is None:
        raise LookupError(f"there is no mention #{mention_id}")
    raise_if_captured(conn, mention_id)
    outlet, author_name, handle, created_at, text = row
    raw_text = (json.dumps(raw, sort_keys=True, ensure_ascii=False, default=str) if raw
                else _raw_payload(conn, mention_id))
    return _store(conn, mention_id, at, raw_text,
                  render_svg(outlet, author_name, handle, created_at, text), actor)


def raise_if_captured(conn: sqlite3.Connection, mention_id: int) -> None:
    if conn.execute("SELECT 1 FROM evidence WHERE mention_id = ?", (mention_id,)).fetchone():
        raise ValueError(f"evidence of mention #{mention_id} was already captured")


def _raw_payload(conn: sqlite3.Connection, mention_id: int) -> str:
    row = conn.execute(
        "SELECT outlet, platform_id, author_id, author_handle, author_name, text, in_reply_to,"
        " created_at FROM mentions WHERE id = ?", (mention_id,)).fetchone()
    keys = ("outlet", "platform_id", "author_id", "author_handle", "author_name", "text",
            "in_reply_to", "created_at")
    return json.dumps(dict(zip(keys, row, strict=True)), sort_keys=True, ensure_ascii=False)


def _store(conn: sqlite3.Connection, mention_id: int, at: dt.datetime, raw: str, svg: str,
           actor: str) -> int:
    captured_at = to_db(at)
    sha = digest(mention_id, captured_at, raw, svg)
    cursor = conn.execute(
        "INSERT INTO evidence (mention_id, captured_at, raw_payload, rendered_svg, sha256)"
        " VALUES (?, ?, ?, ?, ?)", (mention_id, captured_at, raw, svg, sha))
    evidence_id = int(cursor.lastrowid or 0)
    audit.append(conn, actor, CAPTURE, f"evidence:{evidence_id}",
                 {"mention_id": mention_id, "sha256": sha, "captured_at": captured_at}, at=at)
    return evidence_id


def verify(conn: sqlite3.Connection, evidence_id: int) -> EvidenceCheck:
    """Recompute the hash and compare it with the row and with the audit entry written at
    capture; names what no longer matches."""
    row = conn.execute(
        "SELECT mention_id, captured_at, raw_payload, rendered_svg, sha256, purged_at"
        " FROM evidence WHERE id = ?", (evidence_id,)).fetchone()
    if row is None:
        return EvidenceCheck(evidence_id, False, f"evidence #{evidence_id} does not exist")
    mention_id, captured_at, raw, svg, stored, purged_at = row
    entries = conn.execute(
        "SELECT details FROM audit WHERE subject = ? AND action = ? ORDER BY seq",
        (f"evidence:{evidence_id}", CAPTURE)).fetchall()
    if len(entries) != 1:
        return EvidenceCheck(evidence_id, False,
                             f"evidence #{evidence_id} has {len(entries)} capture entries in the "
                             "audit log (expected exactly one)")
    recorded = json.loads(entries[0][0])
    if recorded.get("sha256") != stored:
        return EvidenceCheck(evidence_id, False,
                             f"evidence #{evidence_id}: its hash differs from the one in the audit "
                             "log (the record was changed)")
    if recorded.get("mention_id") != mention_id or recorded.get("captured_at") != captured_at:
        return EvidenceCheck(evidence_id, False,
                             f"evidence #{evidence_id}: its mention or time differ from the audit log")
    if purged_at is not None:
        return EvidenceCheck(evidence_id, True, "purged under the retention setting", purged=True)
    if digest(mention_id, captured_at, raw, svg) != stored:
        return EvidenceCheck(evidence_id, False,
                             f"evidence #{evidence_id}: its content no longer matches its hash "
                             "(the record was edited)")
    return EvidenceCheck(evidence_id, True)
