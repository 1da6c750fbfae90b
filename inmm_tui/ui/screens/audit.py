"""The audit log (oversight): who did what, when, on which post, and whether the chain
vouches for each entry; filtered by person and action. What `inmm-tui audit log` shows,
read through the same domain call (the chairs, HQ and the EC read everyone's entries, an
account manager their own)."""

from __future__ import annotations

import json

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header

from inmm_tui.domain import audit_log
from inmm_tui.domain.when import format_local
from inmm_tui.ui.backend import Backend
from inmm_tui.ui.messages import RowsLoaded
from inmm_tui.ui.screens.base import InmmScreen
from inmm_tui.ui.screens.prompt import PromptScreen
from inmm_tui.ui.widgets.literal import Literal
from inmm_tui.ui.widgets.tables import ListTable

SHOWN = 500
"""The newest entries shown; the command reads any number."""


class AuditScreen(InmmScreen):
    TITLE = "Audit log"
    BINDINGS = [
        Binding("p", "person", "Filter by person"),
        Binding("a", "action", "Filter by action"),
        Binding("x", "clear", "All entries"),
    ]

    def __init__(self, backend: Backend) -> None:
        super().__init__(backend)
        self.person: str | None = None
        self.action_filter: str | None = None
        self.entries: dict[str, audit_log.Entry] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Literal("", id="audit-chain")
        yield ListTable(id="audit-entries")
        yield Literal("", id="audit-details")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#audit-entries", ListTable)
        table.add_column("#", key="seq", width=6)
        table.add_column("When", key="when", width=16)
        table.add_column("Who", key="who", width=12)
        table.add_column("Action", key="action", width=24)
        table.add_column("On", key="subject", width=16)
        table.add_column("Chain", key="chain", width=12)
        table.focus()

    def reload(self) -> None:
        self.load_rows()

    @work(thread=True, exclusive=True, group="audit-rows", exit_on_error=False)
    def load_rows(self) -> None:
        b = self.backend
        log = b.call(audit_log.read, b.services.db, b.login, b.services.clock,
                     person=self.person, action=self.action_filter)
        self.post_message(RowsLoaded([log]))

    @on(RowsLoaded)
    def show_rows(self, message: RowsLoaded) -> None:
        (log,) = message.rows
        tz = self.backend.config.tz
        filters = ", ".join(f for f in (self.person and f"by {self.person}",
                                        self.action_filter and f"action {self.action_filter}")
                            if f)
        header = log.chain.describe() + (" — your own entries only" if log.only_own else "")
        self.query_one("#audit-chain", Literal).update(
            header + (f" — {filters}" if filters else ""))
        table = self.query_one("#audit-entries", ListTable)
        table.clear()
        self.entries.clear()
        for entry in reversed(log.entries[-SHOWN:]):  # newest first
            key = str(entry.seq)
            self.entries[key] = entry
            chain = (Text("verified", style="green") if entry.verified
                     else Text("NOT VERIFIED", style="bold red"))
            table.add_row(key, format_local(entry.at, tz), entry.actor, entry.action,
                          entry.subject, chain, key=key)
        self.query_one("#audit-details", Literal).update(
            "" if log.entries else "No entry matches.")

    @on(DataTable.RowHighlighted, "#audit-entries")
    def show_details(self, event: DataTable.RowHighlighted) -> None:
        entry = self.entries.get(str(event.row_key.value))
        if entry is not None:
            self.query_one("#audit-details", Literal).update(
                json.dumps(entry.details, ensure_ascii=False, sort_keys=True))

    def action_person(self) -> None:
        self.app.push_screen(PromptScreen("Whose entries (a login; empty for everyone's):",
                                          allow_empty=True), self._set_person)

    def action_action(self) -> None:
        self.app.push_screen(PromptScreen("Which action (post.clear, or a family such as post;"
                                          " empty for all):", allow_empty=True),
                             self._set_action)

    def action_clear(self) -> None:
        self.person = self.action_filter = None
        self.load_rows()

    def _set_person(self, answer: str | None) -> None:
        if answer is not None:
            self.person = answer.strip() or None
            self.load_rows()

    def _set_action(self, answer: str | None) -> None:
        if answer is not None:
            self.action_filter = answer.strip() or None
            self.load_rows()
