"""Bluesky through the real `atproto` client against the sandbox's XRPC API: exactly once by
the record key chosen before the attempt, facets with UTF-8 byte offsets, 300 graphemes as
the app counts them, followers paging, mentions, moderation, rate limits and the session;
and the daemon publishing a cleared post to a Bluesky sandbox outlet end to end."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pytest
from atproto import models

from inmm_tui.config import Config, parse_config
from inmm_tui.domain.attempt_keys import new_attempt_key
from inmm_tui.domain.services import Services
from inmm_tui.platforms.bluesky import TID, BlueskyPlatform, record_key
from inmm_tui.platforms.errors import AuthFailed, RateLimited, Rejected, TransientError
from inmm_tui.platforms.factory import build_platform
from inmm_tui.platforms.secrets import Secrets, SecretsError
from inmm_tui.screening.length import weighted_length
from inmm_tui.store.db import open_database
from inmm_tui.timeutil import utcnow

from .conftest import FakeClock, add_people
from .crash_harness import ALL_OUTLETS, run_crash
from .daemon_helpers import drain, publisher, queue_posts, states
from .sandbox_fixtures import RunningSandbox, one_outlet_config, posted_by_us

CREATE = "bluesky POST /xrpc/com.atproto.repo.createRecord"
GET_RECORD = "bluesky GET /xrpc/com.atproto.repo.getRecord"
LIST_RECORDS = "bluesky GET /xrpc/com.atproto.repo.listRecords"
CREATE_SESSION = "bluesky POST /xrpc/com.atproto.server.createSession"
REFRESH_SESSION = "bluesky POST /xrpc/com.atproto.server.refreshSession"


def key() -> str:
    return new_attempt_key(dt.datetime.now(dt.UTC))


def record(platform: BlueskyPlatform, uri: str) -> models.AppBskyFeedPost.Record:
    """The record as the PDS holds it, read through the client."""
    found = platform.client.com.atproto.repo.get_record(
        {"repo": uri.split("/")[2], "collection": "app.bsky.feed.post", "rkey": uri.rsplit("/", 1)[1]})
    return found.value


def our_posts(sandbox: RunningSandbox) -> Counter[str]:
    return posted_by_us(sandbox, "bluesky")


# ---- the daemon, exactly once -------------------------------------------------------------------


@pytest.fixture
def config(tmp_path: Path, sandbox: RunningSandbox) -> Config:
    return one_outlet_config(tmp_path, sandbox, "bsky", "bluesky", "Bluesky")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(utcnow().replace(microsecond=0))


@pytest.fixture
def people(config: Config, clock: FakeClock) -> Services:
    db = open_database(config.database_path, create=True)
    svc = Services.build(config, db, clock=clock)
    add_people(svc)
    yield svc
    db.close()


def test_the_daemon_publishes_a_cleared_post_to_a_bluesky_outlet(
        people: Services, sandbox: RunningSandbox) -> None:
    (post,) = queue_posts(people, 1, body="Registration is open: https://inmm.org/annual-meeting/"
                                          "registration #INMM2026")
    platform = build_platform(people.config.outlets[0], people.config, None)
    publisher(people, {"bsky": platform}).run(seconds=30)
    assert states(people, post) == {"bsky": "sent"}
    (delivery,) = people.posts.deliveries(post)
    assert delivery.platform_id.startswith("at://did:plc:")
    posted = record(platform, delivery.platform_id)
    # The society's link goes out tagged for the outlet, shown short, whole in its facet.
    assert posted.text == "Registration is open: inmm.org/annual-meeti... #INMM2026 ^AA"
    links = [f.features[0].uri for f in posted.facets
             if isinstance(f.features[0], models.AppBskyRichtextFacet.Link)]
    assert links == ["https://inmm.org/annual-meeting/registration?utm_source=bsky"
                     "&utm_medium=social&utm_campaign=member-news"]


@pytest.mark.parametrize("kind", ["lost", "truncated"])
def test_an_answer_lost_after_the_record_was_made_is_found_by_its_key_not_made_twice(
        people: Services, clock: FakeClock, sandbox: RunningSandbox, kind: str) -> None:
    posts = queue_posts(people, 2)
    platform = build_platform(people.config.outlets[0], people.config, None)
    platform.whoami()  # logged in, so that the fault hits the post
    sandbox.control.fault(kind, api="bluesky", method="POST",
                          path="/xrpc/com.atproto.repo.createRecord", count=1)
    pub = publisher(people, {"bsky": platform})
    pub.run(seconds=30)
    assert states(people, posts[0]) == {"bsky": "pending"}  # in doubt
    drain(pub, clock, until=clock.now + dt.timedelta(hours=1))
    assert all(people.posts.get(p).status == "published" for p in posts)
    assert sorted(our_posts(sandbox).values()) == [1, 1]
    # Reconciled by one exact getRecord on the delivery's key: no search, no second create.
    assert sandbox.control.requests(GET_RECORD) == 1
    assert sandbox.control.requests(LIST_RECORDS) == 0
    assert sandbox.control.requests(CREATE) == 2
    # The record key is the delivery's key, chosen and logged before the first attempt.
    (first,) = people.posts.deliveries(posts[0])
    (attempt_key,) = {json.loads(details)["attempt_key"] for (details,) in people.db.conn.execute(
        "SELECT details FROM audit WHERE action = 'delivery.send' AND subject = ?",
        (f"post:{posts[0]}",))}
    assert first.platform_id.rsplit("/", 1)[1] == attempt_key


def test_an_in_doubt_delivery_with_nothing_under_its_key_is_sent_once(
        people: Services, clock: FakeClock, sandbox: RunningSandbox) -> None:
    (post,) = queue_posts(people, 1)
    platform = build_platform(people.config.outlets[0], people.config, None)
    platform.whoami()
    # A 503 before anything was made: in doubt; the look-up finds nothing; sent once.
    sandbox.control.fault("unavailable", api="bluesky", method="POST",
                          path="/xrpc/com.atproto.repo.createRecord", count=1)
    pub = publisher(people, {"bsky": platform})
    drain(pub, clock, until=clock.now + dt.timedelta(hours=1))
    assert states(people, post) == {"bsky": "sent"}
    assert sum(our_posts(sandbox).values()) == 1
    assert sandbox.control.requests(GET_RECORD) == 1


def test_a_key_already_taken_is_refused_by_the_pds_and_found_by_the_look_up(
        sandbox: RunningSandbox) -> None:
    platform = sandbox.bluesky()
    k = key()
    first = platform.publish("Once only", idempotency_key=k)
    with pytest.raises(TransientError, match="InternalServerError"):
        platform.publish("Once only", idempotency_key=k)
    assert platform.keyed_post(k) == first
    assert platform.keyed_post(key()) is None
    assert sum(our_posts(sandbox).values()) == 1


# ---- what a post looks like -------------------------------------------------------------------


def test_links_mentions_and_hashtags_are_facets_with_utf8_byte_offsets(
        sandbox: RunningSandbox) -> None:
    alice = sandbox.control.add_account("bluesky", "alice")
    platform = sandbox.bluesky()
    text = ("Café ☕ 🇫🇷 réunion #Sûreté https://inmm.org/meetings/annual-2026?lang=fr "
            "avec @alice.bsky.social 👩‍👩‍👧 fin")
    published = platform.publish(text, idempotency_key=key())
    posted = record(platform, published.platform_id)
    assert posted.text == ("Café ☕ 🇫🇷 réunion #Sûreté inmm.org/meetings/ann... "
                           "avec @alice.bsky.social 👩‍👩‍👧 fin")
    data = posted.text.encode("utf-8")
    spans = {type(f.features[0]).__name__: (data[f.index.byte_start:f.index.byte_end].decode(),
                                            f.features[0]) for f in posted.facets}
    assert spans["Tag"][0] == "#Sûreté" and spans["Tag"][1].tag == "Sûreté"
    assert spans["Link"][0] == "inmm.org/meetings/ann..."
    assert spans["Link"][1].uri == "https://inmm.org/meetings/annual-2026?lang=fr"
    assert spans["Mention"][0] == "@alice.bsky.social" and spans["Mention"][1].did == alice
    # Read back, the post is what was written: its link whole again.
    assert [p.text for p in platform.recent_posts(5)] == [text]


def test_300_graphemes_as_bluesky_counts_them(sandbox: RunningSandbox) -> None:
    platform = sandbox.bluesky()
    fits = ["é" * 300, "e\u0301" * 300, "🇫🇷" * 150 + "a" * 150,
            "b" * 270 + " https://inmm.org/meetings/annual-meeting-2026/registration"]
    for text in fits:
        assert weighted_length(text, "bluesky") <= 300
        platform.publish(text, idempotency_key=key())
    too_long = ["é" * 301, "a" * 299 + "👩‍👩‍👧" * 2, "👩‍👩‍👧" * 200]  # the last: 3,600 bytes
    for text in too_long:
        assert weighted_length(text, "bluesky") > 300
        with pytest.raises(Rejected, match="300 graphemes"):
            platform.publish(text, idempotency_key=key())
    assert sum(our_posts(sandbox).values()) == len(fits)


def test_a_reply_names_the_thread_s_root_and_its_parent(sandbox: RunningSandbox) -> None:
    platform = sandbox.bluesky()
    ours = platform.publish("Question time", idempotency_key=key())
    theirs = sandbox.control.post("bluesky", "alice", "When is the deadline?",
                                  in_reply_to=ours.platform_id)
    answer = platform.publish("On 1 May", idempotency_key=key(), in_reply_to=theirs)
    reply = record(platform, answer.platform_id).reply
    assert (reply.root.uri, reply.parent.uri) == (ours.platform_id, theirs)
    assert reply.root.cid.startswith("bafyrei") and reply.parent.cid != reply.root.cid


# ---- people, mentions, moderation, metrics --------------------------------------------------


def test_followers_are_paged_to_the_end(sandbox: RunningSandbox) -> None:
    sandbox.control.add_followers("bluesky", "fan", 250)
    platform = sandbox.bluesky()
    seen, cursor, pages = [], None, 0
    while True:
        page = platform.followers(cursor)
        seen += [a.handle for a in page.accounts]
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert pages == 3 and len(seen) == len(set(seen)) == 250
    assert "fan-250.bsky.social" in seen and "fan-1.bsky.social" in seen
    assert platform.whoami().followers_count == 250


def test_follow_unfollow_block_and_report(sandbox: RunningSandbox) -> None:
    troll = sandbox.control.add_account("bluesky", "troll")
    platform = sandbox.bluesky()
    platform.follow(troll)
    assert [a.user_id for a in platform.following().accounts] == [troll]
    platform.unfollow(troll)
    assert platform.following().accounts == []
    rude = sandbox.control.post("bluesky", "troll", "@inmmorg.bsky.social rude words")
    platform.block(troll)
    assert sandbox.control.state()["bluesky"]["blocks"] == [troll]
    reference = platform.report(troll, "harassment", [rude])
    (report,) = sandbox.control.state()["reports"]
    assert reference == str(report["id"]) and report["subject"]["did"] == troll
    assert rude in report["reason"]


def test_mentions_and_replies_come_once_then_only_new_ones(sandbox: RunningSandbox) -> None:
    platform = sandbox.bluesky()
    ours = platform.publish("Our news", idempotency_key=key())
    reply = sandbox.control.post("bluesky", "alice", "Great news", in_reply_to=ours.platform_id)
    mention = sandbox.control.post("bluesky", "bob", "Ask @inmmorg.bsky.social about it")
    sandbox.control.post("bluesky", "carol", "Nothing to do with us")
    first = platform.mentions()
    assert [(m.platform_id, m.in_reply_to) for m in first] == [
        (reply, ours.platform_id), (mention, None)]
    assert first[1].author.handle == "bob.bsky.social" and first[1].text.startswith("Ask @")
    again = platform.mentions(first.cursor)
    # At most those indexed at the cursor's very moment come again (the daemon drops what
    # it has): both, when the sandbox indexed the two in the same millisecond.
    newest = max(m.raw["indexedAt"] for m in first)
    last_moment = {m.platform_id for m in first if m.raw["indexedAt"] == newest}
    assert mention in last_moment
    assert {m.platform_id for m in again} <= last_moment
    later = sandbox.control.post("bluesky", "dave", "@inmmorg.bsky.social hello")
    assert later in [m.platform_id for m in platform.mentions(again.cursor)]


def test_metrics_from_the_post_view(sandbox: RunningSandbox) -> None:
    platform = sandbox.bluesky()
    ours = platform.publish("Count me", idempotency_key=key())
    sandbox.control.set_metrics("bluesky", ours.platform_id, reposts=3, likes=7, quotes=1)
    metrics = platform.metrics(ours.platform_id)
    assert (metrics.reposts, metrics.likes, metrics.quotes, metrics.replies) == (3, 7, 1, 0)
    assert metrics.impressions is None  # Bluesky does not count views


# ---- limits, faults, the session ------------------------------------------------------------


def test_a_429_waits_until_the_ratelimit_reset_header(sandbox: RunningSandbox) -> None:
    platform = sandbox.bluesky()
    platform.whoami()
    sandbox.control.fault("rate_limit", api="bluesky", reset_in=600)
    with pytest.raises(RateLimited) as raised:
        platform.publish("Too soon", idempotency_key=key())
    wait = raised.value.reset_at - dt.datetime.now(dt.UTC)
    assert dt.timedelta(minutes=9) < wait <= dt.timedelta(minutes=10)


@pytest.mark.parametrize("kind", ["unavailable", "wrong_shape", "non_json", "lost", "truncated", "slow"])
def test_faults_are_transient(sandbox: RunningSandbox, kind: str) -> None:
    platform = sandbox.bluesky()
    platform.whoami()
    sandbox.control.fault(kind, api="bluesky", path="/xrpc/app.bsky.graph.getFollowers", delay=1.5)
    with pytest.raises(TransientError):
        platform.followers()


def test_the_session_is_refreshed_and_renewed_and_a_revoked_password_is_auth_failed(
        sandbox: RunningSandbox) -> None:
    world = sandbox.server.world
    platform = sandbox.bluesky()
    with world.lock:
        world.bsky_access_seconds = 60.0  # within the client's 15 minutes: refreshed first
    platform.whoami()
    platform.followers()
    assert sandbox.control.requests(CREATE_SESSION) == 1
    assert sandbox.control.requests(REFRESH_SESSION) >= 1
    with world.lock:
        world.bsky_sessions.clear()  # the PDS forgot every session (refresh token too)
    platform.followers()
    assert sandbox.control.requests(CREATE_SESSION) == 2  # logged in again, once
    with world.lock:
        world.bsky_sessions.clear()
        world.tokens["bluesky"] = set()  # the app password was revoked
    with pytest.raises(AuthFailed, match="Invalid identifier or password"):
        platform.followers()


def test_the_app_password_comes_from_the_secrets_file() -> None:
    outlet = dataclasses.replace(parse_config({"outlets": [
        {"name": "bsky", "kind": "bluesky", "handle": "inmm.org"}]}, None).outlets[0])
    secrets = Secrets("secrets.toml", {"bsky": {"app_password": "abcd-efgh-ijkl-mnop"}})
    assert secrets.for_outlet(outlet) == {"app_password": "abcd-efgh-ijkl-mnop"}
    with pytest.raises(SecretsError, match=r"outlets\.bsky\.app_password: still the placeholder"):
        Secrets("s", {"bsky": {"app_password": "<app password>"}}).for_outlet(outlet)


def test_sigkill_at_random_moments_with_bluesky_beside_the_other_outlets(
        tmp_path: Path, sandbox: RunningSandbox) -> None:
    result = run_crash(tmp_path, sandbox.url, posts=120, kills=10, seed=18,
                       outlets=ALL_OUTLETS)
    log = (tmp_path / "daemon.log").read_text(errors="replace")
    assert result.kills >= 5, log[-3000:]
    assert result.ok, (result, log[-3000:])
    assert set(result.out_of_order) == set(ALL_OUTLETS) and not any(result.out_of_order.values())
    assert sum(our_posts(sandbox).values()) == 120


def test_attempt_keys_are_tids_that_grow_even_when_the_clock_stands_still() -> None:
    now = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
    keys = [new_attempt_key(now) for _ in range(1000)]
    assert len(set(keys)) == 1000 and keys == sorted(keys)
    assert all(TID.match(k) for k in keys)
    assert new_attempt_key(now - dt.timedelta(days=1)) > keys[-1]  # the clock went back
    assert record_key(keys[0]) == keys[0]
    # A key from before (32 hex digits) gives the same valid record key every time.
    old = "0f" * 16
    assert TID.match(record_key(old)) and record_key(old) == record_key(old) != record_key("1" + old[1:])


def test_a_reply_is_hidden_through_the_thread_gate(sandbox: RunningSandbox) -> None:
    platform = sandbox.bluesky()
    ours = platform.publish("Our thread", idempotency_key=key())
    rude = sandbox.control.post("bluesky", "troll", "rude words", in_reply_to=ours.platform_id)
    deeper = sandbox.control.post("bluesky", "troll", "more rude words", in_reply_to=rude)
    platform.hide_reply(rude)
    platform.hide_reply(deeper)  # the gate is on the thread's first post, ours
    platform.hide_reply(deeper)  # already hidden: nothing to do
    assert sorted(sandbox.control.state()["bluesky"]["hidden"]) == sorted([rude, deeper])
    gate = platform.client.com.atproto.repo.get_record({
        "repo": ours.platform_id.split("/")[2], "collection": "app.bsky.feed.threadgate",
        "rkey": ours.platform_id.rsplit("/", 1)[1]}).value
    assert gate.post == ours.platform_id and gate.hidden_replies == [rude, deeper]
    assert gate.allow is None  # anyone may still reply, as before
    assert sandbox.control.requests("com.atproto.repo.putRecord") == 1
    # Not in a thread of ours: refused, with what can be done instead.
    theirs = sandbox.control.post("bluesky", "alice", "A thread of Alice's")
    aside = sandbox.control.post("bluesky", "troll", "rude there", in_reply_to=theirs)
    with pytest.raises(Rejected, match="block or report instead"):
        platform.hide_reply(aside)


def test_the_daemon_s_jobs_work_on_a_bluesky_outlet_with_no_special_case(
        people: Services, clock: FakeClock, sandbox: RunningSandbox) -> None:
    from inmm_daemon.service import JOBS, Daemon

    (post,) = queue_posts(people, 1)
    platform = build_platform(people.config.outlets[0], people.config, None)
    daemon = Daemon(people.config, lambda: open_database(people.config.database_path),
                    {"bsky": platform}, clock=clock)
    try:
        daemon.run_job(JOBS["publish"])
        (delivery,) = people.posts.deliveries(post)
        assert delivery.state == "sent"
        sandbox.control.add_followers("bluesky", "member", 3)
        reply = sandbox.control.post("bluesky", "member_1", "When does registration open?",
                                     in_reply_to=delivery.platform_id)
        sandbox.control.set_metrics("bluesky", delivery.platform_id, likes=7, reposts=2)
        for job in ("ingest_mentions", "follow_back", "poll_metrics"):
            clock.advance(minutes=30)
            daemon.run_job(JOBS[job])
    finally:
        daemon.close()
        daemon.db.close()
    conn = people.db.conn
    assert conn.execute("SELECT platform_id, author_handle FROM mentions WHERE outlet = 'bsky'"
                        ).fetchall() == [(reply, "member-1.bsky.social")]
    assert conn.execute("SELECT count(*) FROM followers WHERE outlet = 'bsky'").fetchone()[0] == 3
    assert conn.execute("SELECT likes, reposts, replies FROM post_metrics WHERE delivery_id = ?",
                        (delivery.id,)).fetchall()[-1] == (7, 2, 1)


def test_every_answer_has_the_lexicon_s_shape_and_string_formats(
        sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sandbox's answers, read by the SDK's models (generated from the atproto
    lexicons) with strict string formats: DIDs, handles, at:// URIs, CIDs, TIDs, times."""
    from atproto_client.models import utils
    from atproto_client.namespaces import sync_ns

    checked: list[str] = []

    def strict(response, model):  # type: ignore[no-untyped-def]
        if isinstance(response.content, dict):
            utils.get_or_create(response.content, model, strict=True, strict_string_format=True)
            checked.append(model.__module__.rsplit(".", 1)[-1])
        return utils.get_response_model(response, model)

    monkeypatch.setattr(sync_ns, "get_response_model", strict)
    sandbox.control.add_followers("bluesky", "fan", 2)
    troll = sandbox.control.add_account("bluesky", "troll")
    platform = sandbox.bluesky()
    platform.whoami()
    ours_key = key()
    ours = platform.publish("Hello #INMM https://inmm.org/a @troll.bsky.social",
                            idempotency_key=ours_key)
    rude = sandbox.control.post("bluesky", "troll", "@inmmorg.bsky.social rude",
                                in_reply_to=ours.platform_id)
    platform.publish("Thanks", idempotency_key=key(), in_reply_to=rude)
    platform.mentions()
    platform.followers()
    platform.follow(troll)
    platform.following()
    platform.unfollow(troll)
    platform.metrics(ours.platform_id)
    platform.recent_posts()
    platform.keyed_post(key())
    platform.keyed_post(ours_key)
    platform.hide_reply(rude)
    platform.hide_reply(sandbox.control.post("bluesky", "troll", "again",
                                             in_reply_to=ours.platform_id))
    platform.block(troll)
    platform.report(troll, "spam", [rude])
    platform.lookup_user("troll.bsky.social")
    platform.search_accounts("fan")
    assert {"create_session", "get_session", "defs", "create_record", "get_record", "list_records",
            "get_posts", "list_notifications", "get_followers", "get_follows",
            "delete_record", "put_record", "create_report", "search_actors",
            "resolve_handle"} <= set(checked)


def test_one_refused_token_is_cured_by_logging_in_again_a_lasting_refusal_is_auth_failed(
        sandbox: RunningSandbox) -> None:
    platform = sandbox.bluesky()
    platform.whoami()
    sandbox.control.fault("unauthorized", api="bluesky", count=1)
    platform.publish("After one 401", idempotency_key=key())
    assert sandbox.control.requests(CREATE_SESSION) == 2
    sandbox.control.fault("unauthorized", api="bluesky", seconds=30)
    with pytest.raises(AuthFailed, match="InvalidToken"):
        platform.publish("Refused", idempotency_key=key())
    assert sum(our_posts(sandbox).values()) == 1
