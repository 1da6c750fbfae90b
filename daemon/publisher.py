"""Publishing: claim a due delivery, call the platform, record the result.

The queue rules live in `inmm_tui.domain.publishing`; this module only talks to the
platforms and maps their errors onto the queue's calls:

| platform says            | the delivery                                                    |
|--------------------------|-----------------------------------------------------------------|
| published                | `sent`                                                          |
| TransientError, anything | back to `pending` *in doubt* (the post may exist), backoff with |
|   unexpected             | jitter; `failed` after `daemon.max_attempts`                    |
| RateLimited(reset_at)    | waits until `reset_at` (X: the spent window's, 15-minute or     |
|                          | 24-hour); not counted as an attempt                             |
| UsageCapped (X monthly)  | the outlet waits until `reset_at`, HQ is alerted; not counted   |
| AuthFailed               | waits 5 minutes, an alert is raised; not counted                |
| NotInPlan (X tier 403)   | `failed` with the platform's message, shown in governance; the  |
|                          | outlet's next post goes on                                      |
| DuplicateContent (X)     | probably sent already: found among recent posts → `sent`,       |
|                          | else `failed` with X's message                                  |
| Rejected, Unsupported    | `failed` with the platform's message                            |

A delivery in doubt is reconciled before it is sent again: on Mastodon, while its first
attempt is less than `daemon.idempotency_key_seconds` (55 minutes) old, by posting with
the same Idempotency-Key (the server returns the post it already has; it forgets the key
after an hour); on X, and on Mastodon after that, by looking among the account's recent
posts for one with exactly its text (links included; on Mastodon the status's source,
not its HTML), made after its first attempt began, and not already recorded for another
delivery. On Bluesky (`keyed_posting`) a post is created under a record key made from
the delivery's key, so an in-doubt delivery is looked up under that key, exactly, and
sent only if nothing is there. A platform id is recorded for one delivery only (the
database enforces it); a second claim on it fails the delivery with an alert instead of
marking it sent.

Each outlet is drained by its own thread with its own database connection, so a slow or
failing outlet never holds back another (or, as a service, by its own process:
`inmm_daemon.workers`, where a Publisher drains the one outlet).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import sqlite3
import threading
import time
import unicodedata
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    wait_exponential,
    wait_random,
)

from inmm_tui.domain.governance import record_plan_refusal, record_usage_cap
from inmm_tui.domain.media import files_for
from inmm_tui.domain.publishing import Claim, Queue
from inmm_tui.domain.reminders import raise_alert
from inmm_tui.domain.shares import REPOST, record_gone, shared_text
from inmm_tui.platforms.base import Platform, Published
from inmm_tui.platforms.errors import (
    AuthFailed,
    DuplicateContent,
    NotFound,
    NotInPlan,
    RateLimited,
    Rejected,
    SharedPostGone,
    TransientError,
    Unsupported,
    UsageCapped,
)
from inmm_tui.store.errors import StorageUnavailable, storage_error
from inmm_tui.store.tx import write
from inmm_tui.timeutil import Clock, utcnow

if TYPE_CHECKING:
    import multiprocessing.synchronize

    from sqlite_utils import Database

    from inmm_tui.config import Config

log = logging.getLogger("inmm_daemon.publish")

AUTH_RETRY = dt.timedelta(minutes=5)
"""Refused credentials are retried this often (someone must fix them; an alert says so)."""
RATE_LIMIT_MARGIN = dt.timedelta(seconds=1)
"""Waited beyond a rate limit's reset time, so that clocks a little apart do not matter."""
RECENT_LOOKED_AT = 50
"""How many of the account's recent posts are searched to reconcile a post on X."""
CLOCK_MARGIN = dt.timedelta(minutes=5)
"""How far the platform's clock may be behind ours: a post stamped more than this before
the attempt began is not the attempt's."""
RUN_SECONDS = 240.0
"""One publish run drains for at most this long, then lets the scheduler run again."""
RECORD_RETRY_MAX_SECONDS = 30.0
"""While the database cannot be written, a post the platform has is recorded again at
least this often."""


def backoff(attempt: int, base: float = 10.0, maximum: float = 900.0) -> dt.timedelta:
    """How long to wait after failed attempt number `attempt`: tenacity's exponential
    backoff (base, 2 base, 4 base, ... up to `maximum`) plus up to `base` of jitter.
    Computed here and stored as the delivery's next attempt time, so it survives a
    restart. With the default 10 s the waits after attempts 1..7 are 10, 20, ... 640 s:
    the eighth attempt comes about 21 minutes after the first, so an outage of a quarter
    of an hour is ridden out without anyone having to retry."""
    strategy = wait_exponential(multiplier=base, max=maximum) + wait_random(0, base)
    state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
    state.attempt_number = attempt
    return dt.timedelta(seconds=float(strategy(state)))


def same_text(ours: str, theirs: str) -> bool:
    """Whether a post found on the platform has exactly the text we send. The adapter
    gives the text as it was posted (X's t.co links expanded, its escaping undone); only
    what X does to every text is allowed for: Unicode normalisation (NFC) and the
    trimming of surrounding white space. A link, a hashtag or a signature of difference
    is another post."""
    def canonical(text: str) -> str:
        return unicodedata.normalize("NFC", text).strip()
    return canonical(ours) == canonical(theirs)


@dataclasses.dataclass
class DrainResult:
    handled: int = 0
    sent: int = 0


class Publisher:
    """Drains every outlet's queue; one Queue (one connection) per outlet."""

    def __init__(self, open_db: Callable[[], Database], config: Config,
                 platforms: Mapping[str, Platform], *, clock: Clock = utcnow,
                 stop: threading.Event | multiprocessing.synchronize.Event | None = None):
        self.config = config
        self.platforms = dict(platforms)
        self.clock = clock
        self.stop = stop or threading.Event()
        self.outlets = [outlet.name for outlet in config.outlets]
        self._open_db = open_db
        self._queues: dict[str, Queue] = {}
        self._lock = threading.Lock()

    def queue(self, outlet: str) -> Queue:
        with self._lock:
            if outlet not in self._queues:
                self._queues[outlet] = Queue(
                    self._open_db(), max_attempts=self.config.daemon.max_attempts,
                    late_hold_minutes=self.config.daemon.late_hold_minutes,
                    society_domains=self.config.inmm.society_domains, clock=self.clock)
            return self._queues[outlet]

    def close(self) -> None:
        with self._lock:
            for queue in self._queues.values():
                queue.db.close()
            self._queues.clear()

    # ----- the jobs ------------------------------------------------------------------

    def recover(self) -> int:
        """At start-up, before anything is sent: deliveries a dead daemon left in
        `sending` are put in doubt, so each is reconciled before it is sent again."""
        count = self.queue(self.outlets[0]).requeue_orphans() if self.outlets else 0
        if count:
            log.warning("%d deliveries were being sent when the daemon last stopped; "
                        "each is reconciled with its platform before anything else", count)
        return count

    def run(self, *, seconds: float = RUN_SECONDS, limit: int | None = None) -> DrainResult:
        """Publish everything due now, every outlet in parallel; bounded in time and count."""
        total = DrainResult()
        if not self.outlets:
            return total
        deadline = time.monotonic() + seconds
        with ThreadPoolExecutor(max_workers=len(self.outlets),
                                thread_name_prefix="publish") as pool:
            results = list(pool.map(lambda o: self.drain(o, deadline, limit), self.outlets))
        for result in results:
            total.handled += result.handled
            total.sent += result.sent
        return total

    def drain(self, outlet: str, deadline: float, limit: int | None = None) -> DrainResult:
        result = DrainResult()
        queue = self.queue(outlet)
        while not self.stop.is_set() and time.monotonic() < deadline:
            if limit is not None and result.handled >= limit:
                break
            claim = queue.claim([outlet])
            if claim is None:
                break
            result.handled += 1
            if self.attempt(queue, claim):
                result.sent += 1
        return result

    def next_due(self) -> dt.datetime | None:
        return self.queue(self.outlets[0]).next_due(self.outlets) if self.outlets else None

    # ----- one attempt ------------------------------------------------------------------

    def attempt(self, queue: Queue, claim: Claim) -> bool:
        """Send (or reconcile) one claimed delivery and record the outcome; True if sent."""
        if self.stop.is_set():
            queue.release(claim, "the daemon is stopping")
            return False
        platform = self.platforms.get(claim.outlet)
        if platform is None:
            queue.record_retry(claim, "the outlet has no working platform client (see the "
                               "daemon's log)", retry_at=self.clock() + AUTH_RETRY,
                               in_doubt=claim.in_doubt, counts=False)
            return False
        try:
            published, reconciled = self._send(platform, queue, claim)
        except RateLimited as exc:
            # The outlet waits as a whole behind its head (the queue's rule): one wait, not
            # one refused call per post. A spent monthly cap is HQ's to know about.
            retry_at = max(exc.reset_at, self.clock()) + RATE_LIMIT_MARGIN
            capped = isinstance(exc, UsageCapped)
            queue.record_retry(claim, f"{'usage cap spent' if capped else 'rate limited'}: {exc}",
                               retry_at=retry_at, in_doubt=claim.in_doubt, counts=False)
            if capped:
                with write(queue.db):
                    record_usage_cap(queue.db.conn, claim.outlet, retry_at, str(exc),
                                     self.clock())
            log.warning("%s: rate limited; waiting until %s", claim.label,
                        retry_at.isoformat(timespec="seconds"))
            return False
        except AuthFailed as exc:
            message = f"{claim.outlet} refused the credentials: {exc}"
            queue.record_retry(claim, message, retry_at=self.clock() + AUTH_RETRY,
                               in_doubt=claim.in_doubt, counts=False)
            with write(queue.db):
                raise_alert(queue.db.conn, "credentials_refused", f"outlet:{claim.outlet}",
                            f"{message}; posts to {claim.outlet} wait until the credentials "
                            "are fixed", self.clock())
            log.error("%s: %s", claim.label, message)
            return False
        except (Rejected, Unsupported) as exc:
            queue.record_failed(claim, str(exc) or type(exc).__name__)
            if isinstance(exc, SharedPostGone):  # shown on the share, HQ alerted
                with write(queue.db):
                    record_gone(queue.db.conn, claim.post_id, claim.outlet, str(exc),
                                self.clock(), changed=exc.changed)
            if isinstance(exc, NotInPlan):  # the plan, not this post: HQ sees it in governance
                with write(queue.db):
                    record_plan_refusal(queue.db.conn, claim.outlet, exc.operation, str(exc),
                                        self.clock())
            log.error("%s: refused by the platform: %s", claim.label, exc)
            return False
        except Exception as exc:  # TransientError, or a fault we did not foresee
            # The request may have reached the platform: the next attempt reconciles.
            if isinstance(exc, TransientError):
                message = str(exc) or "temporary failure"
            else:
                message = f"unexpected {type(exc).__name__}: {exc}"
                log.exception("%s: unexpected error from the platform client", claim.label)
            retry_at = self.clock() + backoff(claim.attempt, self.config.daemon.retry_base_seconds,
                                              self.config.daemon.retry_max_seconds)
            state = queue.record_retry(claim, message, retry_at=retry_at, in_doubt=True)
            log.warning("%s: attempt %d failed (%s); %s", claim.label, claim.attempt, message,
                        "giving up: failed" if state == "failed"
                        else f"next attempt at {retry_at.isoformat(timespec='seconds')}")
            return False
        recorded = self._recorded(claim, published, lambda: queue.record_sent(
            claim, published.platform_id, published.url, reconciled=reconciled))
        if recorded is None:
            return False
        if not recorded:
            log.error("%s: %s post %s is already recorded for another delivery; not marked "
                      "sent (failed, alert raised)", claim.label, claim.outlet,
                      published.platform_id)
            return False
        log.info("%s: %s (attempt %d) %s", claim.label,
                 "found already published" if reconciled else "published", claim.attempt,
                 published.url)
        return True

    def _recorded(self, claim: Claim, published: Published,
                  record: Callable[[], bool]) -> bool | None:
        """Record a post the platform has (True, or False when its id is another
        delivery's), retrying with backoff while the database cannot be written: disk
        full, read-only, locked. The platform id is kept here in
        memory meanwhile, and once writes succeed again the delivery is `sent` with no
        restart and no second post. Only a stopping daemon gives up: the delivery stays
        `sending`, and the next start reconciles it with the platform: None."""
        def storage_failure(exc: BaseException) -> bool:
            return isinstance(exc, sqlite3.Error) and isinstance(
                storage_error(exc, self.config.database_path), StorageUnavailable)

        def say_why(state: RetryCallState) -> None:
            log.error("%s: published as %s but the database cannot be written (%s); "
                      "recording it again in %.0f s", claim.label, published.platform_id,
                      state.outcome.exception() if state.outcome else "?",
                      state.upcoming_sleep)

        def pause(seconds: float) -> None:  # a stopping daemon does not wait it out
            self.stop.wait(seconds)

        try:
            return Retrying(retry=retry_if_exception(storage_failure), reraise=True,
                            wait=wait_exponential(multiplier=0.5, max=RECORD_RETRY_MAX_SECONDS),
                            stop=lambda _: self.stop.is_set(), sleep=pause,
                            before_sleep=say_why)(record)
        except sqlite3.Error as exc:
            if not storage_failure(exc):
                raise
            log.error("%s: published as %s (%s) but not recorded before stopping: it stays "
                      "`sending` and is reconciled when the daemon starts again",
                      claim.label, published.platform_id, published.url)
            return None

    def _send(self, platform: Platform, queue: Queue,
              claim: Claim) -> tuple[Published, bool]:
        way, original = claim.share or (None, None)
        cleared_text = shared_text(queue.conn, claim.post_id) if original else None
        if way == REPOST and original is not None:
            # A repost is idempotent on every platform (see `Platform.repost`): asking
            # again after a crash hands back the repost already made.
            _still_there(platform, original, cleared_text)
            return platform.repost(original, idempotency_key=claim.attempt_key), claim.in_doubt
        if claim.in_doubt and platform.capabilities.keyed_posting:
            # Created under the delivery's own key: found by it, exactly, or not there.
            found = platform.keyed_post(claim.attempt_key)
            if found is not None:
                return found, True
        elif claim.in_doubt and not self._key_kept(platform, claim):
            found = self._find_recent(platform, queue, claim)
            if found is not None:
                return found, True
        # The post's files (checked against the clearance when it was claimed), uploaded
        # by the adapter on each attempt: only the post's creation must happen once.
        # Passed only when there is something to pass, so a platform without media or
        # quotes is called as it always was.
        extra: dict[str, Any] = {}
        media = files_for(queue.conn, claim.post_id)
        if media:
            extra["media"] = media
        if original is not None:  # a quote: of a post that must still be there
            _still_there(platform, original, cleared_text)
            extra["quote_of"] = original
        try:
            # Where posting is idempotent an in-doubt delivery reuses its key, so the
            # server hands back the post it already has instead of making a second one.
            return platform.publish(claim.text, idempotency_key=claim.attempt_key,
                                    in_reply_to=claim.in_reply_to, poll=claim.poll, **extra), False
        except DuplicateContent as exc:
            found = self._find_recent(platform, queue, claim)
            if found is not None:
                return found, True
            raise Rejected(f"{exc} (no post with exactly this text, made since this "
                           f"delivery's first attempt, is among the account's "
                           f"{RECENT_LOOKED_AT} most recent posts)") from None

    def _key_kept(self, platform: Platform, claim: Claim) -> bool:
        """Whether the platform still knows the delivery's Idempotency-Key: only where
        posting is idempotent, and for `daemon.idempotency_key_seconds` from the first
        attempt (Mastodon forgets a key after an hour: a delivery held, or the daemon
        down for hours, cannot rely on it)."""
        kept = dt.timedelta(seconds=self.config.daemon.idempotency_key_seconds)
        return (platform.capabilities.idempotent_posting and claim.attempt_began is not None
                and self.clock() - claim.attempt_began < kept)

    def _find_recent(self, platform: Platform, queue: Queue, claim: Claim) -> Published | None:
        """This delivery's post among the account's recent ones (the adapter lists only
        ours): made after its first attempt began, not a post already recorded for
        another delivery, and exactly its text (asked for last: on Mastodon it costs a
        call per post)."""
        since = claim.attempt_began - CLOCK_MARGIN if claim.attempt_began else None
        for post in platform.recent_posts(RECENT_LOOKED_AT):
            if since is not None and (post.created_at is None or post.created_at < since):
                continue
            if queue.owner_of(claim.outlet, post.platform_id) not in (None, claim.delivery_id):
                continue
            try:
                text = platform.posted_text(post)
            except NotFound:  # deleted since it was listed
                continue
            if not same_text(claim.text, text):
                continue
            return Published(platform_id=post.platform_id, url=post.url)
        return None


def _still_there(platform: Platform, original: str, cleared_text: str | None) -> None:
    """SharedPostGone when the post a share reposts or quotes was deleted upstream since
    it was cleared, or now says something else than the text that was screened and
    cleared (an edit on Mastodon, X or Bluesky): reported, never retried."""
    try:
        found = platform.fetch_post(original)
    except NotFound as exc:
        raise SharedPostGone(f"the shared post {original} was deleted upstream ({exc})") from None
    if cleared_text is not None and not same_text(cleared_text, found.text):
        raise SharedPostGone(f"the shared post {original} was changed upstream since it was "
                             "cleared; share it again to clear what it says now",
                             changed=True)


__all__ = ["Publisher", "backoff", "same_text"]
