"""Publishing through the database queue (R26), against in-memory outlets on a fake clock:
outages, rate limits, lost responses, crashes, one outlet down, late and paused posts."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from inmm_daemon.publisher import backoff, same_text

from inmm_tui.domain import audit
from inmm_tui.domain.publishing import Queue, publication_state
from inmm_tui.domain.referrals import tag_for_publication
from inmm_tui.domain.services import Services
from inmm_tui.platforms.errors import AuthFailed, RateLimited, Rejected, TransientError
from inmm_tui.reports.status import gather

from .conftest import FakeClock
from .daemon_helpers import drain, fakes, publisher, queue_posts, states
from .fake_platform import FakePlatform


def test_due_posts_go_out_once_in_due_order_and_the_post_is_published(
        roster: Services, clock: FakeClock) -> None:
    later = queue_posts(roster, 2, clock.now + dt.timedelta(minutes=5), body="later {i}")
    first = queue_posts(roster, 3, clock.now, body="first {i}")
    outlets = fakes(roster)
    pub = publisher(roster, outlets)
    pub.run(seconds=30)
    for fake in outlets.values():
        assert [p.text.split(" ^")[0] for p in fake.posts] == ["first 0", "first 1", "first 2"]
    assert all(roster.posts.get(p).status == "published" for p in first)
    assert all(roster.posts.get(p).status == "scheduled" for p in later)
    clock.advance(minutes=5)
    pub.run(seconds=30)
    for fake in outlets.values():
        assert len(fake.posts) == 5 and len({p.text for p in fake.posts}) == 5
    delivery = roster.posts.deliveries(first[0])[0]
    assert delivery.platform_id and delivery.platform_url.startswith("https://")
    actions = [e["action"] for e in audit.history(roster.db.conn, f"post:{first[0]}")]
    assert actions.count("delivery.sent") == 2 and actions[-1] == "post.published"


def test_a_ten_minute_outage_is_ridden_out_and_every_post_goes_out_once(
        roster: Services, clock: FakeClock) -> None:
    posts = queue_posts(roster, 5)
    end = clock.now + dt.timedelta(minutes=10)
    outlets = fakes(roster)
    for fake in outlets.values():
        fake.fault = lambda f: TransientError("503 Service Unavailable") if clock.now < end \
            else None
    pub = publisher(roster, outlets)
    drain(pub, clock, until=clock.now + dt.timedelta(hours=1))
    assert clock.now >= end
    for fake in outlets.values():
        assert len(fake.posts) == 5 and all(fake.count(p.text) == 1 for p in fake.posts)
        # backoff: a handful of attempts during the outage, not one per post per second
        during = fake.requests[: len(fake.requests) - 5]
        assert 3 <= len(during) <= 20, len(during)
    assert all(roster.posts.get(p).status == "published" for p in posts)


def test_backoff_grows_with_jitter_and_outlasts_a_quarter_hour() -> None:
    waits = [backoff(n).total_seconds() for n in range(1, 8)]
    assert all(b >= a for a, b in itertools.pairwise(waits))
    assert 10 <= waits[0] <= 20 and sum(waits) > 15 * 60


def test_a_rate_limit_is_waited_out_not_hammered(roster: Services, clock: FakeClock) -> None:
    queue_posts(roster, 3)
    reset = clock.now + dt.timedelta(seconds=90)
    outlets = fakes(roster)
    x = outlets["x"]
    x.fault = lambda f: RateLimited("Too Many Requests", reset) if clock.now < reset else None
    pub = publisher(roster, outlets)
    pub.run(seconds=30)
    assert x.requests == ["publish"]  # one 429, then the outlet waits
    assert len(outlets["mastodon"].posts) == 3  # the other outlet is not held back
    for _ in range(5):
        clock.advance(seconds=15)
        pub.run(seconds=30)
    assert x.requests == ["publish"]  # still before the reset: no request at all
    clock.now = reset + dt.timedelta(seconds=1)
    pub.run(seconds=30)
    assert len(x.posts) == 3 and x.requests.count("publish") == 4
    # the 429 did not count as an attempt
    assert {d.attempts for d in roster.posts.deliveries(1) if d.outlet == "x"} == {1}


@pytest.mark.parametrize("api", ["x", "mastodon"])
def test_a_response_lost_after_the_post_was_created_makes_no_second_post(
        roster: Services, clock: FakeClock, api: str) -> None:
    (post_id,) = queue_posts(roster, 1)
    outlets = fakes(roster)
    name = "x" if api == "x" else "mastodon"
    fake = outlets[name]
    fake.lose_responses = 1
    pub = publisher(roster, outlets)
    pub.run(seconds=30)
    assert states(roster, post_id)[name] == "pending" and len(fake.posts) == 1
    drain(pub, clock, until=clock.now + dt.timedelta(hours=1))
    assert len(fake.posts) == 1 and states(roster, post_id)[name] == "sent"
    delivery = next(d for d in roster.posts.deliveries(post_id) if d.outlet == name)
    assert delivery.platform_id == fake.posts[0].platform_id
    if api == "x":
        assert fake.requests == ["publish", "recent_posts"]  # found, not re-sent
    else:
        assert fake.requests == ["publish", "publish"]  # same Idempotency-Key


def test_one_outlet_down_while_the_other_publishes_then_partly_published_and_retry(
        roster: Services, clock: FakeClock) -> None:
    posts = queue_posts(roster, 3)
    outlets = fakes(roster)
    outlets["x"].fault = lambda f: TransientError("502 Bad Gateway")
    pub = publisher(roster, outlets)
    pub.run(seconds=30)
    assert len(outlets["mastodon"].posts) == 3 and outlets["x"].posts == []
    drain(pub, clock, until=clock.now + dt.timedelta(hours=1))
    first = states(roster, posts[0])
    assert first == {"mastodon": "sent", "x": "failed"}
    assert publication_state(roster.db.conn, posts[0]) == "partly published"
    failed = next(d for d in roster.posts.deliveries(posts[0]) if d.outlet == "x")
    assert f"post #{posts[0]} on x" in failed.last_error and "502 Bad Gateway" in failed.last_error
    status = gather(roster.config, clock.now)
    assert status["partly_published"] >= 1
    assert any(f["post"] == posts[0] and "502" in f["error"] for f in status["failed"])
    # X comes back; a retry retries only the failed outlet
    outlets["x"].fault = None
    roster.posts.retry("alice", failed.id)
    drain(pub, clock, until=clock.now + dt.timedelta(minutes=30))
    assert len(outlets["mastodon"].posts) == 3
    sent = tag_for_publication(roster.db.conn, failed.post_id, "x", failed.text,
                               roster.config.inmm.society_domains)
    assert outlets["x"].count(sent) == 1
    assert roster.posts.get(posts[0]).status == "published"


def test_a_crash_while_sending_is_reconciled_before_anything_else(
        roster: Services, clock: FakeClock) -> None:
    posts = queue_posts(roster, 2)
    outlets = fakes(roster)
    # (the daemon's queue: links tagged as they are sent, so the text is what it sends)
    queue = Queue(roster.db, clock=clock, society_domains=roster.config.inmm.society_domains)
    # The daemon claimed both heads and the platforms created the posts; then it died.
    for name, fake in outlets.items():
        claim = queue.claim([name])
        fake.publish(claim.text, idempotency_key=claim.attempt_key)
    assert states(roster, posts[0]) == {"x": "sending", "mastodon": "sending"}
    pub = publisher(roster, outlets)
    assert pub.recover() == 2
    pub.run(seconds=30)
    for fake in outlets.values():
        assert len(fake.posts) == 2 and len({p.text for p in fake.posts}) == 2
    assert outlets["x"].requests[1] == "recent_posts"
    assert all(roster.posts.get(p).status == "published" for p in posts)


def test_a_claim_never_sent_before_a_crash_is_sent_after_it(roster: Services,
                                                             clock: FakeClock) -> None:
    (post_id,) = queue_posts(roster, 1)
    outlets = fakes(roster)
    queue = Queue(roster.db, clock=clock)
    queue.claim(["x"])  # died before the request left
    pub = publisher(roster, outlets)
    pub.recover()
    pub.run(seconds=30)
    assert len(outlets["x"].posts) == 1 and states(roster, post_id)["x"] == "sent"


def test_a_late_delivery_is_held_for_a_person_but_a_crisis_post_is_not(
        roster: Services, clock: FakeClock) -> None:
    (ordinary,) = queue_posts(roster, 1, body="Calendar update {i}")
    event = roster.switches.start_event("hq", "Site incident", "#INMMupdate", crisis=True)
    (crisis,) = queue_posts(roster, 1, body="Statement {i}", event_id=event)
    clock.advance(hours=3)  # the host was down
    outlets = fakes(roster)
    publisher(roster, outlets).run(seconds=30)
    assert set(states(roster, ordinary).values()) == {"held"}
    assert set(states(roster, crisis).values()) == {"sent"}
    held = roster.posts.deliveries(ordinary)[0]
    assert f"post #{ordinary}" in held.last_error and "publish now or withdraw" in held.last_error
    assert gather(roster.config, clock.now)["deliveries"]["held"] == 2
    roster.posts.release_held("alice", held.id)
    publisher(roster, outlets).run(seconds=30)
    assert states(roster, ordinary)[held.outlet] == "sent"


def test_a_retry_long_after_the_failure_is_sent_not_held(roster: Services,
                                                          clock: FakeClock) -> None:
    (post_id,) = queue_posts(roster, 1)
    outlets = fakes(roster)
    outlets["x"].fault = lambda f: Rejected("Forbidden")
    publisher(roster, outlets).run(seconds=30)
    failed = next(d for d in roster.posts.deliveries(post_id) if d.outlet == "x")
    assert failed.state == "failed"
    clock.advance(hours=5)
    outlets["x"].fault = None
    roster.posts.retry("alice", failed.id)
    publisher(roster, outlets).run(seconds=30)
    assert states(roster, post_id) == {"x": "sent", "mastodon": "sent"}


def test_nothing_is_claimed_while_publishing_is_paused(roster: Services,
                                                       clock: FakeClock) -> None:
    (post_id,) = queue_posts(roster, 1)
    roster.switches.set_paused("hq", True, "checking the accounts")
    outlets = fakes(roster)
    pub = publisher(roster, outlets)
    pub.recover()
    pub.run(seconds=30)
    assert all(f.requests == [] for f in outlets.values())
    assert set(states(roster, post_id).values()) == {"pending"}
    roster.switches.set_paused("hq", False)
    pub.run(seconds=30)
    assert set(states(roster, post_id).values()) == {"sent"}


def test_a_text_changed_behind_the_clearance_is_refused_and_audited(
        roster: Services, clock: FakeClock) -> None:
    (post_id,) = queue_posts(roster, 1)
    roster.db.execute("UPDATE deliveries SET text = text || ' buy now' WHERE outlet = 'x'")
    outlets = fakes(roster)
    publisher(roster, outlets).run(seconds=30)
    assert outlets["x"].requests == []
    refused = next(d for d in roster.posts.deliveries(post_id) if d.outlet == "x")
    assert refused.state == "failed" and f"post #{post_id} on x: not sent" in refused.last_error
    actions = [e["action"] for e in audit.history(roster.db.conn, f"post:{post_id}")]
    assert "delivery.refused" in actions


def test_a_refusal_fails_at_once_with_the_platform_message(roster: Services,
                                                           clock: FakeClock) -> None:
    (post_id,) = queue_posts(roster, 1)
    outlets = fakes(roster)
    outlets["mastodon"].fault = lambda f: Rejected("Validation failed: Text too long")
    publisher(roster, outlets).run(seconds=30)
    failed = next(d for d in roster.posts.deliveries(post_id) if d.outlet == "mastodon")
    assert failed.state == "failed" and failed.attempts == 1
    assert failed.last_error == (f"post #{post_id} on mastodon: refused by the platform: "
                                 "Validation failed: Text too long")


def test_x_duplicate_content_is_reconciled_not_failed(roster: Services,
                                                      clock: FakeClock) -> None:
    (post_id,) = queue_posts(roster, 1)
    outlets = fakes(roster)
    x = outlets["x"]
    text = next(d.text for d in roster.posts.deliveries(post_id) if d.outlet == "x")
    x.publish(text, idempotency_key="earlier")  # it is already there
    publisher(roster, outlets).run(seconds=30)
    assert states(roster, post_id)["x"] == "sent" and x.count(text) == 1


def test_refused_credentials_raise_an_alert_and_do_not_spend_attempts(
        roster: Services, clock: FakeClock) -> None:
    (post_id,) = queue_posts(roster, 1)
    outlets = fakes(roster)
    outlets["x"].fault = lambda f: AuthFailed("Unauthorized")
    pub = publisher(roster, outlets)
    for _ in range(12):
        pub.run(seconds=30)
        clock.advance(minutes=5, seconds=1)
    delivery = next(d for d in roster.posts.deliveries(post_id) if d.outlet == "x")
    assert delivery.state == "pending" and delivery.attempts == 0
    alerts = gather(roster.config, clock.now)["alerts"]
    assert any(a["subject"] == "outlet:x" and "credentials" in a["message"] for a in alerts)


def test_reconciliation_compares_the_exact_text_links_included() -> None:
    # The adapter expands X's t.co links; a post differing only in its link, a hashtag or
    # the signature is another post (issue 12: a lossy match lost posts).
    ours = "Register now: https://inmm.org/annual-meeting #INMM ^AA"
    assert same_text(ours, " Register now: https://inmm.org/annual-meeting #INMM ^AA\n")
    assert same_text("Caf\u00e9 https://inmm.org/a", "Cafe\u0301 https://inmm.org/a")  # NFC
    for other in ("Register now: https://inmm.org/annual-meeting-2 #INMM ^AA",
                  "Register now: https://t.co/AbC123 #INMM ^AA",
                  "Register now: https://inmm.org/annual-meeting #INMM2027 ^AA",
                  "Register now: https://inmm.org/annual-meeting #INMM ^BB",
                  "Register now:  https://inmm.org/annual-meeting #INMM ^AA"):
        assert not same_text(ours, other), other


def test_the_fake_counts_requests() -> None:
    fake = FakePlatform(lambda: dt.datetime.now(dt.UTC))
    fake.publish("a", idempotency_key="k")
    assert fake.requests == ["publish"] and fake.count("a") == 1
