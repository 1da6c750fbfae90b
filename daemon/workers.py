"""Publishing in one process per outlet, so that the outlets use every core.

Draining is CPU work in the client libraries (building requests, signing them, turning
answers into their types) and in SQLite; in one interpreter the outlets take turns on the
GIL. The outlets are independent queues, so each gets a worker process of its own
(multiprocessing's `spawn`: a fresh interpreter, nothing inherited but what is passed),
with its own platform client and its own database connection. The daemon's process stays
the scheduler: it recovers what a dead daemon left in `sending` before any worker claims
anything, and each publish run asks every worker to drain its outlet and waits for the
counts. A worker claims nothing but on the daemon's word, so the queue rules
(`inmm_tui.domain.publishing`) are unchanged: one write transaction per claim and per
outcome, whichever process makes it.

A worker never outlives the daemon: a thread in it waits on the pipe the parent holds
open (`multiprocessing.parent_process().sentinel`) and ends the worker the moment the
parent dies, however it dies (SIGKILL included), so no orphan goes on publishing beside a
restarted daemon; what it was sending is then reconciled like any crash. A daemon that
stops tells its workers: each finishes the delivery in hand, gives back one merely
claimed, and exits. Signals are the daemon's to handle (a Ctrl-C reaches the whole
process group): the workers ignore SIGINT and SIGTERM.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import multiprocessing
import os
import signal
import threading
import time
import traceback
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inmm_daemon.publisher import RUN_SECONDS, DrainResult

if TYPE_CHECKING:
    from multiprocessing.context import SpawnProcess
    from multiprocessing.synchronize import Event

    from inmm_tui.config import Config
    from inmm_tui.platforms.secrets import Secrets

log = logging.getLogger("inmm_daemon.publish")

STOP_GRACE_SECONDS = 15.0
"""Beyond the request timeout, how long a stopping worker may take to finish its delivery
before it is killed (it is then reconciled at the next start, like a crash)."""


class OutletWorkers:
    """One publishing process per outlet; `run()` drains them all, in parallel."""

    def __init__(self, config: Config, secrets: Secrets | None):
        self.config = config
        self._context = multiprocessing.get_context("spawn")
        self._stop: Event = self._context.Event()
        self._secrets = {outlet.name: _own_secrets(secrets, outlet.name)
                         for outlet in config.outlets}
        self._workers: dict[str, tuple[SpawnProcess, Connection]] = {}
        for outlet in config.outlets:
            self._start(outlet.name)

    def _start(self, outlet: str) -> None:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(
            target=_work, args=(self.config, self._secrets[outlet], outlet, theirs, self._stop),
            name=f"inmm-daemon publish {outlet}")
        process.start()
        theirs.close()
        self._workers[outlet] = (process, ours)

    def run(self, *, seconds: float = RUN_SECONDS, limit: int | None = None) -> DrainResult:
        """Publish everything due now on every outlet, each in its worker; bounded in time
        and count per outlet, as `Publisher.run`."""
        for outlet in self._secrets:
            if outlet not in self._workers and not self._stop.is_set():
                self._replace(outlet)
        total = DrainResult()
        problems: list[BaseException] = []
        asked = []
        for outlet, (_, conn) in list(self._workers.items()):
            try:
                conn.send((seconds, limit))
                asked.append(outlet)
            except OSError:
                problems.append(self._bury(outlet))
        for outlet in asked:
            try:
                answer = self._workers[outlet][1].recv()
            except (EOFError, OSError):
                problems.append(self._bury(outlet))
                continue
            if isinstance(answer, BaseException):
                problems.append(answer)
                continue
            total.handled += answer.handled
            total.sent += answer.sent
        if problems:  # recorded as the publish job's failure (the first; the rest logged)
            for problem in problems[1:]:
                log.error("publishing: %s", problem)
            raise problems[0]
        return total

    def _bury(self, outlet: str) -> RuntimeError:
        """A worker that died (killed, out of memory): gone for good before the next run
        replaces it."""
        process, conn = self._workers.pop(outlet)
        conn.close()
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join()
        return RuntimeError(f"the publishing worker of {outlet} died (exit code "
                            f"{process.exitcode}); another takes over at the next run")

    def _replace(self, outlet: str) -> None:
        """What the dead worker was sending is put in doubt, to be reconciled before
        anything else on its outlet (nothing else claims there, so nothing is in flight),
        then another worker starts. If the database cannot be written, the next run tries
        again: a worker that skipped a delivery left in `sending` would publish out of
        order."""
        from inmm_tui.domain.publishing import Queue
        from inmm_tui.store.db import open_database

        db = open_database(self.config.database_path)
        try:
            Queue(db).requeue_orphans([outlet])
        finally:
            db.close()
        self._start(outlet)

    def stop(self) -> None:
        """Claim nothing more: each worker finishes (or gives back) the delivery in hand."""
        self._stop.set()

    def close(self) -> None:
        """Stop the workers and wait for them (killed past the grace time)."""
        self.stop()
        grace = self.config.daemon.request_timeout_seconds + STOP_GRACE_SECONDS
        deadline = time.monotonic() + grace
        for outlet, (process, conn) in self._workers.items():
            try:
                conn.send(None)
            except OSError:
                pass  # already gone
            process.join(timeout=max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                log.error("the publishing worker of %s did not stop within %.0f s; killed "
                          "(its delivery is reconciled at the next start)", outlet, grace)
                process.kill()
                process.join()
            conn.close()
        self._workers.clear()


def _own_secrets(secrets: Secrets | None, outlet: str) -> Secrets | None:
    """The secrets with this outlet's tokens only: a worker holds nothing it does not use."""
    if secrets is None:
        return None
    mine = {outlet: secrets.outlets[outlet]} if outlet in secrets.outlets else {}
    return dataclasses.replace(secrets, outlets=mine, notifications={})


def _die_with_parent() -> None:
    """End this process the moment its parent is gone (the parent holds a pipe open that
    the kernel closes when it dies). `os._exit`: nothing more is sent or recorded; an
    open transaction rolls back, and the restarted daemon reconciles the claim."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        os._exit(70)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def process_name(outlet: str) -> str:
    """What `ps` and `top` call the outlet's worker (Linux keeps 15 bytes of it)."""
    return f"inmm-pub {outlet}"[:15]


def _work(config: Config, secrets: Secrets | None, outlet: str, conn: Connection,
          stop: Event) -> None:
    """A worker's life: build the outlet's client, then drain on each order until told
    to stop (None) or the daemon's end of the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _die_with_parent()
    # So that a person looking at the processes (and bench/drain.py, which gives each
    # outlet's CPU) can tell the workers apart; elsewhere than Linux there is no such file.
    with contextlib.suppress(OSError):
        Path("/proc/self/comm").write_text(process_name(outlet))
    from inmm_daemon.publisher import Publisher
    from inmm_daemon.runtime import setup_logging

    from inmm_tui.platforms.factory import build_platform
    from inmm_tui.store.db import open_database

    setup_logging(secrets.outlets if secrets else {})
    platforms: dict[str, Any] = {}
    try:
        (spec,) = [o for o in config.outlets if o.name == outlet]
        platforms[outlet] = build_platform(spec, config, secrets)
    except Exception:  # the daemon said why at start-up; the deliveries wait, visibly
        pass  # (Publisher.attempt records the retry and its reason)
    path = config.database_path
    # Tokens this worker's client renews go back to the secrets file, as the daemon's do.
    from inmm_daemon.credentials import TokenKeeper

    TokenKeeper(config, lambda: open_database(path)).attach(platforms)
    publisher = Publisher(lambda: open_database(path), config, platforms, stop=stop)
    try:
        while True:
            try:
                order = conn.recv()
            except EOFError:
                return
            if order is None:
                return
            seconds, limit = order
            try:
                answer: object = publisher.drain(outlet, time.monotonic() + seconds, limit)
            except Exception as exc:  # the daemon's job records it and logs it
                exc.add_note(f"in the publishing worker of {outlet}:\n"
                             + "".join(traceback.format_exception(exc)))
                answer = exc
            try:
                conn.send(answer)
            except Exception as exc:  # an exception that does not pickle
                conn.send(RuntimeError(f"publishing {outlet}: {type(answer).__name__}: "
                                       f"{answer} ({exc})"))
    finally:
        publisher.close()


def start_workers(config: Config, secrets: Secrets | None) -> OutletWorkers | None:
    """The outlets' publishing processes, or None (the daemon then publishes in its own
    process, one outlet after the other) where the host cannot make them: multiprocessing
    needs POSIX semaphores (`/dev/shm`), which a locked-down service may not have."""
    try:
        return OutletWorkers(config, secrets)
    except OSError as exc:
        log.warning("publishing in the daemon's own process: the outlets' worker processes "
                    "could not be started (%s)", exc)
        return None


__all__ = ["OutletWorkers", "process_name", "start_workers"]
