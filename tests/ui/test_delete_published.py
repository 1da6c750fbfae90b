"""The schedule screen's delete keys, through the pilot at 80x24: the confirmation shows
what will be deleted (each outlet and its address, the text), the reason is asked, the
request is made in the domain; someone the matrix does not allow is refused before
anything is typed."""

from __future__ import annotations

from ui_support import AM, CHAIR, HQ, answer, notes, screen_text, settle

from inmm_tui.domain.publishing import Queue
from inmm_tui.domain.services import Services
from inmm_tui.ui.screens.confirm import ConfirmItemScreen
from inmm_tui.ui.screens.schedule import ScheduleScreen


def _published(services: Services) -> int:
    post_id = services.posts.create_draft(AM, "Workshop on 12 May [/] in Vienna",
                                          outlets=["x", "mastodon"])
    services.posts.submit(AM, post_id)
    services.posts.clear(CHAIR, post_id, publish_if_untimed=True)
    queue = Queue(services.db, clock=services.clock)
    while (claim := queue.claim(["x", "mastodon"])) is not None:
        queue.record_sent(claim, f"{claim.outlet}-1", f"https://{claim.outlet}.example/1")
    assert services.posts.get(post_id).status == "published"
    return post_id


async def test_hq_deletes_a_published_post_from_every_outlet_after_seeing_it(
        make_app, services) -> None:  # type: ignore[no-untyped-def]
    post_id = _published(services)
    app = make_app(HQ)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, ScheduleScreen)
        await pilot.press("X")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmItemScreen)
        shown = screen_text(app)
        assert f"Delete post #{post_id} from" in shown
        assert "https://x.example/1" in shown and "https://mastodon.example/1" in shown
        assert "Workshop on 12 May [/] in Vienna" in shown  # literal, not markup
        await answer(pilot, "the date is wrong")
        assert isinstance(app.screen, ScheduleScreen)
        assert "will be deleted from" in notes(app)
    assert {(d.outlet, d.state, d.reason, d.requested_by)
            for d in services.deletions.of_post(post_id)} == {
        ("x", "pending", "the date is wrong", HQ), ("mastodon", "pending", "the date is wrong", HQ)}


async def test_escape_deletes_nothing_and_an_account_manager_is_refused(
        make_app, services) -> None:  # type: ignore[no-untyped-def]
    post_id = _published(services)
    app = make_app(HQ)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s", "x")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmItemScreen)
        await pilot.press("escape")
        await settle(pilot)
    am = make_app(AM)
    async with am.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s", "x")
        await settle(pilot)
        assert isinstance(am.screen, ScheduleScreen)
        assert "may not delete published posts" in notes(am)
    assert services.deletions.of_post(post_id) == []


async def test_c_writes_a_correction_submitted_for_clearance(
        make_app, services) -> None:  # type: ignore[no-untyped-def]
    post_id = _published(services)
    app = make_app(AM)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s", "c")
        await settle(pilot)
        await answer(pilot, "Correction: the workshop is on 13 May.")
        assert "submitted for clearance" in notes(app)
    (correction,) = services.db.conn.execute(
        "SELECT id FROM posts WHERE correction_of = ?", (post_id,)).fetchall()
    post = services.posts.get(correction[0])
    assert post.status == "submitted" and post.author == AM and not post.delete_original
