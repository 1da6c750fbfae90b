"""What every screen shares: the backend it was handed, the keys everyone expects
(Escape back, `?` help), refresh on database changes, and worker failures shown."""

from __future__ import annotations

from collections.abc import Callable

from textual import on, work
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker

from inmm_tui.domain.errors import NotAuthorised
from inmm_tui.domain.people import refusal
from inmm_tui.domain.roles import Action
from inmm_tui.ui.backend import Backend
from inmm_tui.ui.errors import report_worker_failure
from inmm_tui.ui.messages import ActionDone, DatabaseChanged
from inmm_tui.ui.widgets.switch_banner import SwitchesLoaded, attach_banner, show_switches


class InmmScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("question_mark", "help", "Keys"),
    ]

    def __init__(self, backend: Backend) -> None:
        super().__init__()
        self.backend = backend

    def on_mount(self) -> None:
        # Textual runs this after a subclass's own on_mount (handlers of every class
        # in the MRO are called), so subclasses must not call it again.
        attach_banner(self)
        self.reload()

    def reload(self) -> None:
        """Load what the screen shows, in a thread worker; screens override."""

    @on(ActionDone)
    def report_done(self, message: ActionDone) -> None:
        """A worker did what the person asked: say so, and show the new state. Screens with
        more to do handle ActionDone themselves and call `message.prevent_default()`."""
        self.notify(message.note)
        self.reload()

    @on(DatabaseChanged)
    def refresh_from_database(self) -> None:
        self.reload()
        self.load_switches()

    def on_screen_resume(self) -> None:
        # Also sent when the screen is first shown. Crisis mode may have been switched on
        # in a screen pushed over this one.
        if self.reads_switches_on_resume():
            self.load_switches()

    def reads_switches_on_resume(self) -> bool:
        """Whether showing the screen (again) reads the switches for its banner."""
        return True

    @work(thread=True, exclusive=True, group="banner", exit_on_error=False)
    def load_switches(self) -> None:
        """Crisis mode and the pause for the banner every screen shows."""
        from inmm_tui.domain.governance_view import GovernanceView

        b = self.backend
        view = GovernanceView(b.services.conn, b.config, b.services.clock)
        try:
            crisis, paused = b.call(view.switches, b.login)
        except NotAuthorised:
            return  # the screen's own loading says so, once
        self.post_message(SwitchesLoaded(crisis, paused))

    @on(SwitchesLoaded)
    def show_banner(self, message: SwitchesLoaded) -> None:
        show_switches(self, message)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_worker_failure(self, event)

    def if_allowed(self, action: Action, then: Callable[[], object]) -> None:
        """Run `then` (which opens a prompt) only if the domain says the person may do
        `action`; otherwise refuse at once, in the domain's words, before anything is
        typed. The action is authorised again when it is done."""
        self._check_allowed(action, then)

    @work(thread=True, group="allowed", exit_on_error=False)
    def _check_allowed(self, action: Action, then: Callable[[], object]) -> None:
        b = self.backend
        refused = b.call(refusal, b.services.conn, b.login, action)
        if refused is not None:
            raise NotAuthorised(refused)  # shown as "Not allowed" (report_worker_failure)
        self.app.call_from_thread(then)

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:  # Home is the bottom
            self.app.pop_screen()

    def action_help(self) -> None:
        from inmm_tui.ui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self))
