"""Metrics: polls land as time series and survive a rate limit; follower types; events
covered per year; the website's analytics imported and joined to posts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from inmm_daemon import metrics as jobs

from inmm_tui.domain import metrics
from inmm_tui.domain.errors import InvalidInput, NotAuthorised
from inmm_tui.domain.services import Services
from inmm_tui.platforms.base import Metrics
from inmm_tui.platforms.errors import RateLimited
from inmm_tui.timeutil import to_db

from .conftest import START, FakeClock
from .fake_platform import FakePlatform


def sent_post(svc: Services, outlet: str, platform_id: str, at: dt.datetime, *,
              topic: str = "Annual Meeting", event_id: int | None = None,
              text: str = "Hello https://inmm.org/am ^AA") -> tuple[int, int]:
    """A published post with one sent delivery, as the daemon leaves it."""
    conn = svc.db.conn
    post_id = conn.execute(
        "INSERT INTO posts (author, status, body, topic, event_id, created_at, updated_at)"
        " VALUES ('alice', 'published', ?, ?, ?, ?, ?)",
        (text, topic, event_id, to_db(at), to_db(at))).lastrowid
    delivery_id = conn.execute(
        "INSERT INTO deliveries (post_id, outlet, state, text, content_hash, due_at, sent_at,"
        " platform_id) VALUES (?, ?, 'sent', ?, 'h', ?, ?, ?)",
        (post_id, outlet, text, to_db(at), to_db(at), platform_id)).lastrowid
    return int(post_id), int(delivery_id)


def test_polls_land_as_time_series_and_survive_a_rate_limit(roster: Services,
                                                             clock: FakeClock) -> None:
    svc = roster
    ids = [sent_post(svc, "x", f"p{i}", START - dt.timedelta(days=3 - i))[1] for i in range(3)]
    sent_post(svc, "x", "old", START - dt.timedelta(days=90))  # past poll_days: left alone
    outlet = FakePlatform(clock)
    outlet.counts = {f"p{i}": Metrics(reposts=i, replies=1, likes=10 * i, quotes=0) for i in range(3)}
    reset = START + dt.timedelta(minutes=15)
    outlet.fault = lambda f: (RateLimited("429 Too Many Requests", reset)  # after one post
                              if f.requests.count("metrics") > 1 else None)

    first = jobs.poll_metrics(svc, outlet, "x")
    assert first.posts_polled == 1 and first.rate_limited_until == reset
    assert first.counts == metrics.OutletCounts(120, 80)
    conn = svc.db.conn
    assert conn.execute("SELECT delivery_id FROM post_metrics").fetchall() == [(ids[0],)]

    # Before the reset time the next run makes no call at all.
    clock.advance(minutes=5)
    outlet.calls.clear()
    outlet.fault = None
    blocked = jobs.poll_metrics(svc, outlet, "x")
    assert outlet.calls == [] and blocked.posts_polled == 0

    # After it, the run resumes with the posts not yet polled, then the polled one.
    clock.advance(minutes=15)
    outlet.followers_count = 125
    resumed = jobs.poll_metrics(svc, outlet, "x")
    assert [c for c in outlet.calls if c[0] == "metrics"] == [("metrics", "p1"), ("metrics", "p2"),
                                                              ("metrics", "p0")]
    assert resumed.posts_polled == 3 and resumed.rate_limited_until is None
    series = conn.execute("SELECT delivery_id, count(*), max(likes) FROM post_metrics"
                          " GROUP BY delivery_id ORDER BY delivery_id").fetchall()
    assert series == [(ids[0], 2, 0), (ids[1], 1, 10), (ids[2], 1, 20)]
    points = metrics.follower_series(conn, "x", START - dt.timedelta(days=1), clock() + dt.timedelta(1))
    assert [(f, g) for _, f, g in points] == [(120, 80), (125, 80)]
    daily = metrics.follower_series(conn, "x", START - dt.timedelta(days=1),
                                    clock() + dt.timedelta(1), daily=True)
    assert [(at, f) for at, f, _ in daily] == [(clock(), 125)]  # the day's last point
    best = max(metrics.engagement(conn, START - dt.timedelta(days=5), clock()),
               key=lambda e: e.engagement)
    assert (best.delivery_id, best.engagement) == (ids[2], 2 + 1 + 20)
    polls = conn.execute("SELECT count(*) FROM audit WHERE action = 'metrics.poll'").fetchone()[0]
    assert polls == 2  # one entry per run that did something, not one per post


def test_counts_come_from_our_tables_when_the_platform_gives_none(roster: Services) -> None:
    conn = roster.db.conn
    now = to_db(START)
    conn.executemany("INSERT INTO followers (outlet, user_id, handle, first_seen_at, gone_at)"
                     " VALUES ('x', ?, ?, ?, ?)",
                     [(str(i), f"h{i}", now, now if i == 0 else None) for i in range(4)])
    outlet = FakePlatform(roster.clock, followers_count=None, following_count=None)
    result = jobs.poll_metrics(roster, outlet, "x")
    assert result.counts == metrics.OutletCounts(3, 0)


def test_followers_are_classified_by_member_list_and_profile_rules(roster: Services) -> None:
    conn = roster.db.conn
    now = to_db(START)
    conn.executemany("INSERT INTO members (name, kind, handles, imported_at) VALUES (?, ?, ?, ?)", [
        ("Jo Member", "member", "@jomember, x:jo_alt", now),
        ("Vi Volunteer", "volunteer", "vivol", now),
        ("Stan Staff", "staff", "@stanstaff", now)])
    followers = {
        "jomember": ("Jo M", None), "jo_alt": ("J", None), "vivol": ("Vi", None),
        "stanstaff": ("Stan", None), "OakRidgeLaboratory": ("ORNL", None),
        "wins": ("World Institute for Nuclear Security", None),
        "pnnl": ("PNNL", "Pacific Northwest National Laboratory"),
        "partner": ("Partner", None), "mary": ("Mary Curie", None), "x123": ("x123", None),
    }
    conn.executemany("INSERT INTO followers (outlet, user_id, handle, name, description,"
                     " first_seen_at) VALUES ('x', ?, ?, ?, ?, ?)",
                     [(h, h, n, d, now) for h, (n, d) in followers.items()])
    conn.execute("INSERT INTO following (outlet, user_id, handle, reason, followed_at, followed_by)"
                 " VALUES ('x', 'partner', 'partner', 'organisation', ?, 'hq')", (now,))
    rules = metrics.ProfileRules.from_config(roster.config.metrics)
    tally = metrics.classify_followers(roster.db, rules, at=START, batch=3)
    assert tally == {"member": 3, "staff": 1, "organisation": 4, "individual": 1, "unknown": 1}
    # In short transactions, each with its audit entry.
    assert conn.execute("SELECT count(*) FROM audit WHERE action = 'followers.classify'"
                        ).fetchone()[0] == 4
    kinds = dict(conn.execute("SELECT handle, kind FROM followers"))
    assert kinds["OakRidgeLaboratory"] == kinds["pnnl"] == kinds["partner"] == "organisation"
    assert (kinds["mary"], kinds["x123"], kinds["stanstaff"]) == ("individual", "unknown", "staff")
    assert metrics.follower_types(conn)["member"] == 3
    # Already classified followers are left alone unless asked to reclassify.
    assert metrics.classify_followers(roster.db, rules) == {}
    conn.execute("UPDATE members SET kind = 'staff' WHERE name = 'Vi Volunteer'")
    assert metrics.classify_followers(roster.db, rules, reclassify=True)["staff"] == 2


def test_events_covered_per_year(roster: Services) -> None:
    sw = roster.switches
    for name, day in (("Annual Meeting", dt.date(2026, 7, 20)), ("Workshop", dt.date(2026, 3, 2)),
                      ("Winter", dt.date(2025, 12, 30))):
        sw.start_event("alice", name, name.replace(" ", ""), starts_on=day,
                       ends_on=day + dt.timedelta(days=3))
    sw.start_event("hq", "Incident", "#incident", crisis=True)  # a crisis is not coverage
    assert metrics.events_covered_per_year(roster.db.conn) == {2025: 1, 2026: 2}
    july = metrics.events_covered(roster.db.conn, dt.date(2026, 7, 1), dt.date(2026, 8, 1))
    assert [e["name"] for e in july] == ["Annual Meeting"]


def test_analytics_import_replaces_days_and_joins_visits_to_posts(roster: Services,
                                                                  tmp_path: Path) -> None:
    svc = roster
    day = START - dt.timedelta(days=10)
    am_x, _ = sent_post(svc, "x", "a", day)
    am_m, _ = sent_post(svc, "mastodon", "b", day)
    later, _ = sent_post(svc, "x", "c", day + dt.timedelta(days=2))
    d0, d1, d2 = ((day + dt.timedelta(days=k)).date() for k in range(3))
    csv_file = tmp_path / "ga.csv"
    csv_file.write_text(
        "# GA4 export\n# property: inmm.org\nDate,Session source,Session campaign,Sessions,Bounce\n"
        f"{d0:%Y%m%d},x,annual-meeting,\"1,200\",0.4\n{d1},mastodon,annual-meeting,30,0.1\n"
        f"{d2},x,annual-meeting,7,0\n{d1},x,unknown-campaign,5,0\n")
    result = metrics.import_analytics(svc.db, "comms", csv_file, at=START)
    assert (result.rows, result.sessions, result.first) == (4, 1242, d0.isoformat())
    refs = metrics.referrals(svc.db.conn, d0, d2 + dt.timedelta(days=1))
    assert refs.sessions == 1242 and refs.by_source == {"x": 1212, "mastodon": 30}
    assert refs.unattributed == 5
    by_post = {p["post"]: p["sessions"] for p in refs.per_post}
    assert by_post == {am_x: 1200, am_m: 30, later: 7}
    # Importing the same days again replaces them instead of adding.
    csv_file.write_text(f"date,campaign,source,sessions\n{d0},annual-meeting,x,1000\n")
    metrics.import_analytics(svc.db, "comms", csv_file)
    assert metrics.referrals(svc.db.conn, d0, d1).sessions == 1000


def test_analytics_import_names_the_bad_line_and_needs_the_right(roster: Services,
                                                                tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("date,campaign,source,sessions\n2026-10-01,am,x,12\n2026-13-01,am,x,3\n")
    with pytest.raises(InvalidInput, match=r"bad.csv: line 3: date '2026-13-01' is not a date"):
        metrics.import_analytics(roster.db, "comms", bad)
    bad.write_text("when,campaign,source,sessions\n")
    with pytest.raises(InvalidInput, match="line 1: missing column 'date'"):
        metrics.import_analytics(roster.db, "comms", bad)
    bad.write_text("date,campaign,source,sessions\n2026-10-01,am,x,lots\n")
    with pytest.raises(InvalidInput, match="line 2: sessions 'lots' is not a whole number"):
        metrics.import_analytics(roster.db, "comms", bad)
    bad.write_text("date,campaign,source,sessions\n2026-10-01,am,x,3\n")
    with pytest.raises(NotAuthorised):
        metrics.import_analytics(roster.db, "alice", bad)
    assert roster.db.conn.execute("SELECT count(*) FROM web_referrals").fetchone()[0] == 0


@pytest.mark.parametrize("api", ["x", "mastodon"])
def test_metrics_polled_from_the_sandbox_survive_its_rate_limit(roster: Services, clock: FakeClock,
                                                               sandbox, api: str) -> None:
    outlet = sandbox.x() if api == "x" else sandbox.mastodon()
    sandbox.control.add_followers(api, "fan", 7)
    published = [outlet.publish(f"Post {i} https://inmm.org/p{i}", idempotency_key=f"k{i}")
                 for i in range(3)]
    for i, post in enumerate(published):
        sandbox.control.set_metrics(api, post.platform_id, likes=10 + i, reposts=i)
        sent_post(roster, api, post.platform_id, START - dt.timedelta(hours=3 - i))
    second = published[1].platform_id
    path = f"/2/tweets/{second}" if api == "x" else f"/api/v1/statuses/{second}"
    sandbox.control.fault("rate_limit", api=api, method="GET", path=path, reset_in=600)

    first = jobs.poll_metrics(roster, outlet, api)
    assert first.posts_polled == 1 and first.counts is not None and first.counts.followers == 7
    assert first.rate_limited_until is not None
    before = sandbox.control.requests()
    assert jobs.poll_metrics(roster, outlet, api).posts_polled == 0
    assert sandbox.control.requests() == before  # nothing sent while the limit holds

    clock.now = first.rate_limited_until + dt.timedelta(seconds=1)
    sandbox.control.set_metrics(api, published[0].platform_id, likes=50, reposts=5)
    assert jobs.poll_metrics(roster, outlet, api).posts_polled == 3
    rows = roster.db.conn.execute(
        "SELECT d.platform_id, m.likes, m.reposts FROM post_metrics m"
        " JOIN deliveries d ON d.id = m.delivery_id ORDER BY m.at, d.id").fetchall()
    ids = [p.platform_id for p in published]
    assert rows == [(ids[0], 10, 0), (ids[0], 50, 5), (ids[1], 11, 1), (ids[2], 12, 2)]
    assert [f for _, f, _ in metrics.follower_series(
        roster.db.conn, api, START - dt.timedelta(days=1), clock() + dt.timedelta(days=1))] == [7, 7]
