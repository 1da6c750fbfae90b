"""Make the sandbox feel alive for demos: followers arrive and people reply, now and then
rudely, so follow-back and moderation have something real to work on."""

from __future__ import annotations

import datetime as dt
import itertools
import threading

from inmm_tui.platforms.sandbox.world import APIS, MASTODON, World, now

PEOPLE = [
    ("nuclear_nina", "Nina Petrova", "Safeguards analyst. Views my own."),
    ("iaea_fan_42", "Tom", "Nonproliferation nerd"),
    ("ornl_labs", "Oak Ridge National Laboratory", "Official account"),
    ("matcon_mike", "Mike Chen", "MC&A specialist, INMM member"),
    ("sally_student", "Sally", "PhD student, nuclear engineering"),
    ("deals4u_shop", "Best Deals", "Cheap watches, click the link"),
]
REPLIES = [
    "@INMMorg Great session this morning, thanks for the summary!",
    "@INMMorg When does registration for the Annual Meeting open?",
    "@INMMorg Is the webinar recording available anywhere?",
    "@INMMorg this is garbage, you people are idiots",
    "@INMMorg Buy cheap watches at deals4u dot shop",
]
DIRECT = "@INMMorg Privately: my membership renewal failed, my member number is 40123."
SLOW_SERVER = dt.timedelta(minutes=10)
"""Mastodon: every fourth reply was written this long before it arrives (late federation)."""


def simulate(world: World, every: float, stop: threading.Event) -> None:
    """Every `every` seconds, one new follower per platform; every other tick, a reply to
    our latest post (or a mention). Runs until `stop` is set."""
    for number in itertools.count(1):
        if stop.wait(every):
            return
        tick(world, number)


def tick(world: World, number: int) -> None:
    """One step of life: follower number `number` arrives; on even steps, it replies (on
    Mastodon every fourth reply federates late); every fifth, it writes to us privately
    on Mastodon."""
    handle, name, description = PEOPLE[(number - 1) % len(PEOPLE)]
    suffix = "" if number <= len(PEOPLE) else str((number - 1) // len(PEOPLE))
    with world.lock:
        for api in APIS:
            account = world.add_account(api, f"{handle}{suffix}"[:30], name, description)
            world.add_follower(api, account)
            if number % 2 == 0:
                ours = world.live_posts(api, world.me(api).id)
                late = api == MASTODON and number % 4 == 0
                world.add_post(api, account, REPLIES[(number // 2 - 1) % len(REPLIES)],
                               in_reply_to=ours[0].id if ours else None,
                               created_at=now() - SLOW_SERVER if late else None)
            if api == MASTODON and number % 5 == 0:
                world.add_post(api, account, DIRECT, visibility="direct")
