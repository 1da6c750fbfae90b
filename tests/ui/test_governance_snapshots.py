"""How the governance screens look at 80x24 and 160x48, on fixed data: a rotation due
with a compromise reported, one awaiting the daemon's check, the review under way, the
spoof queue, and a post out on one outlet but failed on the other (home, schedule).
Update after an intended change with `pytest tests/ui --snapshot-update`."""

from __future__ import annotations

import datetime as dt

import pytest
from gov_support import add_suspects, gov_app, gov_services
from ui_support import AM, HQ, NOW, SIZES, going_to

from inmm_tui.domain.governance import record_suspect
from inmm_tui.store.tx import write
from inmm_tui.timeutil import to_db


@pytest.fixture
def seeded(db_path):  # type: ignore[no-untyped-def]
    s = gov_services(db_path)
    conn = s.db.conn
    with write(s.db):
        conn.execute("INSERT INTO credential_rotations (outlet, rotated_at, recorded_by,"
                     " verified_at, verify_result) VALUES ('x', ?, ?, ?, 'ok'),"
                     " ('mastodon', ?, ?, ?, 'ok')",
                     (to_db(NOW - dt.timedelta(days=193)), HQ,
                      to_db(NOW - dt.timedelta(days=193)), to_db(NOW - dt.timedelta(days=90)),
                      HQ, to_db(NOW - dt.timedelta(days=90))))
    s.governance.flag_compromise(AM, "x", "a reply we never wrote")
    s.governance.record_rotation(HQ, "mastodon", "new app token")
    s.governance.review_person(HQ, AM, "keep")
    add_suspects(s)
    with write(s.db):
        record_suspect(conn, "x", "inmm_news", None, "INMM News", NOW - dt.timedelta(days=9))
    s.governance.mark_suspect(HQ, 3, "reported", "X-REPORT-4471")
    post = s.posts.create_draft(AM, "Slides from the workshop are online", topic="Events")
    s.posts.submit(AM, post)
    s.posts.clear(HQ, post)
    s.posts.schedule(HQ, post, None)
    conn.execute("UPDATE deliveries SET state = 'sent', platform_url = 'https://x.test/1'"
                 " WHERE post_id = ? AND outlet = 'x'", (post,))
    conn.execute("UPDATE deliveries SET state = 'failed', attempts = 3, last_error ="
                 " 'mastodon: 422 Unprocessable: text too long' WHERE post_id = ?"
                 " AND outlet = 'mastodon'", (post,))
    conn.commit()
    conn.close()
    return db_path



SCREENS = {
    "home": (),
    "governance": ("g",),
    "review": ("g", "v"),
    "schedule": ("s",),
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", SCREENS)
def test_governance_screen(snap_compare, seeded, screen: str, size: str) -> None:
    assert snap_compare(gov_app(seeded, HQ), terminal_size=SIZES[size],
                        run_before=going_to(*SCREENS[screen]))




@pytest.mark.parametrize("size", SIZES)
def test_crisis_banner_on_another_screen(snap_compare, seeded, size: str) -> None:
    s = gov_services(seeded)
    s.switches.start_event(HQ, "Facility incident", "#INMMupdate", crisis=True)
    s.db.conn.close()
    assert snap_compare(gov_app(seeded, AM), terminal_size=SIZES[size],
                        run_before=going_to("g"))
