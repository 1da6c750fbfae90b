"""Polls (the policy's "straw poll" to engage followers): 2 to 4 options and how long the
poll is open, published as the platform's own poll with the post's first part.

The options are screened like the text and covered by the clearance hash; an outlet
without polls (its capabilities) is refused when the post is submitted, never when it
is sent. The metrics job reads the results back (`save_results`), for the monthly report.

A platform's limits are its capabilities' `polls`, unless its server says otherwise: a
Mastodon server sets its own in /api/v2/instance (`configuration.polls`), which the
daemon reads and keeps in `outlet_limits` (`record_server_rules`). A poll is checked
against those when it is written, submitted and cleared, and by the adapter again, with
what the server says then, before it is published.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import sqlite3
from dataclasses import dataclass
from typing import Any

from inmm_tui.capabilities import PollRules, for_api
from inmm_tui.domain import audit
from inmm_tui.domain.errors import InvalidInput
from inmm_tui.timeutil import to_db

MIN_OPTIONS = 2
MAX_OPTIONS = 4
"""What X and Mastodon both take."""


@dataclass(frozen=True)
class Poll:
    options: tuple[str, ...]
    minutes: int
    """How long the poll is open once published."""

    def hashed(self) -> dict[str, Any]:
        """What the clearance hash covers of it: every option, in order, and the duration."""
        return {"options": list(self.options), "minutes": self.minutes}


@dataclass(frozen=True)
class PollTally:
    """A poll's results as the platform gives them: (option, votes) in order."""

    votes: tuple[tuple[str, int], ...]
    closed: bool


def make_poll(options: list[str] | tuple[str, ...], minutes: int) -> Poll:
    """A poll from what a person typed: InvalidInput naming what is wrong."""
    from inmm_tui.domain.posts import check_each

    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        raise InvalidInput(f"a poll has {MIN_OPTIONS} to {MAX_OPTIONS} options; "
                           f"{len(options)} given")
    cleaned = tuple(check_each(options, 1, "poll option {}"))
    if len({option.casefold() for option in cleaned}) != len(cleaned):
        raise InvalidInput("two poll options are the same; each must differ")
    if minutes <= 0:
        raise InvalidInput("a poll must be open for some time (at least 5 minutes)")
    return Poll(cleaned, minutes)


_DURATION = re.compile(r"^\s*(\d+)\s*([dhm]?)\s*$", re.IGNORECASE)


def parse_duration(text: str) -> int:
    """Minutes from "90", "90m", "6h" or "2d"."""
    match = _DURATION.match(text or "")
    if not match:
        raise InvalidInput(f"poll duration {text!r}: write minutes (90 or 90m), hours (6h) "
                           "or days (2d)")
    number, unit = int(match.group(1)), match.group(2).lower()
    return number * {"": 1, "m": 1, "h": 60, "d": 1440}[unit]


def parse_options(text: str) -> list[str]:
    """Options typed on one line, separated by `|`."""
    return [part.strip() for part in text.split("|")] if text.strip() else []


def refusal(poll: Poll, outlet: str, api: str, server: PollRules | None = None) -> str | None:
    """Why `outlet` cannot publish `poll`, or None: by the platform's documented limits,
    or by `server`'s own when it has said them (`server_rules`)."""
    capabilities = for_api(api)
    rules = capabilities.polls
    if rules is None:
        return (f"{capabilities.label} has no polls: take outlet '{outlet}' off the post "
                "or remove the poll")
    where = capabilities.label
    if server is not None:
        rules, where = server, f"this {capabilities.label} server (its own limit)"
    if len(poll.options) > rules.max_options:
        return f"polls on {where} take at most {rules.max_options} options"
    for number, option in enumerate(poll.options, 1):
        if len(option) > rules.option_length:
            return (f"poll option {number} is {len(option)} characters; "
                    f"{where} takes at most {rules.option_length}")
    if not rules.min_minutes <= poll.minutes <= rules.max_minutes:
        return (f"polls on {where} are open {_span(rules.min_minutes)} to "
                f"{_span(rules.max_minutes)}; {_span(poll.minutes)} asked")
    return None


def server_rules(conn: sqlite3.Connection, outlet: str) -> PollRules | None:
    """The poll limits `outlet`'s server gave when the daemon last asked; None when it
    never said (the capabilities' defaults stand)."""
    row = conn.execute("SELECT polls FROM outlet_limits WHERE outlet = ?", (outlet,)).fetchone()
    return PollRules(**json.loads(row[0])) if row and row[0] else None


def record_server_rules(conn: sqlite3.Connection, outlet: str, rules: PollRules,
                        at: dt.datetime) -> bool:
    """Keep the limits just read from `outlet`'s server (inside a write transaction);
    audited when they differ from those kept before. True if they did."""
    before = server_rules(conn, outlet)
    conn.execute("INSERT INTO outlet_limits (outlet, polls, read_at) VALUES (?, ?, ?)"
                 " ON CONFLICT(outlet) DO UPDATE SET polls = excluded.polls,"
                 " read_at = excluded.read_at",
                 (outlet, json.dumps(dataclasses.asdict(rules)), to_db(at)))
    if before == rules:
        return False
    audit.append(conn, audit.DAEMON, "outlet.poll_limits", f"outlet:{outlet}",
                 {"polls": dataclasses.asdict(rules),
                  "before": dataclasses.asdict(before) if before else "the defaults"}, at=at)
    return True


def duration_text(minutes: int, units: tuple[str, str, str] = ("d", "h", "m")) -> str:
    """Minutes in the largest whole unit (days, hours, minutes): as typed by default
    (2d, 6h, 90m: what `parse_duration` reads back), or with the `units` given."""
    for size, unit in ((1440, units[0]), (60, units[1])):
        if minutes % size == 0:
            return f"{minutes // size}{unit}"
    return f"{minutes}{units[2]}"


def _span(minutes: int) -> str:
    return duration_text(minutes, (" d", " h", " min"))


# ----- storage -----------------------------------------------------------------------------

def poll_of(conn: sqlite3.Connection, post_id: int) -> Poll | None:
    row = conn.execute("SELECT options, minutes FROM post_polls WHERE post_id = ?",
                       (post_id,)).fetchone()
    return Poll(tuple(json.loads(row[0])), int(row[1])) if row else None


def store_poll(conn: sqlite3.Connection, post_id: int, poll: Poll | None) -> bool:
    """Set (or with None remove) the post's poll; True if that changed it."""
    if poll_of(conn, post_id) == poll:
        return False
    conn.execute("DELETE FROM post_polls WHERE post_id = ?", (post_id,))
    if poll is not None:
        conn.execute("INSERT INTO post_polls (post_id, options, minutes) VALUES (?, ?, ?)",
                     (post_id, json.dumps(list(poll.options)), poll.minutes))
    return True


def pollable(conn: sqlite3.Connection, outlet: str) -> list[tuple[int, str]]:
    """(delivery id, platform id) of the outlet's published polls whose results are not
    final yet: open ones, and closed ones not read since they closed."""
    return [(row[0], row[1]) for row in conn.execute(
        "SELECT d.id, d.platform_id FROM deliveries d JOIN post_polls p ON p.post_id = d.post_id"
        " LEFT JOIN poll_results r ON r.delivery_id = d.id"
        " WHERE d.outlet = ? AND d.part = 1 AND d.state = 'sent' AND d.platform_id IS NOT NULL"
        " AND coalesce(r.closed, 0) = 0 ORDER BY coalesce(r.at, ''), d.id", (outlet,))]


def save_results(conn: sqlite3.Connection, delivery_id: int, tally: PollTally,
                 at: dt.datetime) -> None:
    conn.execute(
        "INSERT INTO poll_results (delivery_id, at, votes, closed) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(delivery_id) DO UPDATE SET at = excluded.at, votes = excluded.votes,"
        " closed = excluded.closed",
        (delivery_id, to_db(at), json.dumps([[o, v] for o, v in tally.votes]),
         int(tally.closed)))


@dataclass(frozen=True)
class PollReport:
    post_id: int
    outlet: str
    sent_at: str
    options: tuple[str, ...]
    votes: tuple[int, ...] | None
    """Each option's votes as last read; None until the metrics job has read them."""
    closed: bool
    read_at: str | None = None
    """When the metrics job last read the votes (database time)."""
    answers: tuple[str, ...] | None = None
    """The options as the platform named them with the votes: outside text."""

    @property
    def total(self) -> int:
        return sum(self.votes or ())

    def share(self, votes: int) -> float | None:
        """`votes` as a percentage of the total; None while nobody has voted."""
        return 100 * votes / self.total if self.total else None

    def tally(self) -> list[tuple[str, int]]:
        """(option, votes) as last read, named as the platform named them; empty until read."""
        return list(zip(self.answers or self.options, self.votes or (), strict=False))


def polls_published(conn: sqlite3.Connection, start: str, end: str) -> list[PollReport]:
    """Polls published between `start` and `end` (database times), with their results."""
    return _reports(conn, "d.sent_at >= ? AND d.sent_at < ?", (start, end))


def poll_results(conn: sqlite3.Connection, post_id: int) -> list[PollReport]:
    """The post's poll on each outlet where it is published, with its results."""
    return _reports(conn, "d.post_id = ?", (post_id,))


def _reports(conn: sqlite3.Connection, where: str, params: tuple[Any, ...]) -> list[PollReport]:
    rows = conn.execute(
        "SELECT d.post_id, d.outlet, d.sent_at, p.options, r.votes, coalesce(r.closed, 0),"
        " r.at FROM deliveries d JOIN post_polls p ON p.post_id = d.post_id"
        " LEFT JOIN poll_results r ON r.delivery_id = d.id"
        f" WHERE d.part = 1 AND d.state = 'sent' AND {where}"
        " ORDER BY d.sent_at, d.outlet", params).fetchall()
    reports = []
    for post_id, outlet, sent_at, options, votes, closed, read_at in rows:
        tally = json.loads(votes) if votes else None
        reports.append(PollReport(
            post_id, outlet, sent_at, tuple(json.loads(options)),
            tuple(int(v) for _, v in tally) if tally is not None else None, bool(closed),
            read_at, tuple(str(o) for o, _ in tally) if tally is not None else None))
    return reports
