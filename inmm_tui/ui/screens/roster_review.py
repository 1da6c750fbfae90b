"""The roster's annual review ("Management of Social Media Pages"): from a month before
the EC meeting, go through each active person — keep, change role, or withdraw (with a
reason, effective at once) — and export the authorised list for the meeting as Markdown."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header

from inmm_tui.domain.duties import ReviewStatus
from inmm_tui.domain.errors import InvalidInput
from inmm_tui.domain.governance_view import ReviewEntry
from inmm_tui.domain.roles import Action, parse_role
from inmm_tui.ui.backend import Backend
from inmm_tui.ui.messages import ActionDone, RowsLoaded
from inmm_tui.ui.screens.base import InmmScreen
from inmm_tui.ui.screens.governance import governance_view
from inmm_tui.ui.screens.prompt import PromptScreen, if_answered
from inmm_tui.ui.widgets.literal import Literal
from inmm_tui.ui.widgets.tables import ListTable

OUTCOME = {None: Text("to review", style="bold yellow"),
           "keep": Text("keep", style="green"),
           "change_role": Text("role changed", style="cyan"),
           "withdraw": Text("withdrawn", style="red")}


def default_export_path(meeting: str) -> Path:
    """Where the list goes when the person types no path: their home folder."""
    return Path.home() / f"inmm-authorised-people-{meeting}.md"


def export_markdown(markdown: str, typed: str, meeting: str) -> Path:
    """Write the list to the typed path (`~` allowed; a folder gets the default name)."""
    path = Path(typed).expanduser() if typed.strip() else default_export_path(meeting)
    if path.is_dir():
        path = path / default_export_path(meeting).name
    try:
        path.write_text(markdown, encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"could not write the review list to {path}: "
                           f"{exc.strerror or exc}") from None
    return path


class RosterReviewScreen(InmmScreen):
    TITLE = "Roster review"
    CSS_PATH = "governance.tcss"
    BINDINGS = [
        Binding("y", "decide('keep')", "Keep"),
        Binding("c", "decide('change_role')", "Change role"),
        Binding("w", "decide('withdraw')", "Withdraw"),
        Binding("x", "export", "Export"),
    ]

    def __init__(self, backend: Backend) -> None:
        super().__init__(backend)
        self.status: ReviewStatus | None = None
        self.entries: dict[str, ReviewEntry] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Literal("Loading…", id="review-progress")
        yield ListTable(id="review-people")
        yield Literal("Withdrawing takes effect at once. Any change makes every outlet's "
                     "credentials due for rotation.", id="review-note")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#review-people", ListTable)
        table.add_column("Name", key="name", width=17)
        table.add_column("Login", key="login", width=8)
        table.add_column("Role", key="role", width=31)
        table.add_column("This review", key="outcome", width=14)
        table.focus()

    def reload(self) -> None:
        self.load_rows()

    @work(thread=True, exclusive=True, group="review-rows", exit_on_error=False)
    def load_rows(self) -> None:
        b = self.backend
        self.post_message(RowsLoaded([b.call(governance_view(b).review_entries, b.login)]))

    @on(RowsLoaded)
    def show_rows(self, message: RowsLoaded) -> None:
        status, entries = message.rows[0]
        self.status = status
        table = self.query_one("#review-people", ListTable)
        keep = table.selected_key()
        table.clear()
        self.entries = {}
        for entry in entries:
            person = entry.person
            self.entries[person.login] = entry
            outcome = OUTCOME[entry.outcome].copy()
            if entry.outcome == "withdraw" and entry.reason:
                outcome.append(f": {entry.reason}")
            table.add_row(person.name, person.login, person.role.label, outcome,
                          key=person.login)
        # Walk on: the cursor goes to the first person still to review.
        pending = [login for login, e in self.entries.items() if e.outcome is None]
        target = pending[0] if pending else keep
        if target in self.entries:
            table.move_cursor(row=table.get_row_index(target))
        self.query_one("#review-progress", Literal).update(self._progress())

    def _progress(self) -> Text:
        status = self.status
        if status is None:
            return Text("No EC meeting date is configured ([review] ec_meeting in the "
                        "config): there is nothing to review against.", style="yellow")
        done, total = len(status.reviewed), len(status.reviewed) + len(status.pending)
        text = Text(f"EC meeting {status.meeting.isoformat()}: ", style="bold")
        text.append(f"{done} of {total} reviewed, {len(status.pending)} to go")
        if status.overdue:
            text.append(" — OVERDUE", style="bold red")
        elif not status.open:
            text.append(f" — the review opens on {status.opens_on.isoformat()}", style="dim")
        elif not status.pending:
            text.append(" — done: x exports the list for the meeting", style="green")
        return text

    def _selected(self) -> ReviewEntry | None:
        entry = self.entries.get(self.query_one("#review-people", ListTable).selected_key()
                                 or "")
        if entry is None:
            self.notify("No one selected.")
        return entry

    def action_decide(self, outcome: str) -> None:
        entry = self._selected()
        if entry is None:
            return
        person = entry.person
        if outcome == "keep":
            self.act(person.login, "keep")
        elif outcome == "change_role":
            self.if_allowed(Action.MANAGE_ROSTER, lambda: self.app.push_screen(
                PromptScreen(f"New role for {person.name} (now {person.role.label}):",
                             placeholder="e.g. account_manager, subcommittee_chair, hq"),
                if_answered(lambda role: self.act(person.login, "change_role", role))))
        else:
            self.if_allowed(Action.MANAGE_ROSTER, lambda: self.app.push_screen(
                PromptScreen(f"Withdraw {person.name}'s rights at this review — why? "
                             "(audit log, and the list for the meeting)"),
                if_answered(lambda reason: self.act(person.login, "withdraw", reason))))

    @work(thread=True, exclusive=True, group="review-act", exit_on_error=False)
    def act(self, login: str, outcome: str, text: str = "") -> None:
        b = self.backend
        governance = b.services.governance
        if outcome == "change_role":
            role = parse_role(text)
            b.call(governance.review_person, b.login, login, outcome, role=role)
            note = f"{login}: role changed to {role.label}"
        elif outcome == "withdraw":
            b.call(governance.review_person, b.login, login, outcome, reason=text)
            note = f"{login}'s rights withdrawn"
        else:
            b.call(governance.review_person, b.login, login, outcome)
            note = f"{login} kept"
        self.post_message(ActionDone(note))

    def action_export(self) -> None:
        if self.status is None:
            self.notify("No EC meeting date is configured.", severity="warning")
            return
        meeting = self.status.meeting.isoformat()
        default = default_export_path(meeting)
        self.app.push_screen(
            PromptScreen("Write the list for the meeting to (Enter for the default):",
                         allow_empty=True, placeholder=str(default)),
            if_answered(lambda typed: self.export(typed, meeting)))

    @work(thread=True, exclusive=True, group="review-act", exit_on_error=False)
    def export(self, typed: str, meeting: str) -> None:
        b = self.backend
        markdown = b.call(governance_view(b).review_markdown, b.login)
        path = export_markdown(markdown, typed, meeting)
        self.post_message(ActionDone(f"List written to {path}"))


