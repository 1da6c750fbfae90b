"""Media from the command line: `post new --media PATH --alt TEXT`, `post edit --media`,
`post show`, and the CSV import's media path and alt text columns."""

from __future__ import annotations

import json
from pathlib import Path

from inmm_tui.domain import audit

from .media_helpers import SERIAL_NUMBER, jpeg_with_gps, png
from .test_post_cli import GOOD, Cli, cli  # noqa: F401 - the fixture

ALT = "The registration desk on the first morning"


def test_post_new_attaches_stripped_files_with_their_alt_text(cli: Cli, tmp_path: Path) -> None:  # noqa: F811
    photo = jpeg_with_gps(tmp_path / "desk.jpg")
    post_id = cli.new("alice", GOOD, "--topic", "annual meeting", "--media", str(photo),
                      "--alt", ALT, "--media", str(png(tmp_path / "map.png")),
                      "--alt", "A map of the venue")
    code, out, err = cli("alice", "post", "show", str(post_id), "--json")
    assert code == 0, err
    media = json.loads(out)["media"]
    assert [(m["name"], m["mime"], m["alt"]) for m in media] == [
        ("desk.jpg", "image/jpeg", ALT), ("map.png", "image/png", "A map of the venue")]
    stored = cli.db().media.items(post_id)[0]
    assert SERIAL_NUMBER.encode() not in Path(stored.path).read_bytes()
    code, out, _ = cli("alice", "post", "submit", str(post_id))
    assert code == 0 and "screening: pass" in out
    code, out, _ = cli("bob", "post", "show", str(post_id))
    assert "desk.jpg: JPEG 64x40" in out and ALT in out


def test_alt_text_is_screened_with_the_real_rules(cli: Cli, tmp_path: Path) -> None:  # noqa: F811
    code, out, err = cli("alice", "post", "new", GOOD, "--topic", "annual meeting",
                         "--media", str(png(tmp_path / "sign.png")),
                         "--alt", "A placard: Vote Democrat in the election", "--submit")
    assert code == 0, err
    assert "screening: block" in out
    assert "politics_religion" in out and "in the alt text of sign.png" in out


def test_a_file_without_alt_text_is_refused_and_no_draft_is_left(cli: Cli,  # noqa: F811
                                                                 tmp_path: Path) -> None:
    photo = str(jpeg_with_gps(tmp_path / "desk.jpg"))
    code, _, err = cli("alice", "post", "new", GOOD, "--media", photo)
    assert code == 2 and "one --alt for each --media" in err
    code, _, err = cli("alice", "post", "new", GOOD, "--media", photo, "--alt", " ")
    assert code == 2 and "desk.jpg has no alt text" in err
    svc = cli.db()
    assert svc.db.conn.execute("SELECT count(*) FROM posts").fetchone()[0] == 0
    refused = audit.history(svc.db.conn, "post")[-1]
    assert refused["action"] == "post.refused" and "desk.jpg" in refused["details"]["refusal"]


def test_post_edit_adds_a_file_and_sends_a_cleared_post_back(cli: Cli,  # noqa: F811
                                                             tmp_path: Path) -> None:
    post_id = cli.new("alice", GOOD, "--topic", "annual meeting", "--submit")
    assert cli("bob", "post", "clear", str(post_id))[0] == 0
    code, out, err = cli("alice", "post", "edit", str(post_id), "--media",
                         str(png(tmp_path / "map.png")), "--alt", "A map of the venue")
    assert code == 0, err
    assert "attached map.png" in out and "must be cleared again" in out
    assert cli.db().posts.get(post_id).status == "submitted"
    code, out, err = cli("alice", "post", "edit", str(post_id), "--remove-media", "2")
    assert code == 2 and "has no file 2 (it has 1; `post show" in err
    code, out, err = cli("alice", "post", "edit", str(post_id), "--remove-media", "1")
    assert code == 0 and "took off map.png" in out, err
    assert cli.db().media.items(post_id) == []


def test_the_csv_import_attaches_each_rows_files(cli: Cli, tmp_path: Path) -> None:  # noqa: F811
    (tmp_path / "pictures").mkdir()
    jpeg_with_gps(tmp_path / "pictures" / "desk.jpg")
    png(tmp_path / "pictures" / "map.png")
    source = tmp_path / "schedule.csv"
    source.write_text(
        "text,outlets,when,topic,event,media path,alt text\n"
        f'"{GOOD}",all,,Annual Meeting,,pictures/desk.jpg | pictures/map.png,'
        f'"{ALT} | A map of the venue"\n'
        f'"{GOOD} again",x,,Annual Meeting,,,\n', encoding="utf-8")
    code, _, err = cli("alice", "post", "import", str(source), "--dry-run")
    assert code == 0, err
    assert not (tmp_path / "media").exists()  # a dry run keeps nothing, files included
    code, _, err = cli("alice", "post", "import", str(source))
    assert code == 0, err
    svc = cli.db()
    first, second = [p for p, in svc.db.conn.execute("SELECT id FROM posts ORDER BY id")]
    assert [(m.name, m.alt) for m in svc.media.items(first)] == [
        ("desk.jpg", ALT), ("map.png", "A map of the venue")]
    assert svc.media.items(second) == []
    assert svc.posts.get(first).status == "submitted"
    missing_alt = tmp_path / "bad.csv"
    missing_alt.write_text("text,outlets,media path,alt text\n"
                           f'"{GOOD}",x,pictures/desk.jpg | pictures/map.png,{ALT}\n')
    code, _, err = cli("alice", "post", "import", str(missing_alt))
    assert code == 2 and "line 2, column alt text: pictures/map.png has no alt text" in err


def test_post_edit_takes_off_a_file_by_its_number_in_post_show(cli: Cli,  # noqa: F811
                                                               tmp_path: Path) -> None:
    post_id = cli.new("alice", GOOD, "--topic", "annual meeting",
                      "--media", str(jpeg_with_gps(tmp_path / "desk.jpg")), "--alt", ALT,
                      "--media", str(png(tmp_path / "map.png")), "--alt", "A map of the venue")
    desk = cli.db().media.items(post_id)[0]
    code, out, _ = cli("alice", "post", "show", str(post_id))
    assert "file 1: desk.jpg" in out and "file 2: map.png" in out
    code, out, err = cli("alice", "post", "edit", str(post_id), "--remove-media", "1")
    assert code == 0, err
    assert f"took off desk.jpg (sha256 {desk.sha256[:12]})" in out
    assert [m.name for m in cli.db().media.items(post_id)] == ["map.png"]
    entry, deleted = audit.history(cli.db().db.conn, f"post:{post_id}")[-2:]
    assert deleted["action"] == "media.delete" and not Path(desk.path).exists()
    assert entry["action"] == "post.media.remove" and entry["details"] == {
        "file": "desk.jpg", "sha256": desk.sha256}
    code, _, err = cli("alice", "post", "edit", str(post_id), "--remove-media", "1")
    assert code == 0, err
    code, out, err = cli("alice", "post", "edit", str(post_id), "--remove-media", "1")
    assert code == 2 and f"post #{post_id} has no file 1 (it has none;" in err
    assert "Traceback" not in err
