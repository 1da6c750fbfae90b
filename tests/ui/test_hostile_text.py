"""Text that is not ours, at its worst, on every screen at 80x24: terminal escapes, Rich
markup (styling, links, `@click` actions), broken markup, a bidi override, NUL and
100,000 characters, in follower names, replies, questions, look-alike accounts, platform
errors, alerts, drafts and comments. No screen may crash, no escape may reach the
terminal, no markup may be obeyed, and the text must be shown as it was written."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from gov_support import gov_app, gov_services
from oversight_support import incoming_screen
from textual.widgets import DataTable, TextArea
from ui_support import AM, HQ, NOW, notes, settle

from inmm_tui.domain.governance import record_suspect
from inmm_tui.domain.moderation import IncomingMention, Moderation
from inmm_tui.domain.questions import questions_for
from inmm_tui.domain.reminders import raise_alert
from inmm_tui.store.tx import write
from inmm_tui.timeutil import to_db
from inmm_tui.ui.app import InmmApp
from inmm_tui.ui.screens.prompt import PromptScreen
from tests.templates import close_for_copy

ESCAPES = "\x1b]2;pwned\x1b\\\x1b[2Jwiped"
MARKUP = "[bold red]loud[/]"
LINK = "[link=file:///etc/passwd]pw[/link]"
CLICK = "[@click=app.quit]Click me[/]"
BROKEN = "broken [/] markup"
SIC = "Results [sic] are out"
RTL = "abc\u202egnp.exe"
NUL = "nul\x00here"
HUGE = "H" * 100_000
HOSTILE = [ESCAPES, MARKUP, LINK, CLICK, BROKEN, SIC, RTL, NUL, HUGE]

SHOWN = ["␛]2;pwned", "[bold red]loud[/]", "[sic]", "[/]", "<U+202E>", "␀"]
"""What a person must see, literally, on the screens that show these texts in full."""


def seed(db_path: Path, texts: list[str] = HOSTILE) -> None:
    """Every place the UI shows text from outside, filled with each of `texts`. Written
    as the daemon (or an older version, or a platform) would: straight into the tables."""
    s = gov_services(db_path)
    conn = s.db.conn
    at = to_db(NOW - dt.timedelta(days=2))
    draft = s.posts.create_draft(HQ, "placeholder", topic="Events")
    submitted = s.posts.create_draft(AM, "placeholder", topic="Events")
    s.posts.submit(AM, submitted)
    failed = s.posts.create_draft(AM, "placeholder", topic="Events")
    s.posts.submit(AM, failed)
    s.posts.clear(HQ, failed)
    s.posts.schedule(HQ, failed, None)
    with write(s.db):
        for n, text in enumerate(texts):
            conn.execute("INSERT INTO following (outlet, user_id, handle, name, reason,"
                         " followed_at, followed_by, confirmed_at, note, action_error) VALUES"
                         " ('x', ?, ?, ?, 'organisation', ?, 'daemon', ?, ?, ?)",
                         (f"h{n}", text, text, at, at, text, text))
            record_suspect(conn, "x", text, f"s{n}", text, NOW - dt.timedelta(days=1))
            conn.execute("INSERT INTO mentions (outlet, platform_id, author_id, author_handle,"
                         " author_name, text, created_at, ingested_at)"
                         " VALUES ('x', ?, ?, ?, ?, ?, ?, ?)",
                         (f"q{n}", f"a{n}", text, text,
                          f"{text} when does registration open?", at, at))
            raise_alert(conn, "platform", f"x{n}", text, NOW - dt.timedelta(hours=n))
            conn.execute("INSERT INTO comments (post_id, login, body, at) VALUES (?, ?, ?, ?)",
                         (submitted, AM, text, at))
            conn.execute("INSERT INTO events (name, hashtag, kind, starts_on, active,"
                         " created_at, created_by) VALUES (?, '#x', 'coverage', '2027-03-01',"
                         " 1, ?, ?)", (text, at, HQ))
        # The draft's first line is what home shows.
        joined = "\n".join(t for t in texts if t != HUGE)
        conn.execute("UPDATE posts SET body = ? WHERE id IN (?, ?, ?)",
                     (joined, draft, submitted, failed))
        conn.execute("UPDATE deliveries SET state = 'failed', attempts = 3, last_error = ?"
                     " WHERE post_id = ?", (joined, failed))
        conn.execute("UPDATE people SET name = ? WHERE login = ?", (texts[0], AM))
        # One outlet of the failed post went out: the metrics screen's best posts show it.
        conn.execute("UPDATE deliveries SET state = 'sent', sent_at = ?, platform_id = 'p1'"
                     " WHERE post_id = ? AND outlet = 'mastodon'", (at, failed))
        conn.execute("INSERT INTO post_metrics (delivery_id, at, reposts, replies, likes, quotes)"
                     " SELECT id, ?, 1, 1, 5, 0 FROM deliveries WHERE state = 'sent'", (at,))
        conn.execute("INSERT INTO monthly_reports (month, format, path, written_at, written_by,"
                     " sha256) VALUES ('2027-01', 'md', ?, ?, ?, '0')", (texts[0], at, texts[-1]))
    questions_for(s).triage()
    moderation = Moderation(s.db, s.posts, clock=s.clock, screen=incoming_screen)
    moderation.ingest("x", [IncomingMention(f"m{n}", f"b{n}", text, text, text + " idiots",
                                            NOW - dt.timedelta(minutes=n))
                            for n, text in enumerate(texts)])
    with write(s.db):
        conn.execute("UPDATE moderation_items SET action_error = ?, report_ref = ?",
                     (texts[0], texts[-1]))
    close_for_copy(s.db)


Seeded = Callable[[Path, list[str]], None]


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory, _roster_database: Path) -> Seeded:
    """`seeded(db_path, texts)` puts at `db_path` a copy of a database seeded with `texts`,
    seeded once per session (per xdist worker): seeding renders every reply's evidence,
    which takes seconds for the 100,000 characters."""
    templates: dict[tuple[str, ...], Path] = {}

    def copy_to(db_path: Path, texts: list[str]) -> None:
        key = tuple(texts)
        if key not in templates:
            path = tmp_path_factory.mktemp("hostile") / "inmm.db"
            shutil.copyfile(_roster_database, path)
            seed(path, texts)
            templates[key] = path
        shutil.copyfile(templates[key], db_path)

    return copy_to


SGR_OR_MOVE = re.compile(r"\x1b\[[0-9;]*[mH]")


def terminal(app: InmmApp) -> tuple[str, str]:
    """What the app would write to the terminal now, and the plain text of the screen."""
    compositor = app.screen._compositor
    written = compositor.render_full_update().render_segments(app.console)
    plain = "\n".join(strip.text for strip in compositor.render_strips())
    return written, plain


def check(app: InmmApp, where: str) -> str:
    assert app.is_running and app._exception is None, f"{where}: the app crashed"
    written, plain = terminal(app)
    # Textual's own output is colours and cursor moves; anything else came from the data.
    leftover = SGR_OR_MOVE.sub("", written)
    assert "\x1b" not in leftover, f"{where}: {leftover[leftover.index(chr(27)):][:40]!r}"
    assert "\x00" not in written and "\u202e" not in written, where
    assert "loud[/]" not in plain or "[bold red]loud[/]" in plain, f"{where}: markup obeyed"
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            style = segment.style
            if style is not None and ("Click me" in segment.text or "pw" in segment.text):
                assert not style.link and "@click" not in (style.meta or {}), where
    return plain


SCREENS = {
    # name: (keys from home, the screen they lead to)
    "home": ((), "HomeScreen"),
    "clearance": (("c",), "ClearanceScreen"),
    "schedule": (("s",), "ScheduleScreen"),
    "roster": (("r",), "RosterScreen"),
    "events": (("e",), "EventsScreen"),
    "reminders": (("m",), "RemindersScreen"),
    "metrics": (("t",), "MetricsScreen"),
    "questions": (("i",), "QuestionsScreen"),
    "moderation": (("o",), "ModerationScreen"),
    "follows": (("f",), "FollowsScreen"),
    "governance": (("g",), "GovernanceScreen"),
    "review": (("g", "v"), "RosterReviewScreen"),
    "compose": (("tab", "enter"), "ComposeScreen"),  # the hostile draft
    "inbox": (("b",), "InboxScreen"),
    "audit": (("l",), "AuditScreen"),  # reasons and names, as people typed them
    "calendar": (("d",), "CalendarScreen"),  # post texts and event names
}
PROMPTS = {"follows": "b", "moderation": "b", "inbox": "f", "governance": "x", "reminders": "d",
           "questions": "a", "review": "w", "roster": "w", "schedule": "w"}
"""The key that opens, on each screen, a prompt naming the selected item."""


async def visit(seeded: Seeded, db_path: Path, screen: str, texts: list[str] = HOSTILE,
                size: tuple[int, int] = (80, 24)) -> str:
    """Seed `texts`, open `screen`, walk its list (each row's detail is drawn as the
    cursor reaches it) and open its help; checked at every step. The plain text seen."""
    seeded(db_path, texts)
    app = gov_app(db_path, HQ)
    async with app.run_test(size=size, notifications=True) as pilot:
        await settle(pilot)
        plain = check(app, "home")
        keys, expected = SCREENS[screen]
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        assert type(app.screen).__name__ == expected
        plain += check(app, screen)
        for _ in range(len(texts) + 1):
            await pilot.press("down")
            await settle(pilot)
            plain += check(app, f"{screen}, down")
        if screen != "compose":
            await pilot.press("question_mark")
            await settle(pilot)
            check(app, f"{screen}, help")
            await pilot.press("escape")
            await settle(pilot)
        if screen in PROMPTS:  # a question that names what is selected
            await pilot.press(PROMPTS[screen])
            await settle(pilot)
            assert isinstance(app.screen, PromptScreen)  # or its confirmation subclass
            plain += check(app, f"{screen}, prompt")
            await pilot.press("escape")
            await settle(pilot)
    return plain


@pytest.mark.slow  # each screen walked row by row
@pytest.mark.parametrize("screen", SCREENS)
async def test_every_screen_shows_hostile_text_literally(seeded: Seeded, db_path, screen: str) -> None:
    plain = await visit(seeded, db_path, screen)
    assert any(shown in plain for shown in SHOWN), f"{screen}: no hostile text shown\n{plain}"


@pytest.mark.slow  # each screen walked row by row
@pytest.mark.parametrize("screen", ["follows", "moderation", "questions", "governance",
                                    "schedule", "reminders", "clearance"])
async def test_escapes_in_names_and_replies_never_reach_the_terminal(seeded: Seeded, db_path,
                                                                    screen: str) -> None:
    """Before: ESC]2;... set the window title and ESC[2J cleared the screen."""
    plain = await visit(seeded, db_path, screen, [ESCAPES, RTL, NUL])
    assert "␛]2;pwned" in plain


@pytest.mark.slow  # each screen walked row by row
@pytest.mark.parametrize("screen", ["follows", "moderation", "governance", "reminders"])
async def test_markup_in_names_and_replies_is_shown_not_obeyed(seeded: Seeded, db_path, screen: str) -> None:
    """Before: `[bold red]` styled the text, `[sic]` vanished, `[link=...]` became a link."""
    plain = await visit(seeded, db_path, screen, [MARKUP, SIC, LINK], size=(160, 48))
    assert "[bold red]loud[/]" in plain and "[sic]" in plain and "[link=file:" in plain


@pytest.mark.slow  # each screen walked row by row
@pytest.mark.parametrize("screen", ["home", "follows", "governance", "questions"])
async def test_broken_markup_crashes_no_screen(seeded: Seeded, db_path, screen: str) -> None:
    """Before: a follower, a look-alike account or a question holding `[/]` crashed f, g
    and i for everyone, and a draft whose first line held it crashed home at every start."""
    plain = await visit(seeded, db_path, screen, [BROKEN])
    assert BROKEN in plain


async def test_hostile_text_is_shown_as_written(seeded: Seeded, db_path) -> None:
    """Where a reply is shown in full (the moderation detail), every text is there, literally."""
    seeded(db_path, HOSTILE)
    app = gov_app(db_path, HQ)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        plain = ""
        for _ in HOSTILE:
            plain += check(app, "moderation")
            await pilot.press("down")
            await settle(pilot)
    for shown in [*SHOWN, SIC, BROKEN, CLICK, LINK]:
        assert shown in plain, shown


async def test_clicking_a_name_that_holds_a_click_action_does_nothing(seeded: Seeded, db_path) -> None:
    """Before: a follower named `[@click=app.quit]Click me[/]` quit the app when clicked."""
    seeded(db_path, [CLICK])
    app = gov_app(db_path, HQ)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        table = app.screen.query_one("#followed", DataTable)
        for row in range(table.row_count):
            await pilot.click("#followed", offset=(20, 1 + row))
            await pilot.click("#followed", offset=(3, 1 + row))
            await settle(pilot)
        assert app.is_running and app._exception is None
        assert CLICK in check(app, "follows")


async def test_compose_refuses_control_characters_with_a_clear_message(db_path) -> None:
    """Pasted NUL or ESC never enter the text (ESC would reach the terminal as it is
    drawn), and the person is told which character and where."""
    app = gov_app(db_path, HQ)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        body = app.screen.query_one("#body", TextArea)
        body.insert("Meeting\x00 open \x1b[2J")
        await settle(pilot)
        assert body.text == "Meeting open [2J"
        assert "NUL (U+0000) at line 1, column 8" in notes(app)
        check(app, "compose")


async def test_a_draft_saved_with_an_escape_opens_without_it(seeded: Seeded, db_path) -> None:
    seeded(db_path, [ESCAPES])
    app = gov_app(db_path, HQ)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("tab", "enter")
        await settle(pilot)
        assert "\x1b" not in app.screen.query_one("#body", TextArea).text
        assert "ESC (U+001B) at line 1, column 1" in notes(app)
        check(app, "compose")


async def test_notifications_show_a_platform_error_literally(db_path) -> None:
    """A refusal's words may be a platform's or an exception's: markup in them is text."""
    app = gov_app(db_path, HQ)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.screen.notify(f"403 {BROKEN} {ESCAPES}", title=MARKUP, severity="error", timeout=30)
        await settle(pilot)
        await pilot.pause(0.3)
        plain = check(app, "notification")
    assert BROKEN in plain and "␛]2;pwned" in plain and MARKUP in plain
