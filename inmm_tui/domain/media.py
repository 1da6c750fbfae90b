"""Images and video attached to a post ("Media with alt text", issue 17).

- A file is attached by its author (or an account manager) to a post not yet sent. Its
  metadata is stripped first and only the stripped copy is kept, in the `media` folder
  beside the database, named by the SHA-256 of its bytes; the daemon reads it there.
  Images are re-saved by Pillow without their EXIF, XMP, IPTC and text chunks (GPS
  position, camera make and serial number, owner's name), after turning them upright
  by their EXIF orientation (which goes with the rest). An MP4 keeps its audio and
  pictures; every metadata box (`udta`, `meta`, `uuid`: GPS position, camera make and
  serial number) is overwritten in place by a `free` box of the same size, so that no
  offset in the file moves. A video with a track other than picture, sound, subtitles or
  timecode (a GPS or motion telemetry track, as action cameras and drones record) is
  refused: that would need re-encoding, which we do not do. A file that is neither one of
  the four image formats nor an MP4 whose boxes can be read is refused, never sent as it
  is.
- Every file needs alt text ("Inclusive"); a post with a file without it is refused at
  submission, naming the file. Alt text is screened like the post's text, on every
  outlet the post goes to.
- Each outlet's limits (how many, how large, which formats, how long an alt text) are its
  capabilities' `media`: checked on attaching and on submitting.
- The clearance covers each file's SHA-256 and alt text, in order; the daemon re-hashes
  the stored file before sending, so a file changed on disk is refused, and a post whose
  files or alt texts are changed through here goes back for clearance.
- Retention: a stored copy is evidence of what was (or is to be) published, kept as long
  as the post's record is, that is for good, while any post that may still go out or has
  gone out (on any outlet, even if taken down since) refers to it. A copy is deleted when
  nothing needs it any more: its file was taken off a post before it went out, or the
  only posts carrying it were deleted drafts or were withdrawn before going out. The
  database is the truth: a copy is deleted only after the commit that stopped referring
  to it (`release`), under the write lock, so that an attach of the same bytes cannot
  slip in between. A copy left by a crash (between the copy and the commit that was to
  refer to it, or between that commit and the deletion) is removed by `sweep` once older
  than ORPHAN_AGE; the daemon sweeps every day. Each deletion is in the audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import sqlite3
import struct
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inmm_tui.capabilities import GIF, JPEG, MP4, PNG, WEBP, for_api
from inmm_tui.domain import audit
from inmm_tui.domain.errors import InvalidInput, InvalidState, NotAuthorised, NotFound
from inmm_tui.domain.people import authorise
from inmm_tui.domain.posts import refusals_audited
from inmm_tui.domain.roles import Action
from inmm_tui.media_file import MediaFile
from inmm_tui.outside_text import describe, forbidden_character, where
from inmm_tui.store.tx import write
from inmm_tui.timeutil import to_db

if TYPE_CHECKING:
    from sqlite_utils import Database

    from inmm_tui.domain.posts import Post, Posts, ScreenOutcome

MAX_FILE_BYTES = 512 * 1024 * 1024
"""The largest file any outlet takes (X's video): a larger one is refused unread."""
MAX_ALT = 5000
IMAGE_FORMATS = {"JPEG": JPEG, "PNG": PNG, "GIF": GIF, "WEBP": WEBP}
"""Pillow's format name → MIME type, for the formats any outlet takes."""
EXTENSIONS = {JPEG: ".jpg", PNG: ".png", GIF: ".gif", WEBP: ".webp", MP4: ".mp4"}
METADATA_BOXES = {b"udta", b"meta", b"uuid", b"XMP_"}
"""MP4 boxes that carry metadata (GPS `\xa9xyz`, make and model, serial numbers, XMP)."""
CONTAINER_BOXES = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf"}
"""MP4 boxes made of boxes, walked for metadata inside them."""
TRACK_KINDS = {b"vide", b"soun", b"text", b"sbtl", b"subt", b"tmcd"}
"""Track handlers kept: pictures, sound, subtitles, timecode. Any other track (`meta`,
GoPro's `gpmd`, `camm` camera motion) may be a recording of where the camera was, which
cannot be blanked without re-encoding: such a video is refused."""
ABOUT_THE_POST = {"length", "signature", "credibility", "topic", "timeliness", "text_form"}
"""Screening categories about a post as a whole (its length, signature, link, topic and
date), not applied to an alt text: its length is each outlet's alt-text limit."""
SENDABLE = ("draft", "submitted", "rejected", "cleared", "scheduled")
ORPHAN_AGE = dt.timedelta(minutes=30)
"""How old a stored copy no post needs must be before `sweep` deletes it: far longer than
an attach takes, so that a sweep in another process never races one."""
RETIRED = ".deleting"
"""The suffix a copy is renamed to, under the write lock, in the transaction that records
its deletion; the renamed file is unlinked after the commit (or swept, after a crash)."""


@dataclass(frozen=True)
class Prepared:
    data: bytes
    mime: str
    width: int | None
    height: int | None


@dataclass(frozen=True)
class MediaItem:
    """One attached file, as the UI and the command line show it."""

    id: int
    post_id: int
    position: int
    name: str
    mime: str
    width: int | None
    height: int | None
    size: int
    alt: str
    sha256: str
    path: str

    def as_file(self) -> MediaFile:
        return MediaFile(path=self.path, sha256=self.sha256, mime=self.mime, alt=self.alt,
                         name=self.name, size=self.size, width=self.width, height=self.height)

    def describe(self) -> str:
        """`photo.jpg: JPEG 1200x800, 245 KB`."""
        kind = self.mime.split("/")[1].upper()
        shape = f" {self.width}x{self.height}" if self.width and self.height else ""
        return f"{self.name}: {kind}{shape}, {human_size(self.size)}"


def human_size(size: int) -> str:
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"


# ----- stripping ---------------------------------------------------------------------------


def prepare(data: bytes, name: str) -> Prepared:
    """The file's bytes with its metadata stripped, and what it is; InvalidInput naming
    the file when it is not an image or video we can strip."""
    if data[4:8] == b"ftyp":
        return _strip_mp4(data, name)
    return _strip_image(data, name)


def _strip_image(data: bytes, name: str) -> Prepared:
    from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as opened:
            mime = IMAGE_FORMATS.get(opened.format or "")
            if mime is None:
                raise InvalidInput(f"{name}: {opened.format} images are not taken; use JPEG, "
                                   "PNG, GIF or WebP")
            frames = getattr(opened, "n_frames", 1)
            fmt = opened.format
            icc = opened.info.get("icc_profile")
            if frames > 1:
                # An animation: each frame copied bare (its comments, EXIF and XMP left
                # behind), with only its timing and the loop carried over.
                copies, durations = [], []
                for frame in ImageSequence.Iterator(opened):
                    durations.append(frame.info.get("duration", 100))
                    bare = frame.copy()
                    bare.info = _drawing_only(frame.info)
                    copies.append(bare)
                image = copies[0]
                out = io.BytesIO()
                image.save(out, format=fmt, save_all=True, append_images=copies[1:],
                           duration=durations, loop=opened.info.get("loop", 0))
            else:
                # Upright by its EXIF orientation first, since the EXIF is dropped.
                image = ImageOps.exif_transpose(opened) or opened.copy()
                image.info = _drawing_only(opened.info)
                out = io.BytesIO()
                options = {"icc_profile": icc} if icc else {}
                if fmt == "JPEG":
                    options["quality"] = 95
                if fmt == "WEBP":
                    options["lossless"] = bool(opened.info.get("lossless"))
                image.save(out, format=fmt, **options)
            width, height = image.size
    except InvalidInput:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise InvalidInput(f"{name}: not an image or video inmm-tui can read "
                           f"(JPEG, PNG, GIF, WebP, or MP4 video): {exc}") from None
    return Prepared(out.getvalue(), mime, width, height)


def _drawing_only(info: dict[Any, Any]) -> dict[Any, Any]:
    """Of an image's `info`, only what drawing it needs (which colour is transparent, the
    background): never its EXIF, XMP, comments or text chunks."""
    return {key: info[key] for key in ("transparency", "background") if key in info}


def _boxes(data: bytearray, start: int, end: int, name: str) -> list[tuple[bytes, int, int, int]]:
    """The boxes between `start` and `end`: (type, start, header length, size)."""
    found = []
    at = start
    while at < end:
        if end - at < 8:
            raise InvalidInput(f"{name}: the MP4 file ends inside a box; it cannot be read")
        size, kind = struct.unpack(">I4s", data[at:at + 8])
        header = 8
        if size == 1:
            if end - at < 16:
                raise InvalidInput(f"{name}: the MP4 file ends inside a box; it cannot be read")
            size = struct.unpack(">Q", data[at + 8:at + 16])[0]
            header = 16
        elif size == 0:
            size = end - at
        if size < header or at + size > end:
            raise InvalidInput(f"{name}: the MP4 file has a box of a wrong size at byte {at}; "
                               "it cannot be read, so its metadata cannot be stripped")
        found.append((kind, at, header, size))
        at += size
    return found


def _strip_mp4(source: bytes, name: str) -> Prepared:
    data = bytearray(source)
    top = _boxes(data, 0, len(data), name)
    kinds = [kind for kind, *_ in top]
    if b"moov" not in kinds:
        raise InvalidInput(f"{name}: the MP4 file has no `moov` box; it cannot be read")
    brand = bytes(data[8:12])
    if brand[:2] == b"qt":
        raise InvalidInput(f"{name}: a QuickTime (.mov) file; convert it to MP4 first")
    width = height = None

    def walk(boxes: list[tuple[bytes, int, int, int]]) -> None:
        nonlocal width, height
        for kind, at, header, size in boxes:
            if kind in METADATA_BOXES:
                # Overwritten in place: a `free` box of the same size moves no offset.
                data[at + 4:at + 8] = b"free"
                data[at + header:at + size] = bytes(size - header)
            elif kind in CONTAINER_BOXES:
                walk(_boxes(data, at + header, at + size, name))
            elif kind == b"hdlr" and size >= header + 12:
                handler = bytes(data[at + header + 8:at + header + 12])
                if handler not in TRACK_KINDS:
                    raise InvalidInput(
                        f"{name}: the video has a {handler.decode('latin-1')!r} data track, "
                        "which may record where the camera was (GPS telemetry); inmm-tui "
                        "cannot remove it. Export the video again without it (most editors "
                        "keep only picture and sound)")
            elif kind == b"tkhd" and size >= header + 84:
                w, h = struct.unpack(">II", data[at + size - 8:at + size])
                if w and h and width is None:
                    width, height = w >> 16, h >> 16

    walk(top)
    return Prepared(bytes(data), MP4, width, height)


# ----- reading ------------------------------------------------------------------------------


COLUMNS = "id, post_id, position, name, mime, width, height, size, alt, sha256, path"


def items(conn: sqlite3.Connection, post_id: int) -> list[MediaItem]:
    return [MediaItem(*row) for row in conn.execute(
        f"SELECT {COLUMNS} FROM post_media WHERE post_id = ? ORDER BY position", (post_id,))]


def files_for(conn: sqlite3.Connection, post_id: int) -> list[MediaFile]:
    """What the daemon hands the platform with the post, in order."""
    return [item.as_file() for item in items(conn, post_id)]


def clearance_items(conn: sqlite3.Connection, post_id: int) -> list[list[str]]:
    """What the clearance covers of the post's files: each one's SHA-256 and alt text, in
    order (empty for a post without files, which leaves its digest as it always was)."""
    return [[sha, alt] for sha, alt in conn.execute(
        "SELECT sha256, alt FROM post_media WHERE post_id = ? ORDER BY position", (post_id,))]


def file_problem(conn: sqlite3.Connection, post_id: int) -> str | None:
    """Why a stored file is not the one cleared (missing, or other bytes); None if each is."""
    for item in items(conn, post_id):
        try:
            digest = hashlib.sha256(Path(item.path).read_bytes()).hexdigest()
        except OSError as exc:
            return f"post #{post_id}: the file {item.name} cannot be read ({exc.strerror})"
        if digest != item.sha256:
            return (f"post #{post_id}: the file {item.name} differs from the one that was "
                    "cleared; it must be cleared again")
    return None


def media_dir(conn: sqlite3.Connection) -> Path:
    """The folder beside the database where stripped files are kept (the daemon reads it)."""
    row = conn.execute("PRAGMA database_list").fetchone()
    if not row or not row[2]:
        raise InvalidState("attached files need a database file (not an in-memory one)")
    return Path(row[2]).resolve().parent / "media"


# ----- retention ---------------------------------------------------------------------------


def _needed(conn: sqlite3.Connection) -> set[str]:
    """The names of the stored copies some post needs: one that may still go out (anything
    but withdrawn), or one that went out on at least one outlet."""
    return {Path(path).name for (path,) in conn.execute(
        "SELECT m.path FROM post_media m JOIN posts p ON p.id = m.post_id"
        " WHERE p.status != 'withdrawn' OR EXISTS (SELECT 1 FROM deliveries d"
        " WHERE d.post_id = p.id AND d.state IN ('sending', 'sent'))")}


def _retire(conn: sqlite3.Connection, actor: str, subject: str, why: str, names: list[str],
            at: dt.datetime) -> None:
    """Inside the caller's write transaction: audit the deletion of the copies `names`
    and rename each out of the store, to be unlinked (`_unlink`) once it has committed."""
    folder = media_dir(conn)
    audit.append(conn, actor, "media.delete", subject, {"why": why, "files": names}, at=at)
    for name in names:
        if not name.endswith(RETIRED):
            os.replace(folder / name, folder / (name + RETIRED))


def _unlink(conn: sqlite3.Connection, names: list[str]) -> None:
    folder = media_dir(conn)
    for name in names:
        (folder / (name if name.endswith(RETIRED) else name + RETIRED)).unlink(missing_ok=True)


def release(db: Database, actor: str, post_id: int, why: str, at: dt.datetime,
            paths: list[str] | None = None) -> list[str]:
    """Delete the stored copies of post `post_id` (or those at `paths`) that no post needs
    any more (see the module's docstring); the names deleted. Call it after the commit
    that stopped referring to them, outside any transaction."""
    if db.conn.in_transaction:
        raise RuntimeError("media.release runs after the commit that released the files")
    if paths is None:
        paths = [path for (path,) in db.conn.execute(
            "SELECT path FROM post_media WHERE post_id = ?", (post_id,))]
    if not paths:
        return []
    folder = media_dir(db.conn)
    try:
        with write(db):  # decided under the write lock, so no attach takes a copy meanwhile
            needed = _needed(db.conn)
            names = [name for name in dict.fromkeys(Path(path).name for path in paths)
                     if name not in needed and (folder / name).is_file()]
            if names:
                _retire(db.conn, actor, f"post:{post_id}", why, names, at)
        _unlink(db.conn, names)
    except OSError:
        # What the person asked for is done and committed; a copy the file system would
        # not let go of is left to the daemon's sweep, which retries and audits it.
        return []
    return names


def sweep(db: Database, actor: str, at: dt.datetime,
          older_than: dt.timedelta = ORPHAN_AGE) -> list[str]:
    """Delete every file in the store no post needs that is older than `older_than` (left
    by a crash, or by a deletion that did not finish); the names deleted, audited."""
    folder = media_dir(db.conn)
    if not folder.is_dir():
        return []
    # A file's age is the file system's, so measured by its clock, not the domain's.
    cutoff = time.time() - older_than.total_seconds()
    with write(db):
        needed = _needed(db.conn)
        names = sorted(path.name for path in folder.iterdir()
                       if path.is_file() and path.name not in needed
                       and path.stat().st_mtime < cutoff)
        if names:
            _retire(db.conn, actor, "media", "no post needs it (left by an interrupted "
                    "attach or deletion)", names, at)
    _unlink(db.conn, names)
    return names


# ----- limits, alt text, screening ------------------------------------------------------------


def check_alt(alt: str, name: str) -> str:
    """The alt text, trimmed; InvalidInput naming the file when it is empty or unfit."""
    text = alt.strip()
    if not text:
        raise InvalidInput(f"{name} has no alt text: describe the image or video for people "
                           "who cannot see it (the policy's \"Inclusive\")")
    if len(text) > MAX_ALT:
        raise InvalidInput(f"{name}: the alt text is {len(text)} characters (at most {MAX_ALT})")
    found = forbidden_character(text)
    if found is not None:
        index, char = found
        raise InvalidInput(f"{name}: the alt text holds {describe(char)} at "
                           f"{where(text, index)}; remove it")
    return text


def limits_problem(outlet_apis: dict[str, str], outlets: list[str],
                   files: list[MediaItem]) -> str | None:
    """Why these files cannot go with the post on one of its outlets; None if they can."""
    listed = [(f.name, f.mime, f.size, f.alt) for f in files]
    for outlet in outlets:
        caps = for_api(outlet_apis[outlet])
        if caps.media is None:
            return f"{outlet}: {caps.label} takes no attached files"
        why = caps.media.cannot(listed)
        if why:
            return f"{outlet} ({caps.label}): {why}"
    return None


def screen_alt_texts(posts: Posts, post: Post, outcome: ScreenOutcome) -> ScreenOutcome:
    """`outcome` (the screen of the post's texts) with each file's alt text screened too,
    on each outlet, its findings naming the file. The screen's length rule is the post's:
    an alt text's length is checked against each outlet's own limit instead."""
    from inmm_tui.domain.posts import ScreenOutcome

    files = items(posts.conn, post.id)
    if not files:
        return outcome
    author = posts._person(post.author)
    order = {"pass": 0, "warn": 1, "block": 2}
    worst, findings = outcome.verdict, list(outcome.findings)
    for item in files:
        screened = posts._screen_texts(
            {outlet: item.alt for outlet in post.outlets}, post.topic, post.announcement,
            author.role, posts._event_date(post.event_id), publish_at=post.scheduled_at)
        kept = [{**f, "media": item.name} for f in screened.findings
                if f.get("category") not in ABOUT_THE_POST]
        findings.extend(kept)
        # The screen's verdict is the worst of all its findings, the post-wide ones
        # included: it counts only where a finding about the alt text itself remains.
        if kept and order.get(screened.verdict, 0) > order[worst]:
            worst = screened.verdict
    return ScreenOutcome(worst, findings)


def refuse_unready(posts: Posts, actor: str, post_id: int) -> None:
    """Refuse, audited, to submit a post with a file that has no alt text or that one of its
    outlets cannot take: InvalidInput naming the file."""
    files = items(posts.conn, post_id)
    if not files:
        return
    post = posts.get(post_id)
    problem = next((f"{f.name} has no alt text: describe the image or video for people who "
                    "cannot see it (the policy's \"Inclusive\"); it cannot be submitted "
                    "without it" for f in files if not f.alt.strip()), None)
    problem = problem or limits_problem(posts.outlet_apis, list(post.outlets), files)
    if problem is None:
        return
    with write(posts.db):
        audit.append(posts.conn, actor, "post.submit.refused", f"post:{post_id}",
                     {"reason": problem}, at=posts.clock())
    raise InvalidInput(f"post #{post_id}: {problem}")


# ----- changing ----------------------------------------------------------------------------


class Media:
    """Attach, describe and remove a post's files; permissions checked here."""

    def __init__(self, posts: Posts):
        self.posts = posts
        self.db = posts.db
        self.clock = posts.clock

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn

    def items(self, post_id: int) -> list[MediaItem]:
        return items(self.conn, post_id)

    @refusals_audited("attach file")
    def attach(self, actor: str, post_id: int, source: str | os.PathLike[str],
               alt: str, *, keep_file: bool = True) -> MediaItem:
        """Strip the file's metadata, keep the stripped copy, and attach it with its alt
        text. A post already cleared goes back for clearance. Without `keep_file` (a dry
        run, rolled back by its caller) the copy is not written."""
        path = Path(source)
        name = path.name
        try:
            alt_text = check_alt(alt, name)
            prepared, original_size = self._read(path, name)
        except InvalidInput as exc:
            self._refused(actor, post_id, name, str(exc))
            raise
        digest = hashlib.sha256(prepared.data).hexdigest()
        with write(self.db):
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise InvalidInput(f"{name}: {human_size(size)}; no outlet takes a file over "
                                   f"{human_size(MAX_FILE_BYTES)}")
            post = self._changeable(actor, post_id)
            files = items(self.conn, post_id)
            candidate = MediaItem(0, post_id, len(files), name, prepared.mime, prepared.width,
                                  prepared.height, len(prepared.data), alt_text, digest, "")
            problem = limits_problem(self.posts.outlet_apis, list(post.outlets),
                                     [*files, candidate])
            if problem is None:
                stored = self._store(prepared, digest, write_file=keep_file)
                position = 1 + max((f.position for f in files), default=-1)
                cursor = self.conn.execute(
                    "INSERT INTO post_media (post_id, position, path, sha256, mime, width, height,"
                    " size, alt, name, added_by, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (post_id, position, str(stored), digest, prepared.mime, prepared.width,
                     prepared.height, len(prepared.data), alt_text, name, actor,
                     to_db(self.clock())))
                self._changed(actor, post, "post.media.attach",
                              {"file": name, "sha256": digest, "mime": prepared.mime,
                               "size": len(prepared.data), "original_size": original_size})
                media_id = int(cursor.lastrowid or 0)
        if problem is not None:
            self._refused(actor, post_id, name, problem)
            raise InvalidInput(f"post #{post_id}: cannot attach {problem}")
        return next(f for f in items(self.conn, post_id) if f.id == media_id)

    @refusals_audited("change alt text")
    def set_alt(self, actor: str, post_id: int, media_id: int, alt: str) -> MediaItem:
        with write(self.db):
            item = self._item(post_id, media_id)
            alt_text = check_alt(alt, item.name)
            post = self._changeable(actor, post_id)
            if alt_text == item.alt:
                return item
            self.conn.execute("UPDATE post_media SET alt = ? WHERE id = ?", (alt_text, media_id))
            self._changed(actor, post, "post.media.alt", {"file": item.name})
        return self._item(post_id, media_id)

    @refusals_audited("remove file")
    def remove(self, actor: str, post_id: int, media_id: int) -> MediaItem:
        """Take one file off the post, as an edit: a post under or past clearance goes back
        to be cleared. The audit names the file and its fingerprint, which the clearance
        covered. The stored copy is deleted after the commit, unless another post needs
        it (copies are kept under their hash, and another post may carry the same one)."""
        with write(self.db):
            item = self._item(post_id, media_id)
            post = self._changeable(actor, post_id)
            self.conn.execute("DELETE FROM post_media WHERE id = ?", (media_id,))
            self._changed(actor, post, "post.media.remove",
                          {"file": item.name, "sha256": item.sha256})
        if not self.conn.in_transaction:  # else the caller releases it after its commit
            self.release(actor, post_id, [item])
        return item

    def release(self, actor: str, post_id: int, removed: list[MediaItem]) -> list[str]:
        """After the commit that took `removed` off post `post_id`: delete their stored
        copies that no post needs any more (audited); the names deleted."""
        return release(self.db, actor, post_id, "taken off the post before it went out",
                       self.clock(), [item.path for item in removed])

    # ----- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _read(path: Path, name: str) -> tuple[Prepared, int]:
        """The file stripped of its metadata, and its size before."""
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise InvalidInput(f"{name}: {human_size(size)}; no outlet takes a file over "
                                   f"{human_size(MAX_FILE_BYTES)}")
            data = path.read_bytes()
        except FileNotFoundError:
            raise InvalidInput(f"{path}: there is no such file") from None
        except IsADirectoryError:
            raise InvalidInput(f"{path}: a folder, not a file") from None
        except OSError as exc:
            raise InvalidInput(f"{path}: cannot be read ({exc.strerror})") from None
        return prepare(data, name), len(data)

    def _refused(self, actor: str, post_id: int, name: str, reason: str) -> None:
        with write(self.db):
            audit.append(self.conn, actor, "post.media.refused", f"post:{post_id}",
                         {"file": name, "reason": reason}, at=self.clock())

    def _item(self, post_id: int, media_id: int) -> MediaItem:
        for item in items(self.conn, post_id):
            if item.id == media_id:
                return item
        raise NotFound(f"post #{post_id} has no attached file #{media_id}")

    def _changeable(self, actor: str, post_id: int) -> Post:
        from inmm_tui.domain.posts import _is_clearer

        person = authorise(self.conn, actor, Action.COMPOSE)
        post = self.posts.get(post_id)
        if post.status not in SENDABLE:
            raise InvalidState(f"post #{post_id} is {post.status}; its files can no longer "
                               "be changed")
        if post.author != actor and not _is_clearer(person):
            raise NotAuthorised(f"only the author or an account manager may change the files "
                                f"of post #{post_id}")
        sent = self.conn.execute(
            "SELECT count(*) FROM deliveries WHERE post_id = ? AND state IN ('sending', 'sent')",
            (post_id,)).fetchone()[0]
        if sent:
            raise InvalidState(f"post #{post_id} has already gone out on at least one outlet; "
                               "write a new post instead of changing its files")
        return post

    def _store(self, prepared: Prepared, digest: str, *, write_file: bool = True) -> Path:
        """The stripped bytes under their own hash (written once, atomically)."""
        folder = media_dir(self.conn)
        target = folder / f"{digest}{EXTENSIONS[prepared.mime]}"
        if not write_file:
            return target
        folder.mkdir(mode=0o750, parents=True, exist_ok=True)
        if not (target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == digest):
            partial = target.with_suffix(target.suffix + ".part")
            partial.write_bytes(prepared.data)
            os.replace(partial, target)
        return target

    def _changed(self, actor: str, post: Post, action: str, details: dict[str, Any]) -> None:
        """Audit the change; a post under or past clearance goes back to be cleared, with
        its alt texts screened again."""
        now = self.clock()
        if post.status in ("cleared", "scheduled", "submitted"):
            if post.status != "submitted":
                details["clearance"] = "withdrawn: the post's files changed after clearance"
                self.conn.execute(
                    "DELETE FROM deliveries WHERE post_id = ? AND state IN"
                    " ('pending', 'held', 'failed', 'withdrawn')", (post.id,))
            fresh = self.posts.get(post.id)
            outcome = self.posts.screen_kept(fresh)
            self.conn.execute(
                "UPDATE posts SET status = 'submitted', cleared_by = NULL, cleared_at = NULL,"
                " clearance_hash = NULL, screening_verdict = ?, screening_json = ?,"
                " updated_at = ? WHERE id = ?",
                (outcome.verdict, json.dumps(outcome.findings), to_db(now), post.id))
        elif post.status == "rejected":
            self.conn.execute("UPDATE posts SET status = 'draft', updated_at = ? WHERE id = ?",
                              (to_db(now), post.id))
        else:
            self.conn.execute("UPDATE posts SET updated_at = ? WHERE id = ?",
                              (to_db(now), post.id))
        audit.append(self.conn, actor, action, f"post:{post.id}", details, at=now)

