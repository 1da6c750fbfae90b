"""Compose shares a post by its address, the daemon reads it, and compose (then the
clearer) sees the original beside our text, as literal outside text; through the pilot
at 80x24, with the daemon's job reading the post from the sandbox."""

from __future__ import annotations

from inmm_daemon.shares import resolve_shares
from textual.widgets import Input, Static
from ui_support import AM, CHAIR, settle

from inmm_tui.ui.screens.clearance import ClearanceScreen
from inmm_tui.ui.screens.compose import ComposeScreen

HOSTILE = "Safeguards week [bold]starts[/] today \x1b[2J before the election"


async def test_compose_shares_a_post_and_the_clearer_sees_the_original(
        make_app, services, sandbox) -> None:  # type: ignore[no-untyped-def]
    original_id = sandbox.control.post("x", "ANS_org", HOSTILE)
    url = f"https://x.com/ANS_org/status/{original_id}"
    app = make_app(AM)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ComposeScreen)
        app.screen.query_one("#body").insert("Our members speak on day two.")
        field = app.screen.query_one("#share-url", Input)
        field.focus()
        field.value = url
        await pilot.press("enter")
        await settle(pilot)
        original = app.screen.query_one("#original", Static)
        assert "daemon is reading" in str(original.render())
        share = services.shares.get(1)
        assert share is not None and share.state == "resolving"

        # The daemon's job runs (it holds the tokens, the UI does not) ...
        resolve_shares(services, {"x": sandbox.x(), "mastodon": sandbox.mastodon()})
        await pilot.pause(1.2)  # ... and compose, looking every second, shows what it read
        await settle(pilot)
        shown = str(original.render())
        assert "@ANS_org" in shown
        assert "Safeguards week [bold]starts[/] today" in shown  # literal, not markup
        assert "\x1b" not in shown
        await pilot.press("ctrl+t")
        await settle(pilot)
    post = services.posts.get(1)
    assert post.status == "submitted" and post.body == "Our members speak on day two."
    assert {f["outlet"] for f in post.screening} >= {"shared post"}  # "election": theirs

    app2 = make_app(CHAIR)
    async with app2.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app2.screen, ClearanceScreen)
        text = str(app2.screen.query_one("#post-text", Static).render())
        assert "Our members speak on day two." in text
        assert "@ANS_org" in text and "Safeguards week [bold]starts[/] today" in text
