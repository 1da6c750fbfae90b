"""Media with alt text (issue 17), in the domain: metadata stripped before anything is
kept, alt text required and screened, each outlet's limits, and the clearance binding
the stored file's bytes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PIL import Image

from inmm_tui.domain import audit
from inmm_tui.domain.errors import InvalidInput, NotAuthorised, NotFound
from inmm_tui.domain.posts import ScreenOutcome, ScreenRequest, clearance_digest, verify_clearance
from inmm_tui.domain.services import Services

from .media_helpers import GPS_IFD, SERIAL, SERIAL_NUMBER, exif_of, jpeg_with_gps, mp4_with_gps, png

BODY = "Photos from the 67th INMM Annual Meeting: https://inmm.org/annual"
ALT = "Delegates listening to the opening plenary in a full hall"


def _draft(svc: Services, outlets: list[str] | None = None) -> int:
    return svc.posts.create_draft("alice", BODY, topic="Annual Meeting", outlets=outlets)


def test_gps_and_camera_serial_are_stripped_before_the_file_is_kept(
        roster: Services, tmp_path: Path) -> None:
    original = jpeg_with_gps(tmp_path / "plenary.jpg")
    before = exif_of(original.read_bytes())
    assert before.get_ifd(GPS_IFD) and before[0x010F] == "PhoneMaker"  # the test file has them
    post_id = _draft(roster)
    item = roster.media.attach("alice", post_id, original, ALT)
    stored = Path(item.path).read_bytes()
    exif = exif_of(stored)
    assert not exif.get_ifd(GPS_IFD)
    assert 0x010F not in exif and not exif.get_ifd(0x8769).get(SERIAL)
    assert SERIAL_NUMBER.encode() not in stored and b"PhoneMaker" not in stored
    assert (item.mime, item.width, item.height) == ("image/jpeg", 64, 40)
    assert item.sha256 == hashlib.sha256(stored).hexdigest() and item.size == len(stored)
    assert Path(item.path).parent == Path(roster.config.database_path).parent / "media"
    with Image.open(item.path) as image:
        assert image.getpixel((10, 10))[0] > 150  # still the picture
    entry = audit.history(roster.db.conn, f"post:{post_id}")[-1]
    assert entry["action"] == "post.media.attach" and entry["details"]["sha256"] == item.sha256


def test_text_chunks_and_animation_comments_are_stripped_and_frames_kept(
        roster: Services, tmp_path: Path) -> None:
    from PIL import PngImagePlugin

    note = PngImagePlugin.PngInfo()
    note.add_text("Comment", "Taken at 48.2082N 16.3738E by " + SERIAL_NUMBER)
    Image.new("RGBA", (20, 10), (0, 0, 0, 0)).save(tmp_path / "logo.png", pnginfo=note)
    frames = [Image.new("RGB", (16, 16), (80 * n, 40, 200 - 60 * n)) for n in range(3)]
    frames[0].save(tmp_path / "spin.gif", save_all=True, append_images=frames[1:],
                   duration=[40, 80, 120], loop=0, comment=b"owner " + SERIAL_NUMBER.encode())
    logo = roster.media.attach("alice", _draft(roster), tmp_path / "logo.png", "The INMM logo")
    spin = roster.media.attach("alice", _draft(roster), tmp_path / "spin.gif", "A spinning wheel")
    for item in (logo, spin):
        assert SERIAL_NUMBER.encode() not in Path(item.path).read_bytes()
    with Image.open(logo.path) as image:
        assert image.mode == "RGBA" and image.getpixel((0, 0))[3] == 0  # still transparent
    with Image.open(spin.path) as image:
        assert image.n_frames == 3 and image.info.get("loop") == 0
        image.seek(2)
        assert image.info["duration"] == 120


def test_video_metadata_boxes_are_blanked_without_moving_any_offset(
        roster: Services, tmp_path: Path) -> None:
    original = mp4_with_gps(tmp_path / "tour.mp4")
    raw = original.read_bytes()
    item = roster.media.attach("alice", _draft(roster), original, "A walk through the lab")
    stored = Path(item.path).read_bytes()
    assert len(stored) == len(raw) and stored.endswith(raw[-2048:])  # the film is untouched
    assert b"+48.2082" not in stored and SERIAL_NUMBER.encode() not in stored
    assert b"udta" not in stored and b"free" in stored
    assert (item.mime, item.width, item.height) == ("video/mp4", 320, 240)


def test_what_cannot_be_stripped_is_refused_naming_the_file(roster: Services,
                                                            tmp_path: Path) -> None:
    post_id = _draft(roster)
    broken = tmp_path / "notes.jpg"
    broken.write_bytes(b"this is not an image at all")
    with pytest.raises(InvalidInput, match=r"notes\.jpg"):
        roster.media.attach("alice", post_id, broken, ALT)
    truncated = tmp_path / "cut.mp4"
    truncated.write_bytes(mp4_with_gps(tmp_path / "whole.mp4").read_bytes()[:60])
    with pytest.raises(InvalidInput, match=r"cut\.mp4"):
        roster.media.attach("alice", post_id, truncated, ALT)
    with pytest.raises(InvalidInput, match=r"drone\.mp4: the video has a 'meta' data track"):
        roster.media.attach("alice", post_id,
                            mp4_with_gps(tmp_path / "drone.mp4", telemetry=True), ALT)
    with pytest.raises(InvalidInput, match="no such file"):
        roster.media.attach("alice", post_id, tmp_path / "absent.png", ALT)
    assert roster.media.items(post_id) == []


def test_alt_text_is_required_on_attaching_and_on_submitting(roster: Services,
                                                             tmp_path: Path) -> None:
    post_id = _draft(roster)
    with pytest.raises(InvalidInput, match=r"plenary\.jpg has no alt text"):
        roster.media.attach("alice", post_id, jpeg_with_gps(tmp_path / "plenary.jpg"), "  ")
    item = roster.media.attach("alice", post_id, png(tmp_path / "hall.png"), ALT)
    # Blanked behind the domain's back (an older row, a hand edit): submit still refuses.
    roster.db.conn.execute("UPDATE post_media SET alt = '' WHERE id = ?", (item.id,))
    with pytest.raises(InvalidInput, match=r"hall\.png has no alt text"):
        roster.posts.submit("alice", post_id)
    assert roster.posts.get(post_id).status == "draft"
    refused = audit.history(roster.db.conn, f"post:{post_id}")[-1]
    assert refused["action"] == "post.submit.refused" and "hall.png" in refused["details"]["reason"]


def test_each_outlets_limits_are_kept(roster: Services, tmp_path: Path) -> None:
    post_id = _draft(roster, outlets=["x"])
    for n in range(4):
        roster.media.attach("alice", post_id, png(tmp_path / f"p{n}.png", colour=(n, 0, 0)),
                            f"{ALT} {n}")
    with pytest.raises(InvalidInput, match="5 images; it takes at most 4"):
        roster.media.attach("alice", post_id, png(tmp_path / "p5.png"), ALT)
    other = _draft(roster, outlets=["x"])
    roster.media.attach("alice", other, png(tmp_path / "one.png"), ALT)
    with pytest.raises(InvalidInput, match="images and a video together"):
        roster.media.attach("alice", other, mp4_with_gps(tmp_path / "v.mp4"), ALT)
    gif = _draft(roster, outlets=["x", "mastodon"])
    frames = [Image.new("RGB", (8, 8), (n * 90, 0, 0)) for n in range(2)]
    frames[0].save(tmp_path / "wave.gif", save_all=True, append_images=frames[1:])
    roster.media.attach("alice", gif, tmp_path / "wave.gif", "A waving hand")
    with pytest.raises(InvalidInput, match=r"x \(X\): wave\.gif: a GIF goes alone"):
        roster.media.attach("alice", gif, png(tmp_path / "two.png"), ALT)
    long_alt = _draft(roster, outlets=["x"])
    with pytest.raises(InvalidInput, match="alt text is 1001 characters"):
        roster.media.attach("alice", long_alt, png(tmp_path / "long.png"), "a" * 1001)
    actions = [e["action"] for e in audit.history(roster.db.conn, f"post:{long_alt}")]
    assert actions[-1] == "post.media.refused"


def test_alt_text_is_screened_like_the_text(roster: Services, tmp_path: Path) -> None:
    seen: list[str] = []

    def screener(request: ScreenRequest) -> ScreenOutcome:
        seen.append(request.text)
        if "buy now" in request.text:
            return ScreenOutcome("block", [{"rule": "advertising.x", "category": "advertising",
                                            "message": "advertising"}])
        return ScreenOutcome("pass")

    roster.posts.screener = screener
    post_id = _draft(roster)
    roster.media.attach("alice", post_id, png(tmp_path / "ad.png"), "Our sponsor: buy now")
    post = roster.posts.submit("alice", post_id)
    assert "Our sponsor: buy now" in seen
    assert post.screening_verdict == "block"
    assert [f["media"] for f in post.screening] == ["ad.png"]


def test_plain_posts_keep_their_digest_and_media_posts_bind_hash_and_alt() -> None:
    texts = {"x": "Hello ^AA"}
    plain = clearance_digest(texts, "2026-11-02T15:00:00Z")
    assert plain == clearance_digest(texts, "2026-11-02T15:00:00Z", None, [])
    with_file = clearance_digest(texts, "2026-11-02T15:00:00Z", None, [["ab" * 32, ALT]])
    assert with_file != plain
    assert with_file != clearance_digest(texts, "2026-11-02T15:00:00Z", None,
                                         [["ab" * 32, ALT + "."]])
    assert with_file != clearance_digest(texts, "2026-11-02T15:00:00Z", None,
                                         [["cd" * 32, ALT]])


def _cleared_with_file(svc: Services, tmp_path: Path) -> tuple[int, str]:
    post_id = _draft(svc)
    item = svc.media.attach("alice", post_id, jpeg_with_gps(tmp_path / "plenary.jpg"), ALT)
    svc.posts.submit("alice", post_id)
    svc.posts.clear("bob", post_id, publish_if_untimed=True)
    return post_id, item.path


def test_a_stored_file_changed_after_clearance_is_refused_until_cleared_again(
        roster: Services, tmp_path: Path) -> None:
    post_id, stored = _cleared_with_file(roster, tmp_path)
    deliveries = roster.posts.deliveries(post_id)
    assert all(verify_clearance(roster.db.conn, d.id) is None for d in deliveries)
    Path(stored).write_bytes(Path(stored).read_bytes() + b"\0")
    problem = verify_clearance(roster.db.conn, deliveries[0].id)
    assert problem is not None and "plenary.jpg differs" in problem
    # A changed hash or alt text in the database is refused by the digest as well.
    Path(stored).write_bytes(Path(stored).read_bytes()[:-1])
    roster.db.conn.execute("UPDATE post_media SET alt = 'something else' WHERE post_id = ?",
                           (post_id,))
    assert "differ from what was cleared" in (verify_clearance(roster.db.conn,
                                                               deliveries[0].id) or "")


def test_changing_a_file_or_its_alt_text_sends_the_post_back_for_clearance(
        roster: Services, tmp_path: Path) -> None:
    post_id, _ = _cleared_with_file(roster, tmp_path)
    item = roster.media.items(post_id)[0]
    post = roster.posts.get(post_id)
    assert post.status == "scheduled"
    roster.media.set_alt("alice", post_id, item.id, ALT + " at dawn")
    post = roster.posts.get(post_id)
    assert post.status == "submitted" and post.clearance_hash is None
    assert roster.posts.deliveries(post_id) == []
    cleared = roster.posts.clear("bob", post_id, publish_if_untimed=True)
    assert cleared.status == "scheduled"
    roster.media.attach("alice", post_id, png(tmp_path / "second.png"), "A second view")
    assert roster.posts.get(post_id).status == "submitted"
    details = audit.history(roster.db.conn, f"post:{post_id}")[-1]["details"]
    assert details["clearance"].startswith("withdrawn")


def test_removing_a_file_is_an_edit_audited_by_name_and_fingerprint(
        roster: Services, tmp_path: Path) -> None:
    post_id, _ = _cleared_with_file(roster, tmp_path)
    roster.media.attach("alice", post_id, png(tmp_path / "map.png"), "A map of the venue")
    roster.posts.clear("bob", post_id, publish_if_untimed=True)
    cleared = roster.posts.get(post_id)
    assert cleared.status == "scheduled" and cleared.clearance_hash
    first, second = roster.media.items(post_id)

    # Someone who may not edit the post may not take its files off: refused and audited.
    with pytest.raises(NotAuthorised):
        roster.media.remove("ec", post_id, first.id)
    refused = audit.history(roster.db.conn, f"post:{post_id}")[-1]
    assert refused["action"] == "post.refused" and refused["details"]["attempt"] == "remove file"
    assert [i.id for i in roster.media.items(post_id)] == [first.id, second.id]
    assert roster.posts.get(post_id).status == "scheduled"

    removed = roster.media.remove("alice", post_id, first.id)
    assert removed.name == "plenary.jpg"
    assert [i.id for i in roster.media.items(post_id)] == [second.id]
    entry, deleted = audit.history(roster.db.conn, f"post:{post_id}")[-2:]
    assert deleted["action"] == "media.delete"  # its stored copy, which no post needs now
    assert deleted["details"]["files"] == [Path(removed.path).name]
    assert entry["action"] == "post.media.remove"
    assert entry["details"]["file"] == "plenary.jpg"
    assert entry["details"]["sha256"] == first.sha256
    assert entry["details"]["clearance"].startswith("withdrawn")
    post = roster.posts.get(post_id)
    assert post.status == "submitted" and post.clearance_hash is None
    assert roster.posts.deliveries(post_id) == []

    # Cleared again, the clearance covers the one file left, not the two.
    roster.posts.clear("bob", post_id, publish_if_untimed=True)
    again = roster.posts.get(post_id)
    texts = roster.posts.final_texts(again)
    (cleared_at,) = roster.db.conn.execute("SELECT cleared_at FROM posts WHERE id = ?",
                                           (post_id,)).fetchone()
    assert again.clearance_hash == clearance_digest(texts, cleared_at, None,
                                                    [[second.sha256, second.alt]])
    assert again.clearance_hash != clearance_digest(
        texts, cleared_at, None, [[first.sha256, first.alt], [second.sha256, second.alt]])
    assert all(verify_clearance(roster.db.conn, d.id) is None
               for d in roster.posts.deliveries(post_id))
    with pytest.raises(NotFound):
        roster.media.remove("alice", post_id, first.id)


def test_a_file_or_alt_text_change_refused_by_the_rules_is_in_the_audit_log(
        roster: Services, tmp_path: Path) -> None:
    # As for any edit: someone who may not change the post is refused, and the refusal is
    # kept, whichever part of the post was tried.
    post_id, _ = _cleared_with_file(roster, tmp_path)
    (item,) = roster.media.items(post_id)
    with pytest.raises(NotAuthorised):
        roster.media.attach("ec", post_id, png(tmp_path / "map.png"), "A map of the venue")
    with pytest.raises(NotAuthorised):
        roster.media.set_alt("ec", post_id, item.id, "Someone else's description")
    refused = [e["details"]["attempt"] for e in audit.history(roster.db.conn, f"post:{post_id}")
               if e["action"] == "post.refused"]
    assert refused == ["attach file", "change alt text"]
    assert [(i.id, i.alt) for i in roster.media.items(post_id)] == [(item.id, item.alt)]
