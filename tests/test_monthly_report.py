"""The monthly report on a month of activity as the daemon leaves it: the figures are
asserted one by one, in Markdown and in HTML, and the HTML needs nothing from outside."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest
from inmm_daemon import metrics as jobs

from inmm_tui.domain import metrics
from inmm_tui.domain.moderation import IncomingMention
from inmm_tui.domain.people import current_login
from inmm_tui.domain.questions import questions_for
from inmm_tui.domain.roles import Role
from inmm_tui.domain.services import Services
from inmm_tui.reports import monthly
from inmm_tui.timeutil import to_db

from .cli_helpers import run_cli
from .conftest import PEOPLE, FakeClock
from .test_metrics import sent_post
from .test_questions import mention, send

UTC = dt.UTC
NOV = dt.date(2026, 11, 1)
MATCH = json.dumps([{"id": 12, "name": "Ada Lovelace", "kind": "member",
                     "matched_on": "handle"}])
"""A poster look-up as `Moderation.lookup_poster` keeps it on the item."""


def at(day: int, hour: int = 15, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.fixture
def month_of_activity(roster: Services, clock: FakeClock, tmp_path: Path, sandbox) -> Services:
    """November 2026 on the sandbox: posts published through the X and Mastodon adapters,
    metrics polled by the daemon's job, and what the other jobs leave in the database."""
    svc = roster
    conn = svc.db.conn
    outlets = {"x": sandbox.x(), "mastodon": sandbox.mastodon()}
    counter = iter(range(100))

    def publish(outlet: str, when: dt.datetime, topic: str = "Annual Meeting",
                post_id: int | None = None) -> tuple[int, str]:
        n = next(counter)
        platform_id = outlets[outlet].publish(f"Post {n} https://inmm.org/p{n}",
                                              idempotency_key=f"k{n}").platform_id
        if post_id is None:
            return sent_post(svc, outlet, platform_id, when, topic=topic)[0], platform_id
        conn.execute(
            "INSERT INTO deliveries (post_id, outlet, state, text, content_hash, due_at, sent_at,"
            " platform_id) VALUES (?, ?, 'sent', 't', 'h', ?, ?, ?)",
            (post_id, outlet, to_db(when), to_db(when), platform_id))
        return post_id, platform_id

    def poll(when: dt.datetime, *names: str) -> None:
        clock.now = when
        for name in names:
            assert jobs.poll_metrics(svc, outlets[name], name).rate_limited_until is None

    # Posts: three Annual Meeting posts on both outlets, two Awards posts on X, and three
    # at the edges of the month in Chicago time (UTC-6 in November).
    ids = {}
    publish("x", at(20, month=10), topic="Membership")
    sandbox.control.add_followers("x", "early", 1000)
    poll(at(31, month=10), "x")                                             # X: 1000 followers
    for i in range(3):
        post_id, ids[(i, "x")] = publish("x", at(5 + i))
        ids[(i, "mastodon")] = publish("mastodon", at(5 + i), post_id=post_id)[1]
    sandbox.control.add_followers("mastodon", "m", 300)
    sandbox.control.set_metrics("x", ids[(0, "x")], reposts=1, likes=2)
    poll(at(6, 18), "x", "mastodon")                                        # Mastodon: 300
    for i in range(2):
        ids[("aw", i)] = publish("x", at(20 + i), topic="Awards")[1]
    publish("x", at(1, 3), topic="Membership")                              # Oct 31, 21:00 CST
    publish("x", dt.datetime(2026, 12, 1, 3, tzinfo=UTC), topic="Membership")  # Nov 30, 21:00
    sandbox.control.add_followers("x", "mid", 10)
    poll(at(15), "x")                                                       # X: 1010
    sandbox.control.set_metrics("x", ids[(0, "x")], reposts=4, likes=10, replies=1, quotes=1,
                                impressions=900)
    sandbox.control.set_metrics("x", ids[("aw", 0)], reposts=2, likes=5)
    sandbox.control.set_metrics("mastodon", ids[(0, "mastodon")], reposts=3, likes=3, replies=2)
    sandbox.control.add_followers("x", "late", 15)
    sandbox.control.add_followers("mastodon", "late", 10)
    poll(at(29), "x", "mastodon")                                           # 1025 and 310
    # Followers as the follow-back job records them, typed by the metrics job.
    conn.executemany(
        "INSERT INTO followers (outlet, user_id, handle, name, first_seen_at, gone_at, kind)"
        " VALUES ('x', ?, ?, ?, ?, ?, ?)",
        [("1", "wins", "WINS", to_db(at(3)), None, "organisation"),
         ("2", "mary", "Mary Curie", to_db(at(4)), None, "individual"),
         ("3", "old", "Old", to_db(at(1, month=10)), to_db(at(9)), "unknown"),
         ("4", "jo", "Jo", to_db(at(1, month=10)), None, "member")])
    # Web analytics: 50 visits in November, 7 in October.
    csv_file = tmp_path / "ga.csv"
    csv_file.write_text("date,campaign,source,sessions\n2026-11-05,annual-meeting,x,40\n"
                        "2026-11-06,annual-meeting,mastodon,10\n2026-10-20,membership,x,7\n")
    metrics.import_analytics(svc.db, "comms", csv_file)
    # Live coverage: the Annual Meeting in November, a workshop in March.
    svc.switches.start_event("alice", "Annual Meeting", "#INMM26", starts_on=dt.date(2026, 11, 10),
                             ends_on=dt.date(2026, 11, 13))
    svc.switches.start_event("alice", "Workshop", "#ws", starts_on=dt.date(2026, 3, 2),
                             ends_on=dt.date(2026, 3, 3))
    # Questions: three in November; one holding reply; one answered and sent.
    inbox = questions_for(svc)
    clock.now = at(10)
    q1 = mention(svc, "@INMMorg when is the banquet?", at=at(8))
    mention(svc, "@INMMorg where do I park?", at=at(9), handle="p")
    mention(svc, "@INMMorg is there a livestream?", at=at(29, 20), handle="s")
    mention(svc, "@INMMorg nice talk", at=at(9), handle="n")
    # A private message: counted apart, never among the mentions or questions.
    svc.moderation.ingest("mastodon", [IncomingMention(
        "dm1", "77", "member_m", "M", "@INMMorg my membership number is 1234", at(9),
        visibility="direct")])
    inbox.triage()
    svc.posts.clear("bob", inbox.holding_reply("alice", q1))
    answer = inbox.answer("alice", [q1], "The banquet is on Wednesday at 7 pm.")
    svc.posts.clear("bob", answer)
    svc.posts.schedule("bob", answer, None)
    send(svc, answer)
    # Moderation: one hidden, forwarded and decided by the EC; one dismissed.
    m1 = mention(svc, "@INMMorg rude words", kind="moderation", handle="troll", at=at(11))
    m2 = mention(svc, "@INMMorg spam", kind="moderation", handle="spam", at=at(12))
    conn.execute(
        "INSERT INTO moderation_items (mention_id, status, opened_at, hidden_at, blocked_at,"
        " member_match, recommendation, forwarded_at, ec_decision, ec_decided_at) VALUES"
        " (?, 'decided', ?, ?, ?, ?, 'suspend membership', ?, 'warning letter', ?)",
        (m1, to_db(at(11)), to_db(at(11)), to_db(at(11)), MATCH, to_db(at(12)), to_db(at(19))))
    conn.execute("INSERT INTO moderation_items (mention_id, status, opened_at, closed_at)"
                 " VALUES (?, 'dismissed', ?, ?)", (m2, to_db(at(12)), to_db(at(12))))
    # Roster and credentials: a withdrawal (which makes both outlets due for rotation),
    # and X rotated before it.
    conn.execute("INSERT INTO credential_rotations (outlet, rotated_at, recorded_by)"
                 " VALUES ('x', ?, 'hq')", (to_db(at(14)),))
    clock.now = at(16)
    svc.roster.revoke("hq", "bob", "left the subcommittee")
    conn.executemany("INSERT INTO reminders (kind, subject, message, due_at) VALUES (?, ?, 'm', ?)",
                     [("follow_review", "x", to_db(at(20))), ("question", "mention:99", to_db(at(20))),
                      ("follow_review", "mastodon", to_db(at(2, month=12)))])
    clock.now = dt.datetime(2026, 12, 1, 13, tzinfo=UTC)  # the daemon writes it on the 1st
    return svc


def test_the_figures_of_a_month(month_of_activity: Services) -> None:
    svc = month_of_activity
    r = monthly.gather(svc.db.conn, svc.config, NOV, svc.clock())
    assert r["posts"]["published"] == 7 and r["posts"]["deliveries"] == 10
    assert r["posts"]["by_outlet"] == {"mastodon": 3, "x": 7}
    assert r["posts"]["by_topic"] == {"Annual Meeting": 3, "Awards": 2, "Answer to a question": 1,
                                      "Membership": 1}
    assert r["posts"]["replies"] == 1
    best = r["engagement"]["best_posts"]
    assert [(b["engagement"], b["outlets"]) for b in best] == [
        (16 + 8, {"x": 16, "mastodon": 8}), (7, {"x": 7})]
    assert r["engagement"]["totals"] == {"reposts": 9, "replies": 3, "likes": 18, "quotes": 1,
                                         "impressions": 900}
    f = r["followers"]
    assert (f["outlets"]["x"]["start"], f["outlets"]["x"]["end"], f["outlets"]["x"]["change"]) == (
        1000, 1025, 25)
    assert f["outlets"]["mastodon"]["change"] == 10 and f["outlets"]["x"]["following"] == 0
    assert (f["new"], f["lost"]) == (2, 1)
    assert f["types"] == {"organisation": 1, "member": 1, "staff": 0, "individual": 1, "unknown": 0}
    ref = r["referrals"]
    assert ref["sessions"] == 50 and ref["by_source"] == {"x": 40, "mastodon": 10}
    assert ref["unattributed"] == 0 and ref["top_posts"][0]["sessions"] == 40
    assert [e["name"] for e in r["events"]["covered"]] == ["Annual Meeting"]
    assert r["events"]["this_year"] == 2
    assert r["questions"] == {"mentions": 6, "private": {"mastodon": 1}, "received": 3,
                              "holding_replies": 1, "answered": 1,
                              "unanswered": 2, "unanswered_late": 1, "themes": {}}
    m = r["moderation"]
    assert (m["opened"], m["forwarded"], m["ec_decisions"]) == (2, 1, 1)
    assert m["by_status"] == {"decided": 1, "dismissed": 1}
    assert m["items"][0]["actions"] == ["hidden", "blocked"]
    assert m["items"][0]["ec_decision"] == "warning letter"
    actions = [c["action"] for c in r["roster"]["changes"]]
    assert actions == ["init", "add", "add", "add", "add", "add", "revoke"]
    assert r["roster"]["active"] == 5
    # Each of the five people added and the withdrawal made both outlets due (policy:
    # "whenever there is an update to the authorized persons list").
    assert len(r["credentials"]["rotations"]) == 1 and len(r["credentials"]["triggers"]) == 12
    changes = "; ".join(f"roster change: {name} was added as {role.label}"
                        for login, (name, role) in PEOPLE.items() if login != "hq")
    changes += "; roster change: Bob Baker's rights were withdrawn"
    assert r["overdue"] == [
        "1 follow review reminder not done",
        "1 question unanswered after 48 hours",
        f"x: credential rotation due ({changes})",
        f"mastodon: credential rotation due ({changes})",
        "the policy's review was due on 2021-12-01",
    ]


def test_markdown_and_html_carry_the_figures(month_of_activity: Services) -> None:
    svc = month_of_activity
    r = monthly.gather(svc.db.conn, svc.config, NOV, svc.clock())
    md = monthly.render_md(r)
    assert "# INMM social media: monthly summary for November 2026" in md
    assert "Posts published: **7** (10 deliveries" in md
    assert "| x | 7 |" in md and "| mastodon | 3 |" in md and "| Awards | 2 |" in md
    assert "| x | 1000 | 1025 | +25 | 0 |" in md and "| mastodon | 300 | 310 | +10 | 0 |" in md
    assert "Visits to the website from social media: **50**" in md
    assert "Events covered this month: **1**; in 2026: 2." in md
    assert "Questions received: **3**; holding replies: 1; answered publicly: **1**" in md
    assert "Private messages received: 1 (mastodon 1)" in md
    assert "membership number" not in md and "member_m" not in md
    assert ("| decided (hidden, blocked) | Ada Lovelace (member) | suspend membership |"
            " warning letter |") in md
    assert "revoke bob by hq" in md
    html = monthly.render_html(r)
    assert html.startswith("<!DOCTYPE html>") and html.count("<svg") == 5
    for svg in re.findall(r"<svg.*?</svg>", html, re.S):
        ElementTree.fromstring(svg)  # each chart is well-formed SVG
    assert "Followers by type" in html and "Posts per outlet and topic" in html
    text = re.sub(r"<[^>]+>", " ", html)
    assert "Posts published: 7 (10 deliveries" in " ".join(text.split())
    assert "<td>Awards</td><td class=\"n\">2</td>" in html
    _assert_self_contained(html)


def _assert_self_contained(html: str) -> None:
    """Nothing is fetched: no script, style, font or image from a URL, no @import."""
    assert not re.search(r"""<(script|link|img|iframe|object|embed)[^>]*\s(src|href)\s*=""", html, re.I)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", html, re.I)
    assert "@import" not in html and "kozea.github.io" not in html


def test_the_daemon_writes_both_formats_and_they_are_listed(month_of_activity: Services) -> None:
    from inmm_daemon.metrics import write_monthly_report

    svc = month_of_activity
    paths = write_monthly_report(svc)
    assert [p.name for p in paths] == ["inmm-monthly-2026-11.md", "inmm-monthly-2026-11.html"]
    assert "answered publicly: **1**" in paths[0].read_text()
    listed = monthly.past_reports(svc.db.conn)
    assert [(x["month"], x["format"], x["written_by"], x["exists"]) for x in listed] == [
        ("2026-11", "html", "daemon", True), ("2026-11", "md", "daemon", True)]
    from inmm_tui.domain.errors import NotAuthorised

    with pytest.raises(NotAuthorised, match="may not write the monthly report"):
        monthly.write_report(svc, NOV, "md", actor="alice")


def test_the_command_writes_the_html_report(month_of_activity: Services, tmp_path: Path) -> None:
    svc = month_of_activity
    if current_login() not in {p.login for p in svc.roster.people()}:
        svc.roster.add("hq", current_login(), "Cora Chair", Role.COMMUNICATIONS_CHAIR)
    cfg = tmp_path / "inmm.toml"
    cfg.write_text(f'[inmm]\ndatabase = "{svc.config.database_path}"\n')
    out = tmp_path / "nov.html"
    result = run_cli("--config", str(cfg), "report", "monthly", "--month", "2026-11",
                     "--format", "html", "--output", str(out))
    assert result.returncode == 0, result.stderr
    html = out.read_text()
    assert "Posts published: <span class=\"figure\">7</span>" in html
    _assert_self_contained(html)
    bad = run_cli("--config", str(cfg), "report", "monthly", "--month", "2026-13")
    assert bad.returncode == 2 and "--month '2026-13': expected a month like 2027-03" in bad.stderr
    bad_csv = tmp_path / "ga.csv"
    bad_csv.write_text("date,campaign,source\n2026-11-01,am,x\n")
    refused = run_cli("--config", str(cfg), "analytics", "import", str(bad_csv))
    assert refused.returncode == 2 and "missing column 'sessions'" in refused.stderr


def test_bar_charts_name_their_bars() -> None:
    from inmm_tui.reports.monthly import _chart

    svg = _chart("stacked", "Posts per outlet and topic", [("Awards", [3, 5])], ["x", "mastodon"])
    # pygal hid every x label as "minor" when none was marked major: bars nobody could name
    assert ">mastodon</text>" in svg and ">x</text>" in svg
    assert ">Awards</text>" in svg  # the legend, even with one topic


def test_the_period_line_gives_the_local_first_and_last_day(tmp_path: Path) -> None:
    import datetime as dt
    import sqlite3

    from inmm_tui.config import parse_config
    from inmm_tui.reports.monthly import gather, render_md
    from inmm_tui.store.db import open_database

    config = parse_config({"inmm": {"database": str(tmp_path / "v.db"),
                                    "timezone": "Europe/Vienna"}}, tmp_path / "inmm.toml")
    open_database(config.database_path, create=True).close()
    conn = sqlite3.connect(config.database_path)
    report = gather(conn, config, dt.date(2027, 3, 1), now=dt.datetime(2027, 4, 2, tzinfo=dt.UTC))
    assert "Period: 2027-03-01 to 2027-03-31 (Europe/Vienna)" in render_md(report)


def test_the_member_column_names_whom_the_look_up_found(month_of_activity: Services) -> None:
    svc = month_of_activity
    md = monthly.render_md(monthly.gather(svc.db.conn, svc.config, NOV, svc.clock()))
    row = next(line for line in md.splitlines() if "@troll" in line)
    assert "Ada Lovelace (member)" in row and "{" not in row and '"' not in row


def test_follower_types_of_a_past_month_are_those_of_its_end(month_of_activity: Services) -> None:
    svc = month_of_activity
    conn, config, now = svc.db.conn, svc.config, svc.clock()
    # On Oct 31 (Chicago) only the two followers first seen on Oct 1 followed us; one of
    # them left on Nov 9. Today's counts would be wrong for October.
    october = monthly.gather(conn, config, dt.date(2026, 10, 1), now)["followers"]["types"]
    assert october == {"organisation": 0, "member": 1, "staff": 0, "individual": 0,
                       "unknown": 1}
    assert october != metrics.follower_types(conn)
    # Before the first follower was recorded, nothing is known: said, not made up.
    september = monthly.gather(conn, config, dt.date(2026, 9, 1), now)
    assert september["followers"]["types"] is None
    md = monthly.render_md(september)
    assert ("Followers by type at the end of the month: not recorded (the follower lists "
            "were not kept yet).") in md
    assert "Followers by type" not in monthly.render_html(september).split("<h1>")[0]


def test_a_month_not_begun_is_refused_and_the_current_one_is_so_far(
        month_of_activity: Services, tmp_path: Path) -> None:
    from inmm_tui.domain.errors import InvalidInput

    svc = month_of_activity  # the clock: 2026-12-01 07:00 in Chicago
    with pytest.raises(InvalidInput, match=r"month 2027-01: it has not begun yet \(today is "
                                           r"2026-12-01 in America/Chicago\)"):
        monthly.write_report(svc, dt.date(2027, 1, 1), "md", actor="comms")
    assert not list(svc.config.reports_path.glob("*2027-01*"))
    december = monthly.gather(svc.db.conn, svc.config, dt.date(2026, 12, 1), svc.clock())
    md = monthly.render_md(december)
    assert md.startswith("# INMM social media: monthly summary for December 2026 (so far)")
    assert "The month is not over: figures up to 2026-12-01 07:00 (America/Chicago)." in md
    assert "Followers by type now:" in md
    # From the command line: exit 2, the reason, no file, no traceback.
    if current_login() not in {p.login for p in svc.roster.people()}:
        svc.roster.add("hq", current_login(), "Cora Chair", Role.COMMUNICATIONS_CHAIR)
    cfg = tmp_path / "inmm.toml"
    cfg.write_text(f'[inmm]\ndatabase = "{svc.config.database_path}"\n')
    out = tmp_path / "future.md"
    result = run_cli("--config", str(cfg), "report", "monthly", "--month", "2999-01",
                     "--output", str(out))
    assert result.returncode == 2, result.stderr
    assert "month 2999-01: it has not begun yet" in result.stderr
    assert "Traceback" not in result.stderr and not out.exists()


def _axis_labels(svg: str) -> list[str]:
    """The value axis' tick labels of a pygal chart."""
    axis = re.search(r'<g class="axis (?:y|x) always_show">.*?</g></g>', svg, re.S)
    assert axis, svg[:200]
    return re.findall(r">([^<]*)</text>", axis.group(0))


def test_charts_count_in_whole_numbers_and_name_the_best_posts(
        month_of_activity: Services) -> None:
    svc = month_of_activity
    r = monthly.gather(svc.db.conn, svc.config, NOV, svc.clock())
    html = monthly.render_html(r)
    charts = {}
    for svg in re.findall(r"<svg.*?</svg>", html, re.S):
        title = re.search(r'class="title plot_title">([^<]*)<', svg)
        assert title is not None
        charts[title.group(1)] = svg
    for title, svg in charts.items():
        if title != "Followers by type":
            labels = _axis_labels(svg)
            assert labels and all(label.isdigit() for label in labels), (title, labels)
    best = r["engagement"]["best_posts"][0]
    names = re.findall(r">([^<]*)</text>", charts["Best posts by engagement"])
    assert names[0].startswith(f"#{best['post']} {best['text'][:10]}"), names
    assert ">x</text>" in charts["Web visits by source"]
    assert ">mastodon</text>" in charts["Web visits by source"]


def test_one_day_of_follower_counts_is_said_not_drawn(tmp_path: Path) -> None:
    from inmm_tui.config import parse_config
    from inmm_tui.store.db import open_database

    config = parse_config({"inmm": {"database": str(tmp_path / "one.db")}},
                          tmp_path / "inmm.toml")
    db = open_database(config.database_path, create=True)
    metrics.save_poll(db, "x", counts=metrics.OutletCounts(1025, 40), at=at(29))
    r = monthly.gather(db.conn, config, NOV, dt.datetime(2026, 12, 2, tzinfo=UTC))
    html = monthly.render_html(r)
    assert "Followers: one day of counts, too few to draw a line" in html
    assert not any('plot_title">Followers<' in svg
                   for svg in re.findall(r"<svg.*?</svg>", html, re.S))
    db.close()
