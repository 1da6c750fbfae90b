"""Issue 14, "An 80x24 terminal": what a person sees in a small SSH terminal hides
nothing that matters, cuts nothing into something else, and says what the code does."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from oversight_support import moderation_services
from textual.widgets import Checkbox, Footer, Input, Static, TextArea
from textual.widgets._footer import FooterKey
from ui_support import AM, HQ, NOW, build_services, notes, screen_text, settle

from inmm_tui.domain.moderation import IncomingMention
from inmm_tui.domain.roles import Role
from inmm_tui.timeutil import from_db
from inmm_tui.ui.app import InmmApp
from inmm_tui.ui.screens.compose import ComposeScreen
from inmm_tui.ui.screens.help import HelpScreen
from inmm_tui.ui.screens.moderation import ModerationScreen
from inmm_tui.ui.screens.prompt import PromptScreen
from inmm_tui.ui.widgets.screening import Findings
from inmm_tui.ui.widgets.tables import ListTable
from tests.conftest import acknowledge_policy

SMALL = (80, 24)


async def test_a_cut_handle_ends_in_an_ellipsis_never_in_another_account(db_path: Path):
    s = moderation_services(db_path)
    # The Author column is 14 wide: cut cleanly, the first would read as the second.
    for n, handle in enumerate(("iaea_fan_42142", "iaea_fan_4214")):
        s.moderation.ingest("x", [IncomingMention(f"m{n}", f"u{n}", handle, "A Fan",
                                                  "INMM are idiots and liars",
                                                  NOW - dt.timedelta(minutes=5 - n))])
    s.db.conn.close()
    app = InmmApp(moderation_services(db_path), HQ, watch=False)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, ModerationScreen)
        rows = [line for line in screen_text(app).splitlines()
                if "@iaea" in line and line.split()[0].isdigit()]
    assert len(rows) == 2
    shown = sorted(part for line in rows for part in line.split() if part.startswith("@iaea"))
    # The shorter handle fits and shows whole; the longer is cut with "…", so it cannot
    # be read as the shorter one.
    assert shown == ["@iaea_fan_4214", "@iaea_fan_421…"]


@pytest.fixture(autouse=True)
def quick_preview(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ComposeScreen, "PREVIEW_DELAY", 0.01)
    monkeypatch.setattr(ComposeScreen, "AUTOSAVE_DELAY", 30)


async def open_compose(app: InmmApp, pilot, body: str = "") -> str:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("n")
    await settle(pilot)
    assert isinstance(app.screen, ComposeScreen)
    if body:
        app.screen.query_one("#body", TextArea).insert(body)
        await pilot.pause(0.1)
        await settle(pilot)
    return screen_text(app)


async def test_compose_shows_when_it_publishes_without_scrolling(make_app):
    app = make_app(HQ)
    async with app.run_test(size=SMALL) as pilot:
        shown = await open_compose(app, pilot)
    assert "Publish at (America/Chicago)" in shown
    assert "YYYY-MM-DD HH:MM (empty: once cleared)" in shown
    # Both outlets counted whole beside the form.
    assert "X (sandbox)" in shown and "Mastodon (sandbox)" in shown


async def test_an_outlet_text_keeps_its_label_once_typed_in(make_app):
    app = make_app(HQ)
    async with app.run_test(size=SMALL) as pilot:
        await open_compose(app, pilot)
        field = app.screen.query_one("#text-x", Input)
        field.focus()  # the form scrolls to it
        field.value = "Only on X"
        await settle(pilot)
        row = next(line for line in screen_text(app).splitlines() if "Only on X" in line)
    assert "X (sandbox):" in row


async def test_the_screening_pane_takes_a_share_of_a_wide_terminal(make_app):
    app = make_app(HQ)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_compose(app, pilot)
        side = app.screen.query_one("#compose-side").size.width
    assert side >= 45  # it stayed 38 whatever the width


async def test_clearance_columns_show_whole_at_80_columns(db_path: Path):
    s = build_services(db_path)
    s.roster.add(HQ, "colleague", "Casey Colleague", Role.ACCOUNT_MANAGER)
    acknowledge_policy(s, "colleague")
    post = s.posts.create_draft("colleague", "Registration is open", topic="Annual Meeting")
    s.posts.submit("colleague", post)
    s.db.conn.close()
    app = InmmApp(build_services(db_path), HQ, watch=False)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        lines = screen_text(app).splitlines()
    header = next(line for line in lines if line.split()[:1] == ["#"])
    assert header.split("│")[0].split() == ["#", "By", "Screen", "Topic"]
    row = next(line for line in lines if line.split()[:1] == [str(post)])
    assert row.split("│")[0].split()[:3] == [str(post), "colleague", "pass"]
    assert "Annual Meet…" in row  # cut, and seen to be cut


async def test_without_colour_verdicts_and_ticks_show_by_glyph_and_word(
        make_app, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(HQ)
    assert app.no_color
    async with app.run_test(size=SMALL) as pilot:
        shown = await open_compose(app, pilot, "Vote in the election, BUY NOW")
        assert "Screening: ✖ BLOCK" in shown
        assert "✖ BLOCK transactional:" in shown
        assert "▐✓▌ X (sandbox)" in shown
        app.screen.query_one("#outlet-x", Checkbox).value = False
        await settle(pilot)
        assert "▐ ▌ X (sandbox)" in screen_text(app)
        # The offending words stay marked once the colours are gone.
        marked = app.screen.query_one(Findings).render()
        spans = [s for s in marked.spans  # type: ignore[attr-defined]
                 if marked.plain[s.start:s.end] == "BUY NOW"]  # type: ignore[attr-defined]
        assert spans and all(getattr(s.style, "underline", False) for s in spans)


FOOTERS = {"home": (), "clearance": ("c",), "compose": ("n",), "schedule": ("s",),
           "roster": ("r",), "events": ("e",), "reminders": ("m",), "metrics": ("t",),
           "questions": ("i",), "moderation": ("o",), "follows": ("f",),
           "governance": ("g",), "roster review": ("g", "v")}


@pytest.mark.parametrize("screen", FOOTERS)
async def test_every_footer_shows_its_keys_whole_at_80_columns(db_path: Path, screen: str):
    app = InmmApp(build_services(db_path), HQ, watch=False, switch_to=[HQ, AM])
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        for key in FOOTERS[screen]:
            await pilot.press(key)
            await settle(pilot)
        footer = app.screen.query_one(Footer)
        palette = footer.query_one(".-command-palette", FooterKey)
        keys = [k for k in footer.query(FooterKey) if k is not palette]
        last = screen_text(app).splitlines()[-1]
        assert len(keys) >= 3
        for shown_key in keys:
            assert shown_key.region.right <= palette.region.x, f"{shown_key.description} is cut"
            assert f"{shown_key.key_display} {shown_key.description}" in last
        # The rest is in `?`: every key the screen has, shown in the footer or not.
        shown = {k.key_display for k in keys}
        await pilot.press("question_mark" if screen != "compose" else "f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one("#help-keys", ListTable)
        listed = {str(table.get_row_at(i)[0]) for i in range(table.row_count)}
    assert shown <= listed | {"esc"}  # Escape is among the keys that work everywhere


async def test_help_at_80x24_scrolls_to_the_keys_that_work_everywhere(db_path: Path):
    app = InmmApp(build_services(db_path), HQ, watch=False, switch_to=[HQ, AM])
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert "Command palette" not in screen_text(app)  # below the fold at first
        await pilot.press("pagedown", "pagedown")
        await settle(pilot)
        shown = screen_text(app)
    assert "Everywhere" in shown and "Command palette" in shown
    assert "Switch person (demo only)" in shown


async def test_f2_is_in_the_palette_in_the_demo_only(db_path: Path):
    for switch_to, expected in (([HQ, AM], True), ([], False)):
        app = InmmApp(build_services(db_path), HQ, watch=False, switch_to=switch_to)
        async with app.run_test(size=SMALL) as pilot:
            await settle(pilot)
            titles = [c.title for c in app.get_system_commands(app.screen)]
        assert ("Switch person (demo)" in titles) is expected


@pytest.mark.parametrize(("keys", "refusal"), [
    (("e", "exclamation_mark"), "may not turn crisis mode on or off"),
    (("p",), "may not pause or resume publishing"),
    (("r", "a"), "may not change the roster"),
])
async def test_a_key_the_person_may_not_use_refuses_before_asking(make_app, keys, refusal):
    app = make_app(AM)  # an account manager
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        assert not isinstance(app.screen, PromptScreen)  # nothing to type in vain
        assert refusal in notes(app)


async def test_a_key_the_person_may_use_still_asks(make_app):
    app = make_app(HQ)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("e", "exclamation_mark")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)


async def test_the_crisis_words_say_what_clearing_a_crisis_post_does(make_app, services):
    services.switches.start_event(HQ, "Site incident", "#INMMinfo", crisis=True)
    post_id = services.posts.create_draft(HQ, "Statement on the incident",
                                          event_id=services.queues.events(HQ)[0].id)
    services.posts.submit(HQ, post_id)
    app = make_app(HQ)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        banner = " ".join(screen_text(app).split())
        assert "go out at once" not in banner.split("cleared")[0]
        assert "still waits in clearance" in banner and "its author may clear it" in banner
        # It waits: nothing is queued before someone clears it.
        assert services.posts.get(post_id).status == "submitted"
        assert services.posts.deliveries(post_id) == []
        await pilot.press("c")
        await settle(pilot)
        detail = str(app.screen.query_one("#post-text", Static).render())
        assert "you wrote it and may clear it yourself" in detail
        await pilot.press("a")  # HQ clears its own crisis post, as the words say
        await settle(pilot)
    post = services.posts.get(post_id)
    assert post.status == "scheduled" and post.cleared_by == HQ
    assert {from_db(d.due_at) for d in services.posts.deliveries(post_id)} == {NOW}


def test_a_holding_reply_is_sent_only_once_published(services):
    from insights_seed import add_questions

    from inmm_tui.domain.questions import questions_for

    question = add_questions(services)[0]
    inbox = questions_for(services)
    post_id = inbox.holding_reply(AM, question, "default")
    assert inbox.get(question).state == "holding reply awaiting clearance"
    services.posts.clear(HQ, post_id, publish_if_untimed=True)
    assert inbox.get(question).state == "holding reply cleared, not yet sent"
    services.db.conn.execute("UPDATE posts SET status = 'published' WHERE id = ?", (post_id,))
    assert inbox.get(question).state == "holding reply sent"


async def test_one_of_a_thing_is_said_in_the_singular(make_app, services):
    from insights_seed import add_questions

    from inmm_tui.domain.questions import questions_for

    first = add_questions(services)[0]
    questions_for(services).set_theme(AM, [first], "Registration")
    app = make_app(AM)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        table = app.screen.query_one("#questions", ListTable)
        table.move_cursor(row=table.get_row_index("theme:Registration"))
        await settle(pilot)
        detail = str(app.screen.query_one("#question-detail", Static).render())
    assert "Theme: Registration, 1 question." in detail


def boxed(text: str) -> str:
    """The words inside a modal's box (between its "█" sides), lines joined."""
    inside = [line.split("█")[1].strip() for line in text.splitlines() if line.count("█") >= 2]
    return " ".join(part for part in inside if part)


async def test_a_prompt_shows_its_whole_question_at_80x24(make_app):
    app = make_app(HQ)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("e", "exclamation_mark")
        await settle(pilot)
        prompt = app.screen
        assert isinstance(prompt, PromptScreen)
        shown = boxed(screen_text(app))
    assert prompt.question.endswith("e.g. Site incident, #INMMinfo")
    assert prompt.question in shown


def test_a_reminder_says_one_hour_in_the_singular(services):
    import dataclasses

    from insights_seed import add_questions

    from inmm_tui.domain.questions import questions_for

    add_questions(services)
    inbox = questions_for(services)
    inbox.config = dataclasses.replace(inbox.config, remind_after_hours=1)
    assert inbox.remind_unanswered()
    messages = [r[0] for r in services.db.conn.execute("SELECT message FROM reminders")]
    assert messages and all("more than 1 hour ago" in m for m in messages)
