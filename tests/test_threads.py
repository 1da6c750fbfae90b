"""Threads (issue 17): a post of several parts, each screened and counted, cleared as a
whole, published part after part as replies, resumed after a crash without doubling a
part, and shown as partly published when it stops half-way."""

from __future__ import annotations

import datetime as dt

import pytest

from inmm_tui.domain.errors import InvalidInput
from inmm_tui.domain.posts import clearance_digest, verify_clearance
from inmm_tui.domain.publishing import publication_state
from inmm_tui.domain.services import Services
from inmm_tui.domain.threads import split_parts

from .daemon_helpers import publisher
from .sandbox_fixtures import RunningSandbox

PARTS = ["Day 2 of the Annual Meeting: the plenary on safeguards starts now.",
         "First speaker: the IAEA's view of the next decade of verification.",
         "Next: the panel on nuclear security culture, room B."]


def thread(svc: Services, parts: list[str] = PARTS, *, outlets: list[str] | None = None,
           clear: bool = True) -> int:
    post_id = svc.posts.create_draft("alice", parts[0], topic="Annual Meeting",
                                     parts=parts[1:], outlets=outlets,
                                     scheduled_at=svc.clock())
    svc.posts.submit("alice", post_id)
    if clear:
        svc.posts.clear("bob", post_id)
    return post_id


def test_a_thread_keeps_its_parts_in_order_and_screens_each(roster: Services) -> None:
    post_id = roster.posts.create_draft("alice", "Part one ^AL", topic="Annual Meeting",
                                        parts=["Part two, damn it", "Part three"])
    post = roster.posts.get(post_id)
    assert post.parts == ("Part two, damn it", "Part three")
    finals = roster.posts.final_parts(post)
    assert list(finals) == ["mastodon", "x"] or set(finals) == {"x", "mastodon"}
    assert all(len(texts) == 3 for texts in finals.values())
    submitted = roster.posts.submit("alice", post_id)
    # the vulgar word in part 2 is found and named as part 2's
    assert any(f.get("outlet", "").endswith("part 2") and f["category"] ==
               "vulgar_discriminatory" for f in submitted.screening), submitted.screening
    assert submitted.screening_verdict != "pass"


def test_each_part_is_counted_against_each_outlets_limit(roster: Services) -> None:
    long_part = "word " * 70  # 350 characters: over X's 280, under Mastodon's 500
    preview = roster.posts.preview("alice", "Short first part", outlets=["x", "mastodon"],
                                   parts=[long_part.strip()])
    over = {(p.outlet, p.part) for p in preview.outlets if p.length > p.limit}
    assert over == {("x", 2)}
    post_id = roster.posts.create_draft("alice", "Short first part", parts=[long_part],
                                        topic="Annual Meeting")
    screened = roster.posts.submit("alice", post_id)
    assert any(f["category"] == "length" and f["outlet"] == "x, part 2"
               for f in screened.screening)
    assert not any(f["category"] == "length" and "mastodon" in f["outlet"]
                   for f in screened.screening)


def test_empty_part_and_too_many_parts_are_refused_with_the_part_named(
        roster: Services) -> None:
    with pytest.raises(InvalidInput, match="part 3 of the thread is empty"):
        roster.posts.create_draft("alice", "One", parts=["Two", "  "])
    with pytest.raises(InvalidInput, match="at most 25 parts"):
        roster.posts.create_draft("alice", "One", parts=[f"p{i}" for i in range(25)])


def test_split_parts_by_separator_lines() -> None:
    assert split_parts("one\nstill one\n---\ntwo\n  ---  \n\n---\nthree") == [
        "one\nstill one", "two", "three"]


def test_a_plain_posts_digest_is_unchanged_and_a_threads_covers_every_part() -> None:
    texts = {"x": "a ^AL", "mastodon": "a ^AL"}
    plain = clearance_digest(texts, "2026-11-30T10:00:00.000000Z")
    one_part = clearance_digest(texts, "2026-11-30T10:00:00.000000Z",
                                parts={"x": ["a ^AL"], "mastodon": ["a ^AL"]})
    assert plain == one_part
    # the digest of a plain post as the code before threads computed it
    import hashlib
    import json
    legacy = hashlib.sha256(json.dumps(
        {"outlets": {k: hashlib.sha256(v.encode()).hexdigest() for k, v in sorted(texts.items())},
         "cleared_at": "2026-11-30T10:00:00.000000Z"}, sort_keys=True,
        separators=(",", ":")).encode()).hexdigest()
    assert plain == legacy
    two = clearance_digest(texts, "2026-11-30T10:00:00.000000Z",
                           parts={"x": ["a ^AL", "b ^AL"], "mastodon": ["a ^AL", "b ^AL"]})
    swapped = clearance_digest(texts, "2026-11-30T10:00:00.000000Z",
                               parts={"x": ["a ^AL", "c ^AL"], "mastodon": ["a ^AL", "b ^AL"]})
    assert len({plain, two, swapped}) == 3


@pytest.mark.parametrize("change", ["edit part", "reorder", "drop part", "add part"])
def test_changing_any_part_after_clearance_sends_it_back(roster: Services, change: str) -> None:
    post_id = thread(roster)
    assert roster.posts.get(post_id).status == "scheduled"
    new = {"edit part": [PARTS[1], PARTS[2] + "!"], "reorder": [PARTS[2], PARTS[1]],
           "drop part": [PARTS[1]], "add part": [*PARTS[1:], "One more."]}[change]
    post = roster.posts.edit("alice", post_id, parts=new)
    assert post.status == "submitted" and post.clearance_hash is None
    assert roster.posts.deliveries(post_id) == []


def test_a_part_changed_in_the_database_is_refused_at_send_time(roster: Services) -> None:
    post_id = thread(roster)
    deliveries = roster.posts.deliveries(post_id)
    assert len(deliveries) == 6 and {d.part for d in deliveries} == {1, 2, 3}
    assert all(verify_clearance(roster.db.conn, d.id) is None for d in deliveries)
    third = next(d for d in deliveries if d.outlet == "x" and d.part == 3)
    from inmm_tui.domain.posts import content_hash
    with roster.db.conn:
        roster.db.conn.execute("UPDATE deliveries SET text = ?, content_hash = ? WHERE id = ?",
                               ("Altered ^AL", content_hash("Altered ^AL"), third.id))
    assert "differ from what was cleared" in (verify_clearance(roster.db.conn, third.id) or "")


def test_linkedin_cannot_take_a_thread_refused_at_submit(roster: Services) -> None:
    # the roster's config has x and mastodon only; a LinkedIn outlet is checked by api
    from inmm_tui.domain.threads import refusals

    found = refusals({"li": "linkedin", "x": "x"}, ["li", "x"], ["two"], None)
    assert found == ["li: LinkedIn cannot publish a thread (its posts cannot answer one "
                     "another); take it off the post or make it one part"]


def test_the_daemon_posts_each_part_as_a_reply_to_the_one_before(
        roster: Services, sandbox: RunningSandbox) -> None:
    post_id = thread(roster)
    publisher(roster, {"x": sandbox.x(), "mastodon": sandbox.mastodon()}).run(seconds=30)
    assert roster.posts.get(post_id).status == "published"
    state = sandbox.control.state()
    for outlet in ("x", "mastodon"):
        ours = {p["id"]: p for p in state[outlet]["posts"] if p["author"] == "INMMorg"}
        sent = sorted((d for d in roster.posts.deliveries(post_id) if d.outlet == outlet),
                      key=lambda d: d.part)
        assert [ours[d.platform_id]["text"] for d in sent] == [d.text for d in sent]
        assert ours[sent[0].platform_id]["in_reply_to"] is None
        assert [ours[d.platform_id]["in_reply_to"] for d in sent[1:]] == [
            d.platform_id for d in sent[:-1]]
        assert len(ours) == 3


def test_a_thread_stopped_half_way_is_partly_published_and_retried_from_there(
        roster: Services, sandbox: RunningSandbox) -> None:
    post_id = thread(roster, outlets=["x"])
    pub = publisher(roster, {"x": sandbox.x(), "mastodon": sandbox.mastodon()})
    pub.run(seconds=30, limit=1)  # part 1 goes out
    # then X refuses part 2 for good (the plan lacks the endpoint: 403, not retried)
    sandbox.control.fault("not_enrolled", api="x", method="POST", path="/2/tweets", count=1)
    pub.run(seconds=30)
    states = {d.part: d.state for d in roster.posts.deliveries(post_id)}
    assert states == {1: "sent", 2: "failed", 3: "pending"}
    assert publication_state(roster.db.conn, post_id) == "partly published"
    # --report's count and `publishing status` (the Schedule screen's rows) say so, and
    # the message names the part
    from inmm_tui.domain.duties import partly_published
    from inmm_tui.domain.publishing import problems

    assert partly_published(roster.db.conn) == 1
    (problem,) = problems(roster.db.conn)
    assert problem.post_state == "partly published"
    assert f"post #{post_id} part 2/3 on x" in problem.message
    (row,) = [r for r in roster.queues.schedule("hq") if r.state == "failed"]
    assert (row.part, row.post_state) == (2, "partly published")
    # the author and HQ are told where the thread stopped
    summaries = [s for (s,) in roster.db.conn.execute(
        "SELECT summary FROM notify_events WHERE kind = 'partly_published'")]
    assert any(f"Post #{post_id} part 2 on x: failed (its thread stopped there" in s
               for s in summaries), summaries
    assert sum(1 for p in sandbox.control.state()["x"]["posts"] if p["author"] == "INMMorg") == 1
    failed = next(d for d in roster.posts.deliveries(post_id) if d.part == 2)
    roster.posts.retry("hq", failed.id)
    pub.run(seconds=30)
    assert {d.part: d.state for d in roster.posts.deliveries(post_id)} == {
        1: "sent", 2: "sent", 3: "sent"}
    assert roster.posts.get(post_id).status == "published"
    ours = [p for p in sandbox.control.state()["x"]["posts"] if p["author"] == "INMMorg"]
    assert len(ours) == 3


@pytest.mark.slow
def test_sigkill_at_random_moments_never_loses_or_doubles_a_part_of_a_thread(
        tmp_path, sandbox: RunningSandbox) -> None:
    from .crash_harness import run_crash

    # every third post a thread of three parts: 150 posts, 50 threads, 250 deliveries an
    # outlet (enough to be killed many times before the queue is empty)
    result = run_crash(tmp_path, sandbox.url, posts=150, kills=16, seed=23, thread_every=3)
    log = (tmp_path / "daemon.log").read_text(errors="replace")
    assert result.threads == 50 and result.kills >= 4, log[-3000:]
    assert result.ok, (result, log[-3000:])
    assert result.duplicates == {"x": 0, "mastodon": 0}
    assert result.missing == {"x": 0, "mastodon": 0}
    assert result.misthreaded == {"x": 0, "mastodon": 0}
    assert result.out_of_order == {"x": 0, "mastodon": 0}


def test_deleting_a_published_thread_takes_every_part_down(
        roster: Services, sandbox: RunningSandbox) -> None:
    from inmm_daemon.deletions import perform_deletions

    post_id = thread(roster)
    platforms = {"x": sandbox.x(), "mastodon": sandbox.mastodon()}
    publisher(roster, platforms).run(seconds=30)
    asked = roster.deletions.request_delete("hq", post_id, None, "wrong room")
    assert len(asked) == 6  # three parts on each of two outlets
    for name, platform in platforms.items():
        perform_deletions(roster, platform, name)
    state = sandbox.control.state()
    for outlet in ("x", "mastodon"):
        ours = [p for p in state[outlet]["posts"] if p["author"] == "INMMorg"]
        assert len(ours) == 3 and all(p["deleted"] for p in ours)
    assert {d.state for d in roster.posts.deliveries(post_id)} == {"deleted"}


def test_a_correction_of_a_thread_answers_its_first_part_on_each_outlet(
        roster: Services, sandbox: RunningSandbox) -> None:
    post_id = thread(roster)
    publisher(roster, {"x": sandbox.x(), "mastodon": sandbox.mastodon()}).run(seconds=30)
    correction = roster.posts.create_correction("alice", post_id, "Correction: room C, not B.")
    assert sorted(roster.posts.get(correction).outlets) == ["mastodon", "x"]
    roster.posts.submit("alice", correction)
    roster.posts.clear("bob", correction, publish_if_untimed=True)
    firsts = {d.outlet: d.platform_id for d in roster.posts.deliveries(post_id) if d.part == 1}
    publisher(roster, {"x": sandbox.x(), "mastodon": sandbox.mastodon()}).run(seconds=30)
    state = sandbox.control.state()
    for d in roster.posts.deliveries(correction):
        posted = next(p for p in state[d.outlet]["posts"] if p["id"] == d.platform_id)
        assert posted["in_reply_to"] == firsts[d.outlet]


@pytest.mark.parametrize("kind", ["lost", "truncated"])
def test_a_part_whose_answer_was_lost_is_reconciled_not_doubled_and_the_next_answers_it(
        roster: Services, sandbox: RunningSandbox, kind: str) -> None:
    from .conftest import FakeClock
    from .daemon_helpers import drain

    clock = roster.clock
    assert isinstance(clock, FakeClock)
    post_id = thread(roster)
    pub = publisher(roster, {"x": sandbox.x(), "mastodon": sandbox.mastodon()})
    for platform in pub.platforms.values():
        platform.whoami()  # so that the fault hits the publish, not the id look-up
    pub.run(seconds=30, limit=1)  # part 1 on each outlet
    # part 2 is made on each platform, but its answer never arrives
    sandbox.control.fault(kind, method="POST", count=2)
    pub.run(seconds=30, limit=1)
    assert {(d.outlet, d.part): d.state for d in roster.posts.deliveries(post_id)
            if d.part == 2} == {("x", 2): "pending", ("mastodon", 2): "pending"}
    drain(pub, clock, until=clock.now + dt.timedelta(hours=1))
    state = sandbox.control.state()
    for outlet in ("x", "mastodon"):
        ours = [p for p in state[outlet]["posts"] if p["author"] == "INMMorg"]
        assert len(ours) == 3, [p["text"] for p in ours]  # part 2 not posted twice
        sent = sorted((d for d in roster.posts.deliveries(post_id) if d.outlet == outlet),
                      key=lambda d: d.part)
        assert [d.state for d in sent] == ["sent"] * 3
        by_id = {p["id"]: p for p in ours}
        assert [by_id[d.platform_id]["text"] for d in sent] == [d.text for d in sent]
        assert by_id[sent[2].platform_id]["in_reply_to"] == sent[1].platform_id
        assert by_id[sent[1].platform_id]["in_reply_to"] == sent[0].platform_id
    import json

    sent_entries = [json.loads(d) for (d,) in roster.db.conn.execute(
        "SELECT details FROM audit WHERE action = 'delivery.sent'")]
    # X's part 2 was found among the recent posts; Mastodon's came back under its key
    assert sorted((e["outlet"], e["attempt"], e["reconciled"]) for e in sent_entries
                  if e["attempt"] > 1) == [("mastodon", 2, False), ("x", 2, True)]
