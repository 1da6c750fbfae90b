"""Schedule: what goes out when, per outlet, the state of each delivery, the platform's
message for failed ones and a published poll's results; retry a failed delivery, publish a
held one now, or withdraw the post; delete a published post from its outlet or from all (HQ and the
Subcommittee Chair), after a confirmation that shows what will be deleted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header

from inmm_tui.domain.queues import ScheduleRow
from inmm_tui.domain.roles import Action
from inmm_tui.domain.when import format_local
from inmm_tui.ui.backend import Backend
from inmm_tui.ui.messages import ActionDone, RowsLoaded
from inmm_tui.ui.screens.base import InmmScreen
from inmm_tui.ui.screens.confirm import ConfirmItemScreen
from inmm_tui.ui.screens.prompt import PromptScreen, if_answered
from inmm_tui.ui.text import outside
from inmm_tui.ui.widgets.literal import Literal
from inmm_tui.ui.widgets.tables import ListTable

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from inmm_tui.domain.polls import PollReport

STATE_STYLE = {"failed": "bold red", "held": "bold yellow", "sending": "cyan",
               "sent": "green", "pending": "", "withdrawn": "dim", "deleted": "dim strike"}


def problem_text(row: ScheduleRow) -> Text:
    """The last column: for a failed or held delivery the platform's (or the publisher's)
    message first, marked when the post is out on another outlet; else the text."""
    if row.state in ("failed", "held"):
        text = Text()
        if row.post_state == "partly published":
            text.append("PARTLY PUBLISHED ", style="bold yellow")
            if row.part > 1:  # a thread stopped here: retrying goes on from this part
                text.append(f"(thread stopped at part {row.part}) ", style="yellow")
        message = row.last_error or row.state
        if row.state == "failed":
            message += f" (after {row.attempts} attempts)"
        text.append(message[:200], style="red" if row.state == "failed" else "yellow")
        return text
    return Text(row.text.replace("\n", " ")[:200])


def poll_results_text(report: PollReport, tz: ZoneInfo) -> Text:
    """A published poll's votes on one outlet, as the metrics job last read them; the
    option names come from the platform with the votes (outside text)."""
    text = Text("\nPoll results: ", style="bold")
    if report.votes is None:
        text.append("not read yet", style="dim")
        return text
    text.append(("closed, final count" if report.closed else "open")
                + f", read at {format_local(report.read_at, tz)}")
    for option, votes in report.tally():
        share = report.share(votes)
        text.append("\n  ")
        text.append_text(outside(option, limit=100))
        text.append(f": {votes} vote{'' if votes == 1 else 's'}"
                    + ("" if share is None else f" ({share:.0f}%)"))
    text.append(f"\n  total: {report.total} vote{'' if report.total == 1 else 's'}")
    return text


class ScheduleScreen(InmmScreen):
    CSS_PATH = "lists.tcss"
    TITLE = "Schedule"
    BINDINGS = [
        Binding("t", "retry", "Retry"),
        Binding("g", "release", "Publish held"),
        Binding("w", "withdraw", "Withdraw"),
        Binding("x", "delete_here", "Delete"),
        Binding("X", "delete_everywhere", "Delete from all outlets", show=False),
        Binding("c", "correct", "Write a correction", show=False),
    ]

    def __init__(self, backend: Backend) -> None:
        super().__init__(backend)
        self.rows: dict[str, ScheduleRow] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield ListTable(id="deliveries")
        yield Literal("", id="delivery-detail")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#deliveries", ListTable)
        table.add_column("Due", key="due", width=16)
        table.add_column("Outlet", key="outlet", width=10)
        table.add_column("State", key="state", width=9)
        table.add_column("Post", key="post", width=6)
        table.add_column("Text / platform's message", key="text", width=60)
        table.focus()

    def reload(self) -> None:
        self.load_rows()

    @work(thread=True, exclusive=True, group="schedule-rows", exit_on_error=False)
    def load_rows(self) -> None:
        b = self.backend
        self.post_message(RowsLoaded(b.call(b.services.queues.schedule, b.login)))

    @on(RowsLoaded)
    def show_rows(self, message: RowsLoaded) -> None:
        tz = self.backend.config.tz
        table = self.query_one("#deliveries", ListTable)
        keep = table.selected_key()
        table.clear()
        self.rows = {}
        for row in message.rows:
            key = str(row.delivery_id)
            self.rows[key] = row
            due = format_local(row.due_at, tz)
            about = problem_text(row)
            post = f"#{row.post_id}" + (f".{row.part}" if row.part > 1 else "")
            table.add_row(due, row.outlet, Text(row.state, style=STATE_STYLE.get(row.state, "")),
                          post, about, key=key)
        if keep in self.rows:
            table.move_cursor(row=table.get_row_index(keep))
        if not message.rows:
            self.query_one("#delivery-detail", Literal).update("Nothing scheduled.")

    @on(DataTable.RowHighlighted, "#deliveries")
    def show_detail(self, event: DataTable.RowHighlighted) -> None:
        row = self.rows.get(str(event.row_key.value)) if event.row_key else None
        if row is None:
            return
        text = Text()
        part = f" part {row.part}" if row.part > 1 else ""
        text.append(f"Post #{row.post_id}{part} on {row.outlet}: {row.state}", style="bold")
        if row.post_state == "partly published" and row.part > 1:
            text.append(f" — PARTLY PUBLISHED: its thread stopped at part {row.part}; retry "
                        "(t) goes on from this part", style="bold yellow")
        elif row.post_state == "partly published":
            text.append(" — PARTLY PUBLISHED: out on another outlet", style="bold yellow")
        if row.last_error:
            text.append(f"\nPlatform said: {row.last_error}", style="red")
        if row.platform_url:
            text.append(f"\n{row.platform_url}", style="dim")
        if row.poll is not None:
            text.append_text(poll_results_text(row.poll, self.backend.config.tz))
        self.query_one("#delivery-detail", Literal).update(text)

    def _selected(self) -> ScheduleRow | None:
        row = self.rows.get(self.query_one("#deliveries", ListTable).selected_key() or "")
        if row is None:
            self.notify("Nothing selected.")
        return row

    def action_retry(self) -> None:
        if row := self._selected():
            self.act("retry", row, "")

    def action_release(self) -> None:
        if row := self._selected():
            self.act("release", row, "")

    def action_withdraw(self) -> None:
        row = self._selected()
        if row is None:
            return
        self.if_allowed(Action.PUBLISH_CONTROL, lambda: self.app.push_screen(
            PromptScreen(f"Withdraw post #{row.post_id} from every outlet not yet sent — why?"),
            if_answered(lambda reason: self.act("withdraw", row, reason))))

    def action_delete_here(self) -> None:
        self._delete(everywhere=False)

    def action_delete_everywhere(self) -> None:
        self._delete(everywhere=True)

    def action_correct(self) -> None:
        row = self._selected()
        if row is None:
            return
        if row.state != "sent":
            self.notify(f"Post #{row.post_id} on {row.outlet} is {row.state}: only a published "
                        "post is corrected.")
            return
        self.if_allowed(Action.COMPOSE, lambda: self.app.push_screen(
            PromptScreen(f"Correction to post #{row.post_id} (a reply to it on each outlet "
                         "where it is up; cleared like any post) — what changed?"),
            if_answered(lambda text: self.act("correct", row, text))))

    def _delete(self, *, everywhere: bool) -> None:
        row = self._selected()
        if row is None:
            return
        if row.state != "sent":
            self.notify(f"Post #{row.post_id} on {row.outlet} is {row.state}: only a published "
                        "post can be deleted (withdraw one not yet sent).")
            return
        self.if_allowed(Action.DELETE_PUBLISHED, lambda: self.confirm_delete(row, everywhere))

    @work(thread=True, exclusive=True, group="schedule-act", exit_on_error=False)
    def confirm_delete(self, row: ScheduleRow, everywhere: bool) -> None:
        """Show what will be deleted (each outlet's copy and its address) before asking."""
        b = self.backend
        up = [d for d in b.call(b.services.posts.deliveries, row.post_id)
              if d.state == "sent" and (everywhere or d.outlet == row.outlet)]
        if not up:
            self.app.call_from_thread(self.notify, f"Post #{row.post_id} is not up on "
                                      f"{'any outlet' if everywhere else row.outlet}.")
            return
        where = "\n".join(f"{d.outlet}: {d.platform_url or d.platform_id}" for d in up)
        outlets = [d.outlet for d in up]
        screen = ConfirmItemScreen(
            f"Delete post #{row.post_id} from {', '.join(outlets)}? The daemon deletes it on "
            "the platform; it cannot be undone.", where, up[0].text,
            reason="Why? (kept in the audit log and shown on the post)")
        self.app.call_from_thread(self.app.push_screen, screen, if_answered(
            lambda reason: self.act("delete", row, reason, outlets)))

    @work(thread=True, exclusive=True, group="schedule-act", exit_on_error=False)
    def act(self, what: str, row: ScheduleRow, reason: str,
            outlets: list[str] | None = None) -> None:
        b = self.backend
        posts = b.services.posts
        if what == "retry":
            b.call(posts.retry, b.login, row.delivery_id)
            note = f"Post #{row.post_id} on {row.outlet} will be sent again"
        elif what == "release":
            b.call(posts.release_held, b.login, row.delivery_id)
            note = f"Post #{row.post_id} on {row.outlet} goes out now"
        elif what == "correct":
            post_id = b.call(posts.create_correction, b.login, row.post_id, reason)
            b.call(posts.submit, b.login, post_id)
            note = f"Correction #{post_id} to post #{row.post_id} is submitted for clearance"
        elif what == "delete":
            b.call(b.services.deletions.request_delete, b.login, row.post_id, outlets, reason)
            note = (f"Post #{row.post_id} will be deleted from {', '.join(outlets or [])} by "
                    "the daemon")
        else:
            b.call(posts.withdraw, b.login, row.post_id, reason)
            note = f"Post #{row.post_id} withdrawn"
        self.post_message(ActionDone(note))

