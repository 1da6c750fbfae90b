"""Evidence of a moderation item, exported for the Executive Committee: one folder (or one
zip) that can be checked away from this tool and its database.

It holds the platform's raw payload, the capture as rendered (SVG, and a PNG copy drawn
from it: `capture_png`), the exact bytes whose SHA-256 the audit log recorded at capture,
the item's record, the audit entries that concern it, a plain-words MANIFEST.txt and a
SHA256SUMS file that `sha256sum -c` checks.

Evidence that no longer verifies (its record was edited) is still exported, since the EC
may need exactly that, but the manifest says so at its top and `Export.check` is not ok:
the command exits 1.

Nothing in the exported files is executed or interpreted here: the payload, the SVG and
the audit details are written byte for byte as they were stored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import shutil
import sqlite3
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inmm_tui.domain import audit, evidence
from inmm_tui.domain.errors import InvalidInput, NotAuthorised
from inmm_tui.domain.moderation import Item, Moderation
from inmm_tui.domain.people import authorise
from inmm_tui.domain.roles import Action
from inmm_tui.store.tx import write
from inmm_tui.timeutil import Clock

if TYPE_CHECKING:
    from sqlite_utils import Database

EXPORT = "moderation.export"
REFUSED = "moderation.export_refused"
SUMS = "SHA256SUMS"
MANIFEST = "MANIFEST.txt"
SEALED = "capture-sealed.json"
PNG_NOTE = ("capture.png is a copy of capture.svg drawn as an image at export, for whoever "
            "cannot open an SVG; a character its font lacks (an emoji) shows as a box. The SVG "
            "is what the capture's hash covers: rely on it, not on the copy.")


@dataclass(frozen=True)
class ExportedFile:
    name: str
    size: int
    sha256: str
    about: str


@dataclass(frozen=True)
class Export:
    path: Path
    """The folder, or the zip file, written."""
    files: list[ExportedFile]
    check: evidence.EvidenceCheck | None
    """The evidence's verification now; None when the item has no evidence."""

    @property
    def ok(self) -> bool:
        """The evidence verifies (or was purged under the retention setting, as its hash
        and audit entry show)."""
        return self.check is not None and self.check.ok


def export_item(db: Database, actor: str, item_id: int, output: Path, clock: Clock, *,
                as_zip: bool = False) -> Export:
    """Write the evidence package of moderation item `item_id` into the folder `output`
    (created if missing) and audit the export. Refused, and the refusal audited, unless
    `actor` may export evidence."""
    conn = db.conn
    try:
        authorise(conn, actor, Action.EXPORT_EVIDENCE)
    except NotAuthorised as refusal:
        with write(db):
            audit.append(conn, actor, REFUSED, f"moderation:{item_id}",
                         {"reason": str(refusal)}, at=clock())
        raise
    now = clock()
    own_snapshot = not conn.in_transaction
    if own_snapshot:
        conn.execute("BEGIN")  # the item, its evidence and its entries from one snapshot
    try:
        item = Moderation(db, clock=clock).get(actor, item_id)
        contents, check = _contents(conn, item, actor, now)
    finally:
        if own_snapshot:
            conn.execute("COMMIT")
    name = f"inmm-evidence-item-{item_id}-{now.strftime('%Y%m%dT%H%M%SZ')}"
    path = _write(output, name, contents, as_zip)
    files = [ExportedFile(n, len(data), _sha(data), about) for n, (data, about) in contents.items()]
    with write(db):
        audit.append(conn, actor, EXPORT, f"moderation:{item_id}",
                     {"path": str(path), "evidence_id": item.evidence_id,
                      "evidence_ok": check.ok if check else None,
                      "sha256sums": _sha(contents[SUMS][0])}, at=now)
    return Export(path, files, check)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _json(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False, default=str) + "\n").encode("utf-8")


Files = dict[str, tuple[bytes, str]]
"""File name → (its bytes, what it is), in the order written."""


def _contents(conn: sqlite3.Connection, item: Item, actor: str,
              now: dt.datetime) -> tuple[Files, evidence.EvidenceCheck | None]:
    """Every file of the package, name → (bytes, what it is), SHA256SUMS last."""
    files: Files = {}
    check = meta = recorded = None
    no_png = ""
    row = None if item.evidence_id is None else conn.execute(
        "SELECT mention_id, captured_at, raw_payload, rendered_svg, sha256, purged_at,"
        " legal_hold FROM evidence WHERE id = ?", (item.evidence_id,)).fetchone()
    if item.evidence_id is not None and row is not None:
        check = evidence.verify(conn, item.evidence_id)
        mention_id, captured_at, raw, svg, stored, purged_at, legal_hold = row
        capture = conn.execute(
            "SELECT details FROM audit WHERE subject = ? AND action = ? ORDER BY seq LIMIT 1",
            (f"evidence:{item.evidence_id}", evidence.CAPTURE)).fetchone()
        recorded = json.loads(capture[0]).get("sha256") if capture else None
        meta = {"id": item.evidence_id, "captured_at": captured_at, "sha256_stored": stored,
                "sha256_in_audit_log": recorded, "purged_at": purged_at,
                "legal_hold": bool(legal_hold)}
        if purged_at is None:  # a purge blanked the content: nothing of it to write
            files["payload.json"] = (raw.encode("utf-8"),
                                     "the platform's raw data for the post, as received")
            files["capture.svg"] = (svg.encode("utf-8"),
                                    "the post as a person saw it, rendered at capture (open "
                                    "it in a web browser)")
            png, why_not = _png(svg)
            if png is not None:
                files["capture.png"] = (png, "a copy of capture.svg as an image, drawn from "
                                             "it at export (the SVG is the evidence)")
            else:
                no_png = why_not
            # The exact bytes `evidence.digest` hashes: their SHA-256 is the one the audit
            # log recorded when the evidence was captured.
            sealed = json.dumps([mention_id, captured_at, raw, svg], ensure_ascii=False,
                                separators=(",", ":")).encode("utf-8")
            files[SEALED] = (sealed, "the mention number, capture time, payload and SVG "
                                     "together, exactly as hashed at capture")
    files["item.json"] = (_json({
        "item": dataclasses.asdict(item), "evidence": meta,
        "evidence_check": None if check is None else {
            "ok": check.ok, "purged": check.purged, "problem": check.problem},
        "exported_at": now.isoformat(timespec="seconds"), "exported_by": actor}),
        "the moderation item: status, handling, recommendation, decision")
    entries, chain = _entries(conn, item)
    files["audit.json"] = (_json({"chain": chain, "entries": entries}),
                           "every audit-log entry about the item, its mention and its evidence")
    files[MANIFEST] = (_manifest(item, check, recorded, files, now, actor, no_png
                                 ).encode("utf-8"),
                       "this description")
    sums = "".join(f"{_sha(data)}  {name}\n" for name, (data, _about) in files.items())
    files[SUMS] = (sums.encode("utf-8"), "the SHA-256 of every other file, for sha256sum -c")
    return files, check


def _entries(conn: sqlite3.Connection, item: Item) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    subjects = [f"moderation:{item.id}", f"mention:{item.mention_id}"]
    if item.evidence_id is not None:
        subjects.append(f"evidence:{item.evidence_id}")
    subjects.append("evidence")  # a purge names the evidence it blanked in its details
    marks = ",".join("?" * len(subjects))
    rows = conn.execute(
        "SELECT seq, at, actor, action, subject, details, prev_hash, hash FROM audit"
        f" WHERE subject IN ({marks}) ORDER BY seq", subjects).fetchall()
    entries = []
    for seq, at, who, action, subject, details, prev_hash, digest in rows:
        parsed = json.loads(details)
        if subject == "evidence" and item.evidence_id not in parsed.get("ids", []):
            continue
        # `details_text` is what the hash covers: with `prev_hash` it lets anyone
        # recompute `hash` (see MANIFEST.txt).
        entries.append({"seq": seq, "at": at, "actor": who, "action": action,
                        "subject": subject, "details": parsed, "details_text": details,
                        "prev_hash": prev_hash, "hash": digest})
    chain = audit.verify(conn)
    return entries, {"ok": chain.ok, "entries": chain.total, "state": chain.describe()}


def _png(svg: str) -> tuple[bytes | None, str]:
    """The capture as a PNG image, or None and why there is none."""
    from inmm_tui.domain.capture_png import NotACapture, render_png

    try:
        return render_png(svg), ""
    except NotACapture as exc:
        return None, (f"No PNG image is included: {exc}. Open capture.svg in a web browser "
                      "to see what it holds.")


def _manifest(item: Item, check: evidence.EvidenceCheck | None, recorded: str | None,
              files: Files, now: dt.datetime, actor: str, no_png: str) -> str:
    lines = [f"INMM evidence export: moderation item #{item.id} ({item.outlet}, "
             f"reply or mention by @{item.author_handle})",
             f"Exported {now.isoformat(timespec='seconds')} by {actor}.", ""]
    if check is None:
        lines.append("NO EVIDENCE: nothing was captured for this item; only its record and "
                     "audit entries are here.")
    elif check.purged:
        lines.append("EVIDENCE PURGED: its content was blanked under the retention setting; "
                     "its hash and audit entries remain.")
    elif not check.ok:
        lines += ["EVIDENCE FAILED VERIFICATION: " + check.problem,
                  "The files below are what the database holds now; they are NOT the "
                  "evidence as captured."]
    else:
        lines.append("Evidence verified at export: its content matches the hash recorded in "
                     "the audit log when it was captured.")
    lines += ["", "Files (name, size in bytes, SHA-256):"]
    for name, (data, about) in files.items():
        lines.append(f"  {name}  {len(data)}  {_sha(data)}")
        lines.append(f"      {about}")
    if "capture.png" in files:
        lines += ["", PNG_NOTE]
    elif no_png:
        lines += ["", no_png]
    lines += ["", "How to verify:",
              f"  1. In this folder run `sha256sum -c {SUMS}` (Linux; on a Mac `shasum -a 256 "
              f"-c {SUMS}`). Every line must end in OK: no file was changed since the export.",
              "  2. Compare the SHA-256 of SHA256SUMS with the `sha256sums` value of the "
              "`moderation.export` entry of this export in the tool's audit log: the log "
              "vouches that these are the files it exported."]
    if SEALED in files:
        lines.append(f"  3. The SHA-256 of {SEALED} must be {recorded}: the hash the audit log "
                     "recorded when the evidence was captured (audit.json, action "
                     "`evidence.capture`). If it is, the payload and the SVG inside it are "
                     "the evidence as captured.")
    lines += ["  4. Each audit entry's `hash` is the SHA-256 of its `prev_hash` followed by the "
              "JSON list [seq, at, actor, action, subject, details_text] (compact, no spaces "
              "after separators, non-ASCII characters kept as they are).", ""]
    return "\n".join(lines)


def _write(output: Path, name: str, contents: Files, as_zip: bool) -> Path:
    """Write the package whole, or nothing: into a temporary name, then renamed."""
    output = output.expanduser().resolve()
    target = output / (f"{name}.zip" if as_zip else name)
    tmp = output / f".{target.name}.tmp"
    try:
        output.mkdir(parents=True, exist_ok=True)
        if target.exists():
            raise InvalidInput(f"{target}: already exists; choose another --output folder")
        if as_zip:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
                for file_name, (data, _about) in contents.items():
                    archive.writestr(f"{name}/{file_name}", data)
        else:
            tmp.mkdir()
            for file_name, (data, _about) in contents.items():
                (tmp / file_name).write_bytes(data)
        tmp.replace(target)
    except OSError as exc:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.unlink(missing_ok=True)
        raise InvalidInput(f"--output {output}: cannot write the export "
                           f"({exc.strerror or exc})") from None
    return target
