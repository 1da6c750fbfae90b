"""Home: the queues at a glance, who you are, your drafts, and the way to everything."""

from __future__ import annotations

import contextlib
from concurrent.futures import Future

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header

from inmm_tui.domain.queues import Overview
from inmm_tui.domain.roles import Action
from inmm_tui.ui.backend import Backend
from inmm_tui.ui.messages import ActionDone, HomeCounted, OverviewLoaded
from inmm_tui.ui.screens.base import InmmScreen
from inmm_tui.ui.widgets.banner import Banner
from inmm_tui.ui.widgets.literal import Literal
from inmm_tui.ui.widgets.tables import ListTable

FIRST_COUNT_WAIT = 0.1
"""Seconds the first frame waits for Home's first counting (begun when Home was built)."""
QUEUES = (
    ("drafts", "Your drafts", "drafts"),
    ("awaiting_clearance", "Awaiting clearance", "clearance"),
    ("scheduled", "Scheduled", "schedule"),
    ("failed", "Failed deliveries", "schedule"),
    ("held", "Held for being late", "schedule"),
    ("moderation", "Moderation", "moderation"),
    ("ec_decisions", "Awaiting EC decision", "moderation"),
    ("follow_review", "Follow review", "follows"),
    ("reminders", "Reminders due", "reminders"),
    ("partly_published", "Partly published", "schedule"),
    ("alerts", "Open alerts", "reminders"),
    ("rotations_due", "Rotations due", "governance"),
    ("reviews_overdue", "Reviews overdue", "governance"),
    ("new_suspects", "New look-alikes", "governance"),
)
ATTENTION = {"partly_published", "alerts", "rotations_due", "reviews_overdue", "new_suspects",
             "ec_decisions"}


def read_overview(backend: Backend) -> OverviewLoaded:
    """What Home shows: the counts, and the person's drafts (from a thread, never the UI's)."""
    b = backend
    overview = b.call(b.services.queues.overview, b.login)
    drafts = b.call(b.services.queues.posts, b.login, ("draft", "rejected"), mine=True, limit=50)
    return OverviewLoaded(overview, drafts)


class HomeScreen(InmmScreen):
    TITLE = "Home"
    # The footer holds what 80 columns can show whole, most used first; `?` and the
    # command palette (ctrl+p) list every key (tests/ui/test_small_terminal.py).
    BINDINGS = [
        Binding("n", "compose", "New post"),
        Binding("c", "clearance", "Clearance"),
        Binding("s", "schedule", "Schedule"),
        Binding("o", "moderation", "Moderation"),
        Binding("q", "app.quit", "Quit"),
        Binding("i", "questions", "Questions", show=False),
        Binding("b", "inbox", "Inbox: every reply, mention and message", show=False),
        Binding("d", "calendar", "Calendar: the week or month of posts", show=False),
        Binding("e", "events", "Events and crisis", show=False),
        Binding("m", "reminders", "Reminders and alerts", show=False),
        Binding("r", "roster", "Roster", show=False),
        Binding("t", "metrics", "Metrics", show=False),
        Binding("f", "follows", "Follow review", show=False),
        Binding("g", "governance", "Governance", show=False),
        Binding("l", "audit", "Audit log", show=False),
        Binding("p", "pause", "Pause or resume publishing (HQ)", show=False),
        Binding("a", "policy", "Policy: read and acknowledge", show=False),
        Binding("escape", "back", "", show=False),
    ]

    def __init__(self, backend: Backend) -> None:
        super().__init__(backend)
        self.overview: Overview | None = None
        # Counted at once, on a thread, while Textual composes and lays out the screen:
        # usually there by `reload`, so the first frame has the counts.
        self._first: Future[OverviewLoaded] | None = backend.start(read_overview, backend)
        self._shown = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Banner(id="banner")
        yield Literal("Loading…", id="whoami")
        yield Literal("Queues", classes="section")
        yield ListTable(id="queues")
        yield Literal("Your drafts (Enter to open)", classes="section")
        yield ListTable(id="drafts")
        yield Footer()

    def reads_switches_on_resume(self) -> bool:
        """The first counts bring the banner's state (`show_overview`): the switches are
        read alone only when Home shows again, over a screen that may have changed them."""
        again, self._shown = self._shown, True
        return again

    def on_mount(self) -> None:
        queues = self.query_one("#queues", ListTable)
        queues.add_column("Queue", key="queue", width=22)
        queues.add_column("Count", key="count", width=7)
        queues.add_column("Opens", key="opens", width=26)
        drafts = self.query_one("#drafts", ListTable)
        drafts.add_column("#", key="id", width=5)
        drafts.add_column("State", key="state", width=9)
        drafts.add_column("Topic", key="topic", width=22)
        drafts.add_column("Text", key="text", width=60)
        queues.focus()

    def reload(self) -> None:
        first, self._first = self._first, None
        if first is not None:
            # Worth a short wait: shown now, the counts are in the first frame. A database
            # slower than this (locked by a writer) shows "Loading…" and the counts follow.
            with contextlib.suppress(TimeoutError):
                first.exception(timeout=FIRST_COUNT_WAIT)
        if first is not None and first.done() and first.exception() is None:
            self.show_overview(first.result())  # now, not as a message: in the first frame
        else:
            self.load_overview(first)

    @work(thread=True, exclusive=True, group="home", exit_on_error=False)
    def load_overview(self, first: Future[OverviewLoaded] | None = None) -> None:
        # The first counting's failure, if it failed, is reported as this worker's.
        self.post_message(first.result() if first is not None else read_overview(self.backend))

    @on(OverviewLoaded)
    def show_overview(self, message: OverviewLoaded) -> None:
        if self.overview is None:
            self.app.post_message(HomeCounted())
        overview = self.overview = message.overview
        person = overview.person
        self.query_one("#whoami", Literal).update(
            f"Signed in as {person.name} ({person.login}) — {person.role.label}")
        self.query_one(Banner).show_state(overview.crisis, overview.paused)
        queues = self.query_one("#queues", ListTable)
        cursor = queues.cursor_row
        queues.clear()
        opens = {"drafts": "the list below", "clearance": "c  clearance queue",
                 "schedule": "s  schedule", "reminders": "m  reminders and alerts",
                 "moderation": "o  moderation queue", "follows": "f  follow review",
                 "governance": "g  governance"}
        for field, label, target in QUEUES:
            if field in ATTENTION and not getattr(overview, field):
                continue  # governance lines show only when there is something to do
            queues.add_row(label, str(getattr(overview, field)), opens[target], key=field)
        queues.move_cursor(row=min(cursor, queues.row_count - 1))
        drafts = self.query_one("#drafts", ListTable)
        drafts.clear()
        for row in message.drafts:
            first_line = row.body.splitlines()[0] if row.body.strip() else "(empty)"
            drafts.add_row(str(row.id), row.status, row.topic or "—", first_line[:80],
                           key=str(row.id))

    @on(DataTable.RowSelected, "#queues")
    def open_queue(self, event: DataTable.RowSelected) -> None:
        target = dict((f, t) for f, _, t in QUEUES).get(str(event.row_key.value), "")
        if target == "drafts":
            self.query_one("#drafts", ListTable).focus()
        elif target:
            getattr(self, f"action_{target}")()

    @on(DataTable.RowSelected, "#drafts")
    def open_draft(self, event: DataTable.RowSelected) -> None:
        from inmm_tui.ui.screens.compose import ComposeScreen

        self.app.push_screen(ComposeScreen(self.backend, int(str(event.row_key.value))))

    def action_back(self) -> None:
        """Home is the bottom of the stack: Escape stays here."""

    def action_compose(self) -> None:
        from inmm_tui.ui.screens.compose import ComposeScreen

        self.app.push_screen(ComposeScreen(self.backend))

    def action_clearance(self) -> None:
        from inmm_tui.ui.screens.clearance import ClearanceScreen

        self.app.push_screen(ClearanceScreen(self.backend))

    def action_schedule(self) -> None:
        from inmm_tui.ui.screens.schedule import ScheduleScreen

        self.app.push_screen(ScheduleScreen(self.backend))

    def action_calendar(self) -> None:
        from inmm_tui.ui.screens.calendar import CalendarScreen

        self.app.push_screen(CalendarScreen(self.backend))

    def action_roster(self) -> None:
        from inmm_tui.ui.screens.roster import RosterScreen

        self.app.push_screen(RosterScreen(self.backend))

    def action_policy(self) -> None:
        from inmm_tui.ui.screens.policy import PolicyScreen

        self.app.push_screen(PolicyScreen(self.backend))

    def action_events(self) -> None:
        from inmm_tui.ui.screens.events import EventsScreen

        self.app.push_screen(EventsScreen(self.backend))

    def action_audit(self) -> None:
        from inmm_tui.ui.screens.audit import AuditScreen

        self.app.push_screen(AuditScreen(self.backend))

    def action_reminders(self) -> None:
        from inmm_tui.ui.screens.reminders import RemindersScreen

        self.app.push_screen(RemindersScreen(self.backend))

    def action_metrics(self) -> None:
        from inmm_tui.ui.screens.metrics import MetricsScreen

        self.app.push_screen(MetricsScreen(self.backend))

    def action_questions(self) -> None:
        from inmm_tui.ui.screens.questions import QuestionsScreen

        self.app.push_screen(QuestionsScreen(self.backend))

    def action_inbox(self) -> None:
        from inmm_tui.ui.screens.inbox import InboxScreen

        self.app.push_screen(InboxScreen(self.backend))

    def action_moderation(self) -> None:
        from inmm_tui.ui.screens.moderation import ModerationScreen

        self.app.push_screen(ModerationScreen(self.backend))

    def action_follows(self) -> None:
        from inmm_tui.ui.screens.follows import FollowsScreen

        self.app.push_screen(FollowsScreen(self.backend))

    def action_governance(self) -> None:
        from inmm_tui.ui.screens.governance import GovernanceScreen

        self.app.push_screen(GovernanceScreen(self.backend))

    def action_pause(self) -> None:
        from inmm_tui.ui.screens.prompt import PromptScreen, if_answered

        paused = bool(self.overview and self.overview.paused)
        verb = "Resume" if paused else "Pause"
        self.if_allowed(Action.PAUSE_PUBLISHING, lambda: self.app.push_screen(
            PromptScreen(f"{verb} all publishing — reason (kept in the audit log):",
                         allow_empty=True),
            if_answered(lambda reason: self._set_paused(not paused, reason)),
        ))

    @work(thread=True, exclusive=True, group="home-act", exit_on_error=False)
    def _set_paused(self, paused: bool, reason: str) -> None:
        b = self.backend
        b.call(b.services.switches.set_paused, b.login, paused, reason)
        self.post_message(ActionDone("Publishing paused" if paused else "Publishing resumed"))

