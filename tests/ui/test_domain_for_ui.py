"""The domain operations the UI needed: local times, platform counts, preview,
draft autosave, queues; permissions and audit stay in the domain."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from ui_support import AM, HQ, NOW

from inmm_tui.domain import audit
from inmm_tui.domain.errors import InvalidInput, NotAuthorised
from inmm_tui.domain.lengths import weighted_length
from inmm_tui.domain.roles import Role
from inmm_tui.domain.when import format_local, parse_local_time

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


def test_local_time_is_read_in_the_configured_zone() -> None:
    moment = parse_local_time("2027-03-02 09:00", CHICAGO, NOW)
    assert moment == dt.datetime(2027, 3, 2, 15, 0, tzinfo=dt.UTC)
    assert format_local(moment, CHICAGO) == "2027-03-02 09:00"
    assert parse_local_time("  ", CHICAGO, NOW) is None


def test_a_time_in_the_spring_forward_gap_is_refused() -> None:
    with pytest.raises(InvalidInput, match="does not exist in America/Chicago"):
        parse_local_time("2027-03-14 02:30", CHICAGO, NOW)
    # Just after the gap is fine (03:00 CDT = 08:00 UTC).
    assert parse_local_time("2027-03-14 03:00", CHICAGO, NOW).hour == 8  # type: ignore[union-attr]


def test_past_and_malformed_times_are_refused_with_the_text() -> None:
    with pytest.raises(InvalidInput, match="'2027-03-01 08:59' is in the past"):
        parse_local_time("2027-03-01 08:59", CHICAGO, NOW)
    with pytest.raises(InvalidInput, match="'tomorrow'"):
        parse_local_time("tomorrow", CHICAGO, NOW)


def test_lengths_are_counted_each_platform_s_way() -> None:
    url = "https://example.org/" + "a" * 60
    assert weighted_length(f"See {url}", "x") == 4 + 23
    assert weighted_length(f"See {url}", "mastodon") == 4 + 23
    assert weighted_length("日本", "x") == 4
    assert weighted_length("日本", "mastodon") == 2


def test_preview_signs_counts_and_screens_without_writing(services) -> None:
    before = services.db.conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    preview = services.posts.preview(HQ, "Vote in the election", outlets=["x"],
                                     announcement=True)
    assert preview.outlets[0].text == "Vote in the election ^JS"
    assert preview.outlets[0].limit == 140
    assert preview.outcome.verdict == "warn"
    assert preview.outcome.findings[0]["span"] == [12, 20]
    assert services.db.conn.execute("SELECT count(*) FROM audit").fetchone()[0] == before


def test_preview_is_for_people_who_may_compose(services) -> None:
    services.roster.add(HQ, "ecmember", "Eve Member", Role.EXECUTIVE_COMMITTEE)
    with pytest.raises(NotAuthorised):
        services.posts.preview("ecmember", "hello", outlets=["x"])


def test_save_draft_creates_then_updates_and_audits(services) -> None:
    post_id = services.posts.save_draft(AM, None, "first", outlets=["x"])
    again = services.posts.save_draft(AM, post_id, "first and more", outlets=["x", "mastodon"],
                                      outlet_texts={"mastodon": "longer for mastodon"})
    assert again == post_id
    post = services.posts.get(post_id)
    assert post.body == "first and more"
    assert post.outlets == {"mastodon": "longer for mastodon", "x": None}
    actions = [e["action"] for e in audit.history(services.db.conn, f"post:{post_id}")]
    assert actions == ["post.create", "post.edit"]


def test_overview_counts_queues_and_refuses_a_withdrawn_person(services) -> None:
    draft = services.posts.create_draft(AM, "mine")
    services.posts.submit(AM, services.posts.create_draft(AM, "to clear"))
    overview = services.queues.overview(AM)
    assert (overview.drafts, overview.awaiting_clearance, overview.scheduled) == (1, 1, 0)
    assert services.queues.overview(HQ).drafts == 0  # drafts are one's own
    assert [p.id for p in services.queues.posts(AM, ("draft",), mine=True)] == [draft]
    services.roster.revoke(HQ, AM, "left the committee")
    with pytest.raises(NotAuthorised, match="no longer has rights"):
        services.queues.overview(AM)



def test_lazy_screens_load_the_rules_on_warm_or_first_use(db_path) -> None:
    from inmm_tui.config import embedded_default
    from inmm_tui.domain.services import Lazy, Services
    from inmm_tui.store.db import open_database

    services = Services.build(embedded_default(), open_database(db_path, create=True), lazy_screener=True)
    screener = services.posts.screener
    assert isinstance(screener, Lazy) and screener._real is None
    services.warm()
    assert screener._real is not None
    preview = services.posts.preview(AM, "Vote Democrat", outlets=["x"])
    assert "politics_religion" in {f["category"] for f in preview.outcome.findings}
