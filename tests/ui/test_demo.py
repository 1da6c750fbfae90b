"""`inmm-tui --demo`: a throwaway database with the current login as HQ, four demo
colleagues, something to do on every screen from the first minute, nothing the audit
check cannot explain, and nothing left behind."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from ui_support import AM, HQ, settle

from inmm_tui import cli
from inmm_tui.commands import demo
from inmm_tui.domain.people import current_login
from inmm_tui.domain.roles import Role
from inmm_tui.ui.app import InmmApp
from inmm_tui.ui.screens.home import HomeScreen


def test_demo_opens_the_ui_on_a_throwaway_database(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, object] = {}

    def fake_run(self: InmmApp) -> None:
        services = self.services
        seen["path"] = services.config.database_path
        seen["me"] = services.queues.overview(self.login).person.role
        seen["people"] = {p.login for p in services.queues.people(self.login)}
        seen["waiting"] = services.queues.overview(self.login).awaiting_clearance
        seen["switch_to"] = self.switch_to
        shared = services.db.conn.execute(
            "SELECT s.state, s.author_handle FROM shares s JOIN posts p ON p.id = s.post_id"
            " WHERE p.status = 'submitted'").fetchall()
        seen["shared"] = shared
        # The newcomer can clear the colleague's post at once (four-eyes holds).
        waiting = services.db.conn.execute(
            "SELECT id FROM posts WHERE status = 'submitted'").fetchone()[0]
        services.posts.clear(self.login, waiting)
        seen["cleared"] = waiting
        # The daemon tells the author by the demo's webhook, whose receiver writes it down.
        received = services.config.database_path.parent / "notifications-received.txt"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "was cleared" not in received.read_text():
            time.sleep(0.5)
        seen["received"] = received.read_text()

    monkeypatch.setattr(InmmApp, "run", fake_run)
    monkeypatch.setattr(demo, "START_GRACE_SECONDS", 0.3)
    assert cli.main(["--demo"]) == 0
    me = current_login()
    assert seen["me"] is Role.HQ
    assert seen["people"] == {me, "colleague", "chair", "comms", "ec"}
    assert seen["waiting"] == 2  # a post, and a quote of a sister society's post
    assert seen["shared"] == [("resolved", "ANS_org")]  # read by the daemon's first pass
    assert seen["switch_to"] == [me, "colleague", "chair", "ec"]
    assert f"Your post #{seen['cleared']} was cleared by {me}" in str(seen["received"])
    assert not Path(str(seen["path"])).parent.exists()  # removed on exit


async def test_f2_switches_person_only_in_the_demo(make_app, db_path) -> None:
    from ui_support import build_services

    app = InmmApp(build_services(db_path), HQ, watch=False, switch_to=[HQ, AM])
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert app.backend.login == AM and isinstance(app.screen, HomeScreen)
        assert "Alex Doe" in str(app.screen.query_one("#whoami").render())
    plain = make_app(HQ)
    async with plain.run_test() as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert plain.backend.login == HQ


@pytest.fixture(scope="module")
def demo_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[demo.DemoWorld]:
    """The demo built in-process, as `--demo` builds it before the UI opens."""
    world = demo.build(tmp_path_factory.mktemp("demo"), "newcomer")
    yield world
    world.close()


def test_the_demo_gives_every_screen_something_from_the_first_minute(
        demo_world: demo.DemoWorld) -> None:
    from inmm_tui.domain import duties
    from inmm_tui.domain.governance_view import GovernanceView
    from inmm_tui.domain.questions import questions_for
    from inmm_tui.reports import insights
    from inmm_tui.reports.monthly import past_reports
    from inmm_tui.timeutil import from_db, utcnow

    services = demo_world.services
    conn, config, now = services.db.conn, services.config, utcnow()
    # An Executive Committee member to switch to, and the EC meeting three weeks ahead:
    # the roster's annual review is open.
    people = {p.login: p.role for p in services.queues.people("newcomer")}
    assert people["ec"] is Role.EXECUTIVE_COMMITTEE and people["chair"] is Role.SUBCOMMITTEE_CHAIR
    review = duties.review_status(conn, config, now)
    assert review is not None and review.open and not review.overdue
    assert review.meeting == (now + dt.timedelta(days=demo.EC_MEETING_IN_DAYS)).date()
    # A rude reply in moderation and a question in the inbox, on each outlet, before the
    # first minute is out.
    items = services.moderation.items("newcomer")
    rude = [i for i in items if i.text == demo.RUDE_REPLY[2]]
    assert {i.outlet for i in rude} == {api for api, _, _ in demo.DEMO_OUTLETS}
    asked = [q for q in questions_for(services).inbox() if q.text == demo.QUESTION[2]]
    assert {q.outlet for q in asked} == {api for api, _, _ in demo.DEMO_OUTLETS}
    for created in [i.created_at for i in rude] + [q.created_at for q in asked]:
        assert now - from_db(created) < dt.timedelta(minutes=1)
    # The look-alikes, found by the daemon's spoof watch.
    view = GovernanceView(services.db, config)
    suspects = {(s.outlet, s.handle) for s in view.suspects() if s.status == "new"}
    # (Bluesky's handles are domain names: the look-alikes there are too; LinkedIn's
    # sandbox knows no other organisation page.)
    expected = {(o, h.lower()) for o in ("x", "mastodon") for h, _, _ in demo.LOOK_ALIKES}
    expected |= {("bluesky", h.lower().replace("_", "-") + ".bsky.social")
                 for h, _, _ in demo.LOOK_ALIKES}
    assert suspects == expected
    # Weeks of metrics for the charts, the posts' engagement, last month's report.
    first = conn.execute("SELECT min(at) FROM outlet_metrics").fetchone()[0]
    assert now - from_db(first) >= dt.timedelta(weeks=5)
    figures = insights.gather(conn, config, "newcomer", "30d", now)
    for outlet in figures.outlets:
        assert len(outlet.series) >= 10 and outlet.change and outlet.change > 0
    assert len(figures.engagement_daily) >= 3 and figures.top_posts
    assert figures.follower_types["organisation"] and figures.follower_types["individual"]
    assert {r["month"] for r in past_reports(conn)} == {figures.report_month.strftime("%Y-%m")}
    # A post and a share waiting for clearance; the accounts followed back since the
    # chair's last review of them (a week ago), not six weeks' worth.
    overview = services.queues.overview("newcomer")
    assert overview.awaiting_clearance == 2
    assert 0 < overview.follow_review < 20


def test_the_demo_is_all_explained_by_the_audit_log(demo_world: demo.DemoWorld) -> None:
    from inmm_tui.domain import audit, authority
    from inmm_tui.domain.governance_view import GovernanceView

    conn = demo_world.services.db.conn
    assert authority.unexplained(conn) == []
    assert audit.verify(conn).ok
    assert conn.execute("SELECT kind, message FROM alerts WHERE acknowledged_at IS NULL"
                        ).fetchall() == []
    assert conn.execute("SELECT name FROM daemon_jobs WHERE NOT last_ok").fetchall() == []
    # The credentials were rotated after the roster was set up (nothing due); the one
    # thing overdue is the policy's review, and its reminder says why and what to do.
    attention = GovernanceView(demo_world.services.db, demo_world.services.config
                               ).attention("newcomer")
    assert (attention.rotations_due, attention.reviews_overdue, attention.alerts,
            attention.partly_published) == (0, 1, 0, 0)
    reminders = dict(conn.execute(
        "SELECT kind, message || ' / ' || how FROM reminders WHERE done_at IS NULL"))
    policy = reminders["policy_review"]
    assert "due for review on 2021-12-01 (overdue: that date has passed)" in policy
    assert "the date is the one the policy gives for its next review" in policy
    assert "[review] policy_next_review" in policy


async def test_f2_reaches_the_executive_committee_member(demo_world: demo.DemoWorld) -> None:
    app = InmmApp(demo_world.services, "newcomer", watch=False,
                  switch_to=["newcomer", "colleague", "chair", "ec"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for expected in ("colleague", "chair", "ec"):
            await pilot.press("f2")
            await settle(pilot)
            assert app.backend.login == expected
        assert "Eve Executive" in str(app.screen.query_one("#whoami").render())
