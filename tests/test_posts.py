"""A post's life and its clearance (R1, R5): four-eyes, blocks, edits after clearance,
and the daemon's check that what goes out is exactly what was cleared."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from inmm_tui.domain import audit
from inmm_tui.domain.errors import InvalidInput, InvalidState, NotAuthorised, ScreenRefusal
from inmm_tui.domain.posts import Posts, ScreenOutcome, ScreenRequest, verify_clearance
from inmm_tui.domain.services import Services
from inmm_tui.store.db import open_database

from .conftest import FakeClock, make_config

BODY = "Registration for the 68th INMM Annual Meeting is open: https://inmm.org/annual"


def _submitted(svc: Services, author: str = "alice", **kw: object) -> int:
    post_id = svc.posts.create_draft(author, BODY, topic="Annual Meeting", **kw)
    svc.posts.submit(author, post_id)
    return post_id


def test_compose_submit_clear_by_another_then_scheduled(roster: Services,
                                                        clock: FakeClock) -> None:
    when = clock.now + dt.timedelta(hours=3)
    post_id = _submitted(roster, scheduled_at=when)
    post = roster.posts.clear("bob", post_id)
    assert post.status == "scheduled" and post.cleared_by == "bob"
    deliveries = roster.posts.deliveries(post_id)
    assert {d.outlet for d in deliveries} == {"x", "mastodon"}
    assert all(d.state == "pending" for d in deliveries)
    # signed by its author (R1)
    assert all(d.text.endswith("^AA") for d in deliveries)
    assert all(verify_clearance(roster.db.conn, d.id) is None for d in deliveries)
    actions = [e["action"] for e in audit.history(roster.db.conn, f"post:{post_id}")]
    assert actions == ["post.create", "post.submit", "post.clear", "post.schedule"]


def test_the_author_cannot_clear_their_own_post(roster: Services) -> None:
    post_id = _submitted(roster)
    with pytest.raises(NotAuthorised, match="four-eyes"):
        roster.posts.clear("alice", post_id)
    assert roster.posts.get(post_id).status == "submitted"
    # The domain keeps the refusal, whoever asked (the UI as much as a command).
    refused = audit.history(roster.db.conn, f"post:{post_id}")[-1]
    assert (refused["action"], refused["actor"], refused["details"]["attempt"]) == (
        "post.refused", "alice", "clear")
    assert "four-eyes" in refused["details"]["refusal"]


def test_four_eyes_can_be_configured_off(roster: Services) -> None:
    posts = Posts(roster.db, outlets={"x": "x"}, four_eyes=False, clock=roster.clock)
    post_id = posts.create_draft("alice", BODY)
    posts.submit("alice", post_id)
    assert posts.clear("alice", post_id).status == "cleared"


def test_a_cleared_post_without_a_time_waits_to_be_scheduled(roster: Services) -> None:
    post_id = _submitted(roster)
    assert roster.posts.clear("bob", post_id).status == "cleared"
    assert roster.posts.deliveries(post_id) == []
    post = roster.posts.schedule("alice", post_id, None)
    assert post.status == "scheduled" and len(roster.posts.deliveries(post_id)) == 2
    # or queued as it is cleared, in the one transaction (what the clearance screen does)
    other = _submitted(roster)
    assert roster.posts.clear("bob", other, publish_if_untimed=True).status == "scheduled"
    assert len(roster.posts.deliveries(other)) == 2


def _local(svc: Services, text: str) -> dt.datetime:
    naive = dt.datetime.strptime(text, "%Y-%m-%d %H:%M")
    return naive.replace(tzinfo=svc.config.tz).astimezone(dt.UTC)


def _cleared(svc: Services, body: str) -> int:
    """Written, submitted and cleared without a time, on Monday 2 November 2026 (09:00
    in Chicago)."""
    post_id = svc.posts.create_draft("alice", body, topic="Annual Meeting")
    svc.posts.submit("alice", post_id)
    assert svc.posts.clear("bob", post_id).status == "cleared"
    return post_id


def _refused_schedule(svc: Services, post_id: int, when: dt.datetime | None,
                      match: str) -> str:
    """Scheduling is refused as `match` says; nothing changes; the refusal is audited."""
    before = svc.posts.get(post_id)
    with pytest.raises(ScreenRefusal, match=match) as refusal:
        svc.posts.schedule("alice", post_id, when)
    assert svc.posts.get(post_id) == before and before.scheduled_at is None
    assert svc.posts.deliveries(post_id) == []
    entry = audit.history(svc.db.conn, f"post:{post_id}")[-1]
    assert (entry["action"], entry["actor"], entry["details"]["attempt"]) == (
        "post.refused", "alice", "schedule")
    assert entry["details"]["refusal"] == str(refusal.value)
    return str(refusal.value)


def test_a_cleared_post_scheduled_for_a_later_day_is_screened_again(roster: Services) -> None:
    s = roster
    post_id = _cleared(s, "Thanks to all who came yesterday and this morning: "
                          "https://inmm.org/am")
    assert s.posts.get(post_id).screening == []  # nothing to say on the day it was cleared
    message = _refused_schedule(s, post_id, _local(s, "2026-11-04 10:00"),
                                r"Wednesday 4 November 2026 at 10:00")
    assert '"yesterday" is written on 2026-11-02' in message
    assert '"this morning"' in message
    assert "submit it again for clearance" in message
    assert "a time on Monday 2 November, the day it was cleared for" in message
    # On the day it was cleared for, it goes out as cleared.
    same_day = _local(s, "2026-11-02 16:00")
    post = s.posts.schedule("alice", post_id, same_day)
    assert post.status == "scheduled" and post.scheduled_at == same_day
    assert {d.due_at for d in s.posts.deliveries(post_id)} == {"2026-11-02T22:00:00.000000Z"}


def test_a_post_without_relative_dates_is_scheduled_for_any_day(roster: Services) -> None:
    s = roster
    plain = _cleared(s, BODY)
    relative = _cleared(s, "The workshop this morning was full: https://inmm.org/am")
    later = _local(s, "2026-11-09 10:00")
    assert s.posts.schedule("alice", plain, later).status == "scheduled"
    assert {d.due_at for d in s.posts.deliveries(plain)} == {"2026-11-09T16:00:00.000000Z"}
    _refused_schedule(s, relative, later, '"this morning"')


def test_a_date_past_by_the_new_time_is_refused(roster: Services) -> None:
    s = roster
    post_id = _cleared(s, "Registration closes November 3, 2026: https://inmm.org/am")
    message = _refused_schedule(s, post_id, _local(s, "2026-11-05 10:00"), "November 3, 2026")
    assert "already passed" in message
    assert s.posts.schedule("alice", post_id, _local(s, "2026-11-03 08:00")).status \
        == "scheduled"


def test_scheduled_now_days_after_its_clearance(roster: Services, clock: FakeClock) -> None:
    s = roster
    post_id = _cleared(s, "Thanks to all who came yesterday: https://inmm.org/am")
    clock.advance(days=2)
    # As soon as possible is now, two days after the day the clearer saw; that day is
    # past, so only a new clearance is offered.
    message = _refused_schedule(s, post_id, None, '"yesterday"')
    assert "submit it again for clearance" in message and "the day it was cleared" not in message


def test_an_edit_after_clearance_sends_it_back(roster: Services, clock: FakeClock) -> None:
    post_id = _submitted(roster, scheduled_at=clock.now + dt.timedelta(hours=1))
    roster.posts.clear("bob", post_id)
    post = roster.posts.edit("alice", post_id, body=BODY + " See you there!")
    assert post.status == "submitted" and post.clearance_hash is None
    assert roster.posts.deliveries(post_id) == []
    entry = audit.history(roster.db.conn, f"post:{post_id}")[-1]
    assert entry["action"] == "post.edit" and "clearance" in entry["details"]


def test_an_edit_back_to_clearance_is_screened_again(roster: Services) -> None:
    s = roster
    blocked = "Vote Democrat in the election, INMM says https://inmm.org"
    post_id = _cleared(s, BODY)
    post = s.posts.edit("alice", post_id, body=blocked)
    # The clearer reads the screening of the text now to be cleared: a block needs the
    # Subcommittee Chair and a reason, as if it had been submitted so.
    assert post.status == "submitted" and post.screening_verdict == "block"
    assert audit.history(s.db.conn, f"post:{post_id}")[-1]["details"]["verdict"] == "block"
    with pytest.raises(NotAuthorised):
        s.posts.clear("bob", post_id)
    # So for a post still waiting for clearance, and for a new time alone.
    waiting = s.posts.create_draft("alice", BODY, topic="Annual Meeting")
    s.posts.submit("alice", waiting)
    assert s.posts.edit("alice", waiting, body=blocked).screening_verdict == "block"
    timed = s.posts.create_draft("alice", "Thanks to all who came yesterday: "
                                 "https://inmm.org/am", topic="Annual Meeting")
    s.posts.submit("alice", timed)
    post = s.posts.edit("alice", timed, scheduled_at=_local(s, "2026-11-06 10:00"))
    assert [f["rule"] for f in post.screening] == ["timeliness.relative_date"]


def test_a_new_time_alone_keeps_the_clearance(roster: Services, clock: FakeClock) -> None:
    post_id = _submitted(roster, scheduled_at=clock.now + dt.timedelta(hours=1))
    roster.posts.clear("bob", post_id)
    later = clock.now + dt.timedelta(hours=5)
    post = roster.posts.edit("alice", post_id, scheduled_at=later)
    assert post.status == "scheduled"
    assert {d.due_at for d in roster.posts.deliveries(post_id)} == {
        later.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}


def test_text_changed_in_the_database_is_refused(roster: Services) -> None:
    post_id = _submitted(roster)
    roster.posts.clear("bob", post_id)
    roster.posts.schedule("bob", post_id, None)
    delivery = roster.posts.deliveries(post_id)[0]
    roster.db.execute("UPDATE deliveries SET text = text || ' BUY NOW' WHERE id = ?",
                      [delivery.id])
    assert "differs from the text that was cleared" in verify_clearance(roster.db.conn,
                                                                       delivery.id)
    # recomputing the stored content hash does not help: the clearance digest covers it
    from inmm_tui.domain.posts import content_hash

    text = roster.db.execute("SELECT text FROM deliveries WHERE id = ?",
                             [delivery.id]).fetchone()[0]
    roster.db.execute("UPDATE deliveries SET content_hash = ? WHERE id = ?",
                      [content_hash(text), delivery.id])
    assert "differ from what was cleared" in verify_clearance(roster.db.conn, delivery.id)


def _blocking(request: ScreenRequest) -> ScreenOutcome:
    return ScreenOutcome("block", [{"rule": "politics.party", "category": "politics_religion",
                                    "message": "politics", "span": [0, 4]}])


def test_a_block_needs_the_subcommittee_chair_and_a_reason(roster: Services) -> None:
    roster.posts.screener = _blocking
    post_id = _submitted(roster)
    assert roster.posts.get(post_id).screening_verdict == "block"
    with pytest.raises(NotAuthorised, match="override a block"):
        roster.posts.clear("bob", post_id)
    with pytest.raises(InvalidInput, match="needs a reason"):
        roster.posts.clear("chair", post_id)
    post = roster.posts.clear("chair", post_id, override_reason="quoting the IAEA, not politics")
    assert post.status == "cleared"
    entry = audit.history(roster.db.conn, f"post:{post_id}")[-1]
    assert entry["details"]["override_reason"] == "quoting the IAEA, not politics"


def test_rejection_needs_a_reason_and_returns_the_post_to_its_author(roster: Services) -> None:
    post_id = _submitted(roster)
    with pytest.raises(InvalidInput):
        roster.posts.reject("bob", post_id, "  ")
    post = roster.posts.reject("bob", post_id, "add the registration deadline")
    assert post.status == "rejected" and post.rejected_reason == "add the registration deadline"
    assert roster.posts.edit("alice", post_id, body=BODY + " by 1 June").status == "draft"
    assert roster.posts.submit("alice", post_id).status == "submitted"


def test_comments_before_clearing(roster: Services) -> None:
    post_id = _submitted(roster)
    roster.posts.comment("ec", post_id, "Is the date right?")
    assert [c["login"] for c in roster.posts.comments(post_id)] == ["ec"]


def test_unknown_outlet_and_overlong_text_are_refused(roster: Services) -> None:
    with pytest.raises(InvalidInput, match="unknown outlet 'facebook'"):
        roster.posts.create_draft("alice", "Hi", outlets=["facebook"])
    with pytest.raises(InvalidInput, match="characters"):
        roster.posts.create_draft("alice", "x" * 6000)


def test_withdraw_stops_what_has_not_gone_out(roster: Services) -> None:
    post_id = _submitted(roster)
    roster.posts.clear("bob", post_id)
    roster.posts.schedule("bob", post_id, None)
    x, _mastodon = sorted(roster.posts.deliveries(post_id), key=lambda d: d.outlet)[::-1]
    roster.db.execute("UPDATE deliveries SET state = 'sent' WHERE id = ?", [x.id])
    post = roster.posts.withdraw("alice", post_id, "wrong date")
    assert post.status == "published"  # what went out stays out
    states = {d.outlet: d.state for d in roster.posts.deliveries(post_id)}
    assert states == {"x": "sent", "mastodon": "withdrawn"}
    with pytest.raises(InvalidState):
        roster.posts.edit("alice", post_id, body="changed")


def test_crisis_posts_carry_the_hashtag_and_can_be_expedited(roster: Services) -> None:
    event = roster.switches.start_event("hq", "Facility incident", "InmmUpdate", crisis=True)
    post_id = roster.posts.create_draft("hq", "We are aware of reports and will update here.",
                                        event_id=event)
    roster.posts.submit("hq", post_id)
    post = roster.posts.clear("hq", post_id, expedited=True)
    assert post.status == "scheduled"  # crisis posts go out at once
    texts = [d.text for d in roster.posts.deliveries(post_id)]
    assert all("#InmmUpdate" in t and t.endswith("^HQ") for t in texts)
    normal = _submitted(roster)
    with pytest.raises(InvalidState, match="not a crisis post"):
        roster.posts.clear("alice", normal, expedited=True)


def test_pause_is_hq_only_and_audited(roster: Services) -> None:
    from inmm_tui.domain.switches import publishing_paused

    with pytest.raises(NotAuthorised):
        roster.switches.set_paused("alice", True)
    roster.switches.set_paused("hq", True, "checking an outage")
    assert publishing_paused(roster.db.conn)
    roster.switches.set_paused("hq", False)
    assert not publishing_paused(roster.db.conn)


def test_a_post_about_an_event_already_past_is_flagged_as_not_timely(
        roster: Services, clock: FakeClock) -> None:
    from inmm_tui.screening.bridge import screener_for

    roster.posts.screener = screener_for(roster.config)
    past = (clock.now - dt.timedelta(days=3)).date()
    event = roster.switches.start_event("alice", "Spring workshop", "INMMspring",
                                        starts_on=past, ends_on=past)
    post_id = roster.posts.create_draft("alice", BODY, topic="Annual Meeting", event_id=event)
    post = roster.posts.submit("alice", post_id)
    assert any(f["category"] == "timeliness" for f in post.screening)
    upcoming = roster.switches.start_event("alice", "Autumn workshop", "INMMautumn",
                                           ends_on=(clock.now + dt.timedelta(days=9)).date())
    other = roster.posts.create_draft("alice", BODY, topic="Annual Meeting", event_id=upcoming)
    assert not any(f["category"] == "timeliness"
                   for f in roster.posts.submit("alice", other).screening)


def test_compose_counts_against_the_limits_in_the_rules_file(tmp_path: Path) -> None:
    import shutil

    rules = tmp_path / "policy.toml"
    shutil.copy(Path(__file__).parent.parent / "config" / "policy.toml", rules)
    rules.write_text(rules.read_text().replace("x = 280", "x = 250"))
    config = make_config(tmp_path, policy_rules=str(rules))

    svc = Services.build(config, open_database(config.database_path, create=True))
    svc.roster.initialise("hq", "Harriet Quinn")
    preview = svc.posts.preview("hq", "Hello", outlets=["x", "mastodon"])
    assert {c.outlet: c.limit for c in preview.outlets} == {"x": 250, "mastodon": 500}


@pytest.mark.parametrize(("body", "named", "at"), [
    ("Annual\nMeeting \x00 open", "NUL (U+0000)", "line 2, column 9"),
    ("Meeting \x1b]2;pwned\x1b\\ open", "ESC (U+001B)", "line 1, column 9"),
    ("abc\u202egnp.exe", "RIGHT-TO-LEFT OVERRIDE (U+202E)", "line 1, column 4"),
    ("lone \ud800 surrogate", "a lone surrogate (U+D800)", "line 1, column 6"),
])
def test_a_post_cannot_hold_control_characters(roster: Services, body: str, named: str,
                                               at: str) -> None:
    """Before: NUL and ESC were stored and published, and a lone surrogate raised
    UnicodeEncodeError from SQLite instead of a message."""
    with pytest.raises(InvalidInput, match=re.escape(f"{named} at {at}")):
        roster.posts.create_draft("alice", body)
    post_id = roster.posts.create_draft("alice", BODY)
    with pytest.raises(InvalidInput, match=named.split(" (")[0]):
        roster.posts.save_draft("alice", post_id, BODY, outlets=["x", "mastodon"],
                                outlet_texts={"x": body})
    with pytest.raises(InvalidInput, match=named.split(" (")[0]):
        roster.posts.save_draft("alice", post_id, body, outlets=["x"])
    assert roster.posts.get(post_id).body == BODY
    assert roster.db.conn.execute("SELECT count(*) FROM posts").fetchone()[0] == 1


def test_line_breaks_tabs_and_emoji_are_welcome_in_a_post(roster: Services) -> None:
    body = "Line one\r\nLine two\n\tindented 👩‍🔬 ok"
    post_id = roster.posts.create_draft("alice", body)
    assert roster.posts.get(post_id).body == body


def test_a_relative_date_is_questioned_when_the_post_goes_out_days_later(
        roster: Services, clock: FakeClock) -> None:
    # Screening is told when the post is scheduled (issue 15): "yesterday" written today
    # names the wrong day in three days' time, and is fine in a post that goes out now.
    text = "Thank you to everyone who joined yesterday's safeguards webinar."
    later = roster.posts.create_draft("alice", text, topic="Annual Meeting",
                                      scheduled_at=clock.now + dt.timedelta(days=3))
    now = roster.posts.create_draft("alice", text, topic="Annual Meeting")
    for post_id in (later, now):
        roster.posts.submit("alice", post_id)
    rules = {f["rule"] for f in roster.posts.get(later).screening}
    assert any("relative" in rule for rule in rules), rules
    assert not any("relative" in f["rule"] for f in roster.posts.get(now).screening)


def test_a_date_past_by_the_day_the_post_goes_out_is_questioned_at_submission(
        roster: Services, clock: FakeClock) -> None:
    # A deadline two days ahead is timely in a post that goes out now and already past in
    # one that goes out in five days: the screen judges dates on the publication day.
    deadline = (clock.now + dt.timedelta(days=2)).date()
    text = f"Abstracts close {deadline:%B} {deadline.day}: https://inmm.org/abstracts"
    later = roster.posts.create_draft("alice", text, topic="Annual Meeting",
                                      scheduled_at=clock.now + dt.timedelta(days=5))
    now = roster.posts.create_draft("alice", text, topic="Annual Meeting")
    for post_id in (later, now):
        roster.posts.submit("alice", post_id)
    past = [f for f in roster.posts.get(later).screening if f["rule"] == "timeliness.past_date"]
    assert past and "when it goes out" in past[0]["message"], past
    assert not any(f["rule"] == "timeliness.past_date"
                   for f in roster.posts.get(now).screening)
