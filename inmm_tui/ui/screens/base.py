"""What every screen shares: the backend it was handed, the keys everyone expects
(Escape back, `?` help), refresh on database changes, and worker failures shown."""

from __future__ import annotations

from textual import on
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker

from inmm_tui.ui.backend import Backend
from inmm_tui.ui.errors import report_worker_failure
from inmm_tui.ui.messages import DatabaseChanged


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
        self.reload()

    def reload(self) -> None:
        """Load what the screen shows, in a thread worker; screens override."""

    @on(DatabaseChanged)
    def refresh_from_database(self) -> None:
        self.reload()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_worker_failure(self, event)

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def action_help(self) -> None:
        from inmm_tui.ui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self))
