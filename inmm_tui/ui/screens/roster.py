"""Roster: the authorised people ("Management of Social Media Pages"), their roles,
rights withdrawn and the date of the last annual review. Changes go through the
domain, which decides who may make them."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header

from inmm_tui.domain.errors import InvalidInput
from inmm_tui.domain.people import Person
from inmm_tui.domain.roles import Action, parse_role
from inmm_tui.domain.when import format_local
from inmm_tui.ui.backend import Backend
from inmm_tui.ui.messages import ActionDone, RowsLoaded
from inmm_tui.ui.screens.base import InmmScreen
from inmm_tui.ui.screens.prompt import PromptScreen, if_answered
from inmm_tui.ui.widgets.literal import Literal
from inmm_tui.ui.widgets.tables import ListTable


class RosterScreen(InmmScreen):
    CSS_PATH = "lists.tcss"
    TITLE = "Roster"
    BINDINGS = [
        Binding("a", "add", "Add person"),
        Binding("w", "withdraw", "Withdraw rights"),
        Binding("i", "reinstate", "Reinstate"),
        Binding("v", "review", "Reviewed: keep", show=False),
        Binding("n", "notifications", "Notifications", show=False),
    ]

    def __init__(self, backend: Backend) -> None:
        super().__init__(backend)
        self.people: dict[str, Person] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield ListTable(id="people")
        yield Literal("Adding, withdrawing or changing anyone makes every outlet's "
                      "credentials due for rotation.", id="roster-note")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#people", ListTable)
        table.add_column("Name", key="name", width=20)
        table.add_column("Login", key="login", width=10)
        table.add_column("Role", key="role", width=32)
        table.add_column("Rights", key="rights", width=18)
        table.add_column("Reviewed", key="reviewed", width=10)
        table.add_column("Policy", key="policy", width=8)
        table.add_column("E-mail notices", key="notify", width=36)
        table.focus()

    def reload(self) -> None:
        self.load_rows()

    @work(thread=True, exclusive=True, group="roster-rows", exit_on_error=False)
    def load_rows(self) -> None:
        b = self.backend
        people = b.call(b.services.queues.people, b.login)
        from inmm_tui.domain import notify

        acks = {a.login: a for a in b.call(b.services.policy.status)}
        told = b.call(notify.everyone_settings, b.services.db.conn)
        self.post_message(RowsLoaded([(person, acks.get(person.login),
                                       notify.summary(told.get(person.login)))
                                      for person in people]))

    @on(RowsLoaded)
    def show_rows(self, message: RowsLoaded) -> None:
        tz = self.backend.config.tz
        table = self.query_one("#people", ListTable)
        keep = table.selected_key()
        table.clear()
        self.people = {}
        for person, ack, notified in message.rows:
            self.people[person.login] = person
            rights = (Text("active", style="green") if person.active else
                      Text(f"withdrawn: {person.revoked_reason or ''}"[:18], style="red"))
            reviewed = format_local(person.last_reviewed_at, tz, "%Y-%m-%d") or "never"
            # Which version they acknowledged: the one in force, an older one, or none.
            policy = (Text("yes", style="green") if ack and ack.current else
                      Text("old", style="yellow") if ack and ack.version else
                      Text("no", style="red"))
            table.add_row(person.name, person.login, person.role.label, rights, reviewed,
                          policy, notified, key=person.login)
        if keep in self.people:
            table.move_cursor(row=table.get_row_index(keep))

    def _selected(self) -> Person | None:
        person = self.people.get(self.query_one("#people", ListTable).selected_key() or "")
        if person is None:
            self.notify("Nothing selected.")
        return person

    def action_add(self) -> None:
        self.if_allowed(Action.MANAGE_ROSTER, lambda: self.app.push_screen(
            PromptScreen("Add: login, full name, role — e.g. adoe, Alex Doe, account_manager"),
            if_answered(lambda text: self.act("add", text))))

    def action_withdraw(self) -> None:
        if person := self._selected():
            self.if_allowed(Action.MANAGE_ROSTER, lambda: self.app.push_screen(
                PromptScreen(f"Withdraw {person.name}'s rights — why? (audit log)"),
                if_answered(lambda reason: self.act("withdraw", person.login, reason))))

    def action_reinstate(self) -> None:
        if person := self._selected():
            self.act("reinstate", person.login)

    def action_review(self) -> None:
        """This year's EC review keeps the selected person as they are (withdrawing is `w`)."""
        if person := self._selected():
            self.act("review", person.login)

    def action_notifications(self) -> None:
        """The selected person's e-mail notifications (your own; HQ sets anyone's), as
        `inmm-tui roster notify` sets them: an empty part leaves that setting as it is."""
        if person := self._selected():
            self.app.push_screen(
                PromptScreen(f"Notifications for {person.name}: e-mail; events (all, or e.g. "
                             "clearance_needed,post_rejected); immediate or digest; quiet hours "
                             "(e.g. 22:00-07:00, or off)",
                             placeholder="adoe@example.org; all; immediate; off"),
                if_answered(lambda text: self.set_notifications(person.login, text)))

    @work(thread=True, exclusive=True, group="roster-act", exit_on_error=False)
    def set_notifications(self, login: str, text: str) -> None:
        from inmm_tui.domain import notify

        parts = [part.strip() for part in text.split(";")]
        if len(parts) > 4:
            raise InvalidInput("at most four parts, separated by semicolons: e-mail; events; "
                               "immediate or digest; quiet hours")
        email, events, mode, quiet = [*parts, "", "", ""][:4]
        b = self.backend
        new = b.call(notify.set_settings, b.services.db, b.login, login, b.services.clock,
                     email=email or "unchanged",
                     events=[e.strip() for e in events.split(",") if e.strip()] if events
                     else None, mode=mode or None, quiet=quiet or None)
        self.post_message(ActionDone(
            f"{login}: e-mail {new.email or 'none'}; events {', '.join(new.events) or 'all'}; "
            f"{new.mode}; quiet hours {notify.quiet_text(new)}"))

    @work(thread=True, exclusive=True, group="roster-act", exit_on_error=False)
    def act(self, what: str, subject: str, reason: str = "") -> None:
        b = self.backend
        roster = b.services.roster
        if what == "add":
            parts = [part.strip() for part in subject.split(",")]
            if len(parts) != 3:
                raise InvalidInput("write the login, the full name and the role, "
                                   "separated by commas")
            role = parse_role(parts[2])
            person = b.call(roster.add, b.login, parts[0], parts[1], role)
            note = f"{person.name} added as {role.label}"
        elif what == "withdraw":
            person = b.call(roster.revoke, b.login, subject, reason)
            note = f"{person.name}'s rights withdrawn"
        elif what == "review":
            b.call(b.services.governance.review_person, b.login, subject, "keep")
            note = f"{subject} kept at this year's review"
        else:
            person = b.call(roster.reinstate, b.login, subject)
            note = f"{person.name} reinstated"
        self.post_message(ActionDone(note))

