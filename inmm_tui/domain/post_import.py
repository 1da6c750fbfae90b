"""Posts from a spreadsheet (`inmm-tui post import schedule.csv`), and the values a person
types for a post on the command line (outlets, topic, event, time).

Every row becomes a draft by the importer, submitted for clearance: screened like any
post, cleared later by a second person. An import is all or nothing: every row is read
and checked first (a bad one is refused naming its line and column), then all are created
and submitted in one transaction, so a failure part-way leaves nothing behind.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import sqlite3
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inmm_tui.domain import audit
from inmm_tui.domain.errors import InvalidInput
from inmm_tui.domain.posts import check_body
from inmm_tui.domain.when import parse_local_time
from inmm_tui.store.tx import write

if TYPE_CHECKING:
    from inmm_tui.domain.posts import Posts

COLUMNS = ("text", "outlets", "when", "topic", "event", "media path", "alt text")
REQUIRED = ("text", "outlets")
_SPLIT = re.compile(r"[;,\s]+")


@dataclass(frozen=True)
class ImportRow:
    line: int
    """Where the row starts in the file (the header is line 1)."""
    body: str
    outlets: list[str]
    when: dt.datetime | None
    topic: str
    event_id: int | None
    media: tuple[tuple[str, str], ...] = ()
    """(path, alt text) of each file to attach."""


@dataclass(frozen=True)
class Imported:
    row: ImportRow
    post_id: int | None
    """None on a dry run: nothing was kept."""
    verdict: str
    findings: list[dict[str, Any]] = field(default_factory=list)


def resolve_outlets(value: str, configured: Sequence[str]) -> list[str]:
    """Outlet names separated by spaces, commas or semicolons; `all` for every configured
    outlet. InvalidInput for an empty or unknown one."""
    names = [n for n in _SPLIT.split(value.strip()) if n]
    if [n.lower() for n in names] == ["all"]:
        return list(configured)
    if not names:
        raise InvalidInput(f"no outlet given (configured: {', '.join(configured)}, or all)")
    unknown = [n for n in names if n not in configured]
    if unknown:
        raise InvalidInput(f"unknown outlet {unknown[0]!r} "
                           f"(configured: {', '.join(configured)}, or all)")
    if len(set(names)) != len(names):
        raise InvalidInput("an outlet is listed twice")
    return names


def resolve_topic(value: str, topics: Sequence[str]) -> str:
    """The configured topic `value` names (any case); '' for none."""
    value = value.strip()
    if not value:
        return ""
    for topic in topics:
        if topic.lower() == value.lower():
            return topic
    raise InvalidInput(f"topic {value!r} is not one of the appropriate topics "
                       f"({'; '.join(topics)})")


def resolve_event(conn: sqlite3.Connection, value: str) -> int | None:
    """The active event `value` names, by number, name or hashtag; None for none."""
    value = value.strip()
    if not value:
        return None
    rows = conn.execute("SELECT id, name, hashtag, active FROM events").fetchall()
    wanted = value.lstrip("#").lower() if value.lstrip("#").isdigit() else value.lower()
    found = [r for r in rows if str(r[0]) == wanted or r[1].lower() == wanted
             or (r[2] or "").lower() == wanted]
    if not found:
        raise InvalidInput(f"there is no event {value!r} (give its number, name or hashtag)")
    event_id, name, _, active = found[0]
    if not active:
        raise InvalidInput(f"event {value!r} ({name}) is not active; only an active event's "
                           "coverage can be posted")
    return int(event_id)


def parse_schedule_csv(content: bytes, source: str, *, conn: sqlite3.Connection,
                       outlets: Sequence[str], topics: Sequence[str], tz: zoneinfo.ZoneInfo,
                       now: dt.datetime) -> list[ImportRow]:
    """Every row of the file, checked; InvalidInput naming the file, line and column of
    the first bad one. Nothing is written. Media paths are read relative to the folder
    of `source` (the file's path)."""
    base = Path(source).parent
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = content[:exc.start].count(b"\n") + 1
        raise InvalidInput(f"{source}, line {line}: not UTF-8 text (byte {exc.start}); "
                           "save the CSV as UTF-8") from None
    text = text.removeprefix("\ufeff")  # spreadsheets often save a byte-order mark
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[ImportRow] = []
    header: list[str] | None = None
    start = 1
    try:
        for record in reader:
            line, start = start, reader.line_num + 1
            if header is None:
                header = [" ".join(h.replace("_", " ").replace("-", " ").split()).lower()
                          for h in record]
                _check_header(header, source)
                continue
            if not any(cell.strip() for cell in record):
                continue
            if len(record) > len(header):
                raise InvalidInput(f"{source}, line {line}: {len(record)} fields, but the "
                                   f"header has {len(header)} columns")
            values = dict(zip(header, record, strict=False))
            rows.append(_row(values, f"{source}, line {line}", line, conn=conn,
                             outlets=outlets, topics=topics, tz=tz, now=now, base=base))
    except csv.Error as exc:
        raise InvalidInput(f"{source}, line {reader.line_num}: not valid CSV ({exc})") from None
    if header is None:
        raise InvalidInput(f"{source} is empty: the first line must name the columns "
                           f"{', '.join(COLUMNS)}")
    if not rows:
        raise InvalidInput(f"{source} has a header but no rows")
    return rows


def _check_header(header: list[str], source: str) -> None:
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InvalidInput(f"{source}, line 1: the header must name the columns "
                           f"{', '.join(COLUMNS)} (missing: {', '.join(missing)})")
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise InvalidInput(f"{source}, line 1: unknown column {unknown[0]!r} "
                           f"(expected {', '.join(COLUMNS)})")
    if len(set(header)) != len(header):
        raise InvalidInput(f"{source}, line 1: a column is named twice")


def _row(values: Mapping[str, str], where: str, line: int, *, conn: sqlite3.Connection,
         outlets: Sequence[str], topics: Sequence[str], tz: zoneinfo.ZoneInfo,
         now: dt.datetime, base: Path) -> ImportRow:
    def cell(column: str) -> str:
        return (values.get(column) or "").strip()

    media = _media_cells(cell("media path"), cell("alt text"), where, base)
    body = cell("text")
    if not body:
        raise InvalidInput(f"{where}, column text: the text is empty")
    checks: list[tuple[str, Any]] = [
        ("text", lambda: check_body(body)),
        ("outlets", lambda: resolve_outlets(cell("outlets"), outlets)),
        ("when", lambda: parse_local_time(cell("when"), tz, now)),
        ("topic", lambda: resolve_topic(cell("topic"), topics)),
        ("event", lambda: resolve_event(conn, cell("event"))),
    ]
    found: dict[str, Any] = {}
    for column, check in checks:
        try:
            found[column] = check()
        except InvalidInput as exc:
            raise InvalidInput(f"{where}, column {column}: {exc}") from None
    return ImportRow(line, body, found["outlets"], found["when"], found["topic"],
                     found["event"], media)


def _media_cells(paths: str, alts: str, where: str, base: Path) -> tuple[tuple[str, str], ...]:
    """Files named in the `media path` cell (several separated by `|`, relative to the
    CSV's folder), each with the alt text in the same place of the `alt text` cell."""
    files = [p.strip() for p in paths.split("|")] if paths else []
    texts = [a.strip() for a in alts.split("|")] if alts else []
    if not files and texts:
        raise InvalidInput(f"{where}, column alt text: alt text without a file in the "
                           "media path column")
    found = []
    for index, name in enumerate(files):
        path = base / Path(name).expanduser() if name else base
        if not name or not path.is_file():
            raise InvalidInput(f"{where}, column media path: there is no file {name!r} "
                               f"(looked for {path})")
        alt = texts[index] if index < len(texts) else ""
        if not alt:
            raise InvalidInput(f"{where}, column alt text: {name} has no alt text (separate "
                               "the alt texts of several files with |, in the same order)")
        found.append((str(path), alt))
    if len(texts) > len(files):
        raise InvalidInput(f"{where}, column alt text: {len(texts)} alt texts for "
                           f"{len(files)} files")
    return tuple(found)


class _DryRun(Exception):
    """Raised to roll the dry run's transaction back."""


def import_rows(posts: Posts, actor: str, rows: list[ImportRow], *, source: str,
                content: bytes, dry_run: bool = False) -> list[Imported]:
    """Create each row as a draft by `actor` and submit it for clearance, in one
    transaction; the policy screen runs on each as on any submission. A dry run does the
    same and rolls it all back, so what it shows is exactly what the import would do."""
    from inmm_tui.domain.media import Media

    media = Media(posts)
    results: list[Imported] = []
    try:
        with write(posts.db):
            for row in rows:
                try:
                    post_id = posts.create_draft(
                        actor, row.body, outlets=row.outlets, topic=row.topic,
                        event_id=row.event_id, scheduled_at=row.when)
                    for path, alt in row.media:
                        media.attach(actor, post_id, path, alt, keep_file=not dry_run)
                    post = posts.submit(actor, post_id)
                except InvalidInput as exc:
                    raise InvalidInput(f"{source}, line {row.line}: {exc}") from None
                results.append(Imported(row, None if dry_run else post_id,
                                        post.screening_verdict or "pass", post.screening))
            if dry_run:
                raise _DryRun
            audit.append(posts.conn, actor, "post.import", f"file:{source}",
                         {"sha256": hashlib.sha256(content).hexdigest(),
                          "posts": [r.post_id for r in results]}, at=posts.clock())
    except _DryRun:
        pass
    return results
