"""The calendar (issue 17): the week and month of scheduled and published posts, day by
day in the configured zone, and moving a scheduled post to another slot, keeping its
clearance only when the policy screen finds nothing new for the new slot."""

from __future__ import annotations

import datetime as dt

import pytest

from inmm_tui.domain import audit
from inmm_tui.domain.calendar import calendar_view, shift, span_bounds
from inmm_tui.domain.errors import InvalidInput, InvalidState, NotAuthorised
from inmm_tui.domain.posts import verify_clearance
from inmm_tui.domain.publishing import Queue
from inmm_tui.domain.services import Services

from .conftest import FakeClock

# The fixed clock is Monday 2 November 2026, 09:00 in Chicago.
CHICAGO = "America/Chicago"


def local(services: Services, text: str) -> dt.datetime:
    naive = dt.datetime.strptime(text, "%Y-%m-%d %H:%M")
    return naive.replace(tzinfo=services.config.tz).astimezone(dt.UTC)


def scheduled(services: Services, body: str, when: dt.datetime, **kw: object) -> int:
    post_id = services.posts.create_draft("alice", body, topic="Annual Meeting",
                                          scheduled_at=when, **kw)
    services.posts.submit("alice", post_id)
    assert services.posts.clear("bob", post_id).status == "scheduled"
    return post_id


def publish_due(services: Services) -> None:
    queue = Queue(services.db, clock=services.clock)
    while (claim := queue.claim(["x", "mastodon"])) is not None:
        queue.record_sent(claim, f"{claim.outlet}-{claim.delivery_id}",
                          f"https://example.org/{claim.delivery_id}")


def test_span_bounds_and_shift() -> None:
    assert span_bounds("week", dt.date(2026, 11, 4)) == (dt.date(2026, 11, 2),
                                                         dt.date(2026, 11, 8))
    assert span_bounds("month", dt.date(2026, 2, 14)) == (dt.date(2026, 2, 1),
                                                          dt.date(2026, 2, 28))
    assert shift("month", dt.date(2027, 1, 31), 1) == dt.date(2027, 2, 28)
    assert shift("month", dt.date(2026, 12, 5), 1) == dt.date(2027, 1, 5)
    assert shift("week", dt.date(2026, 11, 4), -1) == dt.date(2026, 10, 28)


def test_week_shows_every_day_with_scheduled_published_crisis_and_event_posts(
        roster: Services, clock: FakeClock) -> None:
    s = roster
    published = s.posts.create_draft("alice", "The journal is out: https://inmm.org/j",
                                     topic="Relevant resources")
    s.posts.submit("alice", published)
    s.posts.clear("bob", published, publish_if_untimed=True)
    publish_due(s)  # Monday 09:00 local
    meeting = s.switches.start_event("hq", "Annual Meeting 2026", "#INMM26",
                                     starts_on=dt.date(2026, 11, 3), ends_on=dt.date(2026, 11, 5))
    coverage = scheduled(s, "Plenary starts at 10: https://inmm.org/am",
                         local(s, "2026-11-04 09:30"), event_id=meeting)
    # 23:30 in Chicago is already Thursday in UTC: the day is the local one.
    late = scheduled(s, "Posters are up: https://inmm.org/posters", local(s, "2026-11-04 23:30"))
    crisis = s.switches.start_event("hq", "Site incident", "#SiteIncident", crisis=True,
                                    starts_on=dt.date(2026, 11, 6))
    urgent = s.posts.create_draft("alice", "Advice for members: https://inmm.org/advice",
                                  topic="INMM announcement", event_id=crisis,
                                  scheduled_at=local(s, "2026-11-06 08:00"))
    s.posts.submit("alice", urgent)
    s.posts.clear("bob", urgent)

    view = s.calendar.view("ec", "week", dt.date(2026, 11, 4))
    assert (view.first, view.last) == (dt.date(2026, 11, 2), dt.date(2026, 11, 8))
    assert [d.day.day for d in view.days] == [2, 3, 4, 5, 6, 7, 8]
    by_day = {d.day.day: d for d in view.days}
    assert [e.post_id for e in by_day[2].entries] == [published]
    assert by_day[2].entries[0].outlets == (("mastodon", "published"), ("x", "published"))
    assert not by_day[2].entries[0].movable
    assert [e.post_id for e in by_day[4].entries] == [coverage, late]
    assert by_day[4].entries[0].event == "Annual Meeting 2026"
    assert by_day[4].entries[0].at.strftime("%H:%M") == "09:30"
    assert by_day[4].entries[0].outlets == (("mastodon", "scheduled"), ("x", "scheduled"))
    assert by_day[4].entries[1].movable and by_day[4].entries[1].event is None
    # The event runs Tuesday to Thursday; the crisis from Friday, still on.
    assert [d.day.day for d in view.days if d.events] == [3, 4, 5]
    assert [d.day.day for d in view.days if d.crisis] == [6, 7, 8]
    assert [e.crisis for e in by_day[6].entries] == [True]
    # Empty days are there, and say so.
    assert [d.day.day for d in view.days if d.empty] == [3, 5, 7, 8]


def test_month_and_one_outlet(roster: Services) -> None:
    s = roster
    first = scheduled(s, "Call for papers: https://inmm.org/cfp", local(s, "2026-11-30 12:00"))
    s.posts.create_draft("alice", "Only a draft", topic="Annual Meeting",
                         scheduled_at=local(s, "2026-11-10 12:00"))
    december = scheduled(s, "Season's greetings: https://inmm.org", local(s, "2026-12-01 12:00"))
    mastodon_only = s.posts.create_draft("alice", "Fediverse news: https://inmm.org/f",
                                         topic="Annual Meeting", outlets=["mastodon"],
                                         scheduled_at=local(s, "2026-11-12 12:00"))
    s.posts.submit("alice", mastodon_only)
    s.posts.clear("bob", mastodon_only)

    view = s.calendar.view("alice", "month", dt.date(2026, 11, 17))
    assert len(view.days) == 30 and view.days[0].day == dt.date(2026, 11, 1)
    shown = {e.post_id: d.day.day for d in view.days for e in d.entries}
    assert shown == {first: 30, mastodon_only: 12}  # no draft, nothing of December
    assert sum(d.empty for d in view.days) == 28
    assert view.day(dt.date(2026, 11, 30)).entries[0].post_id == first  # type: ignore[union-attr]
    assert view.day(dt.date(2026, 12, 1)) is None

    x_only = s.calendar.view("alice", "month", dt.date(2026, 11, 17), outlet="x")
    assert {e.post_id for d in x_only.days for e in d.entries} == {first}
    assert [e.post_id for d in s.calendar.view("alice", "month", dt.date(2026, 12, 1)).days
            for e in d.entries] == [december]
    with pytest.raises(InvalidInput, match="unknown outlet 'bluesky'"):
        s.calendar.view("alice", "month", dt.date(2026, 11, 17), outlet="bluesky")
    # withdrawn posts leave the calendar
    s.posts.withdraw("alice", first)
    assert calendar_view(s.db.conn, "month", dt.date(2026, 11, 1), s.config.tz).day(
        dt.date(2026, 11, 30)).empty  # type: ignore[union-attr]


def test_moving_a_plain_post_keeps_its_clearance(roster: Services) -> None:
    s = roster
    post_id = scheduled(s, "Registration is open: https://inmm.org/am",
                        local(s, "2026-11-04 10:00"))
    before = s.posts.get(post_id)
    new = local(s, "2026-11-12 14:00")
    check = s.calendar.check_move("alice", post_id, new)
    assert check.keeps_clearance and check.reasons == ()
    s.calendar.move("alice", post_id, new)
    after = s.posts.get(post_id)
    assert after.status == "scheduled" and after.scheduled_at == new
    assert after.clearance_hash == before.clearance_hash and after.cleared_by == "bob"
    deliveries = s.posts.deliveries(post_id)
    assert {d.due_at for d in deliveries} == {"2026-11-12T20:00:00.000000Z"}
    assert all(verify_clearance(s.db.conn, d.id) is None for d in deliveries)
    entry = audit.history(s.db.conn, f"post:{post_id}")[-1]
    assert entry["action"] == "post.move" and entry["actor"] == "alice"
    assert entry["details"]["clearance"] == "kept"
    assert entry["details"]["to"] == "2026-11-12T20:00:00.000000Z"
    week = s.calendar.view("alice", "week", dt.date(2026, 11, 12))
    assert [e.post_id for d in week.days for e in d.entries] == [post_id]


def test_a_held_delivery_moved_to_a_new_slot_is_pending_again(roster: Services,
                                                               clock: FakeClock) -> None:
    s = roster
    post_id = scheduled(s, "Registration is open: https://inmm.org/am",
                        local(s, "2026-11-02 10:00"))
    s.db.conn.execute("UPDATE deliveries SET state = 'held' WHERE post_id = ?", (post_id,))
    s.calendar.move("hq", post_id, local(s, "2026-11-03 10:00"))
    assert {d.state for d in s.posts.deliveries(post_id)} == {"pending"}


def test_a_move_that_makes_the_post_untimely_needs_clearing_again(roster: Services) -> None:
    s = roster
    # "tonight", going out tonight: nothing to say. Going out another day, it names
    # the wrong evening (policy: Timely).
    post_id = scheduled(s, "Reception tonight at 7: https://inmm.org/am",
                        local(s, "2026-11-02 16:00"))
    assert s.posts.get(post_id).screening == []
    new = local(s, "2026-11-04 16:00")
    check = s.calendar.check_move("alice", post_id, new)
    assert not check.keeps_clearance
    # said once for both outlets (the same words), as the screen on submitting says it
    assert len(check.reasons) == 1 and '"tonight"' in check.reasons[0]
    assert s.posts.get(post_id).status == "scheduled"  # only asked

    with pytest.raises(InvalidState, match=r"needs it cleared again: .*tonight"):
        s.calendar.move("alice", post_id, new)
    assert s.posts.get(post_id).scheduled_at == local(s, "2026-11-02 16:00")
    assert {d.due_at for d in s.posts.deliveries(post_id)} == {"2026-11-02T22:00:00.000000Z"}

    s.calendar.move("alice", post_id, new, reclear=True)
    post = s.posts.get(post_id)
    assert post.status == "submitted" and post.clearance_hash is None
    assert post.scheduled_at == new and s.posts.deliveries(post_id) == []
    assert {f["rule"] for f in post.screening} == {"timeliness.relative_date"}
    entry = audit.history(s.db.conn, f"post:{post_id}")[-1]
    assert entry["action"] == "post.move"
    assert entry["details"]["clearance"].startswith("withdrawn")
    # Cleared again, it goes out at the new time.
    s.posts.clear("bob", post_id)
    assert {d.due_at for d in s.posts.deliveries(post_id)} == {"2026-11-04T22:00:00.000000Z"}


def test_coverage_moved_after_its_event_needs_clearing_again(roster: Services) -> None:
    s = roster
    meeting = s.switches.start_event("hq", "Annual Meeting 2026", "#INMM26",
                                     starts_on=dt.date(2026, 11, 3), ends_on=dt.date(2026, 11, 5))
    post_id = scheduled(s, "Plenary at 10: https://inmm.org/am", local(s, "2026-11-04 09:00"),
                        event_id=meeting)
    assert s.calendar.check_move("alice", post_id, local(s, "2026-11-05 09:00")).keeps_clearance
    check = s.calendar.check_move("alice", post_id, local(s, "2026-11-06 09:00"))
    assert not check.keeps_clearance
    assert any("already past" in reason for reason in check.reasons)


def test_a_role_that_may_not_schedule_is_refused_and_the_refusal_kept(roster: Services) -> None:
    s = roster
    post_id = scheduled(s, "Registration is open: https://inmm.org/am",
                        local(s, "2026-11-04 10:00"))
    for ask in (s.calendar.check_move, s.calendar.move):
        with pytest.raises(NotAuthorised, match="may not publish, retry or withdraw posts"):
            ask("ec", post_id, local(s, "2026-11-05 10:00"))
    assert s.posts.get(post_id).scheduled_at == local(s, "2026-11-04 10:00")
    refused = [e for e in audit.history(s.db.conn, f"post:{post_id}")
               if e["action"] == "post.move_refused"]
    assert [e["actor"] for e in refused] == ["ec", "ec"]
    assert "Executive Committee" in refused[0]["details"]["refusal"]


def test_what_cannot_be_moved(roster: Services, clock: FakeClock) -> None:
    s = roster
    post_id = scheduled(s, "Registration is open: https://inmm.org/am",
                        local(s, "2026-11-04 10:00"))
    with pytest.raises(InvalidInput, match="in the past"):
        s.calendar.move("alice", post_id, local(s, "2026-11-01 10:00"))
    with pytest.raises(InvalidInput, match="time zone"):
        s.calendar.move("alice", post_id, dt.datetime(2026, 11, 5, 10))
    draft = s.posts.create_draft("alice", "Not cleared yet", topic="Annual Meeting")
    with pytest.raises(InvalidState, match="is draft; only a scheduled post"):
        s.calendar.move("alice", draft, local(s, "2026-11-05 10:00"))
    # Out on one outlet already: a move would split it.
    s.db.conn.execute("UPDATE deliveries SET state = 'sent', sent_at = '2026-11-02T15:00:00"
                      ".000000Z', platform_id = '1' WHERE post_id = ? AND outlet = 'x'",
                      (post_id,))
    with pytest.raises(InvalidState, match="is sent on at least one outlet"):
        s.calendar.move("alice", post_id, local(s, "2026-11-05 10:00"))
    assert not s.calendar.view("alice", "week", dt.date(2026, 11, 4)).days[2].entries[0].movable
    assert s.db.conn.execute(
        "SELECT count(*) FROM audit WHERE action = 'post.move'").fetchone()[0] == 0


def test_a_new_time_typed_in_compose_follows_the_same_rule(roster: Services) -> None:
    s = roster
    plain = scheduled(s, "Registration is open: https://inmm.org/am", local(s, "2026-11-02 16:00"))
    tonight = scheduled(s, "Reception tonight at 7: https://inmm.org/am",
                        local(s, "2026-11-02 16:00"))
    assert s.posts.edit("alice", plain, scheduled_at=local(s, "2026-11-04 16:00")).status \
        == "scheduled"
    post = s.posts.edit("alice", tonight, scheduled_at=local(s, "2026-11-04 16:00"))
    assert post.status == "submitted" and post.clearance_hash is None
    assert {f["rule"] for f in post.screening} == {"timeliness.relative_date"}
    entry = audit.history(s.db.conn, f"post:{tonight}")[-1]
    assert entry["action"] == "post.edit" and '"tonight"' in entry["details"]["reasons"][0]


def test_a_finding_the_clearer_saw_is_not_new_on_any_outlet(roster: Services) -> None:
    s = roster
    # Cleared knowing that "tonight" goes out two days after it was written: the screen
    # said so once for both outlets, and says nothing new on another day.
    post_id = scheduled(s, "Reception tonight at 7: https://inmm.org/am",
                        local(s, "2026-11-04 16:00"))
    assert [f["rule"] for f in s.posts.get(post_id).screening] == ["timeliness.relative_date"]
    check = s.calendar.check_move("alice", post_id, local(s, "2026-11-05 16:00"))
    assert check.keeps_clearance and check.reasons == ()


def test_a_move_screens_every_part_of_a_thread(roster: Services) -> None:
    s = roster
    post_id = scheduled(s, "The Annual Meeting programme: https://inmm.org/am",
                        local(s, "2026-11-02 16:00"),
                        parts=["And a reception tonight at 7."])
    check = s.calendar.check_move("alice", post_id, local(s, "2026-11-04 16:00"))
    assert not check.keeps_clearance
    assert len(check.reasons) == 1 and "part 2" in check.reasons[0]
    assert '"tonight"' in check.reasons[0]


def test_a_late_post_moved_to_the_next_day_is_judged_for_the_day_it_was_cleared_for(
        roster: Services, clock: FakeClock) -> None:
    s = roster
    # Cleared to go out on Monday evening; held, and on Tuesday moved to Tuesday evening:
    # its "tonight" was Monday's, although moving it on Tuesday to Tuesday changes no day.
    post_id = scheduled(s, "Reception tonight at 7: https://inmm.org/am",
                        local(s, "2026-11-02 16:00"))
    s.db.conn.execute("UPDATE deliveries SET state = 'held' WHERE post_id = ?", (post_id,))
    clock.advance(days=1)
    check = s.calendar.check_move("alice", post_id, local(s, "2026-11-03 18:00"))
    assert not check.keeps_clearance and '"tonight"' in check.reasons[0]
    assert "2026-11-02" in check.reasons[0] and "2026-11-03" in check.reasons[0]


def test_a_declined_move_is_kept_and_moves_nothing_even_where_clearance_would_hold(
        roster: Services) -> None:
    """The UI's "needs clearing again, move it?" answered No: whatever the slot needs by
    the time the answer comes (here the post is plain, so a move would keep its clearance),
    nothing moves, and the decline is in the audit log."""
    s = roster
    when = local(s, "2026-11-04 10:00")
    post_id = scheduled(s, "Registration is open: https://inmm.org/am", when)
    new = local(s, "2026-11-12 14:00")
    s.calendar.decline("alice", post_id, new)
    after = s.posts.get(post_id)
    assert after.status == "scheduled" and after.scheduled_at == when
    entry = audit.history(s.db.conn, f"post:{post_id}")[-1]
    assert (entry["action"], entry["actor"]) == ("post.move_declined", "alice")
    assert entry["details"]["to"] == "2026-11-12T20:00:00.000000Z"
    with pytest.raises(NotAuthorised):
        s.calendar.decline("nobody-here", post_id, new)
