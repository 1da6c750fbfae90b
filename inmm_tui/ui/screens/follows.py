"""Follow review: the accounts INMM follows, newest first, one outlet and one page at a
time, with why each is followed and whether it was reviewed; unfollow, block, follow an
organisation, record the full review (policy: "Following and Followers"; R10-R12).

The list can hold a million accounts: it is read a page at a time by key
(`inmm_tui.domain.oversight.followed_page`), never all at once. Unfollow, block and
follow are intents the domain records and the daemon performs.
"""

from __future__ import annotations

import time
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, DataTable, Footer, Header, Input

from inmm_tui.domain import oversight
from inmm_tui.domain.follows import Followed
from inmm_tui.domain.oversight import PageKey
from inmm_tui.domain.roles import Action
from inmm_tui.domain.when import format_local
from inmm_tui.ui.backend import Backend
from inmm_tui.ui.messages import ActionDone
from inmm_tui.ui.oversight_messages import FollowedLoaded, FollowSummaryLoaded
from inmm_tui.ui.screens.base import InmmScreen
from inmm_tui.ui.screens.prompt import PromptScreen, if_answered
from inmm_tui.ui.widgets.editors import PlainInput, TickBox
from inmm_tui.ui.widgets.literal import Literal, LiteralLabel
from inmm_tui.ui.widgets.tables import ListTable
from inmm_tui.wording import count as plural

PAGE_SIZE = 100
SUMMARY_EVERY = 10.0
"""Seconds between two countings of the balance when the database changes: on a million
followers a count takes ~0.2 s per outlet, and the daemon writes often while it syncs."""
WHY = {"follow_back": "follow-back", "organisation": "organisation"}


class FollowsScreen(InmmScreen):
    TITLE = "Follow review"
    CSS_PATH = "follows.tcss"
    BINDINGS = [
        Binding("v", "reviewed", "Reviewed"),
        Binding("u", "unfollow", "Unfollow"),
        Binding("b", "block", "Block"),
        Binding("n", "next_page", "Next page"),
        Binding("V", "page_reviewed", "Whole page reviewed", show=False),
        Binding("o", "organisation", "Follow an organisation", show=False),
        Binding("w", "full_review", "Full review done", show=False),
        Binding("p", "previous_page", "Previous page", show=False),
        Binding("t", "next_outlet", "Next outlet", show=False),
    ]

    def __init__(self, backend: Backend) -> None:
        super().__init__(backend)
        self.outlets = [(o.name, o.title) for o in backend.config.outlets]
        self.outlet_index = 0
        self.starts: list[PageKey | None] = [None]
        """Where each page seen so far starts (the last is the page shown): `p` goes back."""
        self.next_key: PageKey | None = None
        self.rows: dict[str, Followed] = {}
        self._counted_at = -SUMMARY_EVERY

    @property
    def outlet(self) -> str:
        return self.outlets[self.outlet_index][0] if self.outlets else ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Literal("Loading…", id="follow-summary")
        yield Literal("", id="follow-page")
        yield ListTable(id="followed")
        yield Literal("", id="follow-detail")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#followed", ListTable)
        table.add_column("Handle", key="handle", width=16)
        table.add_column("Name", key="name", width=11)
        table.add_column("Why", key="why", width=12)
        table.add_column("Since", key="since", width=10)
        table.add_column("Reviewed", key="reviewed", width=10)
        table.add_column("Pending", key="pending", width=8)
        table.focus()

    def reload(self, count: bool = False) -> None:
        """The page shown; the balance too when asked or when it was counted long enough ago."""
        now = time.monotonic()
        count = count or now - self._counted_at >= SUMMARY_EVERY
        if count:
            self._counted_at = now
        self.load_page(self.outlet, self.starts[-1], count)

    @work(thread=True, exclusive=True, group="follows-rows", exit_on_error=False)
    def load_page(self, outlet: str, start: PageKey | None, count: bool) -> None:
        b = self.backend
        page = b.call(oversight.followed_page, b.services.db.conn, b.login, outlet,
                      after=start, limit=PAGE_SIZE)
        self.post_message(FollowedLoaded(outlet, page))
        if not count:
            return
        # After the page, which is what the person waits for: the counts scan the lists.
        follows = b.services.follows
        balances = [b.call(follows.balance, name) for name, _ in self.outlets]
        self.post_message(FollowSummaryLoaded(balances, b.call(follows.review_status)))

    @on(FollowedLoaded)
    def show_page(self, message: FollowedLoaded) -> None:
        if message.outlet != self.outlet:
            return  # the person switched outlet meanwhile
        table = self.query_one("#followed", ListTable)
        keep = table.selected_key()
        table.clear()
        self.rows = {}
        self.next_key = message.page.next_key
        tz = self.backend.config.tz
        for row in message.page.rows:
            self.rows[row.user_id] = row
            reviewed = (Text(_day(row.reviewed_at, tz), style="green") if row.reviewed_at
                        else Text("not yet", style="yellow"))
            pending = (Text("error", style="bold red") if row.action_error
                       else Text(row.pending_action or "", style="yellow"))
            table.add_row(f"@{row.handle or row.user_id}", row.name or "",
                          WHY.get(row.reason, row.reason), _day(row.followed_at, tz), reviewed,
                          pending, key=row.user_id)
        if keep in self.rows:
            table.move_cursor(row=table.get_row_index(keep))
        first = (len(self.starts) - 1) * PAGE_SIZE + 1
        title = dict(self.outlets).get(self.outlet, self.outlet)
        shown = (f"{first}-{first + len(self.rows) - 1}" if self.rows else "none")
        more = "  n: next page" if self.next_key else ""
        back = "  p: previous" if len(self.starts) > 1 else ""
        self.query_one("#follow-page", Literal).update(
            f"{title}: accounts followed {shown}, newest first{more}{back}  t: outlet")
        self.show_selected()

    @on(FollowSummaryLoaded)
    def show_summary(self, message: FollowSummaryLoaded) -> None:
        tz = self.backend.config.tz
        titles = dict(self.outlets)
        out = Text()
        for balance in message.balances:
            ratio = f"{balance.ratio:.2f}" if balance.ratio is not None else "—"
            out.append(f"{titles.get(balance.outlet, balance.outlet)}: ", style="bold")
            out.append(f"{balance.followers:,} follower{'' if balance.followers == 1 else 's'},"
                       f" follows {balance.following:,} ({ratio} per follower)\n")
        review = message.review
        out.append("Full review: last ", style="bold")
        out.append(_day(review.last_full_review, tz) or "never")
        out.append(", next due ")
        out.append(_day(review.next_due, tz) or "now",
                   style="bold red" if review.overdue else "")
        if review.overdue:
            out.append("  OVERDUE", style="bold red")
        self.query_one("#follow-summary", Literal).update(out)

    @on(DataTable.RowHighlighted, "#followed")
    def show_selected(self) -> None:
        row = self._row(quiet=True)
        detail = Text()
        if row is not None:
            tz = self.backend.config.tz
            detail.append(f"@{row.handle} ({row.user_id}) followed by {row.followed_by} "
                          f"on {_day(row.followed_at, tz)}; ")
            detail.append("follows INMM" if row.follows_us else "does not follow INMM")
            if row.note:
                detail.append(f"\nWhy: {row.note}")
            if row.pending_action:
                detail.append(f"\n{row.pending_action} requested; the daemon performs it",
                              style="yellow")
            if row.action_error:
                detail.append(f"\nThe platform refused: {row.action_error}", style="bold red")
        self.query_one("#follow-detail", Literal).update(detail)

    # ----- paging ------------------------------------------------------------------

    def action_next_page(self) -> None:
        if self.next_key is None:
            self.notify("This is the last page.")
            return
        self.starts.append(self.next_key)
        self.reload()

    def action_previous_page(self) -> None:
        if len(self.starts) > 1:
            self.starts.pop()
            self.reload()

    def action_next_outlet(self) -> None:
        if self.outlets:
            self.outlet_index = (self.outlet_index + 1) % len(self.outlets)
            self.starts = [None]
            self.query_one("#followed", ListTable).clear()
            self.reload()

    # ----- acting ------------------------------------------------------------------

    def _row(self, quiet: bool = False) -> Followed | None:
        row = self.rows.get(self.query_one("#followed", ListTable).selected_key() or "")
        if row is None and not quiet:
            self.notify("Nothing selected.")
        return row

    def action_reviewed(self) -> None:
        if row := self._row():
            self.act("reviewed", [row.user_id])

    def action_page_reviewed(self) -> None:
        if self.rows:
            self.act("reviewed", list(self.rows))

    def action_unfollow(self) -> None:
        if row := self._row():
            self.if_allowed(Action.MODERATE, lambda: self.app.push_screen(
                PromptScreen(f"Unfollow @{row.handle} — reason (audit log, optional):",
                             allow_empty=True),
                if_answered(lambda reason: self.act("unfollow", [row.user_id], reason))))

    def action_block(self) -> None:
        if row := self._row():
            self.if_allowed(Action.MODERATE, lambda: self.app.push_screen(
                PromptScreen(f"Block @{row.handle} — reason (audit log, optional):",
                             allow_empty=True),
                if_answered(lambda reason: self.act("block", [row.user_id], reason))))

    def action_organisation(self) -> None:
        title = dict(self.outlets).get(self.outlet, self.outlet)
        self.if_allowed(Action.MODERATE, lambda: self.app.push_screen(
            FollowOrganisationScreen(title), self._follow_organisation))

    def _follow_organisation(self, answer: dict[str, Any] | None) -> None:
        if answer is not None:
            self.act("organisation", [], "", answer)

    def action_full_review(self) -> None:
        self.if_allowed(Action.MODERATE, lambda: self.app.push_screen(
            PromptScreen("The whole followed list was reviewed — note (optional):",
                         allow_empty=True),
            if_answered(lambda note: self.act("full_review", [], note))))

    @work(thread=True, exclusive=True, group="follows-act", exit_on_error=False)
    def act(self, what: str, user_ids: list[str], text: str = "",
            answer: dict[str, Any] | None = None) -> None:
        b = self.backend
        follows = b.services.follows
        outlet = self.outlet
        if what == "reviewed":
            count = b.call(follows.mark_reviewed, b.login, outlet, user_ids)
            note = f"{plural(count, 'account')} marked reviewed"
        elif what == "unfollow":
            b.call(follows.unfollow, b.login, outlet, user_ids[0], text)
            note = "Unfollow requested; the daemon performs it"
        elif what == "block":
            b.call(follows.block, b.login, outlet, user_ids[0], text)
            note = "Block requested; the daemon performs it"
        elif what == "organisation" and answer is not None:
            b.call(follows.follow_organisation, b.login, outlet, answer["user_id"],
                   answer["handle"], name=answer["name"], why=answer["why"],
                   organisation=answer["organisation"])
            note = f"Follow of @{answer['handle'].lstrip('@')} requested; the daemon performs it"
        else:
            status = b.call(follows.record_full_review, b.login, text)
            note = f"Full review recorded; the next is due {(status.next_due or '')[:10]}"
        self.post_message(ActionDone(note))

    @on(ActionDone)
    def done(self, message: ActionDone) -> None:
        message.prevent_default()  # instead of InmmScreen.report_done
        self.notify(message.note)
        self.reload(count=True)


class FollowOrganisationScreen(ModalScreen[dict[str, Any] | None]):
    """The account to follow and why; the person states it is an organisation (the
    domain refuses to follow an individual, and a follow without a reason)."""

    CSS_PATH = "follows.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel"),
                Binding("ctrl+s", "submit", "Follow", priority=True)]

    def __init__(self, outlet_title: str) -> None:
        super().__init__()
        self.outlet_title = outlet_title

    def compose(self) -> ComposeResult:
        with Vertical(id="org-box"):
            yield LiteralLabel(f"Follow an organisation on {self.outlet_title}", id="org-title")
            for name, label, placeholder in (
                    ("id", "Account id", "the platform's numeric or text id"),
                    ("handle", "Handle", "e.g. @IAEAorg"),
                    ("name", "Name", "optional"),
                    ("why", "Why follow", "kept for the review")):
                with Horizontal(classes="org-field"):
                    yield LiteralLabel(label, classes="org-label")
                    yield PlainInput(placeholder=placeholder, id=f"org-{name}", compact=True)
            yield TickBox("This account is an organisation, not a person", id="org-is-org",
                           compact=True)
            yield LiteralLabel("Enter or Ctrl+S to follow, Escape to cancel", id="org-error")

    def on_mount(self) -> None:
        self.query_one("#org-id", Input).focus()

    @on(Input.Submitted)
    def action_submit(self) -> None:
        def value(name: str) -> str:
            return self.query_one(f"#org-{name}", Input).value.strip()

        self.dismiss({"user_id": value("id"), "handle": value("handle"), "name": value("name"),
                      "why": value("why"),
                      "organisation": self.query_one("#org-is-org", Checkbox).value})

    def action_cancel(self) -> None:
        self.dismiss(None)


def _day(stamp: str | None, tz: Any) -> str:
    return format_local(stamp, tz, "%Y-%m-%d")
