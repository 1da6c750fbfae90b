"""`inmm-tui moderation export`: an item's evidence for the Executive Committee, as a folder
or a zip whose manifest verifies with nothing but SHA-256; edited evidence flagged; only
those who read everyone's audit entries may export, and a refusal is audited."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from inmm_tui.domain import audit
from inmm_tui.domain.errors import NotAuthorised, NotFound
from inmm_tui.domain.evidence_export import MANIFEST, SEALED, SUMS, export_item
from inmm_tui.domain.moderation import IncomingMention, IncomingVerdict, Moderation
from inmm_tui.domain.people import Roster, current_login
from inmm_tui.domain.roles import Role
from inmm_tui.domain.services import Services
from inmm_tui.store.db import open_database

from .cli_helpers import run_cli
from .conftest import START, FakeClock, make_config

RUDE = "INMM are idiots and liars \x1b[31m"


def _screen(text: str, outlet: str) -> IncomingVerdict:
    return IncomingVerdict("warn" if "idiot" in text else "pass")


def queue_rude_reply(db, clock) -> int:
    moderation = Moderation(db, clock=clock, screen=_screen, outlets={"x": "x"})
    moderation.ingest("x", [IncomingMention(
        "m2", "u-troll", "troll", "Troll <b>", RUDE, START, raw={"id": "m2", "text": RUDE})])
    return db.conn.execute("SELECT id FROM moderation_items").fetchone()[0]


def _sums_verify(folder: Path) -> dict[str, str]:
    """SHA256SUMS checked with hashlib alone, as `sha256sum -c` would."""
    listed = {}
    for line in (folder / SUMS).read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
        listed[name] = digest
    return listed


def test_a_folder_export_verifies_and_is_audited(roster: Services, clock: FakeClock,
                                                 tmp_path: Path) -> None:
    item_id = queue_rude_reply(roster.db, clock)
    clock.advance(hours=2)
    done = export_item(roster.db, "ec", item_id, tmp_path / "out", clock)
    assert done.ok and done.path.parent == (tmp_path / "out").resolve()
    listed = _sums_verify(done.path)
    assert set(listed) == {"payload.json", "capture.svg", "capture.png", SEALED, "item.json",
                           "audit.json", MANIFEST}
    assert sorted(p.name for p in done.path.iterdir()) == sorted([*listed, SUMS])
    assert "capture.png is a copy of capture.svg" in (done.path / MANIFEST).read_text()
    # The picture is the SVG's window, the size of its view box, in its colours.
    from PIL import Image

    svg = (done.path / "capture.svg").read_text()
    box = [float(v) for v in re.search(r'viewBox="([^"]+)"', svg).group(1).split()]
    with Image.open(done.path / "capture.png") as picture:
        assert picture.format == "PNG" and picture.size == (round(box[2]), round(box[3]))
        assert picture.getpixel((500, 100)) == (0x29, 0x29, 0x29)  # the window's background
        colours = {c for _, c in picture.getcolors(1 << 16) or []}
        assert (0xC5, 0xC8, 0xC6) in colours  # the text's colour: the text was drawn
    # the payload and the SVG are the stored bytes, the escape kept as data
    assert json.loads((done.path / "payload.json").read_text())["text"] == RUDE
    assert (done.path / "capture.svg").read_text().startswith("<svg")
    entries = json.loads((done.path / "audit.json").read_text())["entries"]
    capture = next(e for e in entries if e["action"] == "evidence.capture")
    # the sealed file's hash is the one the audit log recorded at capture
    assert hashlib.sha256((done.path / SEALED).read_bytes()).hexdigest() == \
        capture["details"]["sha256"]
    assert [e["action"] for e in entries] == ["evidence.capture", "moderation.queue"]
    for e in entries:  # each entry's hash can be recomputed from what the export holds
        assert audit.entry_hash(e["prev_hash"], e["seq"], e["at"], e["actor"], e["action"],
                                e["subject"], e["details_text"]) == e["hash"]
    if shutil.which("sha256sum"):
        checked = subprocess.run(["sha256sum", "-c", SUMS], cwd=done.path, capture_output=True,
                                 text=True)
        assert checked.returncode == 0 and checked.stdout.count(": OK") == len(listed)
    (logged,) = audit.history(roster.db.conn, f"moderation:{item_id}")[-1:]
    assert logged["action"] == "moderation.export" and logged["actor"] == "ec"
    assert logged["details"]["sha256sums"] == hashlib.sha256(
        (done.path / SUMS).read_bytes()).hexdigest()
    assert audit.verify(roster.db.conn).ok


def test_a_zip_export_holds_the_same_files(roster: Services, clock: FakeClock,
                                           tmp_path: Path) -> None:
    item_id = queue_rude_reply(roster.db, clock)
    done = export_item(roster.db, "comms", item_id, tmp_path, clock, as_zip=True)
    assert done.path.suffix == ".zip" and done.ok
    with zipfile.ZipFile(done.path) as archive:
        archive.extractall(tmp_path / "unzipped")
    (folder,) = (tmp_path / "unzipped").iterdir()
    assert len(_sums_verify(folder)) == 7
    assert not list(tmp_path.glob(".*.tmp"))


def test_edited_evidence_is_exported_flagged(roster: Services, clock: FakeClock,
                                             tmp_path: Path) -> None:
    item_id = queue_rude_reply(roster.db, clock)
    roster.db.conn.execute("UPDATE evidence SET raw_payload = '{\"text\": \"nice\"}'")
    done = export_item(roster.db, "hq", item_id, tmp_path, clock)
    assert not done.ok and "no longer matches its hash" in done.check.problem
    manifest = (done.path / MANIFEST).read_text()
    assert manifest.splitlines()[3].startswith("EVIDENCE FAILED VERIFICATION")
    recorded = json.loads((done.path / "item.json").read_text())["evidence"]
    assert hashlib.sha256((done.path / SEALED).read_bytes()).hexdigest() != \
        recorded["sha256_in_audit_log"]
    _sums_verify(done.path)  # the files themselves are intact: it is the evidence that is not


@pytest.mark.parametrize("login", ["alice", "mallory"])
def test_those_who_may_not_read_the_audit_log_may_not_export(
        roster: Services, clock: FakeClock, tmp_path: Path, login: str) -> None:
    item_id = queue_rude_reply(roster.db, clock)
    with pytest.raises(NotAuthorised):
        export_item(roster.db, login, item_id, tmp_path / "out", clock)
    assert not (tmp_path / "out").exists()
    (refused,) = audit.history(roster.db.conn, f"moderation:{item_id}")[-1:]
    assert refused["action"] == "moderation.export_refused" and refused["actor"] == login
    with pytest.raises(NotFound):
        export_item(roster.db, "ec", 999, tmp_path / "out", clock)


def test_the_command_writes_and_exits_by_the_evidence(tmp_path: Path) -> None:
    me = current_login()
    config = make_config(tmp_path)
    db = open_database(config.database_path, create=True)
    roster = Roster(db, (), clock=lambda: START)
    roster.initialise("hq", "Harriet Quinn")
    roster.add("hq", me, "Eve Committee", Role.EXECUTIVE_COMMITTEE)
    item_id = queue_rude_reply(db, FakeClock())
    db.close()
    cfg = tmp_path / "inmm.toml"
    cfg.write_text(f'[inmm]\ndatabase = "{config.database_path}"\n')
    ok = run_cli("--config", str(cfg), "moderation", "export", str(item_id), "--output",
                 str(tmp_path / "ec"), "--zip")
    assert ok.returncode == 0, ok.stderr
    assert "verifies against the hash" in ok.stdout and "capture.png is a copy" in ok.stdout
    (written,) = (tmp_path / "ec").glob("*.zip")
    assert str(written) in ok.stdout
    db = open_database(config.database_path)
    db.conn.execute("UPDATE evidence SET rendered_svg = '<svg>edited</svg>'")
    db.close()
    flagged = run_cli("--config", str(cfg), "moderation", "export", str(item_id), "--output",
                      str(tmp_path / "ec2"))
    assert flagged.returncode == 1 and "EVIDENCE FAILED VERIFICATION" in flagged.stdout
    missing = run_cli("--config", str(cfg), "moderation", "export", "77", "--output",
                      str(tmp_path / "ec3"))
    assert missing.returncode == 4 and "Traceback" not in missing.stderr


def test_purged_evidence_is_exported_as_what_remains(roster: Services, clock: FakeClock,
                                                     tmp_path: Path) -> None:
    item_id = queue_rude_reply(roster.db, clock)
    moderation = Moderation(roster.db, clock=clock, outlets={"x": "x"})
    moderation.dismiss("hq", item_id, "nothing to do")
    clock.advance(days=40)
    assert moderation.purge_evidence(audit.DAEMON, 30) == 1
    done = export_item(roster.db, "ec", item_id, tmp_path, clock)
    assert done.ok and done.check.purged
    assert "EVIDENCE PURGED" in (done.path / MANIFEST).read_text()
    assert not (done.path / "payload.json").exists() and not (done.path / SEALED).exists()
    actions = [e["action"] for e in
               json.loads((done.path / "audit.json").read_text())["entries"]]
    assert actions == ["evidence.capture", "moderation.queue", "moderation.dismiss",
                       "evidence.purge"]
    _sums_verify(done.path)


def test_a_capture_of_control_characters_is_well_formed_and_drawn() -> None:
    import xml.etree.ElementTree as ElementTree

    from inmm_tui.domain.capture_png import render_png
    from inmm_tui.domain.evidence import render_svg

    hostile = "run \x1b[31mthis\x1b[0m \u202eevil\x00 now"
    svg = render_svg("x", "Troll\x07", "troll", "2026-11-02T15:00:00Z", hostile)
    ElementTree.fromstring(svg)  # an ESC or NUL written raw makes it ill-formed XML
    assert "\x1b" not in svg and "\u202e" not in svg and "\x00" not in svg
    assert "\u241b[31mthis" in svg  # the escape shown, as every screen shows it
    # A capture made before, holding the raw characters, is still drawn.
    old = svg.replace("\u241b", "\x1b")
    assert render_png(old).startswith(b"\x89PNG")
