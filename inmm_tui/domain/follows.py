"""Following and followers (policy: "Following and Followers"; R10, R11, R12).

INMM follows back everyone who follows it, automatically, and never initiates a follow
of an individual; it follows organisations only when an administrator decides so.
The followed list is reviewed regularly for appropriateness.

The follower list can hold a million accounts, so it is never held in Python: the daemon
pages through the platform and each page is appended to `sync_pages` in the same
transaction as the cursor that follows it (a restart resumes at the next page). New
followers are inserted into `followers` as their page arrives, so the follow-back need
not wait for the end of a long run. When a run completes, its pages are merged into
`followers` in key order (rows that changed are written, with the run's number in
`last_seen_run`), and followers the run did not see are gone (`gone_at`): an anti-join
in SQL, not a diff of Python lists.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from inmm_tui.capabilities import for_api
from inmm_tui.domain import audit, reminders
from inmm_tui.domain.base import DomainService
from inmm_tui.domain.errors import InvalidInput, InvalidState, NotFound
from inmm_tui.domain.people import authorise
from inmm_tui.domain.roles import Action
from inmm_tui.domain.switches import set_setting, setting
from inmm_tui.store.tx import write
from inmm_tui.timeutil import Clock, from_db, to_db, utcnow

if TYPE_CHECKING:
    from sqlite_utils import Database

FOLLOWERS = "followers"
FOLLOWING = "following"
FOLLOW = "follow"
"""The sync_state job that remembers a RateLimited reset time for follow calls."""

REVIEW_INTERVAL_DAYS = 90
"""How often the whole followed list is reviewed ("regularly"); the reminder repeats at this pace."""
LAST_FULL_REVIEW = "follows.last_full_review"
REVIEW_KIND = "follow_review"
FOUND = "platform"
"""`followed_by` of a follow found already in place on the platform (made before us)."""

AccountRow = tuple[str, str | None, str | None]
"""(user_id, handle, name) of one account on a page; plain tuples keep a page cheap."""


@dataclass(frozen=True)
class Position:
    """Where a paging job stands: the run in progress and the cursor of the next page."""

    run: int
    cursor: str | None
    resumed: bool
    """True when an unfinished run is being continued (after a restart or a rate limit)."""


@dataclass(frozen=True)
class PageResult:
    stored: int
    completed: bool
    gone: int = 0
    """Followers found gone when this page completed the run."""


@dataclass(frozen=True)
class Followed:
    outlet: str
    user_id: str
    handle: str | None
    name: str | None
    reason: str
    followed_at: str
    followed_by: str
    reviewed_at: str | None
    reviewed_by: str | None
    pending_action: str | None
    action_error: str | None
    follows_us: bool
    note: str | None


@dataclass(frozen=True)
class Balance:
    outlet: str
    followers: int
    following: int

    @property
    def ratio(self) -> float | None:
        """Following per follower; None with no followers."""
        return self.following / self.followers if self.followers else None


@dataclass(frozen=True)
class ReviewStatus:
    last_full_review: str | None
    next_due: str | None
    overdue: bool


def counts(conn: sqlite3.Connection, outlet: str) -> tuple[int, int]:
    """(followers, following) as our tables know them: followers not gone; accounts we
    follow, confirmed by the platform and neither unfollowed nor blocked."""
    followers = conn.execute(
        "SELECT count(*) FROM followers WHERE outlet = ? AND gone_at IS NULL",
        (outlet,)).fetchone()[0]
    following = conn.execute(
        "SELECT count(*) FROM following WHERE outlet = ? AND unfollowed_at IS NULL"
        " AND blocked_at IS NULL AND confirmed_at IS NOT NULL", (outlet,)).fetchone()[0]
    return int(followers), int(following)


class Follows(DomainService):
    """Follow-back bookkeeping for the daemon, and the administrators' decisions on whom
    the accounts follow. Permissions are checked here; every change is audited."""

    def __init__(self, db: Database, clock: Clock = utcnow):
        self.db = db
        self.clock = clock


    # ----- paging (daemon) ------------------------------------------------------

    def begin(self, outlet: str, job: str) -> Position | None:
        """The run to page next: the unfinished one if any, else a new one from the first
        page. None while the platform's rate limit for this job has not reset."""
        if job not in (FOLLOWERS, FOLLOWING):
            raise InvalidInput(f"unknown paging job {job!r}")
        now = self.clock()
        with write(self.db):
            row = self.conn.execute(
                "SELECT run, completed_run, cursor, not_before FROM sync_state"
                " WHERE outlet = ? AND job = ?", (outlet, job)).fetchone()
            if row is None:
                self.conn.execute(
                    "INSERT INTO sync_state (outlet, job, cursor, run, completed_run, updated_at,"
                    " run_started_at) VALUES (?, ?, NULL, 1, 0, ?, ?)",
                    (outlet, job, to_db(now), to_db(now)))
                return Position(1, None, False)
            run, completed, cursor, not_before = row
            if not_before and from_db(not_before) > now:
                return None
            if run > completed:
                return Position(run, cursor, True)
            self.conn.execute(
                "UPDATE sync_state SET run = ?, cursor = NULL, updated_at = ?, run_started_at = ?"
                " WHERE outlet = ? AND job = ?", (run + 1, to_db(now), to_db(now), outlet, job))
            self.conn.execute("DELETE FROM sync_pages WHERE outlet = ? AND job = ?", (outlet, job))
            return Position(run + 1, None, False)

    def record_page(self, outlet: str, job: str, run: int, accounts: Iterable[AccountRow],
                    next_cursor: str | None) -> PageResult:
        """Store one page and the cursor after it in one transaction; the last page
        (`next_cursor` None) completes the run."""
        now = to_db(self.clock())
        with write(self.db):
            row = self.conn.execute(
                "SELECT run, completed_run, cursor FROM sync_state WHERE outlet = ? AND job = ?",
                (outlet, job)).fetchone()
            if row is None or row[0] != run or row[1] >= run:
                # Another process moved the job on (two daemons, or a stale position).
                raise InvalidState(f"{outlet}/{job}: run {run} is no longer the run in progress")
            stored = self._stage(outlet, job, run, accounts, now, first_page=row[2] is None)
            self.conn.execute(
                "UPDATE sync_state SET cursor = ?, updated_at = ?, not_before = NULL"
                " WHERE outlet = ? AND job = ?", (next_cursor, now, outlet, job))
            if next_cursor is not None:
                return PageResult(stored, False)
            gone = self._complete(outlet, job, run, now)
        return PageResult(stored, True, gone if job == FOLLOWERS else 0)

    def _stage(self, outlet: str, job: str, run: int, accounts: Iterable[AccountRow],
               now: str, first_page: bool) -> int:
        # Appending to an unindexed table costs the same whatever the order of the ids;
        # upserting a page of random ids into a million-row B-tree rewrites a page of the
        # tree per id (measured 40-85 s for a first pass of a million, against 2 s here).
        rows = [(outlet, job, run, user_id, handle, name) for user_id, handle, name in accounts]
        self.conn.executemany(
            "INSERT INTO sync_pages (outlet, job, run, user_id, handle, name)"
            " VALUES (?, ?, ?, ?, ?, ?)", rows)
        if job == FOLLOWERS and first_page:
            # Both platforms list followers newest first, so the new ones are on a run's
            # first page: they are stored at once and the follow-back need not wait for
            # the end of a long run. Anyone new further down is found by the merge.
            self.conn.executemany(
                "INSERT INTO followers (outlet, user_id, handle, name, first_seen_at, last_seen_run)"
                " SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE NOT EXISTS (SELECT 1 FROM followers f"
                "   WHERE f.outlet = ?1 AND f.user_id = ?2)"
                " AND NOT EXISTS (SELECT 1 FROM following g WHERE g.outlet = ?1 AND g.user_id = ?2)",
                ((o, uid, handle, name, now, r) for o, _j, r, uid, handle, name in rows))
        return len(rows)

    def _complete(self, outlet: str, job: str, run: int, now: str) -> int:
        """Merge the run's staged pages into the table in key order, in one statement,
        writing only rows that changed; then what the run did not see is gone."""
        completed, started = self.conn.execute(
            "SELECT completed_run, coalesce(run_started_at, '') FROM sync_state"
            " WHERE outlet = ? AND job = ?", (outlet, job)).fetchone()
        first_run = not completed
        self.conn.execute(
            "UPDATE sync_state SET completed_run = ?, completed_at = ? WHERE outlet = ? AND job = ?",
            (run, now, outlet, job))
        params = {"outlet": outlet, "job": job, "run": run, "now": now, "found": FOUND,
                  "started": started}
        # One sort of the run's ids, used by the merge (key order) and the anti-join.
        self.conn.execute("CREATE INDEX IF NOT EXISTS sync_pages_merge"
                          " ON sync_pages(outlet, job, run, user_id)")
        unseen = ("NOT EXISTS (SELECT 1 FROM sync_pages s WHERE s.outlet = :outlet AND s.job = :job"
                  " AND s.run = :run AND s.user_id = {table}.user_id)")
        if job == FOLLOWERS:
            self.conn.execute(
                "INSERT INTO followers (outlet, user_id, handle, name, first_seen_at, last_seen_run,"
                " followed_back_at)"
                # On the first run every follower is new: whether we already follow them is
                # read here, in key order, rather than by rewriting every row afterwards.
                + (" SELECT :outlet, s.user_id, s.handle, s.name, :now, :run, g.followed_at"
                   " FROM sync_pages s INDEXED BY sync_pages_merge LEFT JOIN following g"
                   " ON g.outlet = :outlet AND g.user_id = s.user_id AND g.unfollowed_at IS NULL"
                   " AND g.confirmed_at IS NOT NULL" if first_run else
                   " SELECT :outlet, s.user_id, s.handle, s.name, :now, :run, NULL"
                   " FROM sync_pages s INDEXED BY sync_pages_merge") +
                " WHERE s.outlet = :outlet AND s.job = :job AND s.run = :run ORDER BY s.user_id"
                " ON CONFLICT (outlet, user_id) DO UPDATE SET gone_at = NULL,"
                " handle = excluded.handle, name = excluded.name,"
                " last_seen_run = excluded.last_seen_run"
                " WHERE followers.gone_at IS NOT NULL OR followers.handle IS NOT excluded.handle"
                " OR followers.name IS NOT excluded.name", params)
            # Nobody can have left before the first run completed.
            gone = 0 if first_run else self.conn.execute(
                "UPDATE followers SET gone_at = :now WHERE outlet = :outlet AND gone_at IS NULL AND "
                + unseen.format(table="followers"), params).rowcount
            # Followers already followed (found in `following`) need no follow-back: only
            # the rows still waiting are looked at (a partial index holds them).
            self.conn.execute(
                "UPDATE followers SET followed_back_at = g.followed_at FROM following g"
                " WHERE followers.outlet = :outlet AND followers.followed_back_at IS NULL"
                " AND followers.gone_at IS NULL AND g.outlet = followers.outlet"
                " AND g.user_id = followers.user_id AND g.unfollowed_at IS NULL"
                " AND g.confirmed_at IS NOT NULL", params)
        else:
            # Follows already in place on the platform (made before this tool, or by hand):
            # a follower's is a follow-back, anyone else's was somebody's choice to review.
            self.conn.execute(
                "INSERT INTO following (outlet, user_id, handle, name, reason, followed_at,"
                " followed_by, confirmed_at)"
                " SELECT :outlet, s.user_id, s.handle, s.name, CASE WHEN EXISTS (SELECT 1 FROM followers f"
                "   WHERE f.outlet = :outlet AND f.user_id = s.user_id) THEN 'follow_back'"
                "   ELSE 'organisation' END, :now, :found, :now FROM sync_pages s INDEXED BY sync_pages_merge"
                " WHERE s.outlet = :outlet AND s.job = :job AND s.run = :run ORDER BY s.user_id"
                " ON CONFLICT (outlet, user_id) DO UPDATE SET handle = excluded.handle,"
                " name = excluded.name WHERE following.handle IS NOT excluded.handle"
                " OR following.name IS NOT excluded.name", params)
            # A confirmed follow no longer on the platform was undone outside the tool.
            # Only follows older than the run count: the list is newest first, so a follow
            # made while the run paged further down is on a page already read.
            gone = self.conn.execute(
                "UPDATE following SET unfollowed_at = :now WHERE outlet = :outlet AND unfollowed_at IS NULL"
                " AND confirmed_at IS NOT NULL AND confirmed_at < :started AND pending_action IS NULL AND "
                + unseen.format(table="following"), params).rowcount
        # Dropped again (before the delete, which it would slow): kept, it would make
        # every append an insert into a sorted index.
        self.conn.execute("DROP INDEX sync_pages_merge")
        self.conn.execute("DELETE FROM sync_pages WHERE outlet = :outlet AND job = :job AND run = :run",
                          params)
        details: dict[str, object] = {"run": run, "gone": gone}
        if gone:  # who left (or was dropped), a sample for the record
            table, column = (("followers", "gone_at") if job == FOLLOWERS
                             else ("following", "unfollowed_at"))
            details["sample"] = [r[0] for r in self.conn.execute(
                f"SELECT handle FROM {table} WHERE outlet = ? AND {column} = ? LIMIT 20",
                (outlet, now))]
        audit.append(self.conn, audit.DAEMON, f"{job}.sync", f"outlet:{outlet}", details,
                     at=self.clock())
        return gone

    def rate_limited(self, outlet: str, job: str, reset_at: dt.datetime) -> None:
        """The platform said wait until `reset_at`; the job resumes after it."""
        with write(self.db):
            self.conn.execute(
                "INSERT INTO sync_state (outlet, job, run, completed_run, updated_at, not_before)"
                " VALUES (?, ?, 0, 0, ?, ?) ON CONFLICT (outlet, job) DO UPDATE SET"
                " not_before = excluded.not_before, updated_at = excluded.updated_at",
                (outlet, job, to_db(self.clock()), to_db(reset_at)))

    # ----- follow-back (daemon) -------------------------------------------------

    def pending_follow_backs(self, outlet: str, limit: int) -> list[AccountRow]:
        """Followers not yet followed back, oldest first: only people who follow us, never
        anyone we stopped following after a review."""
        return self.conn.execute(
            "SELECT f.user_id, f.handle, f.name FROM followers f"
            " WHERE f.outlet = ? AND f.followed_back_at IS NULL AND f.gone_at IS NULL"
            " AND f.follow_back_error IS NULL"
            " AND NOT EXISTS (SELECT 1 FROM following g WHERE g.outlet = f.outlet"
            "   AND g.user_id = f.user_id)"
            " ORDER BY f.first_seen_at LIMIT ?", (outlet, limit)).fetchall()

    def follow_budget(self, outlet: str, api: str) -> int:
        """Follow calls still allowed now on this outlet (0 while rate-limited)."""
        now = self.clock()
        row = self.conn.execute(
            "SELECT not_before FROM sync_state WHERE outlet = ? AND job = ?",
            (outlet, FOLLOW)).fetchone()
        if row and row[0] and from_db(row[0]) > now:
            return 0
        limit, window = for_api(api).follow_limit
        used = self.conn.execute(
            "SELECT count(*) FROM follow_calls WHERE outlet = ? AND at > ?",
            (outlet, to_db(now - window))).fetchone()[0]
        return max(limit - used, 0)

    def record_follow_back(self, outlet: str, user_id: str) -> None:
        """The daemon followed back `user_id`. Refused unless they follow us: INMM never
        initiates a follow of an individual."""
        now = to_db(self.clock())
        with write(self.db):
            row = self.conn.execute(
                "SELECT handle, name, gone_at FROM followers WHERE outlet = ? AND user_id = ?",
                (outlet, user_id)).fetchone()
            if row is None or row[2] is not None:
                raise InvalidState(
                    f"{outlet}: account {user_id} does not follow INMM; INMM does not initiate "
                    "follows of individuals (only an administrator may follow an organisation)")
            handle, name, _gone = row
            inserted = self.conn.execute(
                "INSERT INTO following (outlet, user_id, handle, name, reason, followed_at,"
                " followed_by, confirmed_at) VALUES (?, ?, ?, ?, 'follow_back', ?, ?, ?)"
                " ON CONFLICT (outlet, user_id) DO NOTHING",
                (outlet, user_id, handle, name, now, audit.DAEMON, now)).rowcount
            self.conn.execute(
                "UPDATE followers SET followed_back_at = ? WHERE outlet = ? AND user_id = ?",
                (now, outlet, user_id))
            self.conn.execute("INSERT INTO follow_calls (outlet, user_id, at) VALUES (?, ?, ?)",
                              (outlet, user_id, now))
            if inserted:
                audit.append(self.conn, audit.DAEMON, "follow.back", f"account:{outlet}:{user_id}",
                             {"handle": handle}, at=self.clock())

    def record_follow_back_refused(self, outlet: str, user_id: str, error: str) -> None:
        """The platform refused the follow for good (e.g. a suspended account): not retried."""
        now = to_db(self.clock())
        with write(self.db):
            self.conn.execute(
                "UPDATE followers SET follow_back_error = ? WHERE outlet = ? AND user_id = ?",
                (error[:500], outlet, user_id))
            self.conn.execute("INSERT INTO follow_calls (outlet, user_id, at) VALUES (?, ?, ?)",
                              (outlet, user_id, now))
            audit.append(self.conn, audit.DAEMON, "follow.back_refused",
                         f"account:{outlet}:{user_id}", {"error": error[:500]}, at=self.clock())

    # ----- administrators' decisions (UI/CLI) -----------------------------------

    def follow_organisation(self, actor: str, outlet: str, user_id: str, handle: str, *,
                            name: str = "", why: str, organisation: bool) -> None:
        """An administrator decides to follow an organisation; the daemon performs it.
        `organisation` is the person's statement that the account is an organisation:
        INMM does not initiate follows of individuals."""
        if not organisation:
            raise InvalidInput(
                "INMM does not initiate follows of individuals (policy: Following and "
                "Followers); only an organisation may be followed by decision")
        if not why.strip():
            raise InvalidInput("say why INMM should follow this organisation (kept for the review)")
        if not user_id.strip() or not handle.strip():
            raise InvalidInput("the organisation's account id and handle are both needed")
        now = to_db(self.clock())
        with write(self.db):
            authorise(self.conn, actor, Action.MODERATE)
            row = self.conn.execute(
                "SELECT unfollowed_at, blocked_at FROM following WHERE outlet = ? AND user_id = ?",
                (outlet, user_id)).fetchone()
            if row is not None and row[0] is None:
                raise InvalidState(f"{outlet}: @{handle.lstrip('@')} is already followed")
            if row is not None and row[1] is not None:
                raise InvalidState(f"{outlet}: @{handle.lstrip('@')} was blocked; unblock it first")
            self.conn.execute(
                "INSERT INTO following (outlet, user_id, handle, name, reason, followed_at,"
                " followed_by, pending_action, pending_by, pending_at, note)"
                " VALUES (?, ?, ?, ?, 'organisation', ?, ?, 'follow', ?, ?, ?)"
                " ON CONFLICT (outlet, user_id) DO UPDATE SET reason = 'organisation',"
                " followed_at = excluded.followed_at, followed_by = excluded.followed_by,"
                " unfollowed_at = NULL, confirmed_at = NULL, pending_action = 'follow',"
                " pending_by = excluded.pending_by, pending_at = excluded.pending_at,"
                " action_error = NULL, note = excluded.note",
                (outlet, user_id, handle.lstrip("@"), name, now, actor, actor, now, why.strip()))
            audit.append(self.conn, actor, "follow.organisation", f"account:{outlet}:{user_id}",
                         {"handle": handle.lstrip("@"), "why": why.strip()}, at=self.clock())

    def unfollow(self, actor: str, outlet: str, user_id: str, reason: str = "") -> None:
        self._request(actor, outlet, user_id, "unfollow", reason)

    def block(self, actor: str, outlet: str, user_id: str, reason: str = "") -> None:
        self._request(actor, outlet, user_id, "block", reason)

    def _request(self, actor: str, outlet: str, user_id: str, action: str, reason: str) -> None:
        now = to_db(self.clock())
        with write(self.db):
            authorise(self.conn, actor, Action.MODERATE)
            row = self.conn.execute(
                "SELECT handle, unfollowed_at, blocked_at, pending_action, confirmed_at"
                " FROM following WHERE outlet = ? AND user_id = ?", (outlet, user_id)).fetchone()
            if row is None:
                raise NotFound(f"{outlet}: INMM does not follow account {user_id}")
            handle, unfollowed_at, blocked_at, pending, confirmed = row
            if blocked_at or (action == "unfollow" and unfollowed_at):
                raise InvalidState(f"{outlet}: @{handle} is no longer followed")
            if action == "unfollow" and pending == "follow" and confirmed is None:
                # The follow never reached the platform: cancel it instead.
                self.conn.execute(
                    "UPDATE following SET pending_action = NULL, unfollowed_at = ?"
                    " WHERE outlet = ? AND user_id = ?", (now, outlet, user_id))
            else:
                self.conn.execute(
                    "UPDATE following SET pending_action = ?, pending_by = ?, pending_at = ?,"
                    " action_error = NULL WHERE outlet = ? AND user_id = ?",
                    (action, actor, now, outlet, user_id))
            audit.append(self.conn, actor, f"follow.{action}", f"account:{outlet}:{user_id}",
                         {"handle": handle, "reason": reason}, at=self.clock())

    def pending_actions(self, outlet: str, limit: int = 100) -> list[tuple[str, str, str | None]]:
        """(user_id, action, handle) the daemon is to perform, oldest request first."""
        return self.conn.execute(
            "SELECT user_id, pending_action, handle FROM following WHERE outlet = ?"
            " AND pending_action IS NOT NULL ORDER BY pending_at LIMIT ?",
            (outlet, limit)).fetchall()

    def record_action_done(self, outlet: str, user_id: str, action: str) -> None:
        now = to_db(self.clock())
        with write(self.db):
            row = self.conn.execute(
                "SELECT pending_action, reason FROM following WHERE outlet = ? AND user_id = ?",
                (outlet, user_id)).fetchone()
            if row is None or row[0] != action:
                raise InvalidState(f"{outlet}: no {action} of account {user_id} was requested")
            if action == "follow":
                if row[1] != "organisation":
                    raise InvalidState("only an organisation chosen by a person is followed by request")
                self.conn.execute(
                    "UPDATE following SET confirmed_at = ?, pending_action = NULL,"
                    " action_error = NULL WHERE outlet = ? AND user_id = ?", (now, outlet, user_id))
                self.conn.execute(
                    "INSERT INTO follow_calls (outlet, user_id, at) VALUES (?, ?, ?)",
                    (outlet, user_id, now))
            elif action == "unfollow":
                self.conn.execute(
                    "UPDATE following SET unfollowed_at = ?, pending_action = NULL,"
                    " action_error = NULL WHERE outlet = ? AND user_id = ?", (now, outlet, user_id))
            else:
                self.conn.execute(
                    "UPDATE following SET blocked_at = ?, unfollowed_at = coalesce(unfollowed_at, ?),"
                    " pending_action = NULL, action_error = NULL WHERE outlet = ? AND user_id = ?",
                    (now, now, outlet, user_id))
            audit.append(self.conn, audit.DAEMON, f"follow.{action}.done",
                         f"account:{outlet}:{user_id}", {}, at=self.clock())

    def record_action_failed(self, outlet: str, user_id: str, action: str, error: str) -> None:
        """The platform refused a requested action for good; shown to the administrators,
        and the request withdrawn."""
        with write(self.db):
            self.conn.execute(
                "UPDATE following SET pending_action = NULL, action_error = ?"
                " WHERE outlet = ? AND user_id = ? AND pending_action = ?",
                (error[:500], outlet, user_id, action))
            audit.append(self.conn, audit.DAEMON, f"follow.{action}.failed",
                         f"account:{outlet}:{user_id}", {"error": error[:500]}, at=self.clock())

    # ----- review (R11) ---------------------------------------------------------

    def mark_reviewed(self, actor: str, outlet: str, user_ids: Iterable[str]) -> int:
        ids = list(user_ids)
        now = to_db(self.clock())
        with write(self.db):
            authorise(self.conn, actor, Action.MODERATE)
            count = self.conn.executemany(
                "UPDATE following SET reviewed_at = ?, reviewed_by = ? WHERE outlet = ?"
                " AND user_id = ?", ((now, actor, outlet, uid) for uid in ids)).rowcount
            audit.append(self.conn, actor, "follow.reviewed", f"outlet:{outlet}",
                         {"accounts": ids[:100], "count": count}, at=self.clock())
        return count

    def record_full_review(self, actor: str, note: str = "") -> ReviewStatus:
        """The whole followed list has been reviewed: keep the date, close the reminder and
        set the next one."""
        now = self.clock()
        due = now + dt.timedelta(days=REVIEW_INTERVAL_DAYS)
        with write(self.db):
            authorise(self.conn, actor, Action.MODERATE)
            set_setting(self.conn, LAST_FULL_REVIEW, to_db(now), actor, now)
            reminders.close_reminders(self.conn, REVIEW_KIND, "following", actor, now)
            self._remind(due)
            audit.append(self.conn, actor, "follow.full_review", "following",
                         {"note": note, "next_due": to_db(due)}, at=now)
        return self.review_status()

    def ensure_review_reminder(self) -> None:
        """Make sure a review reminder is open (due at once when no review was ever kept)."""
        with write(self.db):
            last = setting(self.conn, LAST_FULL_REVIEW)
            due = (from_db(last) + dt.timedelta(days=REVIEW_INTERVAL_DAYS)) if last else self.clock()
            self._remind(due)

    def _remind(self, due: dt.datetime) -> None:
        reminders.ensure_reminder(
            self.conn, REVIEW_KIND, "following",
            "Review the accounts INMM follows for appropriateness (policy: Following and "
            "Followers)", due, for_role="subcommittee_chair", repeat_days=REVIEW_INTERVAL_DAYS,
            how="Open the follow review, unfollow or block what is not appropriate, then record "
            "the full review")

    def review_status(self) -> ReviewStatus:
        last = setting(self.conn, LAST_FULL_REVIEW)
        due = self.conn.execute(
            "SELECT min(due_at) FROM reminders WHERE kind = ? AND done_at IS NULL",
            (REVIEW_KIND,)).fetchone()[0]
        overdue = last is None or (due is not None and from_db(due) <= self.clock())
        return ReviewStatus(last, due, overdue)

    # ----- balance (R12) --------------------------------------------------------

    def balance(self, outlet: str) -> Balance:
        return Balance(outlet, *counts(self.conn, outlet))
