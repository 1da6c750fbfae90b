"""The scheduler and its jobs: each job is a thin call into the shared services.

Timings are cron expressions in `[daemon.jobs]`, turned into APScheduler's `CronTrigger`.
A job runs at most once at a time; runs missed while the host or the daemon was down are
caught up once (coalesced), using the last run recorded in the `daemon_jobs` table.
Publishing also runs every few seconds and is woken early when the database changes or
the next delivery falls due.

The job table (`JOBS`) holds every job; a job named in the configuration but not in the
table is refused with the names it could be.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from inmm_daemon import deletions as deletion_jobs
from inmm_daemon import follow_back as follow_back_jobs
from inmm_daemon import governance as jobs
from inmm_daemon import metrics as metrics_jobs
from inmm_daemon import moderation as moderation_jobs
from inmm_daemon import notify as notify_jobs
from inmm_daemon import private_answers as private_answer_jobs
from inmm_daemon import questions as questions_jobs
from inmm_daemon import shares as shares_jobs
from inmm_daemon.publisher import Publisher
from inmm_daemon.server_limits import read_server_limits

from inmm_tui import __version__
from inmm_tui.config import Config, cron_trigger
from inmm_tui.domain import governance, media
from inmm_tui.domain.audit import DAEMON
from inmm_tui.domain.publishing import Queue
from inmm_tui.domain.reminders import raise_alert
from inmm_tui.domain.services import Services
from inmm_tui.domain.skips import database_failing
from inmm_tui.domain.switches import publishing_paused
from inmm_tui.store.errors import DatabaseError, storage_error
from inmm_tui.store.tx import write
from inmm_tui.timeutil import Clock, from_db, to_db, utcnow

if TYPE_CHECKING:
    from inmm_daemon.runtime import Notifier
    from inmm_daemon.workers import OutletWorkers
    from sqlite_utils import Database

    from inmm_tui.platforms.base import Platform

log = logging.getLogger("inmm_daemon")

PUBLISH_EVERY_SECONDS = 5.0
"""Publishing runs this often besides its cron expression (and is woken earlier)."""
WAKE_CHECK_SECONDS = 1.0
"""How often the database is looked at for a change (cheap: `PRAGMA data_version`)."""
HEARTBEAT_SECONDS = 15.0
NOTIFY_EVERY_SECONDS = 20.0
"""Notifications go out this often besides their cron expression."""


@dataclass(frozen=True)
class JobSpec:
    name: str
    run: Callable[[Daemon], None]
    every_seconds: float | None = None
    """Also run at this interval, besides the cron expression."""


def _publish(daemon: Daemon) -> None:
    # Shares people just asked for are read first: compose waits for their original.
    services = daemon.services("publish")  # (the database's own failure is the daemon's)
    try:
        shares_jobs.resolve_shares(services, daemon.platforms)
    except Exception as exc:  # never in the way of publishing (storage aside)
        if database_failing(exc) or isinstance(exc, DatabaseError):
            raise  # the daemon's storage handling says what and where, without a traceback
        log.exception("reading the posts people asked to share failed")
    daemon.publish()
    daemon.check_credentials()  # one cheap query unless a rotation awaits its check
    # Taking down what people asked to delete is as urgent as publishing: same cadence.
    _each_outlet(daemon, "publish", deletion_jobs.perform_deletions)
    _each_outlet(daemon, "publish", private_answer_jobs.send_answers)


def _audit_check(daemon: Daemon) -> None:
    services = daemon.services("audit_check")
    jobs.audit_check(services)
    for platform in daemon.platforms.values():  # posts made outside the tool: an alert
        jobs.check_platform_posts(services, platform)


def _reminders(daemon: Daemon) -> None:
    services = daemon.services("reminders")
    opened = jobs.raise_reminders(services)
    if opened:
        log.info("%d reminders opened", opened)
    questions_jobs.remind_questions(services)
    follow_back_jobs.remind_review(services)
    moderation_jobs.purge_evidence(services)
    swept = media.sweep(services.db, DAEMON, services.clock())
    if swept:
        log.info("%d stored media files no post needs deleted", len(swept))


def _spoof_watch(daemon: Daemon) -> None:
    services = daemon.services("spoof_watch")
    for outlet in daemon.config.outlets:
        platform = daemon.platforms.get(outlet.name)
        if platform is not None:
            queued = jobs.watch_spoofs(services, platform, outlet.handle, outlet.watch_handles)
            if queued:
                log.warning("outlet %s: %d possible spoof accounts queued for review",
                            outlet.name, queued)


def _each_outlet(daemon: Daemon, job: str, call: Callable[..., object]) -> None:
    """Run `call(services, platform, outlet)` for every outlet with a working client; one
    outlet's failure is logged and does not keep the others from their turn."""
    services = daemon.services(job)
    failures = []
    for name, platform in daemon.platforms.items():
        try:
            call(services, platform, name)
        except Exception as exc:
            log.exception("%s on %s failed", job, name)
            failures.append(f"{name}: {type(exc).__name__}: {exc}")
    if failures:  # recorded as the job's failure, shown by --report
        raise RuntimeError("; ".join(failures))


def _follow_back(daemon: Daemon) -> None:
    _each_outlet(daemon, "follow_back", follow_back_jobs.run)


def _ingest_mentions(daemon: Daemon) -> None:
    try:
        _each_outlet(daemon, "ingest_mentions", moderation_jobs.ingest_mentions)
    finally:
        _each_outlet(daemon, "ingest_mentions", moderation_jobs.perform_requests)
        # after ingestion and its moderation screen
        questions_jobs.triage_questions(daemon.services("ingest_mentions"))


def _limits_and_metrics(services: Services, platform: Platform, outlet: str) -> None:
    """The server's own limits (kept for the domain's checks), then the outlet's metrics."""
    read_server_limits(services, platform, outlet)
    metrics_jobs.poll_metrics(services, platform, outlet)


def _poll_metrics(daemon: Daemon) -> None:
    try:
        _each_outlet(daemon, "poll_metrics", _limits_and_metrics)
    finally:
        metrics_jobs.classify_followers(daemon.services("poll_metrics"))


def _monthly_report(daemon: Daemon) -> None:
    for path in metrics_jobs.write_monthly_report(daemon.services("monthly_report")):
        log.info("monthly report written: %s", path)


def _notify(daemon: Daemon) -> None:
    sent, failed = notify_jobs.run(daemon.services("notify"), daemon.messenger)
    if failed:  # recorded as the job's failure, shown by --report
        raise RuntimeError(f"{failed} notification(s) could not be sent; tried again later")
    if sent:
        log.info("%d notifications sent", sent)


JOBS: dict[str, JobSpec] = {
    "publish": JobSpec("publish", _publish, every_seconds=PUBLISH_EVERY_SECONDS),
    "audit_check": JobSpec("audit_check", _audit_check),
    "reminders": JobSpec("reminders", _reminders),
    "spoof_watch": JobSpec("spoof_watch", _spoof_watch),
    "poll_metrics": JobSpec("poll_metrics", _poll_metrics),
    "follow_back": JobSpec("follow_back", _follow_back),
    "ingest_mentions": JobSpec("ingest_mentions", _ingest_mentions),
    "monthly_report": JobSpec("monthly_report", _monthly_report),
    "notify": JobSpec("notify", _notify, every_seconds=NOTIFY_EVERY_SECONDS),
}


def cron_triggers(config: Config) -> dict[str, CronTrigger]:
    """Every `[daemon.jobs]` expression as a CronTrigger, or ConfigError naming the job,
    the expression and what is expected (exit 2). Loading the configuration checked them
    already (`inmm_tui.config.cron_trigger`); the built-in ones are made here."""
    where = str(config.path) if config.path else "<built-in configuration>"
    return {name: cron_trigger(expression, config.tz, f"{where}: daemon.jobs.{name}")
            for name, expression in config.daemon.jobs.items()}


def _file_identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of the file at `path`, None when there is none."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    return info.st_dev, info.st_ino


def note_secrets(services: Services, secrets: Mapping[str, object]) -> list[str]:
    """Remember a keyed fingerprint of each outlet's secrets (never the secrets); when they
    changed since last seen, HQ is offered a rotation to confirm. Returns those outlets."""
    return [outlet.name for outlet in services.config.outlets if jobs.check_secrets(
        services, outlet.name, json.dumps(secrets.get(outlet.name), sort_keys=True).encode())]


class Daemon:
    """The jobs, their state, and the scheduler that runs them."""

    def __init__(self, config: Config, open_db: Callable[[], Database],
                 platforms: Mapping[str, Platform], *, clock: Clock = utcnow,
                 notifier: Notifier | None = None,
                 messenger: notify_jobs.Messenger | None = None,
                 workers: OutletWorkers | None = None):
        self.config = config
        self.messenger = messenger
        """Sends notifications (holds the SMTP password and webhook secret); None: none sent."""
        self.clock = clock
        self.notifier = notifier
        self.stop = threading.Event()
        self.triggers = cron_triggers(config)
        self._open_db = open_db
        self.db = open_db()  # heartbeat, job records, audit check: one thread at a time
        self._identity = _file_identity(config.database_path)
        self.lost_database = ""
        """Why the daemon stopped because its database went away (empty while it is there)."""
        self._db_lock = threading.Lock()
        self.publisher = Publisher(open_db, config, platforms, clock=clock, stop=self.stop)
        self.workers = workers
        """With workers, each outlet is drained in a process of its own (`inmm-daemon`);
        without, by the publisher's threads here (`--once`, the tests' fake platforms)."""
        self.scheduler: BackgroundScheduler | None = None
        self._publishing = threading.Lock()
        self._next_due: dt.datetime | None = None
        self._data_version: int | None = None
        self._watch: Queue | None = None  # its own connection, read by the wake check only
        self._services: dict[str, Services] = {}
        self.platforms = dict(platforms)
        self.started_at = clock()
        self.stop_signal = ""
        """The signal that asked us to stop (for the log)."""

    # ----- the jobs ------------------------------------------------------------------

    def publish(self) -> None:
        with self._publishing:
            result = (self.workers or self.publisher).run()
            self._next_due = self.publisher.next_due()
        if result.handled:
            log.info("publish run: %d attempted, %d sent", result.handled, result.sent)
        self._wake_at(self._next_due)

    def _wake_at(self, moment: dt.datetime | None) -> None:
        """Run publishing again exactly when the next delivery falls due, if that comes
        before its next regular run (so a post goes out on time, not up to 5 s late)."""
        if self.scheduler is None or moment is None or self.stop.is_set():
            return
        if moment <= self.clock():
            return  # due already but not claimed by this run: the regular runs retry it
        job = self.scheduler.get_job("publish")
        if job is not None and job.next_run_time is not None and moment < job.next_run_time:
            job.modify(next_run_time=moment)

    def check_credentials(self) -> None:
        """After HQ records a credential rotation, prove the new credentials work. Only the
        publish job calls this, so its connection is never shared between threads."""
        services = self.services("credentials")
        for name in governance.unverified_rotations(services.db.conn):
            platform = self.platforms.get(name)
            if platform is not None:
                jobs.check_credentials(services, platform)

    def services(self, job: str) -> Services:
        """The shared services on a connection of the job's own: jobs run in parallel
        threads, and a job never runs twice at once."""
        with self._db_lock:
            if job not in self._services:
                self._services[job] = Services.build(self.config, self._open_db(),
                                                     clock=self.clock)
            return self._services[job]

    @property
    def exit_code(self) -> int:
        """0, or 5 (storage unavailable) when the database went away under us: systemd
        restarts the daemon, which then opens the file now there or refuses to start."""
        return 5 if self.lost_database else 0

    def database_still_there(self) -> bool:
        """Whether the configured path is still the file we opened. Deleted or replaced
        (a restore from backup), we would go on publishing into a file nobody reads and
        that vanishes when we stop; so we claim nothing more, say so and stop."""
        now = _file_identity(self.config.database_path)
        if now == self._identity:
            return True
        if self.lost_database:
            return False
        what = "deleted" if now is None else "replaced by another file"
        self.lost_database = (f"the database {self.config.database_path} was {what} while the "
                              "daemon was running")
        log.critical("%s: claiming nothing more and stopping, so that the service manager "
                     "restarts the daemon on the database now there (it refuses to start "
                     "while there is none)", self.lost_database)
        if self.notifier is not None:
            self.notifier.send(f"STATUS=stopping: {self.lost_database}")
        if now is not None:
            self._alert_in_new_database()
        self._stop_publishing()
        return False

    def _alert_in_new_database(self) -> None:
        """The new file is where people look now: tell them there. The old one is gone with
        everything written since the new file was made; only the log has the rest."""
        try:
            db = self._open_db()
            try:
                with write(db):
                    raise_alert(db.conn, "database_replaced", "daemon",
                                     f"{self.lost_database}; what it recorded in the old file "
                                     "since then is not in this one", self.clock())
            finally:
                db.close()
        except Exception:
            log.exception("could not raise the alert in the new database")

    def heartbeat(self) -> None:
        """The row `inmm-tui --report` reads; also systemd's watchdog ping. First checks
        that the database is still the file we opened."""
        if not self.database_still_there():
            return
        try:
            with self._db_lock:
                paused = publishing_paused(self.db.conn)
                info = {"version": __version__, "started_at": to_db(self.started_at),
                        "paused": paused, "jobs": sorted(JOBS)}
                with write(self.db):
                    self.db.conn.execute(
                        "INSERT INTO heartbeat (name, at, pid, info) VALUES ('daemon', ?, ?, ?)"
                        " ON CONFLICT(name) DO UPDATE SET at = excluded.at, pid = excluded.pid,"
                        " info = excluded.info",
                        (to_db(self.clock()), os.getpid(), json.dumps(info)))
                witness_path = self.config.audit_witness_path
                if witness_path is not None:
                    try:
                        jobs.anchor_audit(self.db, witness_path, self.clock)
                    except Exception:  # the heartbeat and the watchdog must go on
                        log.exception("could not update the audit witness")
            status = f"publishing {'PAUSED' if paused else 'running'}"
        except sqlite3.Error as exc:
            problem = self._storage_problem(exc)
            if problem is None:
                raise
            # Alive but unable to write: the watchdog is still fed (a restart would not
            # help), --report shows the heartbeat growing stale, the log says why.
            log.error("heartbeat: %s", problem)
            status = str(problem)
        if self.notifier is not None:
            self.notifier.watchdog()
            self.notifier.send(f"STATUS={status}")

    def run_job(self, spec: JobSpec) -> None:
        """Run one job and record the run, so a restart knows what it missed."""
        if not self.database_still_there():
            return
        error = None
        try:
            spec.run(self)
        except Exception as exc:
            problem = self._storage_problem(exc)
            if problem is None:  # a bug, or a platform fault we did not foresee
                error = f"{type(exc).__name__}: {exc}"
                log.exception("job %s failed", spec.name)
            else:  # the host's fault, said in one line
                error = str(problem)
                log.error("job %s failed: %s", spec.name, problem)
        try:
            with self._db_lock, write(self.db):
                self.db.conn.execute(
                    "INSERT INTO daemon_jobs (name, last_run_at, last_ok, last_error, runs)"
                    " VALUES (?, ?, ?, ?, 1) ON CONFLICT(name) DO UPDATE SET"
                    " last_run_at = excluded.last_run_at, last_ok = excluded.last_ok,"
                    " last_error = excluded.last_error, runs = runs + 1",
                    (spec.name, to_db(self.clock()), int(error is None), error))
        except sqlite3.Error as exc:
            log.error("job %s: its run could not be recorded: %s", spec.name,
                      self._storage_problem(exc) or exc)

    def _storage_problem(self, exc: Exception) -> Exception | None:
        """The error as the host's storage problem (disk full, read-only, gone), else None."""
        if isinstance(exc, sqlite3.Error):
            return storage_error(exc, self.config.database_path)
        return exc if isinstance(exc, DatabaseError) else None

    # ----- once ----------------------------------------------------------------------

    def run_once(self) -> list[str]:
        """`--once`: recover, publish, and run once every other job that has never run or
        whose time has come since it last ran; returns the jobs run. Called every minute
        by a plain cron entry, this keeps each job on its own timing (the monthly report
        is written once a month, not every minute)."""
        self.publisher.recover()
        ran = []
        for name, spec in JOBS.items():
            if name == "publish" or self.missed(name, self.triggers[name], never_ran=True):
                self.run_job(spec)
                ran.append(name)
        self.heartbeat()
        return ran

    # ----- as a service ----------------------------------------------------------------

    def missed(self, name: str, trigger: CronTrigger, *, never_ran: bool = False) -> bool:
        """Whether a run fell due since the job last ran (while the daemon was down);
        a job that never ran counts as missed only with `never_ran`."""
        row = self.db.conn.execute("SELECT last_run_at FROM daemon_jobs WHERE name = ?",
                                   (name,)).fetchone()
        if row is None:
            return never_ran
        last = from_db(row[0])
        due = trigger.get_next_fire_time(None, last + dt.timedelta(seconds=1))
        return due is not None and due <= self.clock()

    def start(self) -> None:
        """Recover, start the scheduler, and tell systemd we are ready."""
        self.publisher.recover()
        self.heartbeat()
        scheduler = BackgroundScheduler(
            timezone=dt.UTC,
            job_defaults={
                # Runs missed while down or busy are made up once, never replayed one by one.
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": None,
            },
        )
        now = dt.datetime.now(dt.UTC)
        for name, spec in JOBS.items():
            trigger: BaseTrigger = self.triggers[name]
            if spec.every_seconds:
                trigger = OrTrigger([trigger, IntervalTrigger(seconds=spec.every_seconds)])
            catch_up = name == "publish" or self.missed(name, self.triggers[name])
            if catch_up and name != "publish":
                log.info("job %s missed a run while the daemon was down; running it now", name)
            scheduler.add_job(self.run_job, trigger, args=[spec], id=name, name=name,
                              **({"next_run_time": now} if catch_up else {}))
        scheduler.add_job(self.heartbeat, IntervalTrigger(seconds=self._heartbeat_seconds()),
                          id="heartbeat", name="heartbeat")
        scheduler.add_job(self.wake_check, IntervalTrigger(seconds=WAKE_CHECK_SECONDS),
                          id="wake", name="wake")
        scheduler.start()
        self.scheduler = scheduler
        outlets = ", ".join(o.name for o in self.config.outlets)
        log.info("inmm-daemon %s started (pid %d) on %s; outlets: %s; jobs: %s", __version__,
                 os.getpid(), self.config.database_path, outlets, ", ".join(sorted(JOBS)))
        if self.notifier is not None:
            self.notifier.ready(f"publishing to {outlets}")

    def _heartbeat_seconds(self) -> float:
        seconds = HEARTBEAT_SECONDS
        if self.notifier is not None and self.notifier.watchdog_seconds:
            seconds = min(seconds, self.notifier.watchdog_seconds / 3)
        return max(seconds, 1.0)

    def wake_check(self) -> None:
        """Wake publishing early when someone else changed the database (a post was
        scheduled, released, retried) or the next delivery has fallen due; and notice at
        once when the database was deleted or replaced (the heartbeat checks too)."""
        if not self.database_still_there():
            return  # (a cheap stat: a database deleted under us is noticed within a second)
        if self.scheduler is None or self._publishing.locked():
            return
        if self._watch is None:
            self._watch = Queue(self._open_db(), clock=self.clock)
        version = self._watch.conn.execute("PRAGMA data_version").fetchone()[0]
        changed = version != self._data_version
        self._data_version = version
        due = self._next_due is not None and self._next_due <= self.clock()
        if changed and not due:
            self._next_due = self._watch.next_due(self.publisher.outlets)
            due = self._next_due is not None and self._next_due <= self.clock()
        if due:
            self._next_due = None
            self.scheduler.modify_job("publish", next_run_time=dt.datetime.now(dt.UTC))
        elif self._next_due is not None and \
                self._next_due - self.clock() < dt.timedelta(seconds=WAKE_CHECK_SECONDS):
            # Falls due before the next check would see it: run exactly then, not up to a
            # check's interval late.
            self._wake_at(self._next_due)

    def serve(self) -> None:
        """Run until `stop` is set (SIGTERM), then stop gracefully: the delivery being sent
        is finished (bounded by the request timeout), one merely claimed is given back."""
        self.start()
        while not self.stop.wait(1.0):
            pass
        self.shutdown()

    def shutdown(self) -> None:
        log.info("stopping%s: finishing the delivery in hand, claiming nothing more",
                 f" on {self.stop_signal}" if self.stop_signal else "")
        if self.notifier is not None:
            self.notifier.stopping()
        self._stop_publishing()
        started = time.monotonic()
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=True)
        self.close()
        log.info("stopped in %.1f s", time.monotonic() - started)

    def _stop_publishing(self) -> None:
        """Claim nothing more (here and in the workers); the claim in hand is given back."""
        self.stop.set()
        if self.workers is not None:
            self.workers.stop()

    def close(self) -> None:
        """Stop the workers; close every connection the jobs opened."""
        if self.workers is not None:
            self.workers.close()
        self.publisher.close()
        for services in self._services.values():
            services.db.close()
        self._services.clear()
        if self._watch is not None:
            self._watch.db.close()
            self._watch = None
        self.db.close()
