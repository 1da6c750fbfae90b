"""The platform took the post but the database could not be written: the post is recorded
once writes succeed again, without a restart and without a second post.

The database is made read-only for the outlet's own connection during the send with
SQLite's `PRAGMA query_only`: the write then fails with SQLite's real "attempt to write a
readonly database" (SQLITE_READONLY), as on a disk remounted read-only (tests/test_storage.py
shows that case in a subprocess)."""

from __future__ import annotations

import logging
import threading

import pytest

from inmm_tui.domain.services import Services

from .conftest import FakeClock
from .daemon_helpers import fakes, publisher, queue_posts, states
from .fake_platform import FakePlatform


def _read_only_from_the_send(pub, lift_after: float | None):  # type: ignore[no-untyped-def]
    """A fault hook: when an outlet sends, its connection can no longer write; writes come
    back `lift_after` seconds later (never when None)."""
    def hook(platform: FakePlatform) -> None:
        conn = pub.queue(platform.name).conn
        conn.execute("PRAGMA query_only = 1")
        platform.fault = None  # once
        if lift_after is not None:
            threading.Timer(lift_after, conn.execute, ("PRAGMA query_only = 0",)).start()
    return hook


def test_a_post_sent_while_the_database_cannot_be_written_is_recorded_once_it_can(
        roster: Services, clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    (post_id,) = queue_posts(roster, 1)
    outlets = fakes(roster)
    pub = publisher(roster, outlets)
    for fake in outlets.values():
        fake.fault = _read_only_from_the_send(pub, lift_after=1.2)
    with caplog.at_level(logging.ERROR, logger="inmm_daemon.publish"):
        result = pub.run(seconds=30)
    assert result.sent == 2
    assert states(roster, post_id) == {"x": "sent", "mastodon": "sent"}
    for name, fake in outlets.items():
        assert fake.requests == ["publish"] and len(fake.posts) == 1  # no second post
        delivery = {d.outlet: d for d in roster.posts.deliveries(post_id)}[name]
        assert delivery.platform_id == fake.posts[0].platform_id
    assert "but the database cannot be written" in caplog.text
    assert "attempt to write a readonly database" in caplog.text
    assert roster.posts.get(post_id).status == "published"


def test_stopping_while_the_database_cannot_be_written_leaves_it_to_the_next_start(
        roster: Services, clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    (post_id,) = queue_posts(roster, 1)
    outlets = fakes(roster)
    pub = publisher(roster, outlets)
    for fake in outlets.values():
        fake.fault = _read_only_from_the_send(pub, lift_after=None)
    threading.Timer(1.0, pub.stop.set).start()  # SIGTERM while the disk is still read-only
    with caplog.at_level(logging.ERROR, logger="inmm_daemon.publish"):
        assert pub.run(seconds=30).sent == 0
    pub.close()
    assert states(roster, post_id) == {"x": "sending", "mastodon": "sending"}
    assert "not recorded before stopping" in caplog.text
    restarted = publisher(roster, outlets)
    assert restarted.recover() == 2
    clock.advance(seconds=1)
    restarted.run(seconds=30)
    assert states(roster, post_id) == {"x": "sent", "mastodon": "sent"}
    assert all(len(fake.posts) == 1 for fake in outlets.values())  # reconciled, not re-sent
    restarted.close()
