"""Governance ("Management of Social Media Pages", "Risks and Mitigation"): each outlet's
credential rotation (recorded by HQ, proved by the daemon's check), a suspected
compromise (anyone may report one), the policy's and the roster's reviews, and the queue
of look-alike accounts the daemon found. The domain decides who may do what."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header

from inmm_tui.domain.duties import RotationStatus
from inmm_tui.domain.governance_view import GovernanceState, GovernanceView, Suspect
from inmm_tui.domain.roles import Action, allowed
from inmm_tui.domain.when import format_local
from inmm_tui.ui.backend import Backend
from inmm_tui.ui.messages import ActionDone, RowsLoaded
from inmm_tui.ui.screens.base import InmmScreen
from inmm_tui.ui.screens.prompt import PromptScreen, if_answered
from inmm_tui.ui.text import outside
from inmm_tui.ui.widgets.literal import Literal
from inmm_tui.ui.widgets.tables import ListTable

SUSPECT_STYLE = {"new": "bold yellow", "reported": "cyan", "harmless": "dim", "gone": "dim"}
POLICY_STATE = {"ok": Text("not yet due", style="green"),
                "upcoming": Text("due soon", style="bold yellow"),
                "overdue": Text("OVERDUE", style="bold red")}


def governance_view(backend: Backend) -> GovernanceView:
    """The read side of governance, on the services' own connection and clock."""
    s = backend.services
    return GovernanceView(s.conn, s.config, s.clock)


def rotation_state(status: RotationStatus) -> Text:
    """One line a person reads: refused, awaiting the check, due (and why) or fine."""
    if status.failed_check:
        return Text("REFUSED by the platform: rotate again", style="bold red")
    if status.awaiting_check:
        return Text("awaiting the daemon's check", style="bold yellow")
    if status.due:
        return Text("DUE: " + "; ".join(status.reasons), style="bold red")
    return Text("ok", style="green")


def plan_text(state: GovernanceState, tz: ZoneInfo) -> Text:
    """What each outlet's plan with its platform does not include (or its spent monthly
    cap): the plan, not the credentials; everything else on the outlet goes on."""
    if not state.plan_limits:
        return Text("")
    text = Text("Not in the outlet's plan (acknowledge the alert once the plan is raised):",
                style="bold yellow")
    for limit in state.plan_limits:
        text.append(f"\n  {limit.outlet}: {limit.operation}, since "
                    f"{format_local(limit.since, tz, '%Y-%m-%d %H:%M')}: ")
        text.append_text(outside(limit.message, "dim", limit=300))
    return text


class GovernanceScreen(InmmScreen):
    TITLE = "Governance"
    CSS_PATH = "governance.tcss"
    BINDINGS = [
        Binding("o", "rotated", "Rotation done"),
        Binding("v", "review", "Roster review"),
        Binding("x", "compromise", "Compromise"),
        Binding("h", "suspect('harmless')", "Look-alike is harmless", show=False),
        Binding("p", "suspect('reported')", "Look-alike reported", show=False),
        Binding("d", "suspect('gone')", "Look-alike gone", show=False),
    ]

    def __init__(self, backend: Backend) -> None:
        super().__init__(backend)
        self.state: GovernanceState | None = None
        self.rotations: dict[str, RotationStatus] = {}
        self.suspects: dict[str, Suspect] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Literal("Credentials (o: rotation done, HQ; x: suspected compromise)",
                     classes="section")
        yield ListTable(id="rotations")
        plan = Literal("", id="gov-plan")
        plan.display = False  # shown only when a plan lacks something
        yield plan
        yield Literal("Loading…", id="gov-reviews")
        yield Literal("Look-alike accounts, new first (h harmless, p reported, d gone)",
                     classes="section")
        yield ListTable(id="suspects")
        yield Literal("", id="gov-detail")
        yield Footer()

    def on_mount(self) -> None:
        rotations = self.query_one("#rotations", ListTable)
        rotations.add_column("Outlet", key="outlet", width=10)
        rotations.add_column("Verified", key="verified", width=10)
        rotations.add_column("Next due", key="due", width=10)
        rotations.add_column("State", key="state", width=40)
        suspects = self.query_one("#suspects", ListTable)
        suspects.add_column("Status", key="status", width=8)
        suspects.add_column("Outlet", key="outlet", width=8)
        suspects.add_column("Handle", key="handle", width=16)
        suspects.add_column("Name", key="name", width=10)
        suspects.add_column("Seen", key="seen", width=10)
        suspects.add_column("Reference", key="ref", width=14)
        rotations.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Only HQ records rotations (the domain refuses anyone else): the key is hidden
        # from the others, so the footer offers what they can do.
        if action == "rotated" and self.state is not None:
            return allowed(self.state.person.role, Action.RECORD_ROTATION)
        return True

    def reload(self) -> None:
        self.load_state()

    @work(thread=True, exclusive=True, group="gov-rows", exit_on_error=False)
    def load_state(self) -> None:
        b = self.backend
        self.post_message(RowsLoaded([b.call(governance_view(b).state, b.login)]))

    @on(RowsLoaded)
    def show_state(self, message: RowsLoaded) -> None:
        state = self.state = message.rows[0]
        self.refresh_bindings()
        tz = self.backend.config.tz
        rotations = self.query_one("#rotations", ListTable)
        keep = rotations.selected_key()
        rotations.clear()
        self.rotations = {}
        for status in state.rotations:
            self.rotations[status.outlet] = status
            rotations.add_row(
                status.outlet,
                format_local(status.last_verified, tz, "%Y-%m-%d")
                if status.last_verified else "never",
                format_local(status.due_at, tz, "%Y-%m-%d") if status.due_at
                else ("now" if status.due else "—"),
                rotation_state(status), key=status.outlet)
        if keep in self.rotations:
            rotations.move_cursor(row=rotations.get_row_index(keep))
        plan = self.query_one("#gov-plan", Literal)
        plan.update(plan_text(state, tz))
        plan.display = bool(state.plan_limits)
        self.query_one("#gov-reviews", Literal).update(self._reviews_text(state))
        suspects = self.query_one("#suspects", ListTable)
        keep = suspects.selected_key()
        suspects.clear()
        self.suspects = {}
        for suspect in state.suspects:
            key = str(suspect.id)
            self.suspects[key] = suspect
            suspects.add_row(Text(suspect.status, style=SUSPECT_STYLE.get(suspect.status, "")),
                             suspect.outlet, "@" + suspect.handle, suspect.name or "—",
                             format_local(suspect.first_seen_at, tz, "%Y-%m-%d"),
                             suspect.report_ref or "", key=key)
        if keep in self.suspects:
            suspects.move_cursor(row=suspects.get_row_index(keep))
        if not state.suspects:
            self.query_one("#gov-detail", Literal).update("No look-alike account found so far.")
        self._show_detail()

    def _reviews_text(self, state: GovernanceState) -> Text:
        text = Text()
        policy = state.policy
        text.append("Policy review: ", style="bold")
        text.append(f"due {policy.due_on.isoformat()}, ")
        text.append_text(POLICY_STATE[policy.state])
        review = state.review
        text.append("\nRoster review: ", style="bold")
        if review is None:
            text.append("no EC meeting date configured ([review] ec_meeting)", style="yellow")
            return text
        done = len(review.reviewed)
        text.append(f"EC meeting {review.meeting.isoformat()}, {done} reviewed, "
                    f"{len(review.pending)} pending")
        if review.overdue:
            text.append(" — OVERDUE", style="bold red")
        elif review.open and review.pending:
            text.append(" — open now, v to walk through", style="bold yellow")
        elif not review.open:
            text.append(f" — opens {review.opens_on.isoformat()}", style="dim")
        return text

    @on(DataTable.RowHighlighted)
    def highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.has_focus:
            self._show_detail(event.data_table)

    @on(events.DescendantFocus)
    def table_chosen(self, event: events.DescendantFocus) -> None:
        if isinstance(event.widget, ListTable):
            self._show_detail(event.widget)

    def _show_detail(self, table: DataTable | None = None) -> None:
        """The full reasons or the suspect's decision, for the table in use, under the
        tables (80 columns cut the rows short)."""
        if table is None:
            focused = self.focused
            table = (focused if isinstance(focused, ListTable)
                     else self.query_one("#rotations", ListTable))
        key = table.selected_key() if isinstance(table, ListTable) else None
        detail = self.query_one("#gov-detail", Literal)
        if table.id == "rotations" and key in self.rotations:
            status = self.rotations[key]
            text = Text(f"{status.outlet}: ", style="bold")
            text.append_text(rotation_state(status))
            if status.reasons and (status.failed_check or status.awaiting_check):
                text.append("\n" + "; ".join(status.reasons), style="dim")
            detail.update(text)
        elif table.id == "suspects" and key in self.suspects:
            suspect = self.suspects[key]
            text = Text(f"@{suspect.handle} on {suspect.outlet} ({suspect.name or 'no name'}): ",
                        style="bold")
            text.append(suspect.status)
            if suspect.decided_by:
                text.append(f", decided by {suspect.decided_by}")
            if suspect.report_ref:
                text.append(f", platform's reference {suspect.report_ref}")
            detail.update(text)

    def _outlet(self) -> str | None:
        key = self.query_one("#rotations", ListTable).selected_key()
        if key is None:
            self.notify("No outlet selected.")
        return key

    def action_rotated(self) -> None:
        if outlet := self._outlet():
            self.if_allowed(Action.RECORD_ROTATION, lambda: self.app.push_screen(
                PromptScreen(f"The credentials of {outlet} were changed and the secrets file "
                             "updated — a note for the audit log (optional):", allow_empty=True),
                if_answered(lambda note: self.act("rotated", outlet, note))))

    def action_compromise(self) -> None:
        if outlet := self._outlet():
            self.app.push_screen(
                PromptScreen(f"Suspected compromise of {outlet} — what makes you suspect it?"),
                if_answered(lambda reason: self.act("compromise", outlet, reason)))

    def action_suspect(self, decision: str) -> None:
        key = self.query_one("#suspects", ListTable).selected_key()
        suspect = self.suspects.get(key or "")
        if suspect is None:
            self.notify("No look-alike account selected.")
            return
        if decision == "reported":
            self.if_allowed(Action.MODERATE, lambda: self.app.push_screen(
                PromptScreen(f"Reported @{suspect.handle} to {suspect.outlet} — the platform's "
                             "reference (ticket or report id):"),
                if_answered(lambda ref: self.act("reported", str(suspect.id), ref))))
        else:
            self.act(decision, str(suspect.id))

    def action_review(self) -> None:
        from inmm_tui.ui.screens.roster_review import RosterReviewScreen

        self.app.push_screen(RosterReviewScreen(self.backend))

    @work(thread=True, exclusive=True, group="gov-act", exit_on_error=False)
    def act(self, what: str, subject: str, text: str = "") -> None:
        b = self.backend
        governance = b.services.governance
        if what == "rotated":
            b.call(governance.record_rotation, b.login, subject, text)
            note = f"Rotation of {subject} recorded; it counts once the daemon's check passes"
        elif what == "compromise":
            b.call(governance.flag_compromise, b.login, subject, text)
            note = f"Suspected compromise of {subject} reported: HQ is alerted"
        else:
            b.call(governance.mark_suspect, b.login, int(subject), what, text)
            note = f"Look-alike account marked {what}"
        self.post_message(ActionDone(note))

