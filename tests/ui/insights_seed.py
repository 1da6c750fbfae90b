"""Fixed metrics and questions for the metrics and questions screens' tests: a year of
daily follower counts on both outlets, posts sent over the year with their counts, web
referrals, a covered event, typed followers, and mentions triaged into questions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ui_support import AM, HQ, NOW, build_services

from inmm_tui.domain.questions import questions_for
from inmm_tui.store.tx import write
from inmm_tui.timeutil import to_db

# Days before NOW at which a post went out, and its engagement (likes; reposts a third).
SENT = [(1, 40), (3, 12), (5, 25), (12, 90), (20, 7), (45, 300), (200, 150)]
QUESTIONS = [
    # (hours before NOW, outlet, handle, text)
    (50, "x", "early_bird", "@INMMorg when does registration for the Annual Meeting open?"),
    (30, "mastodon", "researcher", "@INMMorg is the abstract deadline extended?"),
    (5, "x", "student1", "@INMMorg how do I join a student chapter?"),
]


def seed_insights(db_path: Path) -> None:
    s = build_services(db_path)
    conn = s.db.conn
    with write(s.db):
        for outlet, base, step in (("x", 1200, 3), ("mastodon", 300, 1)):
            conn.executemany(
                "INSERT INTO outlet_metrics (outlet, at, followers, following) VALUES (?, ?, ?, ?)",
                [(outlet, to_db(NOW - dt.timedelta(days=d, hours=1)), base + (400 - d) * step
                  + (d % 7) * 2, 100 + (400 - d) // 10) for d in range(400)])
        for n, kind in enumerate(["organisation"] * 3 + ["member"] * 5 + ["individual"] * 8
                                 + [None] * 4):
            conn.execute(
                "INSERT INTO followers (outlet, user_id, handle, kind, first_seen_at)"
                " VALUES ('x', ?, ?, ?, ?)",
                (f"u{n}", f"follower{n}", kind, to_db(NOW)))
        conn.execute(
            "INSERT INTO events (name, hashtag, kind, starts_on, ends_on, created_at, created_by)"
            " VALUES ('Annual Meeting 2027', '#INMM27', 'coverage', '2027-02-20', '2027-02-22',"
            " ?, ?)", (to_db(NOW), HQ))
        conn.executemany(
            "INSERT INTO web_referrals (date, campaign, source, sessions, imported_at, imported_by)"
            " VALUES (?, 'relevant-resources', ?, ?, ?, ?)",
            [((NOW - dt.timedelta(days=d)).date().isoformat(), source, n, to_db(NOW), HQ)
             for d, source, n in ((2, "x", 30), (4, "mastodon", 12), (40, "x", 80))])
    for number, (days, likes) in enumerate(SENT):
        post = s.posts.create_draft(AM, f"Journal issue {number + 1}: safeguards by design "
                                    "https://inmm.org/journal", topic="Relevant resources")
        s.posts.submit(AM, post)
        s.posts.clear(HQ, post)
        s.posts.schedule(HQ, post, None)
        sent = NOW - dt.timedelta(days=days)
        with write(s.db):
            conn.execute("UPDATE deliveries SET state = 'sent', sent_at = ?, platform_id = ?"
                         " WHERE post_id = ?", (to_db(sent), f"p{post}", post))
            conn.execute("UPDATE posts SET status = 'published' WHERE id = ?", (post,))
            conn.executemany(
                "INSERT INTO post_metrics (delivery_id, at, reposts, replies, likes, quotes)"
                " SELECT id, ?, ?, 1, ?, 0 FROM deliveries WHERE post_id = ?",
                [(to_db(sent + dt.timedelta(hours=h)), likes // 3 * h // 24, likes * h // 24,
                  post) for h in (6, 24)])
    with write(s.db):
        conn.execute(
            "INSERT INTO monthly_reports (month, format, path, written_at, written_by, sha256)"
            " VALUES ('2027-01', 'md', '/nowhere/inmm-monthly-2027-01.md', ?, 'daemon', '0')",
            (to_db(NOW - dt.timedelta(days=28)),))
    add_questions(s)
    conn.close()


def add_questions(s, questions=QUESTIONS) -> list[int]:  # type: ignore[no-untyped-def]
    """Mentions as the daemon ingests them, then its triage: they become questions."""
    conn = s.db.conn
    with write(s.db):
        for n, (hours, outlet, handle, text) in enumerate(questions):
            at = to_db(NOW - dt.timedelta(hours=hours))
            conn.execute(
                "INSERT INTO mentions (outlet, platform_id, author_id, author_handle, text,"
                " created_at, ingested_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (outlet, f"q{n}-{handle}", f"a{n}", handle, text, at, at))
    return questions_for(s).triage()
