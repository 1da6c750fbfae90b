"""The governance read side and the small pieces of its screens, without running the app:
the home counts, the review list's order, the export path, and the schedule's line for
a failed or held delivery."""

from __future__ import annotations

from pathlib import Path

import pytest
from gov_support import MEETING, add_suspects, gov_services
from ui_support import AM, CHAIR, COMMS, HQ

from inmm_tui.domain.errors import InvalidInput
from inmm_tui.domain.queues import ScheduleRow
from inmm_tui.ui.screens.roster_review import export_markdown
from inmm_tui.ui.screens.schedule import problem_text


def test_home_counts_what_governance_asks(db_path: Path) -> None:
    s = gov_services(db_path)
    before = s.queues.overview(HQ)
    # The embedded policy's review date (2021) is past; the meeting is still ahead.
    assert (before.rotations_due, before.reviews_overdue, before.alerts,
            before.new_suspects, before.partly_published) == (0, 1, 0, 0, 0)
    s.governance.flag_compromise(AM, None, "phishing mail opened")
    add_suspects(s)
    s.governance.mark_suspect(HQ, 1, "gone")
    post = s.posts.create_draft(AM, "Slides are online", topic="Events")
    s.posts.submit(AM, post)
    s.posts.clear(HQ, post)
    s.posts.schedule(HQ, post, None)
    s.db.conn.execute("UPDATE deliveries SET state = 'sent' WHERE outlet = 'x'")
    s.db.conn.execute("UPDATE deliveries SET state = 'held' WHERE outlet = 'mastodon'")
    after = s.queues.overview(HQ)
    assert (after.rotations_due, after.alerts, after.new_suspects,
            after.partly_published) == (2, 2, 1, 1)


def test_the_review_lists_those_pending_first(db_path: Path) -> None:
    s = gov_services(db_path)
    s.governance.review_person(HQ, AM, "withdraw", reason="moved away")
    status, entries = _view(s).review_entries(HQ)
    assert status is not None and status.meeting == MEETING
    assert [(e.person.login, e.outcome) for e in entries] == [
        (CHAIR, None), (COMMS, None), (HQ, None), (AM, "withdraw")]
    assert entries[3].reason == "moved away"


def _view(s):  # type: ignore[no-untyped-def]
    from inmm_tui.domain.governance_view import GovernanceView

    return GovernanceView(s.db, s.config, s.clock)


def test_the_export_goes_home_by_default(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    written = export_markdown("# list\n", "", "2027-03-20")
    assert written == tmp_path / "inmm-authorised-people-2027-03-20.md"
    assert written.read_text() == "# list\n"
    folder = tmp_path / "meetings"
    folder.mkdir()
    assert export_markdown("x", str(folder), "2027-03-20").parent == folder
    assert export_markdown("x", "~/ec.md", "2027-03-20") == tmp_path / "ec.md"
    with pytest.raises(InvalidInput, match="no-such-folder"):
        export_markdown("x", str(tmp_path / "no-such-folder" / "list.md"), "2027-03-20")


def _row(state: str, post_state: str, error: str | None) -> ScheduleRow:
    return ScheduleRow(1, 7, "mastodon", state, "2027-03-01 15:00:00", 3, error,
                       "the post's text", None, post_state)


def test_the_schedule_leads_with_the_platforms_message() -> None:
    held = problem_text(_row("held", "partly published", "held, 3 h past its due time"))
    assert held.plain == "PARTLY PUBLISHED held, 3 h past its due time"
    failed = problem_text(_row("failed", "failed", "422 text too long"))
    assert failed.plain == "422 text too long (after 3 attempts)"
    assert problem_text(_row("pending", "", None)).plain == "the post's text"
