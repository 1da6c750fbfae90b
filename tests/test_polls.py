"""Polls (issue 17): 2 to 4 options and a duration, screened and covered by the
clearance; refused at submit by an outlet without polls; published as the platform's own
poll on X and Mastodon; results read back by the metrics job into the monthly report."""

from __future__ import annotations

import datetime as dt

import pytest
from inmm_daemon import metrics as jobs

from inmm_tui.domain.errors import InvalidInput
from inmm_tui.domain.polls import Poll, make_poll, parse_duration, parse_options
from inmm_tui.domain.posts import Posts, clearance_digest, verify_clearance
from inmm_tui.domain.services import Services
from inmm_tui.reports.monthly import gather, render_md

from .daemon_helpers import publisher
from .sandbox_fixtures import RunningSandbox

POLL = Poll(("Plenary", "Workshops", "Poster session"), 24 * 60)


def polled(svc: Services, poll: Poll = POLL, *, parts: tuple[str, ...] = (),
           clear: bool = True) -> int:
    post_id = svc.posts.create_draft("alice", "Straw poll: which session did you like best?",
                                     topic="Annual Meeting", poll=poll, parts=parts,
                                     scheduled_at=svc.clock())
    svc.posts.submit("alice", post_id)
    if clear:
        svc.posts.clear("bob", post_id)
    return post_id


def test_a_poll_has_two_to_four_distinct_options_and_a_duration() -> None:
    assert make_poll([" Yes ", "No"], 60) == Poll(("Yes", "No"), 60)
    with pytest.raises(InvalidInput, match="2 to 4 options; 1 given"):
        make_poll(["Yes"], 60)
    with pytest.raises(InvalidInput, match="2 to 4 options; 5 given"):
        make_poll(list("abcde"), 60)
    with pytest.raises(InvalidInput, match="poll option 2 is empty"):
        make_poll(["Yes", " "], 60)
    with pytest.raises(InvalidInput, match="the same"):
        make_poll(["Yes", "yes"], 60)
    with pytest.raises(InvalidInput, match="poll option 2: the text holds"):
        make_poll(["Yes", "N\u202eo"], 60)
    assert [parse_duration(t) for t in ("90", "90m", "6h", "2d")] == [90, 90, 360, 2880]
    with pytest.raises(InvalidInput, match="poll duration 'soon'"):
        parse_duration("soon")
    assert parse_options("A | B|C ") == ["A", "B", "C"]


def test_an_outlet_without_polls_refuses_at_submit_not_at_send(roster: Services) -> None:
    posts = Posts(roster.db, outlets={"x": "x", "bsky": "bluesky"}, clock=roster.clock)
    post_id = posts.create_draft("alice", "Which session?", topic="Annual Meeting",
                                 poll=POLL, outlets=["x", "bsky"])
    with pytest.raises(InvalidInput, match="bsky: Bluesky has no polls: take outlet 'bsky' "
                                           "off the post or remove the poll"):
        posts.submit("alice", post_id)
    assert posts.get(post_id).status == "draft"
    # compose shows the same refusal as a blocking finding while the post is written
    preview = posts.preview("alice", "Which session?", outlets=["x", "bsky"], poll=POLL)
    assert preview.outcome.verdict == "block"
    assert any("Bluesky has no polls" in f["message"] for f in preview.outcome.findings)


def test_option_length_and_duration_are_each_platforms(roster: Services) -> None:
    long_option = Poll(("A thirty-character option!!!!!", "No"), 60)
    post_id = roster.posts.create_draft("alice", "Which?", topic="Annual Meeting",
                                        poll=long_option, outlets=["x", "mastodon"])
    with pytest.raises(InvalidInput, match="x: poll option 1 is 30 characters; X takes at "
                                           "most 25"):
        roster.posts.submit("alice", post_id)
    roster.posts.edit("alice", post_id, outlets=["mastodon"])  # Mastodon takes 50
    assert roster.posts.submit("alice", post_id).status == "submitted"
    week_and_more = roster.posts.create_draft("alice", "Which?", topic="Annual Meeting",
                                              poll=Poll(("A", "B"), 8 * 1440), outlets=["x"])
    with pytest.raises(InvalidInput, match="x: polls on X are open 5 min to 7 d; 8 d asked"):
        roster.posts.submit("alice", week_and_more)


def test_poll_options_are_screened_like_text(roster: Services) -> None:
    post_id = polled(roster, Poll(("Great", "Damn awful"), 60), clear=False)
    post = roster.posts.get(post_id)
    found = [f for f in post.screening if f["outlet"].endswith("poll options")]
    assert found and found[0]["category"] == "vulgar_discriminatory", post.screening
    assert post.screening_verdict != "pass"


@pytest.mark.parametrize("change", [
    Poll(("Plenary", "Workshops", "Posters"), 24 * 60),  # an option reworded
    Poll(("Workshops", "Plenary", "Poster session"), 24 * 60),  # reordered
    Poll(("Plenary", "Workshops"), 24 * 60),  # one option fewer
    Poll(("Plenary", "Workshops", "Poster session"), 12 * 60),  # shorter
    None,  # the poll removed
])
def test_changing_the_poll_after_clearance_sends_the_post_back(
        roster: Services, change: Poll | None) -> None:
    post_id = polled(roster)
    assert roster.posts.get(post_id).status == "scheduled"
    post = roster.posts.edit("alice", post_id, poll=change)
    assert post.status == "submitted" and post.clearance_hash is None
    assert roster.posts.deliveries(post_id) == []


def test_the_digest_covers_the_poll_and_a_poll_changed_in_the_database_is_refused(
        roster: Services) -> None:
    texts = {"x": "a ^AA"}
    assert clearance_digest(texts, "t") != clearance_digest(texts, "t", poll=POLL)
    assert clearance_digest(texts, "t", poll=POLL) != clearance_digest(
        texts, "t", poll=Poll(POLL.options, 60))
    post_id = polled(roster)
    (first, *_) = roster.posts.deliveries(post_id)
    assert verify_clearance(roster.db.conn, first.id) is None
    with roster.db.conn:
        roster.db.conn.execute("UPDATE post_polls SET options = ? WHERE post_id = ?",
                               ('["Plenary", "Workshops", "Free drinks"]', post_id))
    assert "differ from what was cleared" in (verify_clearance(roster.db.conn, first.id) or "")


def test_a_poll_goes_out_native_on_x_and_mastodon_and_its_results_reach_the_report(
        roster: Services, sandbox: RunningSandbox) -> None:
    post_id = polled(roster, parts=("The results come on Friday.",))
    x, mastodon = sandbox.x(), sandbox.mastodon()
    publisher(roster, {"x": x, "mastodon": mastodon}).run(seconds=30)
    assert roster.posts.get(post_id).status == "published"
    state = sandbox.control.state()
    firsts = {}
    for outlet in ("x", "mastodon"):
        sent = {d.part: d for d in roster.posts.deliveries(post_id) if d.outlet == outlet}
        ours = {p["id"]: p for p in state[outlet]["posts"]}
        poll = ours[sent[1].platform_id]["poll"]
        assert poll["options"] == list(POLL.options) and poll["minutes"] == 24 * 60
        assert ours[sent[2].platform_id]["poll"] is None  # the poll rides on part 1 only
        firsts[outlet] = sent[1].platform_id
    sandbox.control.vote("x", firsts["x"], 0, 7)
    sandbox.control.vote("x", firsts["x"], 2, 3)
    sandbox.control.vote("mastodon", firsts["mastodon"], 1, 4, close=True)
    for outlet, platform in (("x", x), ("mastodon", mastodon)):
        assert jobs.poll_metrics(roster, platform, outlet).polls_read == 1
    rows = dict(roster.db.conn.execute("SELECT d.outlet, r.votes || ' ' || r.closed"
                                       " FROM poll_results r JOIN deliveries d"
                                       " ON d.id = r.delivery_id").fetchall())
    assert rows == {"x": '[["Plenary", 7], ["Workshops", 0], ["Poster session", 3]] 0',
                    "mastodon": '[["Plenary", 0], ["Workshops", 4], ["Poster session", 0]] 1'}
    # a closed poll's final result is kept; it is not read again
    assert jobs.poll_metrics(roster, mastodon, "mastodon").polls_read == 0
    report = gather(roster.db.conn, roster.config, roster.clock().date().replace(day=1),
                    roster.clock() + dt.timedelta(minutes=1))
    assert [(p["outlet"], p["votes"], p["closed"]) for p in report["polls"]] == [
        ("mastodon", [0, 4, 0], True), ("x", [7, 0, 3], False)]
    md = render_md(report)
    assert "## Polls" in md
    assert f"| #{post_id} | x | open | 10 | Plenary 7 (70%) / Workshops 0 (0%) / Poster " \
           "session 3 (30%) |" in md


def test_a_month_without_polls_has_no_polls_section(roster: Services) -> None:
    report = gather(roster.db.conn, roster.config, roster.clock().date().replace(day=1),
                    roster.clock())
    assert report["polls"] == [] and "## Polls" not in render_md(report)
