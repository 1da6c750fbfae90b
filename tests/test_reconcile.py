"""Issue 12, part 1: a delivery in doubt is reconciled on what identifies *it* (its exact
final text, posted after its attempt began, by our account, under an id no other delivery
has), never on a normalisation that makes two different posts look alike."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter

import pytest

from inmm_tui.domain.referrals import tag_for_publication
from inmm_tui.domain.services import Services
from inmm_tui.timeutil import from_db, utcnow

from .conftest import FakeClock
from .daemon_helpers import publisher, queue_posts
from .sandbox_fixtures import RunningSandbox

X_POSTS = "x POST /2/tweets"


@pytest.fixture
def clock() -> FakeClock:
    # The sandbox stamps posts with the real time: start the fake clock at now.
    return FakeClock(utcnow().replace(microsecond=0))


def _on_sandbox(svc: Services, sandbox: RunningSandbox):
    pub = publisher(svc, {"x": sandbox.x(), "mastodon": sandbox.mastodon()})
    for platform in pub.platforms.values():
        platform.whoami()  # so that an injected fault hits the publish, not the id look-up
    return pub


def _x_delivery(svc: Services, post_id: int):
    return next(d for d in svc.posts.deliveries(post_id) if d.outlet == "x")


def _sent_text(svc: Services, post_id: int, outlet: str = "x") -> str:
    d = next(d for d in svc.posts.deliveries(post_id) if d.outlet == outlet)
    return tag_for_publication(svc.db.conn, post_id, outlet, d.text,
                               svc.config.inmm.society_domains)


def _on_x(sandbox: RunningSandbox) -> dict[str, str]:
    """Our live posts on X: id -> the text as it was posted."""
    return {p["id"]: p["text"] for p in sandbox.control.state()["x"]["posts"]
            if p["author"] == "INMMorg" and not p["deleted"]}


@pytest.mark.parametrize("second", [
    "Read the latest JNMM issue here: https://inmm.org/jnmm/b",  # only the link differs
    "Read the latest JNMM issue here: https://inmm.org/jnmm/a #INMM2027",  # a hashtag
    "Read the latest JNMM issue here: https://inmm.org/jnmm/a ^BB",  # the signature
])
def test_a_503_on_a_post_that_differs_from_an_earlier_one_only_slightly_loses_nothing(
        roster: Services, clock: FakeClock, sandbox: RunningSandbox, second: str) -> None:
    (first,) = queue_posts(roster, 1, body="Read the latest JNMM issue here: "
                                           "https://inmm.org/jnmm/a")
    pub = _on_sandbox(roster, sandbox)
    pub.run(seconds=30)
    assert _x_delivery(roster, first).state == "sent"
    (later,) = queue_posts(roster, 1, body=second)
    sandbox.control.fault("unavailable", api="x", method="POST", count=1)
    pub.run(seconds=30)
    assert _x_delivery(roster, later).state == "pending"  # in doubt: a 503 may have posted
    clock.advance(minutes=5)
    pub.run(seconds=30)
    a, b = _x_delivery(roster, first), _x_delivery(roster, later)
    assert b.state == "sent"
    assert a.platform_id != b.platform_id
    on_x = _on_x(sandbox)
    assert on_x[a.platform_id] == _sent_text(roster, first)
    assert on_x[b.platform_id] == _sent_text(roster, later)
    assert sandbox.control.requests(X_POSTS) == 3  # first, the 503, the real second post


def test_a_lost_answer_is_still_found_through_x_rewriting_of_links_and_ampersands(
        roster: Services, clock: FakeClock, sandbox: RunningSandbox) -> None:
    # X shows links as t.co and escapes & < > in the text it returns: the adapter asks for
    # the expanded links and undoes the escaping, so the exact text is compared.
    (post,) = queue_posts(roster, 1, body="Q&A <live> today: https://inmm.org/qa?day=1 and "
                                          "https://example.com/a&b")
    pub = _on_sandbox(roster, sandbox)
    sandbox.control.fault("lost", api="x", method="POST", count=1)
    pub.run(seconds=30)
    assert _x_delivery(roster, post).state == "pending"
    (stored,) = sandbox.control.state()["x"]["posts"]
    assert stored["text"] == _sent_text(roster, post)
    clock.advance(minutes=5)
    pub.run(seconds=30)
    delivery = _x_delivery(roster, post)
    assert delivery.state == "sent" and delivery.platform_id == stored["id"]
    assert sandbox.control.requests(X_POSTS) == 1  # found, not sent again


def test_the_same_text_posted_before_the_attempt_began_is_not_taken_for_it(
        roster: Services, clock: FakeClock, sandbox: RunningSandbox) -> None:
    # Someone posted this very text by hand on x.com an hour ago (not through the tool):
    # our in-doubt delivery is not that post. X refuses the duplicate, and the delivery
    # fails visibly instead of being marked sent with someone else's post.
    (post,) = queue_posts(roster, 1, body="Members: renew by Friday https://example.com/renew")
    sandbox.control.post("x", "INMMorg", _sent_text(roster, post))  # by hand, at real now
    clock.advance(hours=1)
    pub = _on_sandbox(roster, sandbox)
    sandbox.control.fault("unavailable", api="x", method="POST", count=1)
    pub.run(seconds=30)
    clock.advance(minutes=5)
    pub.run(seconds=30)
    delivery = _x_delivery(roster, post)
    assert delivery.state == "failed" and delivery.platform_id is None
    assert "duplicate" in (delivery.last_error or "")


def test_x_recent_posts_give_the_exact_text_with_the_links_expanded(
        sandbox: RunningSandbox) -> None:
    x = sandbox.x()
    text = "Q&A <live>: https://inmm.org/a?x=1&y=2, and https://example.com/b."
    published = x.publish(text, idempotency_key="k")
    raw = sandbox.control.state()["x"]["posts"][0]["text"]
    assert raw == text  # the sandbox keeps what was posted; only its answers wrap links
    (recent,) = x.recent_posts(5)
    assert (recent.platform_id, recent.text) == (published.platform_id, text)
    assert recent.created_at is not None and recent.created_at <= dt.datetime.now(dt.UTC)


def test_x_wraps_links_and_escapes_text_unless_the_entities_are_asked_for(
        sandbox: RunningSandbox) -> None:
    import requests

    x = sandbox.x()
    x.publish("A&B https://inmm.org/x", idempotency_key="k")
    body = x.client.get_users_tweets(x.whoami().user_id, user_auth=True)
    (tweet,) = body["data"]
    assert tweet["text"].startswith("A&amp;B https://t.co/") and "entities" not in tweet
    assert "inmm.org" not in tweet["text"]
    assert requests  # the real client's answer, not a reconstruction


def test_no_two_deliveries_share_a_platform_id(roster: Services, clock: FakeClock) -> None:
    import sqlite3

    from inmm_tui.domain.publishing import Queue
    from inmm_tui.domain.reminders import open_alerts

    a, b = queue_posts(roster, 2)
    queue = Queue(roster.db, clock=clock)
    first = queue.claim(["x"])
    assert queue.record_sent(first, "111", "https://x.com/INMMorg/status/111")
    second = queue.claim(["x"])
    # The platform (or a reconciliation) names a post already recorded for the first one:
    # never marked sent; failed for a person to check, with an alert.
    assert not queue.record_sent(second, "111", "https://x.com/INMMorg/status/111")
    d = _x_delivery(roster, b)
    assert d.state == "failed" and d.platform_id is None
    assert f"delivery #{_x_delivery(roster, a).id}" in d.last_error
    assert any(al.kind == "platform_id_taken" for al in open_alerts(roster.db.conn))
    with pytest.raises(sqlite3.IntegrityError):
        roster.db.conn.execute("UPDATE deliveries SET platform_id = '111' WHERE id = ?", (d.id,))
    # the same id on another outlet is another post
    roster.db.conn.execute("UPDATE deliveries SET platform_id = '111' WHERE post_id = ? AND"
                           " outlet = 'mastodon'", (b,))


def test_the_migration_undoes_deliveries_that_already_share_an_id(tmp_path) -> None:
    import sqlite3

    from sqlite_utils import Database

    from inmm_tui.store.schema import migrations

    db = Database(str(tmp_path / "old.db"))
    migrations.apply(db, stop_before=[m.name for m in migrations.pending(db)
                                      if m.name.startswith("m007_reconcile_")])
    conn = db.conn
    for post in (1, 2):
        conn.execute("INSERT INTO posts (id, author, body, status, created_at, updated_at)"
                     " VALUES (?, 'alice', 't', 'published', '2026-01-01', '2026-01-01')",
                     (post,))
    for delivery, post, sent in ((1, 1, "2026-01-01T10:00:00"), (2, 2, "2026-01-01T11:00:00")):
        conn.execute("INSERT INTO deliveries (id, post_id, outlet, state, text, content_hash,"
                     " due_at, platform_id, platform_url, sent_at) VALUES"
                     " (?, ?, 'x', 'sent', 't', 'h', '2026-01-01', '99', 'u', ?)",
                     (delivery, post, sent))
    conn.commit()
    migrations.apply(db)
    rows = conn.execute("SELECT id, state, platform_id, last_error FROM deliveries"
                        " ORDER BY id").fetchall()
    assert rows[0][:3] == (1, "sent", "99")
    assert rows[1][:3] == (2, "failed", None) and "delivery #1" in rows[1][3]
    assert conn.execute("SELECT count(*) FROM alerts WHERE kind = 'platform_id_taken'"
                        ).fetchone()[0] == 1
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("UPDATE deliveries SET platform_id = '99' WHERE id = 2")
    assert Counter(r[1] for r in rows) == {"sent": 1, "failed": 1}


def test_the_issue_as_reported_inmm_daemon_once_twice(tmp_path, sandbox: RunningSandbox) -> None:
    import subprocess
    import time

    from inmm_tui.config import load_config
    from inmm_tui.domain.roles import Role
    from inmm_tui.store.db import open_database

    from .crash_harness import daemon_exe, write_config

    cfg = write_config(tmp_path, sandbox.url)
    db = open_database(load_config(str(cfg)).database_path, create=True)
    svc = Services.build(load_config(str(cfg)), db)
    svc.roster.initialise("hq", "Harriet Quinn")
    svc.roster.add("hq", "alice", "Alice Able", Role.ACCOUNT_MANAGER)
    svc.roster.add("hq", "bob", "Bob Baker", Role.ACCOUNT_MANAGER)

    def cleared(body: str) -> int:
        post = svc.posts.create_draft("alice", body, topic="Member news",
                                      scheduled_at=svc.clock())
        svc.posts.submit("alice", post)
        svc.posts.clear("bob", post)
        return post

    def once() -> None:
        run = subprocess.run([daemon_exe(), "--config", str(cfg), "--once"],
                             capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr

    first = cleared("Read the latest JNMM issue here: https://inmm.org/jnmm/a")
    once()
    later = cleared("Read the latest JNMM issue here: https://inmm.org/jnmm/b")
    sandbox.control.fault("unavailable", api="x", method="POST", count=1)
    once()
    (retry_at,) = db.execute("SELECT next_attempt_at FROM deliveries"
                             " WHERE next_attempt_at IS NOT NULL").fetchone()
    # past the backoff (the test config retries after 0.1 s, plus up to 0.1 s of jitter)
    time.sleep(max(0.0, (from_db(retry_at) - utcnow()).total_seconds()))
    once()
    a, b = _x_delivery(svc, first), _x_delivery(svc, later)
    assert (a.state, b.state) == ("sent", "sent") and a.platform_id != b.platform_id
    on_x = _on_x(sandbox)
    assert sorted(on_x.values()) == sorted([_sent_text(svc, first), _sent_text(svc, later)])
    db.close()


MASTODON_POSTS = "mastodon POST /api/v1/statuses"


def _on_mastodon(sandbox: RunningSandbox) -> dict[str, str]:
    return {p["id"]: p["text"] for p in sandbox.control.state()["mastodon"]["posts"]
            if p["author"] == "INMMorg" and not p["deleted"]}


def _mastodon_delivery(svc: Services, post_id: int):
    return next(d for d in svc.posts.deliveries(post_id) if d.outlet == "mastodon")


@pytest.fixture
def short_keys(sandbox: RunningSandbox) -> RunningSandbox:
    """Mastodon forgets an Idempotency-Key after an hour; the sandbox, after 0.2 s."""
    sandbox.control.settings(idempotency_window=0.2)
    return sandbox


def test_a_mastodon_delivery_in_doubt_past_the_key_hour_is_found_not_posted_twice(
        roster: Services, clock: FakeClock, short_keys: RunningSandbox) -> None:
    sandbox = short_keys
    (post,) = queue_posts(roster, 1, body="Q&A <live> today:\n\nhttps://inmm.org/qa?day=1")
    pub = _on_sandbox(roster, sandbox)
    sandbox.control.fault("lost", api="mastodon", method="POST", count=1)
    pub.run(seconds=30)
    assert _mastodon_delivery(roster, post).state == "pending"  # in doubt
    (made,) = _on_mastodon(sandbox)
    time.sleep(0.3)  # the server has forgotten the key...
    clock.advance(hours=3)  # ...and so, by our clock, has Mastodon: the daemon was down
    pub.run(seconds=30)
    held = _mastodon_delivery(roster, post)
    assert held.state == "held"  # too late to go out unasked
    roster.posts.release_held("hq", held.id)  # HQ: publish it now
    pub.run(seconds=30)
    delivery = _mastodon_delivery(roster, post)
    assert delivery.state == "sent" and delivery.platform_id == made
    assert _on_mastodon(sandbox) == {made: _sent_text(roster, post, "mastodon")}
    assert sandbox.control.requests(MASTODON_POSTS) == 1  # found, not posted again
    assert sandbox.control.requests("/source") == 1  # the exact text, not the HTML


def test_within_the_key_hour_the_idempotency_key_still_reconciles(
        roster: Services, clock: FakeClock, sandbox: RunningSandbox) -> None:
    (post,) = queue_posts(roster, 1, body="Registration opens Monday")
    pub = _on_sandbox(roster, sandbox)
    sandbox.control.fault("lost", api="mastodon", method="POST", count=1)
    pub.run(seconds=30)
    clock.advance(minutes=50)
    pub.run(seconds=30)
    delivery = _mastodon_delivery(roster, post)
    assert delivery.state == "sent" and list(_on_mastodon(sandbox)) == [delivery.platform_id]
    assert sandbox.control.requests(MASTODON_POSTS) == 2  # the same key: the same status
    assert sandbox.control.requests("/source") == 0


def test_past_the_key_hour_another_delivery_s_post_is_not_taken_for_this_one(
        roster: Services, clock: FakeClock, short_keys: RunningSandbox) -> None:
    sandbox = short_keys
    first, second = queue_posts(roster, 2, body="Members: renew by Friday")
    text = _sent_text(roster, first, "mastodon")
    assert _sent_text(roster, second, "mastodon") == text
    pub = _on_sandbox(roster, sandbox)
    pub.run(seconds=30, limit=1)  # the first goes out
    a = _mastodon_delivery(roster, first)
    assert a.state == "sent"
    sandbox.control.fault("unavailable", api="mastodon", method="POST", count=1)
    pub.run(seconds=30)  # the second: a 503, nothing posted, in doubt
    assert _mastodon_delivery(roster, second).state == "pending"
    time.sleep(0.3)
    clock.advance(hours=3)
    pub.run(seconds=30)
    roster.posts.release_held("hq", _mastodon_delivery(roster, second).id)
    pub.run(seconds=30)
    b = _mastodon_delivery(roster, second)
    # The first's post has the same text and was made within minutes of the second's
    # attempt, but it is the first's: the second is posted, not marked with its id.
    assert b.state == "sent" and b.platform_id not in (None, a.platform_id)
    assert _on_mastodon(sandbox) == {a.platform_id: text, b.platform_id: text}
    assert sandbox.control.requests(MASTODON_POSTS) == 3  # the first, the 503, the second


def test_mastodon_posted_text_is_the_source_exactly(sandbox: RunningSandbox) -> None:
    toot = sandbox.mastodon()
    text = "Fish & chips <b>not bold</b>\n\n\nhttps://inmm.org/a?b=1&c=2  @someone"
    made = toot.publish(text, idempotency_key="k")
    (recent,) = toot.recent_posts(5)
    assert recent.platform_id == made.platform_id
    assert toot.posted_text(recent) == text


@pytest.mark.parametrize("api", ["x", "mastodon"])
def test_one_malformed_post_of_ours_does_not_hide_the_others(
        sandbox: RunningSandbox, api: str) -> None:
    platform = sandbox.x() if api == "x" else sandbox.mastodon()
    first = platform.publish("First", idempotency_key="k1")
    sandbox.control.post(api, "INMMorg", "Odd", garbage={"created_at": None})
    last = platform.publish("Last", idempotency_key="k2")
    assert [p.platform_id for p in platform.recent_posts(10)] == [last.platform_id,
                                                                   first.platform_id]


def test_a_malformed_post_of_ours_on_x_does_not_block_reconciliation(
        roster: Services, clock: FakeClock, sandbox: RunningSandbox) -> None:
    (post,) = queue_posts(roster, 1, body="Registration is open https://inmm.org/am")
    pub = _on_sandbox(roster, sandbox)
    sandbox.control.post("x", "INMMorg", "Made by hand", garbage={"created_at": None})
    sandbox.control.fault("lost", api="x", method="POST", count=1)
    pub.run(seconds=30)
    assert _x_delivery(roster, post).state == "pending"
    clock.advance(minutes=5)
    pub.run(seconds=30)
    delivery = _x_delivery(roster, post)
    assert delivery.state == "sent" and delivery.last_error is None
    assert sandbox.control.requests(X_POSTS) == 1  # found, not sent again
