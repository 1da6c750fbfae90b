"""As a service the daemon publishes each outlet from a worker process of its own (the
real `inmm-daemon` against the sandbox): the workers die with a daemon killed with
SIGKILL, so none goes on publishing beside the next daemon; a daemon that stops stops
them; a worker killed alone is replaced and its delivery reconciled; every post goes out
exactly once throughout."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from inmm_tui.domain.publishing import Queue
from inmm_tui.domain.services import Services

from .conftest import make_config
from .crash_harness import (
    daemon_exe,
    delivery_counts,
    publishing_workers,
    wait_for,
    write_config,
)
from .crash_harness import queue_posts as queue_for_daemon
from .daemon_helpers import queue_posts
from .sandbox_fixtures import RunningSandbox, posted_by_us


def _running(pid: int) -> bool:
    """Alive and not a zombie (a container's init may be slow to reap one)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _start(cfg: Path, log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as err:
        return subprocess.Popen([daemon_exe(), "--config", str(cfg)], stderr=err,
                                stdout=subprocess.DEVNULL)


def _slow_posts(sandbox: RunningSandbox, delay: float = 0.2) -> None:
    for api in ("x", "mastodon"):
        sandbox.control.fault("slow", api=api, method="POST", delay=delay, count=10_000)


def _published_once(sandbox: RunningSandbox, count: int) -> bool:
    on = {api: posted_by_us(sandbox, api) for api in ("x", "mastodon")}
    return all(len(texts) == count and set(texts.values()) == {1} for texts in on.values())


def _drain_and_stop(cfg: Path, log: Path, total: int) -> None:
    proc = _start(cfg, log)
    try:
        assert wait_for(lambda: delivery_counts(cfg.parent / "inmm.db")["sent"] >= total, 60,
                        step=0.2), log.read_text(errors="replace")[-3000:]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)


@pytest.mark.slow
def test_workers_die_with_a_daemon_killed_by_sigkill_and_publish_nothing_after(
        tmp_path: Path, sandbox: RunningSandbox) -> None:
    cfg = write_config(tmp_path, sandbox.url, timeout=5.0)
    queue_for_daemon(cfg, 60)  # 12 s of posting on each outlet, at 0.2 s a post
    _slow_posts(sandbox)
    log = tmp_path / "daemon.log"
    proc = _start(cfg, log)
    try:
        assert wait_for(lambda: delivery_counts(tmp_path / "inmm.db")["sent"] >= 2, 30), \
            log.read_text(errors="replace")[-3000:]
        workers = publishing_workers(proc.pid)
        assert len(workers) == 2  # one per outlet
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    assert wait_for(lambda: not any(_running(w) for w in workers), 2), "orphan workers live on"
    time.sleep(0.5)  # a request already sent is still made (the sandbox answers in 0.2 s)
    published = sum(sum(posted_by_us(sandbox, api).values()) for api in ("x", "mastodon"))
    time.sleep(1.0)  # an orphan would have made several more by now
    assert sum(sum(posted_by_us(sandbox, api).values()) for api in ("x", "mastodon")) \
        == published
    sandbox.control.clear_faults()
    _drain_and_stop(cfg, log, 120)  # the next daemon reconciles what was in flight
    assert _published_once(sandbox, 60)


@pytest.mark.slow
def test_a_stopping_daemon_stops_its_workers(tmp_path: Path, sandbox: RunningSandbox) -> None:
    cfg = write_config(tmp_path, sandbox.url, timeout=5.0)
    queue_for_daemon(cfg, 20)
    _slow_posts(sandbox)
    log = tmp_path / "daemon.log"
    proc = _start(cfg, log)
    assert wait_for(lambda: delivery_counts(tmp_path / "inmm.db")["sent"] >= 2, 30), \
        log.read_text(errors="replace")[-3000:]
    workers = publishing_workers(proc.pid)
    assert len(workers) == 2
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0, log.read_text(errors="replace")[-3000:]
    assert not any(_running(w) for w in workers)
    counts = delivery_counts(tmp_path / "inmm.db")
    assert "sending" not in counts  # each worker finished or gave back the one in hand
    assert counts["sent"] == sum(sum(posted_by_us(sandbox, api).values())
                                 for api in ("x", "mastodon"))


@pytest.mark.slow
def test_a_worker_killed_alone_is_replaced_and_every_post_goes_out_once(
        tmp_path: Path, sandbox: RunningSandbox) -> None:
    cfg = write_config(tmp_path, sandbox.url, timeout=5.0)
    queue_for_daemon(cfg, 20)
    _slow_posts(sandbox)
    log = tmp_path / "daemon.log"
    proc = _start(cfg, log)
    try:
        assert wait_for(lambda: delivery_counts(tmp_path / "inmm.db")["sent"] >= 4, 30), \
            log.read_text(errors="replace")[-3000:]
        killed = publishing_workers(proc.pid)[0]  # (in the middle of a slow post, likely)
        os.kill(killed, signal.SIGKILL)
        assert wait_for(lambda: len(publishing_workers(proc.pid)) == 2
                        and killed not in publishing_workers(proc.pid), 30), \
            log.read_text(errors="replace")[-3000:]
        sandbox.control.clear_faults()
        assert wait_for(lambda: delivery_counts(tmp_path / "inmm.db")["sent"] >= 40, 60), \
            log.read_text(errors="replace")[-3000:]
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    text = log.read_text(errors="replace")
    assert "publishing worker of" in text and "died" in text
    assert _published_once(sandbox, 20)


def test_a_dead_worker_s_outlet_alone_is_put_in_doubt(roster: Services) -> None:
    (post_id,) = queue_posts(roster, 1)
    queue = Queue(roster.db, clock=roster.clock)
    claims = [queue.claim([outlet]) for outlet in ("x", "mastodon")]  # both `sending`
    assert all(claims)
    assert queue.requeue_orphans(["x"]) == 1
    rows = dict(roster.db.execute(
        "SELECT outlet, state || ' ' || in_doubt FROM deliveries WHERE post_id = ?",
        [post_id]).fetchall())
    # the live worker's delivery stays its own to record
    assert rows == {"x": "pending 1", "mastodon": "sending 0"}


@pytest.mark.skipif(not Path("/proc/self/comm").exists(), reason="names are Linux's /proc")
def test_each_worker_is_named_after_its_outlet(tmp_path: Path) -> None:
    # What ps and top show, and what bench/drain.py gives each outlet's CPU by.
    from inmm_daemon.workers import OutletWorkers, process_name

    config = make_config(tmp_path)
    expected = {process_name(outlet.name) for outlet in config.outlets}
    assert len(expected) == len(config.outlets) >= 2

    def names() -> set[str]:
        found = set()
        for pid in publishing_workers(os.getpid()):
            try:
                found.add(Path(f"/proc/{pid}/comm").read_text().strip())
            except FileNotFoundError:
                continue
        return found

    workers = OutletWorkers(config, None)
    try:
        assert wait_for(lambda: expected <= names(), 30), names()
    finally:
        workers.close()


def test_a_host_without_posix_semaphores_publishes_in_the_daemon_itself(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    # A locked-down service may have no /dev/shm: multiprocessing cannot make its
    # semaphores there. The daemon must start anyway, publishing in its own process.
    import inmm_daemon.workers as workers

    class NoSemaphores:
        def Event(self) -> None:
            raise OSError(38, "Function not implemented")

    monkeypatch.setattr(workers.multiprocessing, "get_context", lambda method: NoSemaphores())
    config = make_config(tmp_path)
    with caplog.at_level("WARNING", logger="inmm_daemon.publish"):
        assert workers.start_workers(config, None) is None
    assert "could not be started (" in caplog.text
