"""Kill the real daemon (SIGKILL) at random moments while it publishes to the sandbox,
restart it, and check that every post went out exactly once on every outlet.

Used by `tests/test_daemon_sandbox.py` (small) and `bench/crash.py` (large). The sandbox
runs in the calling process, so its state outlives every daemon that is killed. The posts
come in fours that differ only in a link, a hashtag or the signature, so that a
reconciliation matching on anything less than the exact text shows as a lost post.
With `thread_every`, every so many posts is a thread of THREAD_PARTS parts, each part
checked to be published once and as a reply to the part before it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from inmm_tui.capabilities import for_api
from inmm_tui.config import Inmm, load_config
from inmm_tui.domain.referrals import tag_for_publication
from inmm_tui.domain.roles import Role
from inmm_tui.domain.services import Services
from inmm_tui.platforms.sandbox import SandboxControl
from inmm_tui.store.db import open_database

SOCIETY_DOMAINS = Inmm().society_domains
APIS = {"x": "x", "mastodon": "mastodon"}
"""Outlet name → the sandbox API it speaks (the built-in default outlets)."""
ALL_OUTLETS = {**APIS, "bluesky": "bluesky", "linkedin": "linkedin"}
"""Every outlet the sandbox speaks."""


def daemon_exe() -> str:
    return shutil.which("inmm-daemon", path=str(Path(sys.executable).parent)) or "inmm-daemon"


def write_config(workdir: Path, sandbox_url: str, *, timeout: float = 2.0,
                 extra: str = "", outlets: dict[str, str] | None = None) -> Path:
    """With `outlets` (name → API), those sandbox outlets instead of the default ones."""
    url = urlparse(sandbox_url)
    cfg = workdir / "inmm.toml"
    tables = "".join(f'[[outlets]]\nname = "{name}"\nkind = "sandbox"\napi = "{api}"\n\n'
                     for name, api in (outlets or {}).items())
    cfg.write_text(
        tables +
        f'[inmm]\ndatabase = "{workdir / "inmm.db"}"\n\n'
        f'[sandbox]\nhost = "{url.hostname}"\nport = {url.port}\n\n'
        f"[daemon]\nrequest_timeout_seconds = {timeout}\nlate_hold_minutes = 600\n"
        # retries a hundred times sooner than in production, so that a fault costs a
        # fraction of a second of the test's time instead of ten seconds
        f"retry_base_seconds = 0.1\n{extra}")
    return cfg


def post_body(i: int, tag: str = "") -> tuple[str, str]:
    """(author, body) of post `i`. Posts come in fours that differ only in what a lossy
    comparison would miss: the link, a hashtag, the signature (the author's initials)."""
    group, kind = divmod(i, 4)
    base = f"INMM update {tag}{group}: registration news https://inmm.org/n/{tag}{group}"
    if kind == 1:
        return "alice", base + "b"  # only the link differs
    if kind == 2:
        return "alice", base + " #INMM"  # only a hashtag
    return ("bob" if kind == 3 else "alice"), base  # only the signature (^BB, not ^AA)


THREAD_PARTS = 3


def thread_parts(i: int, tag: str = "") -> list[str]:
    """The parts after the first of post `i` when it is a thread: parts of different
    threads differ only in their number and link."""
    return [f"Live from the meeting {tag}{i}, part {n}: notes at https://inmm.org/live/{tag}{i}/{n}"
            for n in range(2, THREAD_PARTS + 1)]


def attach_media(svc: Services, post_id: int, author: str, i: int, folder: Path) -> None:
    """Post `i`'s files: a JPEG carrying GPS EXIF, and on every other post a PNG too,
    each of its own colours (so that each post's bytes are its own), with alt text."""
    from tests.media_helpers import jpeg_with_gps, png

    folder.mkdir(exist_ok=True)
    colour = (i % 256, (i // 256) % 256, 90)
    svc.media.attach(author, post_id, jpeg_with_gps(folder / f"photo{i}.jpg", colour=colour),
                     f"Photo {i} from the meeting")
    if i % 2:
        svc.media.attach(author, post_id, png(folder / f"chart{i}.png", colour=colour),
                         f"Chart {i} of attendance")


def queue_posts(cfg: Path, count: int, due: dt.datetime | None = None,
                spread_seconds: float = 0.0, tag: str = "", media: bool = False,
                thread_every: int = 0) -> list[int]:
    """A roster (hq, alice, bob) and `count` cleared posts (see `post_body`), due at `due`
    (now) or spread evenly over the `spread_seconds` after it; with `media`, each with
    files attached (`attach_media`); with `thread_every`, every so many of them a thread
    (see `thread_parts`)."""
    config = load_config(str(cfg))
    db = open_database(config.database_path, create=True)
    svc = Services.build(config, db)
    if db.execute("SELECT count(*) FROM people").fetchone()[0] == 0:
        svc.roster.initialise("hq", "Harriet Quinn")
        svc.roster.add("hq", "alice", "Alice Able", Role.ACCOUNT_MANAGER)
        svc.roster.add("hq", "bob", "Bob Baker", Role.ACCOUNT_MANAGER)
    start = due or svc.clock()
    ids = []
    for i in range(count):
        when = start + dt.timedelta(seconds=spread_seconds * i / max(count, 1))
        author, body = post_body(i, tag)
        parts = thread_parts(i, tag) if thread_every and i % thread_every == thread_every - 1 \
            else []
        # A thread goes to the outlets that can take one (not LinkedIn).
        outlets = [o.name for o in config.outlets if not parts or for_api(o.api).threads]
        post_id = svc.posts.create_draft(author, body, topic="Member news", scheduled_at=when,
                                         parts=parts, outlets=outlets)
        if media:
            attach_media(svc, post_id, author, i, cfg.parent / "originals")
        svc.posts.submit(author, post_id)
        svc.posts.clear("bob" if author == "alice" else "alice", post_id)
        ids.append(post_id)
    db.close()
    return ids


def delivery_counts(db_path: Path) -> Counter[str]:
    conn = sqlite3.connect(str(db_path), timeout=30)
    try:
        return Counter(dict(conn.execute("SELECT state, count(*) FROM deliveries GROUP BY state")))
    finally:
        conn.close()


def publishing_workers(pid: int) -> list[int]:
    """The daemon's publishing workers: its children started by multiprocessing's spawn
    (its resource tracker, also a child, publishes nothing). Every thread's children: a
    worker replaced later is a scheduler thread's child."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except FileNotFoundError:
            continue
        for child in children:
            try:
                if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                    found.append(int(child))
            except FileNotFoundError:
                continue
    return found


def wait_for(predicate, timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


@dataclass
class CrashResult:
    posts: int
    kills: int = 0
    elapsed: float = 0.0
    in_doubt: int = 0
    """Deliveries found in `sending` after a kill, and reconciled."""
    duplicates: dict[str, int] = field(default_factory=dict)
    missing: dict[str, int] = field(default_factory=dict)
    misattributed: dict[str, int] = field(default_factory=dict)
    """Deliveries recorded with a platform id another delivery also has, or whose post on
    the platform does not carry the delivery's text."""
    out_of_order: dict[str, int] = field(default_factory=dict)
    states: dict[str, int] = field(default_factory=dict)
    wrong_media: dict[str, int] = field(default_factory=dict)
    """Posts whose files on the platform (SHA-256 and alt text, in order) are not the
    delivery's post's (with `media`)."""
    media_checked: int = 0
    threads: int = 0
    """Posts that are threads (each of THREAD_PARTS parts)."""
    misthreaded: dict[str, int] = field(default_factory=dict)
    """A thread's part that is not a reply to the part before it on the platform."""

    @property
    def ok(self) -> bool:
        return not any(self.duplicates.values()) and not any(self.missing.values()) \
            and not any(self.misattributed.values()) and set(self.states) == {"sent"} \
            and not any(self.wrong_media.values()) and not any(self.misthreaded.values())


KEY_WINDOW = 1.0
"""With `keys_expire`: seconds the sandbox's Mastodon keeps an Idempotency-Key (an hour on
the real one), and the daemon trusts it for a third of that (55 minutes of the hour)."""


def run_crash(workdir: Path, sandbox_url: str, *, posts: int, kills: int, seed: int = 1,
              faults: bool = True, timeout: float = 120.0, keys_expire: bool = False,
              log=None, outlets: dict[str, str] = APIS, media: bool = False,
              thread_every: int = 0, kill_workers: bool = False) -> CrashResult:
    """Publish `posts` posts on each of `outlets` (name → API; the default ones unless
    given) while killing the daemon `kills` times. With `keys_expire`, Mastodon forgets
    Idempotency-Keys within a second and the daemon is sometimes kept down past that, so
    its deliveries in doubt are reconciled without one. With `media`, every post carries
    files (`attach_media`), and each post on each platform is checked to carry exactly
    its files. With `thread_every`, every so many posts is a thread. With `kill_workers`,
    half the time one of its publishing workers is killed first, alone, and the daemon
    left to replace it for a moment."""
    rng = random.Random(seed)
    cfg = write_config(workdir, sandbox_url, extra=(
        f"idempotency_key_seconds = {KEY_WINDOW / 3}\n" if keys_expire else ""),
        outlets=None if outlets is APIS else outlets)
    db_path = workdir / "inmm.db"
    control = SandboxControl(sandbox_url)
    if keys_expire:
        control.settings(idempotency_window=KEY_WINDOW)
    ids = queue_posts(cfg, posts, media=media, thread_every=thread_every)
    result = CrashResult(posts=len(ids), threads=posts // thread_every if thread_every else 0)
    total = sum(delivery_counts(db_path).values())
    started = time.monotonic()
    stderr = open(workdir / "daemon.log", "ab")  # noqa: SIM115 - kept open across restarts
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    try:
        for cycle in range(kills):
            before = delivery_counts(db_path)["sent"]
            if before >= total:
                break
            if faults and rng.random() < 0.5:
                # a response lost after the post was made, or cut in the middle
                kind = rng.choice(["lost", "truncated", "unavailable"])
                control.fault(kind, api=rng.choice(list(outlets.values())), method="POST")
            proc = subprocess.Popen([daemon_exe(), "--config", str(cfg)], stderr=stderr,
                                    stdout=subprocess.DEVNULL, env=env)
            if rng.random() < 0.25:
                time.sleep(rng.uniform(0.0, 1.0))  # any moment: starting, reconciling, sending
            else:
                wait_for(lambda b=before: delivery_counts(db_path)["sent"] > b, timeout=20)
                time.sleep(rng.uniform(0.0, 0.3))  # in the middle of publishing
            if kill_workers and rng.random() < 0.5:
                workers = publishing_workers(proc.pid)
                if workers:
                    os.kill(rng.choice(workers), signal.SIGKILL)
                    time.sleep(rng.uniform(0.0, 2.0))
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            result.kills += 1
            if keys_expire and rng.random() < 0.5:
                time.sleep(KEY_WINDOW * 1.5)  # down past the key's life: as if for hours
            if log:
                log(f"cycle {cycle + 1}: killed after {delivery_counts(db_path)['sent']} of "
                    f"{total} deliveries sent")
        control.clear_faults()
        proc = subprocess.Popen([daemon_exe(), "--config", str(cfg)], stderr=stderr,
                                stdout=subprocess.DEVNULL, env=env)
        wait_for(lambda: delivery_counts(db_path)["sent"] >= total, timeout=timeout,
                 step=0.2)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    finally:
        stderr.close()
    result.elapsed = time.monotonic() - started
    conn = sqlite3.connect(str(db_path))
    try:
        result.states = dict(conn.execute("SELECT state, count(*) FROM deliveries GROUP BY state"))
        result.in_doubt = conn.execute(
            "SELECT count(*) FROM audit WHERE action = 'delivery.in_doubt'").fetchone()[0]
        # What each outlet should show: the cleared text with its society links tagged.
        recorded = {outlet: [
            (tag_for_publication(conn, post_id, outlet, text, SOCIETY_DOMAINS), platform_id)
            for post_id, text, platform_id in conn.execute(
                "SELECT post_id, text, platform_id FROM deliveries WHERE outlet = ?"
                " ORDER BY due_at, post_id, part", (outlet,))] for outlet in outlets}
        # Each thread's parts on each outlet, in order: (previous part's id, this one's).
        links = {outlet: conn.execute(
            "SELECT b.platform_id, d.platform_id FROM deliveries d JOIN deliveries b"
            " ON b.post_id = d.post_id AND b.outlet = d.outlet AND b.part = d.part - 1"
            " WHERE d.outlet = ?", (outlet,)).fetchall() for outlet in outlets}
        expected = {outlet: [text for text, _ in rows] for outlet, rows in recorded.items()}
        files = {outlet: dict(conn.execute(
            "SELECT d.platform_id, (SELECT json_group_array(json_array(m.sha256, m.alt)) FROM"
            " (SELECT sha256, alt FROM post_media WHERE post_id = d.post_id ORDER BY position)"
            " m) FROM deliveries d WHERE d.outlet = ? AND d.platform_id IS NOT NULL",
            (outlet,))) for outlet in outlets} if media else {}
    finally:
        conn.close()
    state = control.state()
    for outlet, api in outlets.items():
        ours = {p["id"]: p["text"] for p in state[api]["posts"]
                if p["author"] == "INMMorg" and not p["deleted"]}
        answers = {p["id"]: p["in_reply_to"] for p in state[api]["posts"]}
        result.misthreaded[outlet] = sum(1 for previous, pid in links[outlet]
                                         if previous is None or answers.get(pid) != previous)
        published = list(ours.values())
        ids = Counter(pid for _, pid in recorded[outlet] if pid is not None)
        result.misattributed[outlet] = sum(
            1 for text, pid in recorded[outlet]
            if pid is not None and (ids[pid] > 1 or ours.get(pid) != text))
        counts = Counter(published)
        result.duplicates[outlet] = sum(n - 1 for n in counts.values() if n > 1)
        result.missing[outlet] = sum(1 for text in expected[outlet] if counts[text] == 0)
        first_seen = list(dict.fromkeys(published))
        order = [t for t in first_seen if t in set(expected[outlet])]
        result.out_of_order[outlet] = sum(1 for a, b in zip(order, expected[outlet], strict=False)
                                          if a != b)
        if media:
            carried = {p["id"]: [[m["sha256"], m["alt"]] for m in p["media"]]
                       for p in state[api]["posts"] if p["author"] == "INMMorg"}
            result.wrong_media[outlet] = sum(
                1 for pid, wanted in files[outlet].items()
                if carried.get(pid) != json.loads(wanted))
            result.media_checked += len(files[outlet])
    return result
