"""Helpers for the daemon's tests: queue cleared posts, build a publisher on fake outlets."""

from __future__ import annotations

import datetime as dt

from inmm_daemon.publisher import Publisher

from inmm_tui.domain.services import Services
from inmm_tui.store.db import open_database

from .fake_platform import FakePlatform


def queue_posts(svc: Services, count: int, when: dt.datetime | None = None,
                *, body: str = "INMM news item {i}: https://inmm.org/n/{i}",
                event_id: int | None = None) -> list[int]:
    """`count` posts written by alice, cleared by bob, due at `when` (now by default)."""
    when = when or svc.clock()
    ids = []
    for i in range(count):
        post_id = svc.posts.create_draft("alice", body.format(i=i), topic="Member news",
                                         scheduled_at=when, event_id=event_id)
        svc.posts.submit("alice", post_id)
        svc.posts.clear("bob", post_id, expedited=event_id is not None)
        ids.append(post_id)
    return ids


def fakes(svc: Services) -> dict[str, FakePlatform]:
    return {o.name: FakePlatform(svc.clock, name=o.name, api=o.api) for o in svc.config.outlets}


def publisher(svc: Services, platforms: dict[str, FakePlatform]) -> Publisher:
    path = svc.config.database_path
    return Publisher(lambda: open_database(path), svc.config, platforms, clock=svc.clock)


def states(svc: Services, post_id: int) -> dict[str, str]:
    return {d.outlet: d.state for d in svc.posts.deliveries(post_id)}


def drain(pub: Publisher, clock, *, until: dt.datetime,  # type: ignore[no-untyped-def]
          step: dt.timedelta | None = None, on_tick=None) -> None:
    """Run the publisher as the scheduler would, jumping the (fake) clock to each next due
    time, at least `step` at a time; `on_tick` runs before each pass (e.g. to end an outage)."""
    for _ in range(1000):
        if on_tick:
            on_tick()
        pub.run(seconds=30)
        nxt = pub.next_due()
        if nxt is None or clock.now >= until:
            return
        clock.now = min(max(nxt, clock.now + (step or dt.timedelta(0))), until)
    raise AssertionError("the queue did not settle")
