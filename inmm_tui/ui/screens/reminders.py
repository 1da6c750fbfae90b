"""Reminders and alerts: credential rotations, the roster's annual review, the policy
review, and alerts raised by the daemon; mark a reminder done or acknowledge an alert."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header

from inmm_tui.domain.roles import Action
from inmm_tui.domain.when import format_local
from inmm_tui.ui.backend import Backend
from inmm_tui.ui.messages import ActionDone, RowsLoaded
from inmm_tui.ui.screens.base import InmmScreen
from inmm_tui.ui.screens.prompt import PromptScreen, if_answered
from inmm_tui.ui.widgets.literal import Literal
from inmm_tui.ui.widgets.tables import ListTable


class RemindersScreen(InmmScreen):
    CSS_PATH = "lists.tcss"
    TITLE = "Reminders and alerts"
    BINDINGS = [
        Binding("d", "done", "Done / acknowledged"),
    ]

    def __init__(self, backend: Backend) -> None:
        super().__init__(backend)
        self.items: dict[str, tuple[str, Any]] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield ListTable(id="reminders")
        yield Literal("", id="reminder-how")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#reminders", ListTable)
        table.add_column("What", key="what", width=9)
        table.add_column("Due / raised", key="when", width=16)
        table.add_column("Message", key="message", width=60)
        table.focus()

    def reload(self) -> None:
        self.load_rows()

    @work(thread=True, exclusive=True, group="reminder-rows", exit_on_error=False)
    def load_rows(self) -> None:
        b = self.backend
        reminders, alerts = b.call(b.services.queues.reminders_and_alerts, b.login)
        self.post_message(RowsLoaded([("alert", a) for a in alerts]
                                     + [("reminder", r) for r in reminders]))

    @on(RowsLoaded)
    def show_rows(self, message: RowsLoaded) -> None:
        tz = self.backend.config.tz
        now = self.backend.services.clock()
        table = self.query_one("#reminders", ListTable)
        table.clear()
        self.items.clear()
        for kind, item in message.rows:
            key = f"{kind}:{item.id}"
            self.items[key] = (kind, item)
            moment = item.raised_at if kind == "alert" else item.due_at
            due = kind == "alert" or moment <= now
            label = Text(kind, style="bold red" if kind == "alert" else
                         ("bold yellow" if due else "dim"))
            table.add_row(label, format_local(moment, tz),
                          item.message, key=key)
        self.query_one("#reminder-how", Literal).update(
            "" if message.rows else "Nothing to do.")

    @on(DataTable.RowHighlighted, "#reminders")
    def show_how(self, event: DataTable.RowHighlighted) -> None:
        """Below the list: how the duty is done, or the alert in full."""
        kind, item = self.items.get(str(event.row_key.value), ("", None))
        if item is None:
            return
        text = (f"How: {item.how}" if kind == "reminder" and item.how
                else item.message)
        self.query_one("#reminder-how", Literal).update(text)

    def action_done(self) -> None:
        key = self.query_one("#reminders", ListTable).selected_key()
        if key is None:
            self.notify("Nothing selected.")
            return
        kind, item = self.items[key]
        self.if_allowed(Action.ALERTS, lambda: self.app.push_screen(
            PromptScreen(f"{'Acknowledge' if kind == 'alert' else 'Done'}: {item.message[:60]}"
                         " — a note for the audit log (optional):", allow_empty=True),
            if_answered(lambda note: self.act(kind, item.id, note))))

    @work(thread=True, exclusive=True, group="reminder-act", exit_on_error=False)
    def act(self, kind: str, item_id: int, note: str) -> None:
        b = self.backend
        if kind == "alert":
            b.call(b.services.reminders.acknowledge, b.login, item_id, note)
        else:
            b.call(b.services.reminders.mark_done, b.login, item_id, note)
        self.post_message(ActionDone("Alert acknowledged" if kind == "alert" else "Done"))

