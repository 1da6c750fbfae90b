"""A LinkedIn organisation page through the adapter's `requests` calls against the sandbox's
versioned REST API: posting as the organisation in escaped little text, exactly once by an
exact match among the page's recent posts, 3,000 characters as LinkedIn counts them, rate
limits and refused tokens; the daemon publishing a cleared post end to end; follow-back
skipping a page that cannot follow, by its capability."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from inmm_daemon import follow_back, moderation
from inmm_daemon import metrics as metrics_jobs

from inmm_tui.config import Config, ConfigError, parse_config
from inmm_tui.domain.services import Services
from inmm_tui.platforms.errors import AuthFailed, NotFound, RateLimited, Rejected, TransientError
from inmm_tui.platforms.factory import build_platform
from inmm_tui.platforms.linkedin import (
    LinkedInPlatform,
    little_text,
    next_midnight_utc,
    plain_text,
)
from inmm_tui.platforms.sandbox.linkedin_api import render
from inmm_tui.platforms.sandbox.world import LINKEDIN_ORG_ID
from inmm_tui.platforms.secrets import Secrets, SecretsError
from inmm_tui.screening import ScreenContext, screen
from inmm_tui.screening.length import weighted_length
from inmm_tui.timeutil import utcnow

from .conftest import FakeClock
from .crash_harness import ALL_OUTLETS, run_crash
from .daemon_helpers import drain, publisher, queue_posts, states
from .sandbox_fixtures import RunningSandbox, one_outlet_config, posted_by_us, services_with_people

CREATE = "linkedin POST /rest/posts"
FIND = "linkedin GET /rest/posts"
RESERVED_AND_EMOJI = ("Join us (online) [free] {all} @ 10:00 #INMM2026 a_b ~ * <3> | "
                      "back\\slash 🎉 👩‍👩‍👧 https://inmm.org/a_b(c)#top")


def our_posts(sandbox: RunningSandbox) -> Counter[str]:
    return posted_by_us(sandbox, "linkedin")


# ---- the daemon, exactly once -------------------------------------------------------------


@pytest.fixture
def config(tmp_path: Path, sandbox: RunningSandbox) -> Config:
    return one_outlet_config(tmp_path, sandbox, "li", "linkedin", "LinkedIn")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(utcnow().replace(microsecond=0))


@pytest.fixture
def people(config: Config, clock: FakeClock) -> Iterator[Services]:
    yield from services_with_people(config, clock)


def test_the_daemon_publishes_a_cleared_post_to_a_linkedin_outlet(
        people: Services, sandbox: RunningSandbox) -> None:
    (post,) = queue_posts(people, 1, body="Registration is open (members: 20% off) "
                                          "#INMM2026 https://inmm.org/annual-meeting")
    platform = build_platform(people.config.outlets[0], people.config, None)
    publisher(people, {"li": platform}).run(seconds=30)
    assert states(people, post) == {"li": "sent"}
    (delivery,) = people.posts.deliveries(post)
    assert (delivery.platform_id or "").startswith("urn:li:share:")
    (shown,) = our_posts(sandbox)
    # As the page shows it: the parentheses kept (escaped on the wire), the hashtag a
    # hashtag, the society's link tagged for the outlet, the signature.
    assert shown == ("Registration is open (members: 20% off) #INMM2026 https://inmm.org/"
                     "annual-meeting?utm_source=li&utm_medium=social&utm_campaign=member-news ^AA")
    assert sandbox.control.requests(CREATE) == 1


@pytest.mark.parametrize("kind", ["lost", "slow"])
def test_an_answer_lost_after_the_post_was_made_is_found_among_recent_posts_not_made_twice(
        people: Services, clock: FakeClock, sandbox: RunningSandbox, kind: str) -> None:
    """No answer, or none before the client's timeout: the post was made. (A truncated
    answer loses nothing here: the post's id comes in a header, the body is empty.)"""
    posts = queue_posts(people, 2)
    platform = build_platform(people.config.outlets[0], people.config, None)
    sandbox.control.fault(kind, api="linkedin", method="POST", path="/rest/posts", count=1,
                          delay=1.5)
    pub = publisher(people, {"li": platform})
    pub.run(seconds=30)
    assert states(people, posts[0]) == {"li": "pending"}  # in doubt
    for _ in range(50):  # a slow answer: the post is made after the client gave up
        if our_posts(sandbox):
            break
        time.sleep(0.1)
    drain(pub, clock, until=clock.now + dt.timedelta(hours=1))
    assert all(people.posts.get(p).status == "published" for p in posts)
    assert sorted(our_posts(sandbox).values()) == [1, 1]
    # One look among the page's posts; one create per post, none sent again.
    assert sandbox.control.requests(FIND) == 1
    assert sandbox.control.requests(CREATE) == 2
    state = sandbox.control.state()["linkedin"]["posts"]
    recorded = {d.platform_id for p in posts for d in people.posts.deliveries(p)}
    assert recorded == {p["id"] for p in state}


def test_an_in_doubt_delivery_with_no_post_on_the_page_is_sent_once(
        people: Services, clock: FakeClock, sandbox: RunningSandbox) -> None:
    (post,) = queue_posts(people, 1)
    platform = build_platform(people.config.outlets[0], people.config, None)
    # A 503 before anything was made: in doubt; the look finds nothing; sent once.
    sandbox.control.fault("unavailable", api="linkedin", method="POST", path="/rest/posts")
    pub = publisher(people, {"li": platform})
    drain(pub, clock, until=clock.now + dt.timedelta(hours=1))
    assert states(people, post) == {"li": "sent"}
    assert sum(our_posts(sandbox).values()) == 1
    assert sandbox.control.requests(FIND) == 1


def test_the_same_text_posted_before_the_attempt_is_not_taken_for_it(
        people: Services, clock: FakeClock, sandbox: RunningSandbox) -> None:
    """LinkedIn refuses a repeated text as a duplicate; the post it repeats was made
    before this delivery's first attempt, so it is not this delivery's: failed, not sent."""
    body = "Same words twice"
    platform = build_platform(people.config.outlets[0], people.config, None)
    (post,) = queue_posts(people, 1, body=body)
    earlier = platform.publish(f"{body} ^AA", idempotency_key="by hand")
    clock.now += dt.timedelta(minutes=10)  # beyond the daemon's allowance for clock skew
    pub = publisher(people, {"li": platform})
    drain(pub, clock, until=clock.now + dt.timedelta(hours=1))
    (delivery,) = people.posts.deliveries(post)
    assert delivery.state == "failed" and delivery.platform_id != earlier.platform_id
    assert "duplicate" in (delivery.last_error or "").lower()
    assert sum(our_posts(sandbox).values()) == 1


# ---- what a post looks like ---------------------------------------------------------------


def test_reserved_characters_and_emoji_come_out_as_written(sandbox: RunningSandbox) -> None:
    platform = sandbox.linkedin()
    published = platform.publish(RESERVED_AND_EMOJI, idempotency_key="k")
    # What the page shows is what was written, not cut short at the first bracket.
    assert list(our_posts(sandbox)) == [RESERVED_AND_EMOJI]
    sent = sandbox.server.world.li_commentary[published.platform_id]
    assert sent.startswith(r"Join us \(online\) \[free\] \{all\} \@ 10:00 #INMM2026 a\_b")
    # Read back (the hashtag in LinkedIn's template), the text is the text again.
    (recent,) = platform.recent_posts(5)
    assert recent.text == platform.posted_text(recent) == RESERVED_AND_EMOJI
    assert recent.platform_id == published.platform_id


def test_a_post_with_a_link_carries_its_article_card(sandbox: RunningSandbox) -> None:
    # LinkedIn makes no card from a link in the commentary (Posts API: content.article).
    platform = sandbox.linkedin()
    text = ("Registration for the 67th Annual Meeting is open: https://inmm.org/annual-meeting."
            "\nSee you in July! ^AB")
    published = platform.publish(text, idempotency_key="k")
    card = sandbox.server.world.li_articles[published.platform_id]
    assert card == {"source": "https://inmm.org/annual-meeting",
                    "title": "Registration for the 67th Annual Meeting is open"}
    assert our_posts(sandbox)[text] == 1  # the commentary is still the text, exactly
    plain = platform.publish("No link here, just thanks to our volunteers ^AB",
                             idempotency_key="k2")
    assert plain.platform_id not in sandbox.server.world.li_articles


def test_unescaped_text_would_be_cut_short() -> None:
    """Why the escaping: little text left as it is loses everything after its first
    reserved character that starts no element (the sandbox does as LinkedIn does)."""
    assert render("Meeting (online) today") == "Meeting "
    assert render(little_text("Meeting (online) today")) == "Meeting (online) today"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("|{}@[]()<>#\\*_~ aZ9é🎉\n:/")) | st.characters(),
               max_size=60))
def test_little_text_round_trips(text: str) -> None:
    assert plain_text(little_text(text)) == text
    assert render(little_text(text)) == text


def test_3000_characters_as_linkedin_counts_them(sandbox: RunningSandbox) -> None:
    platform = sandbox.linkedin()
    # Emoji outside the BMP count 2 (UTF-16); the escapes are not counted.
    fits = ["a" * 3000, "🎉" * 1500, "(" * 3000, "é" * 2999 + "!"]
    for n, text in enumerate(fits):
        assert weighted_length(text, "linkedin") == 3000
        platform.publish(text, idempotency_key=str(n))
    too_long = ["a" * 3001, "🎉" * 1500 + "a", "[" * 3001]
    for text in too_long:
        assert weighted_length(text, "linkedin") == 3001
        with pytest.raises(Rejected, match="3000"):
            platform.publish(text, idempotency_key="x")
    assert sum(our_posts(sandbox).values()) == len(fits)


# ---- refusals and failures ----------------------------------------------------------------


def test_a_rate_limit_waits_until_midnight_utc(sandbox: RunningSandbox) -> None:
    platform = sandbox.linkedin()
    sandbox.control.fault("rate_limit", api="linkedin", path="/rest/posts")
    with pytest.raises(RateLimited, match="throttle") as caught:
        platform.publish("Too soon", idempotency_key="k")
    # LinkedIn sends no reset time: its daily limits turn over at midnight UTC.
    assert caught.value.reset_at == next_midnight_utc()
    assert our_posts(sandbox) == Counter()


def test_a_refused_token_is_an_auth_failure(sandbox: RunningSandbox) -> None:
    wrong = LinkedInPlatform("li", organization_id=LINKEDIN_ORG_ID, access_token="revoked",
                             base_url=sandbox.url, timeout=0.5)
    with pytest.raises(AuthFailed, match="INVALID_ACCESS_TOKEN"):
        wrong.publish("Hello", idempotency_key="k")
    platform = sandbox.linkedin()
    sandbox.control.fault("unauthorized", api="linkedin")
    with pytest.raises(AuthFailed):
        platform.whoami()
    assert platform.whoami().user_id == f"urn:li:organization:{LINKEDIN_ORG_ID}"
    assert "revoked" not in repr(wrong)


@pytest.mark.parametrize("kind", ["unavailable", "non_json", "wrong_shape", "truncated", "lost"])
def test_a_failed_read_is_transient(sandbox: RunningSandbox, kind: str) -> None:
    platform = sandbox.linkedin()
    platform.publish("There", idempotency_key="k")
    sandbox.control.fault(kind, api="linkedin", method="GET", path="/rest/posts")
    with pytest.raises(TransientError):
        platform.recent_posts(5)
    assert len(platform.recent_posts(5)) == 1


def test_whoami_metrics_delete_and_lookup(sandbox: RunningSandbox) -> None:
    sandbox.control.add_followers("linkedin", "member", 12)
    platform = sandbox.linkedin()
    me = platform.whoami()
    assert (me.handle, me.name, me.followers_count) == ("inmmorg", "INMM", 12)
    ours = platform.publish("Count me", idempotency_key="k")
    sandbox.control.set_metrics("linkedin", ours.platform_id, reposts=3, replies=2, likes=7,
                                impressions=90)
    m = platform.metrics(ours.platform_id)
    assert (m.reposts, m.replies, m.likes, m.impressions) == (3, 2, 7, 90)
    assert platform.lookup_user("inmmorg") is not None and platform.lookup_user("inmm0rg") is None
    platform.delete(ours.platform_id)
    platform.delete(ours.platform_id)  # already gone: no error
    assert platform.recent_posts(5) == []
    with pytest.raises(NotFound):
        platform.metrics(ours.platform_id)


def test_recent_posts_are_paged_newest_first(sandbox: RunningSandbox) -> None:
    platform = sandbox.linkedin()
    for n in range(120):
        platform.publish(f"Post {n}", idempotency_key=str(n))
    found = platform.recent_posts(110)
    assert [p.text for p in found[:2]] == ["Post 119", "Post 118"] and len(found) == 110
    assert sandbox.control.requests(FIND) == 3


# ---- configuration and follow-back ----------------------------------------------------------


def test_a_real_linkedin_outlet_needs_its_organisation_and_token(tmp_path: Path) -> None:
    def config(**outlet: str) -> Config:
        return parse_config({"inmm": {"database": str(tmp_path / "x.db")}, "outlets": [
            {"name": "li", "kind": "linkedin", **outlet}]}, tmp_path / "inmm.toml")

    secrets = Secrets("secrets.toml", {"li": {"access_token": "AQX-token"}})
    cfg = config(organization_id="2414183")
    built = build_platform(cfg.outlets[0], cfg, secrets)
    assert isinstance(built, LinkedInPlatform) and built.organization == "urn:li:organization:2414183"
    assert built.base_url == "https://api.linkedin.com"
    with pytest.raises(ConfigError, match="organization_id"):
        build_platform(config().outlets[0], config(), secrets)
    with pytest.raises(SecretsError, match=r"outlets\.li\.access_token"):
        build_platform(cfg.outlets[0], cfg, Secrets("secrets.toml", {"li": {}}))


def test_follow_back_skips_a_page_that_cannot_follow(
        people: Services, sandbox: RunningSandbox) -> None:
    sandbox.control.add_followers("linkedin", "member", 3)
    platform = build_platform(people.config.outlets[0], people.config, None)
    before = sandbox.control.requests("linkedin")
    report = follow_back.run(people, platform, "li")
    assert "cannot follow" in report.stopped and report.followed_back == 0
    assert sandbox.control.requests("linkedin") == before  # nothing asked of LinkedIn


def test_a_requested_follow_on_a_page_is_refused_with_the_reason_not_left_waiting(
        people: Services, sandbox: RunningSandbox) -> None:
    platform = build_platform(people.config.outlets[0], people.config, None)
    people.follows.follow_organisation("hq", "li", "urn:li:organization:1", "partner",
                                       why="a partner society", organisation=True)
    follow_back.run(people, platform, "li")
    assert people.follows.pending_actions("li") == []
    (error,) = people.db.conn.execute(
        "SELECT action_error FROM following WHERE outlet = 'li'").fetchone()
    assert "cannot follow people" in error
    (failed,) = people.db.conn.execute(
        "SELECT count(*) FROM audit WHERE action = 'follow.follow.failed'").fetchone()
    assert failed == 1


def test_a_post_answered_with_no_id_is_in_doubt(sandbox: RunningSandbox) -> None:
    """A 200 that is not LinkedIn's answer (a proxy's page, the wrong JSON) names no post:
    transient, so the daemon looks before sending again."""
    platform = sandbox.linkedin()
    for kind in ("wrong_shape", "non_json"):
        sandbox.control.fault(kind, api="linkedin", method="POST", path="/rest/posts")
        with pytest.raises(TransientError, match="no x-restli-id"):
            platform.publish("Hello", idempotency_key="k")
    assert our_posts(sandbox) == Counter()


def test_screening_holds_linkedin_posts_to_3000_as_linkedin_counts() -> None:
    context = ScreenContext(apis=("linkedin",))
    assert not [f for f in screen("🎉" * 1500, context).findings if f.rule.startswith("length")]
    (finding,) = [f for f in screen("🎉" * 1500 + "!", context).findings
                  if f.rule.startswith("length")]
    assert finding.rule == "length.linkedin"
    assert finding.message == "3001 characters as LinkedIn counts them; the limit is 3000."


# ---- comments as mentions -------------------------------------------------------------------


def test_comments_come_in_as_mentions_once_then_only_new_ones(sandbox: RunningSandbox) -> None:
    platform = sandbox.linkedin()
    ours = platform.publish("Our news", idempotency_key="k")
    comment = sandbox.control.post("linkedin", "alice", "Great news (really) @INMM",
                                   in_reply_to=ours.platform_id)
    sandbox.control.post("linkedin", "INMMorg", "Thank you all", in_reply_to=ours.platform_id)
    broken = sandbox.control.post("linkedin", "mallory", "odd", in_reply_to=ours.platform_id,
                                  garbage={"message": None})
    first = platform.mentions()
    assert [(m.platform_id, m.in_reply_to, m.text) for m in first] == [
        (comment, ours.platform_id, "Great news (really) @INMM")]  # not our own comment
    assert comment.startswith(f"urn:li:comment:({ours.platform_id},")
    assert first[0].author.user_id.startswith("urn:li:person:")
    assert [name for name, _ in first.unreadable] == [broken]
    again = platform.mentions(first.cursor)
    assert {m.platform_id for m in again} <= {comment}  # at most the last moment again
    later = sandbox.control.post("linkedin", "bob", "When?", in_reply_to=ours.platform_id)
    assert later in [m.platform_id for m in platform.mentions(again.cursor)]


def test_the_daemon_ingests_comments_on_the_page(people: Services,
                                                 sandbox: RunningSandbox) -> None:
    platform = build_platform(people.config.outlets[0], people.config, None)
    ours = platform.publish("Our news", idempotency_key="k")
    sandbox.control.post("linkedin", "alice", "Where can I register?", in_reply_to=ours.platform_id)
    first = moderation.ingest_mentions(people, platform, "li")
    assert first.new == 1
    assert moderation.ingest_mentions(people, platform, "li").new == 0


def test_sigkill_at_random_moments_with_linkedin_beside_the_others(
        tmp_path: Path, sandbox: RunningSandbox) -> None:
    """The real daemon killed at random while it publishes to all four outlets, answers
    lost or cut short on the way: every post out exactly once on each, LinkedIn's found
    among the page's posts by their exact text (the posts differ only in a link, a hashtag
    or the signature)."""
    result = run_crash(tmp_path, sandbox.url, posts=60, kills=8, seed=18, outlets=ALL_OUTLETS)
    log = (tmp_path / "daemon.log").read_text(errors="replace")
    assert result.kills >= 4, log[-3000:]
    assert result.ok, (result, log[-3000:])
    assert result.out_of_order.get("linkedin", 0) == 0
    assert sum(our_posts(sandbox).values()) == 60


def test_the_daemon_polls_the_page_s_followers_and_each_post_s_statistics(
        people: Services, sandbox: RunningSandbox) -> None:
    sandbox.control.add_followers("linkedin", "member", 40)
    (post,) = queue_posts(people, 1)
    platform = build_platform(people.config.outlets[0], people.config, None)
    publisher(people, {"li": platform}).run(seconds=30)
    (delivery,) = people.posts.deliveries(post)
    sandbox.control.set_metrics("linkedin", delivery.platform_id or "", reposts=2, replies=1,
                                likes=9, impressions=300)
    result = metrics_jobs.poll_metrics(people, platform, "li")
    assert result.skipped == [] and result.posts_polled == 1
    assert result.counts is not None and result.counts.followers == 40
    (likes, impressions) = people.db.conn.execute(
        "SELECT likes, impressions FROM post_metrics WHERE delivery_id = ?",
        (delivery.id,)).fetchone()
    assert (likes, impressions) == (9, 300)
