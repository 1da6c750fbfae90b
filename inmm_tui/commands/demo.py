"""`inmm-tui --demo`: the UI on a throwaway database, so a newcomer can try every flow.

The person running it is the HQ administrator; a colleague (account manager), the
Communications Chair, the Subcommittee Chair (appointed by the Communications Chair) and an
Executive Committee member are there too, and F2 switches between you, the colleague, the
chair and the EC member, so that clearance by another person, a block override and an EC
decision can be tried alone.

Every screen has something to do from the first minute, and all of it is made the way it
would be for real, through the domain and the daemon's own jobs against the sandbox (so
the audit check finds nothing it cannot explain):

- six weeks of history, replayed on a moving clock: followers arriving, a post a week
  drafted, cleared by another person and published, its engagement and the follower counts
  polled: the metrics screen's charts, and last month's report;
- today: a post with a photo (its GPS and camera serial stripped) waiting for clearance,
  a quote of a sister society's post on X (read by the daemon, shown beside our text),
  a rude reply and a question to our latest post, two look-alike accounts of ours; the
  daemon's first pass (all its jobs once) puts them in moderation, the inbox and the
  look-alike list before the UI opens;
- the EC meeting three weeks ahead, so the roster's annual review is open;
- the policy's own review date (2021-12-01) stays as the policy gives it, so the overdue
  policy review is shown with what to do about it (Reminders), not hidden.

Then the sandbox goes on simulating (followers, replies now and then rude) and the daemon
runs in the background; both stop when the UI closes, and the database goes with them."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import secrets as secrets_module
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inmm_tui.timeutil import utcnow

if TYPE_CHECKING:
    from inmm_daemon.service import Daemon

    from inmm_tui.domain.services import Services
    from inmm_tui.platforms.sandbox.server import Sandbox
    from inmm_tui.platforms.sandbox.world import World

COLLEAGUE = ("colleague", "Casey Colleague")
COMMS = ("comms", "Cora Comms")
CHAIR = ("chair", "Sam Chair")
EC = ("ec", "Eve Executive")
START_GRACE_SECONDS = 1.5
"""A background program still running after this long is taken as started."""
SIMULATE_EVERY = 30.0
"""Seconds between two steps of the sandbox's simulated life."""
HISTORY_DAYS = 42
"""How far back the replayed history starts: several weeks of charts."""
EC_MEETING_IN_DAYS = 21
DEMO_OUTLETS = (("x", "X", "INMMorg"), ("mastodon", "Mastodon", "INMMorg"),
                ("bluesky", "Bluesky", "inmmorg.bsky.social"), ("linkedin", "LinkedIn", "inmmorg"))
"""The outlets the demo rehearses on (name and platform, label, our handle there): all four
platforms, each a sandbox."""
"""The EC meeting is this many days ahead: inside the review window (30 days before)."""

HISTORY_FOLLOWERS = [
    ("safeguards_sam", "Sam Okafor", "Safeguards inspector"),
    ("sandia_labs", "Sandia National Laboratories", "Official account"),
    ("maria_lopez", "Maria Lopez", "Nuclear engineer"),
    ("esarda_news", "ESARDA News", "European safeguards research association"),
    ("kenji_t", "Kenji Tanaka", "MC&A, views my own"),
    ("nukefan", "", ""),
    ("pnnl_official", "Pacific Northwest National Laboratory", "Official"),
    ("ana_k", "Ana Kowalski", "Physics PhD student"),
]
HISTORY_POSTS = [
    ("Annual Meeting", "Save the date: the INMM Annual Meeting is in July. https://inmm.org"),
    ("Webinars", "Our next webinar looks at safeguards by design. Register: https://inmm.org"),
    ("Awards", "Nominations for the INMM awards are open until the end of the month."),
    ("Journal", "The new issue of the Journal of Nuclear Materials Management is out."),
    ("Membership", "Students: membership of INMM is free in your first year. https://inmm.org"),
    ("Webinars", "Thank you to everyone who joined today's webinar; the recording follows."),
]
HISTORY_EXTRAS: dict[str, dict[str, Any]] = {
    HISTORY_POSTS[0][1]: {"parts": [
        "Four days of plenaries, workshops and posters on safeguards and security.",
        "The call for papers opens next month: watch this space."]},
    HISTORY_POSTS[1][1]: {"poll": (("Safeguards by design", "Security culture", "Both"),
                                   3 * 24 * 60)},
}
"""A thread and a straw poll among the history's posts (issue 17)."""
RUDE_REPLY = ("grumpy_gus", "Gus", "@INMMorg this is garbage, you people are idiots")
QUESTION = ("sally_student", "Sally",
            "@INMMorg When does registration for the Annual Meeting open?")
WRONG_FACT = ("mike_member", "Mike", "@INMMorg See everyone at the Annual Meeting in Denver!")
"""A reply screening passes but a person knows is wrong (the meeting is elsewhere): the
one inbox flags it by hand, or answers it with correct information."""
PRIVATE_MESSAGE = ("pat_private", "Pat",
                   "@INMMorg Privately: who on staff can I talk to about a paper I am writing?")
LOOK_ALIKES = [
    ("INMM_official", "INMM", "Official news of the INMM. DM us for membership offers"),
    ("lNMMorg", "INMM", "Institute of Nuclear Materials Management"),
]
"""Look-alikes of our handle (`spoof_variants` names both): an added word, l for I."""


class DemoClock:
    """A clock the history is replayed on; `at = None` hands over to the real time."""

    def __init__(self, at: dt.datetime | None) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at if self.at is not None else utcnow()


@dataclass
class DemoWorld:
    workdir: Path
    config_path: Path
    services: Services
    """On the real clock, for the UI."""
    sandbox: Sandbox

    def close(self) -> None:
        self.sandbox.stop()
        self.services.db.close()


def run(args: argparse.Namespace) -> int:
    from inmm_tui.commands.demo_inbox import RECEIVED, WebhookInbox, for_demo
    from inmm_tui.commands.ui import exit_code
    from inmm_tui.domain.people import current_login
    from inmm_tui.platforms.sandbox.simulate import simulate
    from inmm_tui.ui.app import InmmApp

    workdir = Path(tempfile.mkdtemp(prefix="inmm-demo-"))
    processes: list[subprocess.Popen[bytes]] = []
    stop = threading.Event()
    demo: DemoWorld | None = None
    inbox: WebhookInbox | None = None
    try:
        login = current_login()
        demo = build(workdir, login)
        threading.Thread(target=simulate, args=(demo.sandbox.world, SIMULATE_EVERY, stop),
                         name="sandbox-simulate", daemon=True).start()
        inbox = for_demo(demo.config_path)
        env = {**os.environ, "INMM_CONFIG": str(demo.config_path)}
        process, note = start("daemon", [sys.executable, "-c", "import sys, inmm_daemon.main"
                                         " as m; sys.exit(m.main())"], env, workdir)
        if process is not None:
            processes.append(process)
        app = InmmApp(demo.services, login, switch_to=[login, COLLEAGUE[0], CHAIR[0], EC[0]],
                      intro="Demo on a throwaway database, with six weeks of history. The "
                      f"sandbox is running. {note} F2 switches person (you, a colleague, the "
                      "Subcommittee Chair, an Executive Committee member). The policy review "
                      "is overdue because the policy's own date has passed: see Reminders. "
                      "Notifications go to a webhook receiver in the demo, which writes what it "
                      f"gets to {workdir / RECEIVED}.")
        app.run()
        code = exit_code(app)
    finally:
        stop.set()
        if inbox is not None:
            inbox.stop()
        for process in processes:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
        if demo is not None:
            demo.close()
        shutil.rmtree(workdir, ignore_errors=True)
    return code


def build(workdir: Path, login: str) -> DemoWorld:
    """The demo's configuration, sandbox and database in `workdir`, seeded as the module
    says; the sandbox runs in this process until `close()`."""
    from inmm_daemon.service import Daemon

    from inmm_tui.config import load_config
    from inmm_tui.domain.services import Services
    from inmm_tui.platforms.factory import build_platform
    from inmm_tui.platforms.sandbox.server import Sandbox
    from inmm_tui.store.db import open_database

    now = utcnow()
    config_path = write_config(workdir, ec_meeting=(now + dt.timedelta(days=EC_MEETING_IN_DAYS)
                                                     ).date())
    config = load_config(str(config_path))
    sandbox = Sandbox(config.sandbox.host, config.sandbox.port).start()
    db = None
    try:
        clock = DemoClock(now - dt.timedelta(days=HISTORY_DAYS, hours=1))
        platforms = {o.name: build_platform(o, config, None) for o in config.outlets}
        db = open_database(config.database_path, create=True)
        daemon = Daemon(config, lambda: open_database(config.database_path), platforms,
                        clock=clock)
        # The daemon's log goes to a file: on the terminal it would be written over the UI.
        log = logging.getLogger("inmm_daemon")
        handler = logging.FileHandler(workdir / "first-pass.log", encoding="utf-8")
        log.addHandler(handler)
        log.propagate = False
        try:
            seeding = Services.build(config, db, clock=clock, lazy_screener=True)
            seed_roster(seeding, login, clock)
            replay_history(seeding, daemon, sandbox.world, clock, login, now)
            clock.at = None  # from here on, the real time
            seed_today(seeding, sandbox.world)
            share = seed_share(seeding, sandbox.world)
            # The daemon's first pass: every job once (ingestion, look-alikes, reminders,
            # last month's report, reading the shared post), so nothing waits for the
            # first minute to turn.
            daemon.run_once()
            seeding.posts.submit(COLLEAGUE[0], share)
        finally:
            daemon.close()
            daemon.db.close()  # (its own connection, which close() leaves open)
            log.removeHandler(handler)
            handler.close()
            log.propagate = True
        services = Services.build(config, db, lazy_screener=True)
    except BaseException:
        if db is not None:
            db.close()
        sandbox.stop()
        raise
    return DemoWorld(workdir, config_path, services, sandbox)


def write_config(workdir: Path, *, ec_meeting: dt.date) -> Path:
    port = free_port()
    path = workdir / "inmm.toml"
    path.write_text(
        "# Written by inmm-tui --demo; removed when the demo ends.\n"
        "[inmm]\n"
        'database = "inmm.db"\n'
        'secrets_file = "secrets.toml"\n'
        # All four outlets, each a sandbox imitating its platform.
        + "".join(f'[[outlets]]\nname = "{api}"\nkind = "sandbox"\napi = "{api}"\n'
                  f'handle = "{handle}"\nlabel = "{label} (sandbox)"\n'
                  for api, label, handle in DEMO_OUTLETS)
        + "[sandbox]\n"
        'host = "127.0.0.1"\n'
        f"port = {port}\n"
        "[review]\n"
        f"ec_meeting = {ec_meeting.isoformat()}\n"
        # policy_next_review is left as the policy gives it (2021-12-01): overdue, as it is.
        # A demo lasts minutes: the daemon's periodic jobs run every minute, so followers
        # are followed back and replies reach the moderation queue while one watches.
        "[daemon.jobs]\n"
        'follow_back = "* * * * *"\n'
        'ingest_mentions = "* * * * *"\n'
        'poll_metrics = "*/2 * * * *"\n'
        'spoof_watch = "*/5 * * * *"\n'
        # The daemon's notifications go to a receiver in the demo (`demo_inbox`).
        "[notifications]\n"
        f'webhooks = {{ demo = "http://127.0.0.1:{free_port()}/inmm" }}\n',
        encoding="utf-8",
    )
    secrets = workdir / "secrets.toml"
    secrets.touch(mode=0o600)
    secrets.write_text(f'[notifications]\nwebhook_secret = "{secrets_module.token_hex(16)}"\n',
                       encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seed_roster(services: Services, login: str, clock: DemoClock) -> None:
    """The roster as the policy's chain of appointment makes it, and the credentials
    rotated after it (each change to the authorised list makes them due)."""
    from inmm_tui.domain.people import full_name
    from inmm_tui.domain.roles import Role

    services.roster.initialise(login, full_name(login))
    services.roster.add(login, COLLEAGUE[0], COLLEAGUE[1], Role.ACCOUNT_MANAGER)
    services.roster.add(login, COMMS[0], COMMS[1], Role.COMMUNICATIONS_CHAIR)
    services.roster.add(login, EC[0], EC[1], Role.EXECUTIVE_COMMITTEE)
    # The policy: the Communications Committee Chair appoints the Subcommittee Chair.
    services.roster.add(COMMS[0], CHAIR[0], CHAIR[1], Role.SUBCOMMITTEE_CHAIR)
    # Each has read the policy and rules in force and acknowledged them (press a on the
    # home screen to see what they read; the roster's Policy column shows it).
    version = services.policy.record_current().version
    for person in (login, COLLEAGUE[0], COMMS[0], EC[0], CHAIR[0]):
        services.policy.acknowledge(person, version)
    _advance(clock, minutes=5)
    for outlet in services.config.outlets:
        services.governance.record_rotation(login, outlet.name, "after setting up the roster")


def replay_history(services: Services, daemon: Daemon, world: World, clock: DemoClock,
                   login: str, now: dt.datetime) -> None:
    """Six weeks, a day at a time: a follower a day on each platform, a post a week
    (drafted by the colleague, cleared by you, published by the daemon), engagement on
    the posts out; the daemon's metrics job every other day, its follow-back weekly, and
    a week ago the chair's review of the accounts we follow."""
    from inmm_daemon.service import JOBS

    from inmm_tui.capabilities import for_api
    from inmm_tui.domain.polls import Poll
    from inmm_tui.platforms.sandbox.world import APIS

    posts = iter(HISTORY_POSTS)
    for day in range(HISTORY_DAYS, 0, -1):
        number = HISTORY_DAYS - day
        clock.at = now - dt.timedelta(days=day)
        with world.lock:
            handle, name, description = HISTORY_FOLLOWERS[number % len(HISTORY_FOLLOWERS)]
            for api in APIS:
                account = world.add_account(api, f"{handle}{number}", name, description)
                world.add_follower(api, account)
        if day % 7 == 3:
            topic, text = next(posts, HISTORY_POSTS[0])
            extra = dict(HISTORY_EXTRAS.get(text, {}))
            if "poll" in extra:
                extra["poll"] = Poll(*extra["poll"])
            # A thread or a poll goes to the outlets that can take one (not LinkedIn).
            extra["outlets"] = [o.name for o in services.config.outlets if (
                for_api(o.api).threads or "parts" not in extra) and (
                for_api(o.api).polls or "poll" not in extra)]
            post_id = services.posts.create_draft(COLLEAGUE[0], text, topic=topic, **extra)
            services.posts.submit(COLLEAGUE[0], post_id)
            _advance(clock, hours=1)
            services.posts.clear(login, post_id, publish_if_untimed=True)
        daemon.run_job(JOBS["publish"])  # (and the check of the rotated credentials)
        with world.lock:
            for api in APIS:
                for age, post in enumerate(world.live_posts(api, world.me(api).id)):
                    # Newer posts gather more; older ones level off.
                    post.likes += max(0, 4 - age) + number % 3
                    post.reposts += max(0, 2 - age)
                    post.impressions += 40 * max(1, 5 - age)
                    if post.poll is not None:  # followers vote in the straw poll
                        post.poll.votes[number % len(post.poll.votes)] += 1 + age % 3
        # Less often than the real timings: the replay stays a few seconds long.
        if day % 7 == 0:
            daemon.run_job(JOBS["follow_back"])
        if day == 7:
            review_following(services)
        if day % 2 == 0:
            daemon.run_job(JOBS["poll_metrics"])


def review_following(services: Services) -> None:
    """The Subcommittee Chair's periodic look through the accounts we follow: those
    followed back since are what the follow review has to show."""
    conn = services.db.conn
    for outlet in services.config.outlets:
        ids = [row[0] for row in conn.execute(
            "SELECT user_id FROM following WHERE outlet = ? AND reviewed_at IS NULL",
            (outlet.name,))]
        services.follows.mark_reviewed(CHAIR[0], outlet.name, ids)
    services.follows.record_full_review(CHAIR[0], "the accounts we follow, all appropriate")


def seed_today(services: Services, world: World) -> None:
    """A post waiting for clearance; on the platforms, a rude reply, a question and a
    wrong fact in reply to our latest post, a private message on Mastodon, and two
    look-alike accounts of ours."""
    from inmm_tui.platforms.sandbox.world import APIS, MASTODON

    post_id = services.posts.create_draft(
        COLLEAGUE[0], "Registration for the INMM Annual Meeting is open: https://inmm.org",
        topic="Annual Meeting")
    services.media.attach(COLLEAGUE[0], post_id, demo_photo(services.config.database_path.parent),
                          "A poster for the INMM Annual Meeting: a blue sky over a lake")
    services.posts.submit(COLLEAGUE[0], post_id)
    with world.lock:
        for api in APIS:
            ours = world.live_posts(api, world.me(api).id)
            for handle, name, text in (RUDE_REPLY, QUESTION, WRONG_FACT):
                account = world.add_account(api, handle, name)
                world.add_post(api, account, text, in_reply_to=ours[0].id if ours else None)
            if api == MASTODON:  # the sandbox platform whose direct messages the demo shows
                account = world.add_account(api, *PRIVATE_MESSAGE[:2])
                world.add_post(api, account, PRIVATE_MESSAGE[2], visibility="direct")
            for handle, name, description in LOOK_ALIKES:
                world.add_account(api, handle, name, description)


def demo_photo(folder: Path) -> Path:
    """A photo as a phone makes one, with the place it was taken (GPS) and the camera's
    serial number in its EXIF: attaching it shows them stripped."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (96, 64), (30, 90, 200))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 40, 96, 64), fill=(20, 120, 170))
    draw.ellipse((62, 6, 84, 28), fill=(250, 210, 60))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(0x8769)[0xA431] = "DEMO-SERIAL-0001"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (36.0, 9.0, 0.0), 3: "W", 4: (115.0, 10.0, 0.0)})
    path = folder / "annual-meeting-poster.jpg"
    image.save(path, "JPEG", exif=exif.tobytes())
    return path


def seed_share(services: Services, world: World) -> int:
    """A sister society's post on X that the colleague quotes (the policy: "Retweet
    relevant society tweets"); the daemon's first pass reads it, and it then waits for
    clearance with the original shown beside our text."""
    from inmm_tui.platforms.sandbox.world import X

    with world.lock:
        society = world.add_account(X, "ANS_org", "American Nuclear Society")
        original = world.add_post(X, society, "Nuclear security week starts Monday: five "
                                  "days of talks on safeguards and verification.")
    return services.shares.request(
        COLLEAGUE[0], f"https://x.com/ANS_org/status/{original.id}", outlets=["x"],
        quote="Our members speak on day two:", topic="Member news")


def _advance(clock: DemoClock, **delta: float) -> None:
    if clock.at is not None:
        clock.at += dt.timedelta(**delta)


def start(name: str, command: list[str], env: dict[str, str],
          workdir: Path) -> tuple[subprocess.Popen[bytes] | None, str]:
    """Start one background program; (None, why) when it is not available here."""
    log = (workdir / f"{name}.log").open("wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, cwd=workdir)
    deadline = time.monotonic() + START_GRACE_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return None, f"The {name} is not available in this build."
        time.sleep(0.1)
    return process, f"The {name} is running."
