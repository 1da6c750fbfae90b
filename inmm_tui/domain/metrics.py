"""The policy's metrics ("Objectives and Metrics"): followers (count, relevance and type),
web referrals, re-posts, click-throughs, replies, events covered per year.

- Time series: each poll of a published post's public counts is a row of `post_metrics`,
  each poll of an outlet's follower and following counts a row of `outlet_metrics`.
- Follower types: `member` and `staff` from the member list (`members.handles`), the rest
  by the simple profile rules in `[metrics]` of the config (organisation words and handles,
  a pattern for a person's name), else `unknown`.
- Web analytics: the website's CSV export (date, campaign, source, sessions) is imported
  into `web_referrals` and joined to the posts whose links carried that campaign.

Platform-neutral: the daemon turns a platform's answers into the plain values here.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inmm_tui.domain import audit, follows
from inmm_tui.domain.errors import InvalidInput
from inmm_tui.domain.people import authorise
from inmm_tui.domain.referrals import campaign_for, campaign_slug
from inmm_tui.domain.roles import Action
from inmm_tui.store.tx import write
from inmm_tui.timeutil import UTC, to_db, utcnow

if TYPE_CHECKING:
    from sqlite_utils import Database

    from inmm_tui.config import Metrics as MetricsConfig

FOLLOWER_KINDS = ("organisation", "member", "staff", "individual", "unknown")
ENGAGEMENT_FIELDS = ("reposts", "replies", "likes", "quotes")


# ----- recording the time series ----------------------------------------------------


@dataclass(frozen=True)
class PostSample:
    """One poll of one published delivery's public counts (None: the platform gives none)."""

    delivery_id: int
    reposts: int | None = None
    replies: int | None = None
    likes: int | None = None
    quotes: int | None = None
    impressions: int | None = None


@dataclass(frozen=True)
class OutletCounts:
    followers: int
    following: int


def save_poll(db: Database, outlet: str, *, samples: Iterable[PostSample] = (),
              counts: OutletCounts | None = None, at: dt.datetime | None = None,
              actor: str = audit.DAEMON, note: dict[str, Any] | None = None) -> int:
    """Store one poll's results in one transaction with its audit entry; returns the rows written.

    A second sample of the same delivery at the same instant replaces the first, so a
    retried run cannot double a point of the series."""
    when = to_db(at or utcnow())
    rows = [(s.delivery_id, when, s.reposts, s.replies, s.likes, s.quotes, s.impressions)
            for s in samples]
    with write(db):
        conn = db.conn
        conn.executemany(
            "INSERT OR REPLACE INTO post_metrics (delivery_id, at, reposts, replies, likes, quotes,"
            " impressions) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        if counts is not None:
            conn.execute(
                "INSERT OR REPLACE INTO outlet_metrics (outlet, at, followers, following)"
                " VALUES (?, ?, ?, ?)", (outlet, when, counts.followers, counts.following))
        if rows or counts is not None or note:
            details: dict[str, Any] = {"posts": len(rows), **(note or {})}
            if counts is not None:
                details.update(followers=counts.followers, following=counts.following)
            audit.append(conn, actor, "metrics.poll", f"outlet:{outlet}", details, at=at)
    return len(rows) + (counts is not None)


def pollable_deliveries(conn: sqlite3.Connection, outlet: str, *, now: dt.datetime,
                        days: int, limit: int) -> list[tuple[int, str]]:
    """(delivery id, platform id) of the outlet's posts sent in the last `days`, the ones
    polled longest ago first, so a run cut short by a rate limit resumes where it stopped."""
    since = to_db(now - dt.timedelta(days=days))
    return [(int(r[0]), str(r[1])) for r in conn.execute(
        "SELECT d.id, d.platform_id FROM deliveries d"
        " WHERE d.state = 'sent' AND d.outlet = ? AND d.sent_at >= ? AND d.platform_id IS NOT NULL"
        " AND d.text != ''"  # a repost: its counts are the original's, not ours
        " ORDER BY coalesce((SELECT max(at) FROM post_metrics m WHERE m.delivery_id = d.id), ''),"
        " d.sent_at LIMIT ?", (outlet, since, limit))]


def current_counts(conn: sqlite3.Connection, outlet: str) -> OutletCounts:
    """The outlet's counts as our own tables know them (when the platform does not say):
    the same counts as the follow review's balance."""
    return OutletCounts(*follows.counts(conn, outlet))


# ----- reading the time series -------------------------------------------------------


def follower_series(conn: sqlite3.Connection, outlet: str, since: dt.datetime,
                    until: dt.datetime, *, daily: bool = False) -> list[tuple[dt.datetime, int, int]]:
    """(time, followers, following) for one outlet, oldest first; with `daily`, only the
    last point of each (UTC) day, so a year's chart has 365 points, not 8,760."""
    if daily:
        # SQLite takes the bare columns from the row that holds max(at).
        sql = ("SELECT max(at), followers, following FROM outlet_metrics WHERE outlet = ?"
               " AND at >= ? AND at < ? GROUP BY substr(at, 1, 10) ORDER BY 1")
    else:
        sql = ("SELECT at, followers, following FROM outlet_metrics WHERE outlet = ? AND at >= ?"
               " AND at < ? ORDER BY at")
    rows = conn.execute(sql, (outlet, to_db(since), to_db(until))).fetchall()
    return [(dt.datetime.strptime(at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC), f, g)
            for at, f, g in rows]


def counts_at(conn: sqlite3.Connection, outlet: str, moment: dt.datetime) -> OutletCounts | None:
    """The last recorded counts at or before `moment`."""
    row = conn.execute(
        "SELECT followers, following FROM outlet_metrics WHERE outlet = ? AND at <= ?"
        " ORDER BY at DESC LIMIT 1", (outlet, to_db(moment))).fetchone()
    return OutletCounts(row[0], row[1]) if row else None


@dataclass(frozen=True)
class PostEngagement:
    post_id: int
    delivery_id: int
    outlet: str
    topic: str
    sent_at: str
    text: str
    url: str | None
    reposts: int
    replies: int
    likes: int
    quotes: int
    impressions: int | None

    @property
    def engagement(self) -> int:
        """Reposts, replies, likes and quotes: what the policy counts as re-tweets and replies."""
        return self.reposts + self.replies + self.likes + self.quotes


def engagement(conn: sqlite3.Connection, since: dt.datetime, until: dt.datetime,
               outlet: str | None = None) -> list[PostEngagement]:
    """Each delivery sent in [since, until) with its latest counts (zeros when never polled)."""
    where, args = "", [to_db(since), to_db(until)]
    if outlet:
        where, args = " AND d.outlet = ?", [*args, outlet]
    rows = conn.execute(
        "SELECT d.post_id, d.id, d.outlet, p.topic, d.sent_at, d.text, d.platform_url,"
        " m.reposts, m.replies, m.likes, m.quotes, m.impressions"
        " FROM deliveries d JOIN posts p ON p.id = d.post_id"
        " LEFT JOIN post_metrics m ON m.delivery_id = d.id AND m.at ="
        "   (SELECT max(at) FROM post_metrics WHERE delivery_id = d.id)"
        f" WHERE d.state = 'sent' AND d.sent_at >= ? AND d.sent_at < ?{where}"
        " ORDER BY d.sent_at", args).fetchall()
    return [PostEngagement(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7] or 0, r[8] or 0,
                           r[9] or 0, r[10] or 0, r[11]) for r in rows]


# ----- follower types ----------------------------------------------------------------


@dataclass(frozen=True)
class ProfileRules:
    organisation_words: frozenset[str] = frozenset()
    organisation_handles: frozenset[str] = frozenset()
    staff_handles: frozenset[str] = frozenset()
    individual_pattern: re.Pattern[str] = field(default=re.compile(r"^$"))
    handle_words: tuple[str, ...] = ()
    """Organisation words long enough to look for inside a handle ("lab" is not)."""

    @classmethod
    def from_config(cls, metrics: MetricsConfig) -> ProfileRules:
        words = frozenset(w.lower() for w in metrics.organisation_words)
        return cls(
            organisation_words=words,
            handle_words=tuple(sorted(w for w in words if len(w) >= 5)),
            organisation_handles=frozenset(_handle_key(h) for h in metrics.organisation_handles),
            staff_handles=frozenset(_handle_key(h) for h in metrics.staff_handles),
            individual_pattern=re.compile(metrics.individual_name_pattern),
        )


def _handle_key(handle: str) -> str:
    return handle.strip().lstrip("@").lower()


def member_index(conn: sqlite3.Connection) -> dict[str, str]:
    """Handle → `member` or `staff`, from the member list. The handles column may hold
    several, separated by commas, semicolons or spaces, with or without '@' or an
    `outlet:` prefix. Volunteers count as members; staff wins over member."""
    index: dict[str, str] = {}
    for kind, handles in conn.execute("SELECT kind, handles FROM members WHERE handles != ''"):
        follower_kind = "staff" if kind == "staff" else "member"
        for raw in re.split(r"[\s,;]+", handles):
            key = _handle_key(raw.split(":", 1)[-1] if ":" in raw else raw)
            if key and index.get(key) != "staff":
                index[key] = follower_kind
    return index


def classify(handle: str | None, name: str | None, description: str | None, *,
             members: dict[str, str], rules: ProfileRules,
             followed_as_organisation: bool = False) -> str:
    """The follower's type. The member list is authoritative; then the configured rules."""
    key = _handle_key(handle or "")
    if key in rules.staff_handles:
        return "staff"
    if key in members:
        return members[key]
    if followed_as_organisation or key in rules.organisation_handles:
        return "organisation"
    words = set(re.findall(r"[a-z0-9]+", f"{name or ''} {description or ''}".lower()))
    if words & rules.organisation_words:
        return "organisation"
    # Handles run words together ("OakRidgeLaboratory"): look for the longer words in them.
    if any(word in key for word in rules.handle_words):
        return "organisation"
    if name and rules.individual_pattern.match(name.strip()):
        return "individual"
    return "unknown"


CLASSIFY_BATCH = 20_000
"""Followers typed per write transaction, so a full re-classification of a million
followers never holds the database's write lock for more than a moment."""


def classify_followers(db: Database, rules: ProfileRules, *, outlet: str | None = None,
                       reclassify: bool = False, actor: str = audit.DAEMON,
                       at: dt.datetime | None = None, batch: int = CLASSIFY_BATCH) -> dict[str, int]:
    """Give a type to followers that have none (or to all, after the member list or the
    rules changed). Returns how many were given each type."""
    conn = db.conn
    where = "f.gone_at IS NULL" + ("" if reclassify else " AND f.kind IS NULL")
    args: list[Any] = []
    if outlet:
        where += " AND f.outlet = ?"
        args.append(outlet)
    members = member_index(conn)
    tally: Counter[str] = Counter()
    after: tuple[str, str] = ("", "")
    while True:
        rows = conn.execute(
            "SELECT f.outlet, f.user_id, f.handle, f.name, f.description,"
            " EXISTS (SELECT 1 FROM following g WHERE g.outlet = f.outlet"
            "   AND g.user_id = f.user_id AND g.reason = 'organisation')"
            f" FROM followers f WHERE {where} AND (f.outlet, f.user_id) > (?, ?)"
            " ORDER BY f.outlet, f.user_id LIMIT ?", (*args, *after, batch)).fetchall()
        if not rows:
            break
        done: Counter[str] = Counter()
        updates = []
        for out, user_id, handle, name, description, org in rows:
            kind = classify(handle, name, description, members=members, rules=rules,
                            followed_as_organisation=bool(org))
            done[kind] += 1
            updates.append((kind, out, user_id))
        with write(db):
            conn.executemany("UPDATE followers SET kind = ? WHERE outlet = ? AND user_id = ?",
                             updates)
            audit.append(conn, actor, "followers.classify", f"outlet:{outlet or '*'}",
                         {"reclassify": reclassify, **dict(sorted(done.items()))}, at=at)
        tally.update(done)
        after = (rows[-1][0], rows[-1][1])
        if len(rows) < batch:
            break
    return dict(tally)


def follower_types(conn: sqlite3.Connection, outlet: str | None = None) -> dict[str, int]:
    """Current followers by type (unclassified ones count as unknown)."""
    return _count_types(conn, "gone_at IS NULL", [], outlet)


def follower_types_at(conn: sqlite3.Connection, at: dt.datetime,
                      outlet: str | None = None) -> dict[str, int] | None:
    """Followers by type at the moment `at`, as the follow-back job's records tell it (first
    seen before it, not gone by then), each by the type it has now. None when nobody had
    been recorded by then: the follower lists were not kept yet, so no count is known.

    A follower who left and came back is counted from when first seen (the records keep
    only the latest departure)."""
    when = to_db(at)
    sql, args = "SELECT 1 FROM followers WHERE first_seen_at < ?", [when]
    if outlet:
        sql, args = sql + " AND outlet = ?", [*args, outlet]
    if conn.execute(sql + " LIMIT 1", args).fetchone() is None:
        return None
    return _count_types(conn, "first_seen_at < ? AND (gone_at IS NULL OR gone_at >= ?)",
                        [when, when], outlet)


def _count_types(conn: sqlite3.Connection, where: str, args: list[Any],
                 outlet: str | None) -> dict[str, int]:
    # Every outlet's: from the index alone (a million followers' rows read one by one took
    # most of the monthly report's time).
    table = "followers INDEXED BY followers_types"
    if outlet:
        table, where, args = "followers", where + " AND outlet = ?", [*args, outlet]
    counts = dict.fromkeys(FOLLOWER_KINDS, 0)
    for kind, n in conn.execute(
            f"SELECT kind, count(*) FROM {table} WHERE {where} GROUP BY kind", args):
        counts[kind if kind in counts else "unknown"] += n
    return counts


# ----- events covered ----------------------------------------------------------------


def events_covered_per_year(conn: sqlite3.Connection) -> dict[int, int]:
    """Events given live coverage, counted in the year their coverage started."""
    return {int(year): n for year, n in conn.execute(
        "SELECT substr(coalesce(starts_on, created_at), 1, 4) AS year, count(*) FROM events"
        " WHERE kind = 'coverage' GROUP BY year ORDER BY year")}


def events_covered(conn: sqlite3.Connection, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Coverage events that overlap [start, end): name, hashtag, dates, posts in them."""
    rows = conn.execute(
        "SELECT e.id, e.name, e.hashtag, coalesce(e.starts_on, substr(e.created_at, 1, 10)),"
        " e.ends_on, (SELECT count(*) FROM posts p WHERE p.event_id = e.id"
        "   AND p.status = 'published') FROM events e WHERE e.kind = 'coverage'"
        " AND coalesce(e.starts_on, substr(e.created_at, 1, 10)) < ?"
        " AND (e.ends_on IS NULL OR e.ends_on >= ?) ORDER BY 4, e.id",
        (end.isoformat(), start.isoformat())).fetchall()
    return [{"id": r[0], "name": r[1], "hashtag": r[2], "starts_on": r[3], "ends_on": r[4],
             "posts": r[5]} for r in rows]


# ----- web analytics -----------------------------------------------------------------

ANALYTICS_COLUMNS = ("date", "campaign", "source", "sessions")
_COLUMN_ALIASES = {
    # What Google Analytics 4 and Matomo call the same columns in their exports.
    "date": ("date", "day"),
    "campaign": ("campaign", "session campaign", "session campaign name", "utm_campaign",
                 "campaign name"),
    "source": ("source", "session source", "utm_source", "source name"),
    "sessions": ("sessions", "visits"),
}


@dataclass(frozen=True)
class AnalyticsImport:
    rows: int
    days: int
    sessions: int
    first: str | None
    last: str | None


def parse_analytics_csv(text: str, where: str = "the CSV") -> list[tuple[str, str, str, int]]:
    """(date, campaign, source, sessions) rows; InvalidInput naming the line and the column.

    Accepts the columns in any order and case, extra columns, '#' comment lines (as in a
    GA4 export), dates as 2027-03-01 or 20270301, and sessions written with thousands
    separators."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise InvalidInput(f"{where}: is empty (expected a header: {', '.join(ANALYTICS_COLUMNS)})")
    reader = csv.reader(io.StringIO("\n".join(lines)))
    header = [h.strip().lower() for h in next(reader)]
    pos: dict[str, int] = {}
    for column in ANALYTICS_COLUMNS:
        found = [header.index(name) for name in _COLUMN_ALIASES[column] if name in header]
        if not found:
            raise InvalidInput(f"{where}: line 1: missing column {column!r} (expected "
                               f"{', '.join(ANALYTICS_COLUMNS)}; found {', '.join(header)})")
        pos[column] = found[0]
    out: list[tuple[str, str, str, int]] = []
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            raise InvalidInput(f"{where}: line {number}: {len(row)} fields, expected {len(header)}")
        raw_date = row[pos["date"]].strip()
        try:
            day = (dt.date.fromisoformat(raw_date) if "-" in raw_date
                   else dt.datetime.strptime(raw_date, "%Y%m%d").date())
        except ValueError:
            raise InvalidInput(f"{where}: line {number}: date {raw_date!r} is not a date "
                               "(expected 2027-03-01 or 20270301)") from None
        raw_sessions = row[pos["sessions"]].strip().replace(",", "").replace("_", "")
        if not raw_sessions.isdigit():
            raise InvalidInput(f"{where}: line {number}: sessions {row[pos['sessions']]!r} "
                               "is not a whole number")
        campaign = row[pos["campaign"]].strip()
        source = row[pos["source"]].strip()
        if not campaign or not source:
            raise InvalidInput(f"{where}: line {number}: campaign and source must not be empty")
        out.append((day.isoformat(), campaign_slug(campaign), campaign_slug(source),
                    int(raw_sessions)))
    return out


def import_analytics(db: Database, actor: str, path: Path | str, *,
                     at: dt.datetime | None = None) -> AnalyticsImport:
    """Import the website's analytics CSV; a day already imported is replaced, not added to."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot be read as UTF-8 text ({exc})") from None
    parsed = parse_analytics_csv(text, str(path))
    # The same (date, campaign, source) twice in one export: its rows are summed.
    merged: dict[tuple[str, str, str], int] = defaultdict(int)
    for day, campaign, source, sessions in parsed:
        merged[(day, campaign, source)] += sessions
    now = to_db(at or utcnow())
    with write(db):
        authorise(db.conn, actor, Action.MONTHLY_REPORT)
        db.conn.executemany(
            "INSERT OR REPLACE INTO web_referrals (date, campaign, source, sessions, imported_at,"
            " imported_by) VALUES (?, ?, ?, ?, ?, ?)",
            [(*key, n, now, actor) for key, n in sorted(merged.items())])
        days = sorted({key[0] for key in merged})
        result = AnalyticsImport(len(merged), len(days), sum(merged.values()),
                                 days[0] if days else None, days[-1] if days else None)
        audit.append(db.conn, actor, "analytics.import", "web_referrals",
                     {"file": path.name, "rows": result.rows, "sessions": result.sessions,
                      "first": result.first, "last": result.last}, at=at)
    return result


@dataclass(frozen=True)
class Referrals:
    sessions: int
    by_source: dict[str, int]
    by_campaign: dict[str, int]
    per_post: list[dict[str, Any]]
    """Posts with the visits attributed to them, most visits first."""
    unattributed: int
    """Visits whose campaign and source match no post sent before them."""


def referrals(conn: sqlite3.Connection, start: dt.date, end: dt.date,
              lookback_days: int = 60) -> Referrals:
    """Visits from social media in [start, end), joined to the posts that carried the link.

    A day's visits for a campaign and source go to the latest post on that outlet with that
    campaign sent on or before the day (a click comes after the post it follows)."""
    rows = conn.execute(
        "SELECT date, campaign, source, sessions FROM web_referrals WHERE date >= ? AND date < ?"
        " ORDER BY date", (start.isoformat(), end.isoformat())).fetchall()
    by_source: Counter[str] = Counter()
    by_campaign: Counter[str] = Counter()
    for _day, campaign, source, sessions in rows:
        by_source[source] += sessions
        by_campaign[campaign] += sessions
    since = dt.datetime.combine(start - dt.timedelta(days=lookback_days), dt.time(), UTC)
    until = dt.datetime.combine(end, dt.time(), UTC)
    candidates: dict[tuple[str, str], list[tuple[str, int, int, str]]] = defaultdict(list)
    for post_id, delivery_id, outlet, sent_at, topic, hashtag, text in conn.execute(
            "SELECT d.post_id, d.id, d.outlet, d.sent_at, p.topic, e.hashtag, d.text"
            " FROM deliveries d JOIN posts p ON p.id = d.post_id"
            " LEFT JOIN events e ON e.id = p.event_id"
            " WHERE d.state = 'sent' AND d.sent_at >= ? AND d.sent_at < ? ORDER BY d.sent_at",
            (to_db(since), to_db(until))):
        key = (campaign_for(topic, hashtag), campaign_slug(outlet))
        candidates[key].append((sent_at[:10], post_id, delivery_id, text))
    per_post: dict[int, dict[str, Any]] = {}
    unattributed = 0
    for day, campaign, source, sessions in rows:
        chosen = None
        for sent_day, post_id, delivery_id, text in candidates.get((campaign, source), []):
            if sent_day <= day:
                chosen = (post_id, delivery_id, text)
            else:
                break
        if chosen is None:
            unattributed += sessions
            continue
        entry = per_post.setdefault(chosen[0], {
            "post": chosen[0], "campaign": campaign, "sessions": 0, "by_outlet": {},
            "text": chosen[2]})
        entry["sessions"] += sessions
        entry["by_outlet"][source] = entry["by_outlet"].get(source, 0) + sessions
    ranked = sorted(per_post.values(), key=lambda e: (-e["sessions"], e["post"]))
    return Referrals(sum(by_source.values()), dict(by_source.most_common()),
                     dict(by_campaign.most_common()), ranked, unattributed)
