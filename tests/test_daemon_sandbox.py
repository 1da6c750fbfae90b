"""The daemon against the sandbox, through the real X and Mastodon adapters (R26): a
ten-minute outage, a rate limit waited out, lost responses, one outlet down, SIGKILL at
random moments, SIGTERM, and the systemd unit's own command line with sd_notify."""

from __future__ import annotations

import datetime as dt
import os
import re
import shlex
import signal
import socket
import sqlite3
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from inmm_tui.domain.referrals import tag_for_publication
from inmm_tui.domain.services import Services
from inmm_tui.timeutil import utcnow

from .conftest import FakeClock
from .crash_harness import daemon_exe, run_crash, wait_for, write_config
from .crash_harness import queue_posts as queue_for_daemon
from .daemon_helpers import drain, publisher, queue_posts, states
from .sandbox_fixtures import RunningSandbox

ROOT = Path(__file__).parent.parent
X_POSTS = "x POST /2/tweets"
MASTODON_POSTS = "mastodon POST /api/v1/statuses"


@pytest.fixture
def clock() -> FakeClock:
    # The sandbox's rate-limit reset times are real times: start the fake clock at now.
    return FakeClock(utcnow().replace(microsecond=0))


def _published(sandbox: RunningSandbox, api: str) -> Counter[str]:
    posts = sandbox.control.state()[api]["posts"]
    return Counter(p["text"] for p in posts if p["author"] == "INMMorg" and not p["deleted"])


def _on_sandbox(svc: Services, sandbox: RunningSandbox):
    return publisher(svc, {"x": sandbox.x(), "mastodon": sandbox.mastodon()})


def _texts(svc: Services, post_ids: list[int], outlet: str) -> list[str]:
    """What each post looks like on `outlet`: the cleared text with its society links tagged."""
    domains = svc.config.inmm.society_domains
    return [tag_for_publication(svc.db.conn, p, outlet, d.text, domains)
            for p in post_ids for d in svc.posts.deliveries(p) if d.outlet == outlet]


def test_society_links_go_out_tagged_for_the_outlet_and_the_clearance_still_holds(
        roster: Services, sandbox: RunningSandbox) -> None:
    from inmm_tui.domain.posts import verify_clearance

    (post,) = queue_posts(roster, 1, body="Programme: https://inmm.org/annual?day=2 and "
                                          "https://example.com/x")
    _on_sandbox(roster, sandbox).run(seconds=30)
    for outlet in ("x", "mastodon"):
        (text,) = _published(sandbox, outlet)
        assert (f"https://inmm.org/annual?day=2&utm_source={outlet}&utm_medium=social"
                "&utm_campaign=member-news") in text
        assert "https://example.com/x " in text or text.endswith("https://example.com/x")
    assert all(verify_clearance(roster.db.conn, d.id) is None
               for d in roster.posts.deliveries(post))


def test_a_ten_minute_503_outage_then_every_post_published_once(
        roster: Services, clock: FakeClock, sandbox: RunningSandbox) -> None:
    posts = queue_posts(roster, 4)
    sandbox.control.fault("unavailable", method="POST", seconds=3600)
    end = clock.now + dt.timedelta(minutes=10)

    def outage_over() -> None:
        if clock.now >= end:
            sandbox.control.clear_faults()

    pub = _on_sandbox(roster, sandbox)
    drain(pub, clock, until=clock.now + dt.timedelta(hours=1), on_tick=outage_over)
    assert clock.now >= end
    for outlet in ("x", "mastodon"):
        published = _published(sandbox, outlet)
        assert [published[t] for t in _texts(roster, posts, outlet)] == [1, 1, 1, 1]
    # backoff: a few attempts on each outlet's head during the outage, not one per post
    assert 8 <= sandbox.control.requests(X_POSTS) <= 4 + 12
    assert all(roster.posts.get(p).status == "published" for p in posts)


def test_a_429_with_a_reset_time_is_waited_out_not_hammered(
        roster: Services, clock: FakeClock, sandbox: RunningSandbox) -> None:
    posts = queue_posts(roster, 3)
    sandbox.control.fault("rate_limit", api="x", method="POST", reset_in=120, seconds=3600)
    pub = _on_sandbox(roster, sandbox)
    pub.run(seconds=30)
    assert sandbox.control.requests(X_POSTS) == 1
    assert sum(_published(sandbox, "mastodon").values()) == 3  # not held back
    for _ in range(7):  # 105 s of simulated time, runs every 15 s: no request at all
        clock.advance(seconds=15)
        pub.run(seconds=30)
    assert sandbox.control.requests(X_POSTS) == 1
    sandbox.control.clear_faults()  # the window has reset
    clock.advance(seconds=20)
    pub.run(seconds=30)
    assert sandbox.control.requests(X_POSTS) == 1 + 3
    assert [_published(sandbox, "x")[t] for t in _texts(roster, posts, "x")] == [1, 1, 1]


@pytest.mark.parametrize("kind", ["lost", "truncated"])
def test_a_response_lost_after_the_post_was_created_makes_no_second_post(
        roster: Services, clock: FakeClock, sandbox: RunningSandbox, kind: str) -> None:
    posts = queue_posts(roster, 2)
    pub = _on_sandbox(roster, sandbox)
    for platform in pub.platforms.values():
        platform.whoami()  # so that the fault hits the publish, not the id look-up
    sandbox.control.fault(kind, method="POST", count=2)  # the first post on each outlet
    pub.run(seconds=30)
    assert states(roster, posts[0]) == {"x": "pending", "mastodon": "pending"}
    drain(pub, clock, until=clock.now + dt.timedelta(hours=1))
    for outlet in ("x", "mastodon"):
        assert [_published(sandbox, outlet)[t] for t in _texts(roster, posts, outlet)] == [1, 1]
    assert all(roster.posts.get(p).status == "published" for p in posts)
    # X: found among the recent posts, not sent again; Mastodon: the same Idempotency-Key
    assert sandbox.control.requests(X_POSTS) == 2
    assert sandbox.control.requests(MASTODON_POSTS) == 3


def test_one_outlet_down_while_the_other_publishes(
        roster: Services, clock: FakeClock, sandbox: RunningSandbox) -> None:
    posts = queue_posts(roster, 3)
    sandbox.control.fault("unavailable", api="x", seconds=3600)
    pub = _on_sandbox(roster, sandbox)
    pub.run(seconds=30)
    assert [_published(sandbox, "mastodon")[t] for t in _texts(roster, posts, "mastodon")] == \
        [1, 1, 1]
    assert sum(_published(sandbox, "x").values()) == 0
    assert {states(roster, p)["x"] for p in posts} == {"pending"}
    first = next(d for d in roster.posts.deliveries(posts[0]) if d.outlet == "x")
    assert f"post #{posts[0]} on x" in first.last_error and "503" in first.last_error


@pytest.mark.slow
def test_sigkill_at_random_moments_never_loses_or_doubles_a_post(
        tmp_path: Path, sandbox: RunningSandbox) -> None:
    result = run_crash(tmp_path, sandbox.url, posts=300, kills=20, seed=7)
    log = (tmp_path / "daemon.log").read_text(errors="replace")
    assert result.kills >= 10, log[-3000:]
    assert result.ok, (result, log[-3000:])
    assert result.out_of_order == {"x": 0, "mastodon": 0}


@pytest.mark.slow
def test_sigkill_with_the_daemon_down_past_mastodon_s_key_hour_never_doubles_a_post(
        tmp_path: Path, sandbox: RunningSandbox) -> None:
    # The sandbox's Mastodon forgets an Idempotency-Key after a second (the real one after
    # an hour), and the daemon is sometimes kept down longer than that.
    result = run_crash(tmp_path, sandbox.url, posts=300, kills=16, seed=11, keys_expire=True)
    log = (tmp_path / "daemon.log").read_text(errors="replace")
    assert result.kills >= 4, log[-3000:]
    assert result.ok, (result, log[-3000:])
    assert result.out_of_order == {"x": 0, "mastodon": 0}


def _notify_socket(tmp_path: Path) -> tuple[socket.socket, str]:
    path = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(0.2)
    return sock, path


def _messages(sock: socket.socket) -> list[str]:
    out = []
    while True:
        try:
            out.extend(sock.recv(4096).decode().splitlines())
        except TimeoutError:
            return out


def test_the_units_command_line_runs_notifies_systemd_and_stops_gracefully(
        tmp_path: Path, sandbox: RunningSandbox) -> None:
    unit = (ROOT / "systemd" / "inmm-daemon.service").read_text()
    exec_start = re.search(r"^ExecStart=(.+)$", unit, re.M).group(1)
    cfg = write_config(tmp_path, sandbox.url)
    argv = [daemon_exe() if arg.endswith("/inmm-daemon") else
            str(cfg) if arg == "/etc/inmm/inmm.toml" else arg for arg in shlex.split(exec_start)]
    assert argv[1:] == ["--config", str(cfg)]
    post_ids = queue_for_daemon(cfg, 3)
    sock, path = _notify_socket(tmp_path)
    env = {**os.environ, "NOTIFY_SOCKET": path, "WATCHDOG_USEC": "3000000",
           "JOURNAL_STREAM": "8:1"}
    proc = subprocess.Popen(argv, env=env, stderr=subprocess.PIPE, text=True)
    try:
        got: list[str] = []
        assert wait_for(lambda: (got.extend(_messages(sock)) or "READY=1" in got), 20), got
        assert wait_for(lambda: (got.extend(_messages(sock)) or "WATCHDOG=1" in got), 10), got
        db = sqlite3.connect(str(tmp_path / "inmm.db"))
        assert wait_for(lambda: db.execute(
            "SELECT count(*) FROM posts WHERE status = 'published'").fetchone()[0] == 3, 20)
        # a second daemon on the same database refuses
        second = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        assert second.returncode == 1 and "already running" in second.stderr
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        stderr = proc.stderr.read()
        assert "STOPPING=1" in _messages(sock) + got
        assert re.search(r"^<6>inmm_daemon: inmm-daemon .* started", stderr, re.M), stderr
        heartbeat = db.execute("SELECT pid FROM heartbeat WHERE name = 'daemon'").fetchone()
        assert heartbeat[0] == proc.pid
        assert len(post_ids) == 3
        db.close()
    finally:
        if proc.poll() is None:
            proc.kill()
        sock.close()


def test_sigterm_finishes_the_delivery_in_hand(tmp_path: Path, sandbox: RunningSandbox) -> None:
    cfg = write_config(tmp_path, sandbox.url, timeout=5.0)
    queue_for_daemon(cfg, 5)
    sandbox.control.fault("slow", api="mastodon", method="POST", delay=1.5, count=1)
    proc = subprocess.Popen([daemon_exe(), "--config", str(cfg)], stderr=subprocess.PIPE,
                            text=True)
    assert wait_for(lambda: sandbox.control.requests(MASTODON_POSTS) >= 1, 20)
    proc.send_signal(signal.SIGTERM)  # while the slow request is in flight
    assert proc.wait(timeout=30) == 0, proc.stderr.read()
    db = sqlite3.connect(str(tmp_path / "inmm.db"))
    rows = dict(db.execute(
        "SELECT state, count(*) FROM deliveries WHERE outlet = 'mastodon' GROUP BY state"))
    db.close()
    assert "sending" not in rows  # finished (or given back), never left half-done
    assert rows.get("sent", 0) == sum(_published(sandbox, "mastodon").values()) >= 1


def test_an_outlet_without_credentials_waits_visibly_while_the_other_publishes(
        tmp_path: Path, sandbox: RunningSandbox) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[outlets.elsewhere]\naccess_token = "not-for-this-outlet"\n')
    secrets.chmod(0o600)
    cfg = write_config(tmp_path, sandbox.url, extra=(
        f'\n[[outlets]]\nname = "x"\nkind = "sandbox"\napi = "x"\n'
        f'\n[[outlets]]\nname = "mastodon"\nkind = "mastodon"\nbase_url = "{sandbox.url}"\n'))
    cfg.write_text(cfg.read_text().replace("[inmm]\n", f'[inmm]\nsecrets_file = "{secrets}"\n'))
    (post_id,) = queue_for_daemon(cfg, 1)
    result = subprocess.run([daemon_exe(), "--config", str(cfg), "--once"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "outlet mastodon cannot be used" in result.stderr
    assert "not-for-this-outlet" not in result.stderr
    db = sqlite3.connect(str(tmp_path / "inmm.db"))
    rows = dict(db.execute("SELECT outlet, state || ': ' || coalesce(last_error, '')"
                           " FROM deliveries WHERE post_id = ?", (post_id,)))
    alert = db.execute("SELECT message FROM alerts WHERE kind = 'outlet_unusable'").fetchone()
    db.close()
    assert rows["x"] == "sent: "
    assert rows["mastodon"].startswith(f"pending: post #{post_id} on mastodon")
    assert "no working platform client" in rows["mastodon"]
    assert alert and "[outlets.mastodon]" in alert[0]
