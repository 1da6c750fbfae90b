"""The Textual application: it only wires screens to the services it is handed, watches
the database for other writers, and turns worker failures into notifications."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import sqlite3
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import Worker, get_current_worker

from inmm_tui.outside_text import printable
from inmm_tui.ui.backend import Backend
from inmm_tui.ui.errors import report_worker_failure
from inmm_tui.ui.messages import DatabaseChanged, HomeCounted

if TYPE_CHECKING:
    from inmm_tui.domain.services import Services

WATCH_INTERVAL = 0.5
"""Seconds between two looks at `PRAGMA data_version`: cheap, and quick enough that a
post the daemon publishes shows within a second."""
WARM_AFTER = 1.0
"""Seconds after Home first shows its counts at which the policy rules are loaded in the
background (not before: on a busy host the two would compete for the interpreter)."""
NOTE_LIMIT = 2000
"""Characters kept of a notification: a platform's 100,000-character error is cut."""
HANG_UP_EXIT = 129
"""The exit code when the terminal hung up (the SSH connection dropped): 128 + SIGHUP."""
HANG_UP_GRACE_SECONDS = 5.0
"""How long a hung-up UI has to save and close before the process ends regardless."""


class InmmApp(App[None]):
    TITLE = "INMM social media"
    CSS_PATH = "app.tcss"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", show=False),
        # Not in the footer (it would push the screen's own keys out); `?` and the
        # command palette list it in the demo.
        Binding("f2", "switch_person", "Switch person (demo)", show=False),
    ]

    def __init__(self, services: Services, login: str, *, watch: bool = True,
                 switch_to: list[str] | None = None, intro: str = "",
                 gc_threshold: tuple[int, int, int] | None = None) -> None:
        super().__init__()
        self.services = services
        self.login = login
        self.backend = Backend(services, login)
        self._watch = watch
        self.switch_to = switch_to or []
        """The demo's people, F2 cycles through them (empty outside the demo)."""
        self.intro = intro
        self._watch_from: tuple[sqlite3.Connection, int] | None = None
        self._gc_threshold = gc_threshold
        """The collector's usual thresholds, when start-up raised them (`commands.ui`):
        put back once Home has shown its counts."""

    def get_default_screen(self) -> Screen:
        """Home is the bottom of the stack: the screen the app starts on (no empty screen
        under it to compose and lay out first) and the one Escape never leaves."""
        from inmm_tui.ui.screens.home import HomeScreen

        if self._watch:
            # Before Home starts counting, so that a write in between is seen.
            self._watch_from = self._start_watching()
        return HomeScreen(self.backend)

    def compose(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        self.ask_acknowledgement()
        if self._watch:
            self.watch_database(self._watch_from)
        if self.intro:
            self.notify(self.intro, title="Welcome", timeout=15)
        try:
            # The SSH connection dropping sends SIGHUP: exit properly, so that the
            # compose screen saves what was typed since its last autosave.
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self.hang_up)
        except (NotImplementedError, RuntimeError, AttributeError):
            pass  # not on this platform, or not in the main thread (tests)

    def hang_up(self) -> None:
        """The terminal is gone: exit as on a quit (the compose screen saves its text), and
        end the process if that cannot finish. With no terminal to write to, Textual's
        output thread has stopped on its first failed write, and the driver then waits
        for it for ever as it closes: the process would stay, holding the database."""
        self.exit(return_code=HANG_UP_EXIT)
        end = threading.Timer(HANG_UP_GRACE_SECONDS, os._exit, args=(HANG_UP_EXIT,))
        end.daemon = True
        end.start()

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Every notification, whoever asks for it (`Widget.notify` comes here), is shown
        literally: many carry a platform's or an exception's words, or a name, and Textual
        would read them as markup (`markup` is accepted and ignored)."""
        super().notify(printable(message, multiline=True, limit=NOTE_LIMIT),
                       title=printable(title, limit=200), severity=severity, timeout=timeout,
                       markup=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "switch_person":
            return bool(self.switch_to)
        return True

    @work(thread=True, group="policy", exit_on_error=False)
    def ask_acknowledgement(self) -> None:
        """Show the policy at once to someone who has not acknowledged the version in force:
        they may read everything, but not post, until they do."""
        from inmm_tui.domain.acknowledgement import pending

        b = self.backend
        if b.call(pending, b.services.conn, b.login) is not None:
            from inmm_tui.ui.screens.policy import PolicyScreen

            self.call_from_thread(self.push_screen, PolicyScreen(b))

    def action_switch_person(self) -> None:
        """Demo only: be the next demo person, back on the home screen."""
        from inmm_tui.ui.screens.home import HomeScreen

        if not self.switch_to:
            return
        position = self.switch_to.index(self.login) if self.login in self.switch_to else -1
        self.login = self.backend.login = self.switch_to[(position + 1) % len(self.switch_to)]
        while len(self.screen_stack) > 1:
            self.pop_screen()
        if isinstance(self.screen, HomeScreen):
            self.screen.reload()
        self.notify(f"You are now {self.login}")

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if self.switch_to:
            yield SystemCommand("Switch person (demo)", "F2: be the next demo person",
                                self.action_switch_person)
        from inmm_tui.ui.screens.home import HomeScreen

        home = next((s for s in self.screen_stack if isinstance(s, HomeScreen)), None)
        if home is None:
            return
        yield SystemCommand("Compose a post", "Write a new post", home.action_compose)
        yield SystemCommand("Clearance queue", "Review submitted posts", home.action_clearance)
        yield SystemCommand("Schedule", "What goes out when, per outlet", home.action_schedule)
        yield SystemCommand("Calendar", "The week or month of posts; move one (key d)",
                            home.action_calendar)
        yield SystemCommand("Roster", "People, roles, rights withdrawn", home.action_roster)
        yield SystemCommand("Events and crisis", "Live coverage and crisis mode",
                            home.action_events)
        yield SystemCommand("Reminders and alerts", "Rotations, reviews, alerts",
                            home.action_reminders)
        yield SystemCommand("Pause or resume publishing", "HQ only", home.action_pause)
        yield SystemCommand("Metrics", "Followers, engagement, monthly reports", home.action_metrics)
        yield SystemCommand("Questions inbox", "Questions asked in mentions", home.action_questions)
        yield SystemCommand("Moderation queue", "Questionable replies, evidence, EC",
                            home.action_moderation)
        yield SystemCommand("Follow review", "Accounts INMM follows, balance, full review",
                            home.action_follows)
        yield SystemCommand("Governance", "Credential rotation, reviews, look-alike accounts",
                            home.action_governance)
        yield SystemCommand("Audit log", "Who did what, when (key l)", home.action_audit)

    @on(HomeCounted)
    def warm_later(self) -> None:
        """Home has shown its counts: start-up is over. What it built lives as long as the
        app, so the cyclic collector is told to leave it be (`gc.freeze`) and works as
        usual from now on; the policy rules load a little later."""
        if self._gc_threshold is not None:
            gc.freeze()
            gc.set_threshold(*self._gc_threshold)
            self._gc_threshold = None
        self.set_timer(WARM_AFTER, self.warm_screener)

    @on(DatabaseChanged)
    def tell_every_screen(self) -> None:
        for screen in self.screen_stack:
            screen.post_message(DatabaseChanged())

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_worker_failure(self, event)

    @work(thread=True, exclusive=True, group="warm", exit_on_error=False)
    def warm_screener(self) -> None:
        """Load the policy rules now, in the background, if they were left for later
        (see `inmm_tui.domain.services.Lazy`): compose is then ready, and a bad rules file shows at once."""
        self.services.warm()  # no database work: the backend's lock is not needed

    def _start_watching(self) -> tuple[sqlite3.Connection, int] | None:
        """The watcher's own connection and the `data_version` it starts from; None for an
        in-memory database, which has no other writers."""
        from inmm_tui.store.db import connect

        with self.backend.lock:
            row = self.services.conn.execute("PRAGMA database_list").fetchone()
        if not (row and row[2]):
            return None
        conn = connect(Path(row[2]))
        return conn, conn.execute("PRAGMA data_version").fetchone()[0]

    @work(thread=True, exclusive=True, group="watch", exit_on_error=False)
    def watch_database(self, start: tuple[sqlite3.Connection, int] | None) -> None:
        """One watcher on its own connection: `data_version` moves when any other
        connection (the daemon, another person, our own services) commits."""
        if start is None:
            return
        worker = get_current_worker()
        conn, last = start
        try:
            # Runs as long as the app; cancelled when it exits.
            while not worker.is_cancelled:
                time.sleep(WATCH_INTERVAL)
                version = conn.execute("PRAGMA data_version").fetchone()[0]
                if version != last:
                    last = version
                    self.post_message(DatabaseChanged())
        finally:
            conn.close()
