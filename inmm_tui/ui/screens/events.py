"""Live coverage and crisis mode ("Objectives", "Hashtags", "Interaction"): an event with
its hashtag, which posts in it carry; crisis mode, in which a crisis post's author may
clear it (it still goes through clearance) and it is published as soon as cleared, with a
banner on every screen."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header

from inmm_tui.domain.errors import InvalidInput
from inmm_tui.domain.roles import Action
from inmm_tui.domain.switches import Event
from inmm_tui.ui.backend import Backend
from inmm_tui.ui.messages import ActionDone, RowsLoaded
from inmm_tui.ui.screens.base import InmmScreen
from inmm_tui.ui.screens.prompt import PromptScreen, if_answered
from inmm_tui.ui.widgets.banner import CRISIS_RULE
from inmm_tui.ui.widgets.literal import Literal
from inmm_tui.ui.widgets.tables import ListTable


class EventsScreen(InmmScreen):
    CSS_PATH = "lists.tcss"
    TITLE = "Events and crisis"
    BINDINGS = [
        Binding("v", "start_event", "Coverage"),
        Binding("exclamation_mark", "start_crisis", "Crisis mode", key_display="!"),
        Binding("x", "end", "End"),
    ]

    def __init__(self, backend: Backend) -> None:
        super().__init__(backend)
        self.events: dict[str, Event] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield ListTable(id="events")
        yield Literal("Posts written for an event carry its hashtag. In crisis mode, "
                      f"{CRISIS_RULE}.", id="events-note")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#events", ListTable)
        table.add_column("Kind", key="kind", width=9)
        table.add_column("Name", key="name", width=28)
        table.add_column("Hashtag", key="hashtag", width=16)
        table.add_column("From", key="from", width=11)
        table.add_column("Until", key="until", width=11)
        table.focus()

    def reload(self) -> None:
        self.load_rows()

    @work(thread=True, exclusive=True, group="events-rows", exit_on_error=False)
    def load_rows(self) -> None:
        b = self.backend
        self.post_message(RowsLoaded(b.call(b.services.queues.events, b.login)))

    @on(RowsLoaded)
    def show_rows(self, message: RowsLoaded) -> None:
        table = self.query_one("#events", ListTable)
        table.clear()
        self.events = {}
        for event in message.rows:
            self.events[str(event.id)] = event
            kind = Text(event.kind, style="bold red" if event.kind == "crisis" else "")
            until = event.ends_on or ("ongoing" if event.active else "")
            table.add_row(kind, event.name, event.hashtag, event.starts_on or "", until,
                          key=str(event.id))

    def action_start_event(self) -> None:
        self.if_allowed(Action.EVENTS, lambda: self.app.push_screen(
            PromptScreen("Live coverage: name, hashtag — e.g. Annual Meeting 2027, #INMM27"),
            if_answered(lambda text: self.act("event", text))))

    def action_start_crisis(self) -> None:
        self.if_allowed(Action.CRISIS, lambda: self.app.push_screen(
            PromptScreen("CRISIS MODE: name, established hashtag — e.g. Site incident, #INMMinfo"),
            if_answered(lambda text: self.act("crisis", text))))

    def action_end(self) -> None:
        event = self.events.get(self.query_one("#events", ListTable).selected_key() or "")
        if event is None or not event.active:
            self.notify("Select an ongoing event first.")
            return
        self.act("end", str(event.id))

    @work(thread=True, exclusive=True, group="events-act", exit_on_error=False)
    def act(self, what: str, text: str) -> None:
        b = self.backend
        switches = b.services.switches
        if what == "end":
            b.call(switches.end_event, b.login, int(text))
            note = "Ended"
        else:
            name, _, hashtag = text.rpartition(",")
            if not name.strip():
                raise InvalidInput("write the name, a comma, then the hashtag")
            b.call(switches.start_event, b.login, name, hashtag, crisis=what == "crisis")
            note = "Crisis mode is on" if what == "crisis" else f"Coverage of {name} started"
        self.post_message(ActionDone(note))

