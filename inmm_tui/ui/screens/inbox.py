"""One inbox: every reply, mention and private message, newest first, not only those
screening flagged (issue 19). Filter by outlet, unanswered, questions, flagged, private;
flag by hand into the moderation queue a reply screening passed but a person finds wrong
(its evidence is captured as for automatic flagging), or answer it with correct
information. Private messages show only to those the policy lets read them (the domain
decides), never go to the public moderation queue, and are answered privately: by the
daemon where the outlet's API can send a private message (Mastodon), else on the platform.
"""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Footer, Header

from inmm_tui.domain.errors import NotAuthorised
from inmm_tui.domain.inbox import Entry, Filters, Inbox, Page
from inmm_tui.domain.roles import Action
from inmm_tui.domain.when import format_local
from inmm_tui.ui.backend import Backend
from inmm_tui.ui.messages import ActionDone
from inmm_tui.ui.oversight_messages import AnswerDrafted
from inmm_tui.ui.screens.base import InmmScreen
from inmm_tui.ui.screens.confirm import ConfirmItemScreen
from inmm_tui.ui.screens.prompt import PromptScreen, if_answered
from inmm_tui.ui.widgets.literal import Literal
from inmm_tui.ui.widgets.tables import ListTable
from inmm_tui.wording import count

SHORT_STATE = {"answer awaiting clearance": "to clear", "private, answer queued": "queued",
               "private, answered": "answered", "private, answer failed": "failed",
               "private, answer in doubt": "in doubt"}
"""Short forms for the narrow column; the detail pane says it in full."""
STATE_STYLE = {"question": "cyan", "answered": "green"}
PRIVATE_ANSWER = ("{label} cannot send a private message through its API: answer @{handle}'s "
                  "message on {label} itself.")


class InboxLoaded(Message):
    def __init__(self, page: Page, outlets: list[str]) -> None:
        super().__init__()
        self.page = page
        self.outlets = outlets


class PrivateRefused(Message):
    """The domain refused the private filter (and audited the refusal)."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class InboxScreen(InmmScreen):
    TITLE = "Inbox"
    CSS_PATH = "inbox.tcss"
    BINDINGS = [
        Binding("f", "flag", "Flag"),
        Binding("a", "answer", "Answer"),
        Binding("u", "only('unanswered')", "Unanswered"),
        Binding("o", "outlet", "Outlet"),
        Binding("i", "only('questions')", "Only questions (again: all)", show=False),
        Binding("x", "only('flagged')", "Only flagged (again: all)", show=False),
        Binding("p", "only('private')", "Only private messages (HQ, Subcommittee Chair)", show=False),
        Binding("0", "clear", "Clear the filters: everything, newest first", show=False),
        Binding("n", "older", "Older page", show=False),
        Binding("b", "newer", "Newer page", show=False),
    ]

    def __init__(self, backend: Backend) -> None:
        super().__init__(backend)
        self.inbox = Inbox(backend.services.db, clock=backend.services.clock)
        self.filters = Filters()
        self.pages: list[tuple[str, int, int] | None] = [None]
        """Where each page shown so far starts (the last is the one on screen)."""
        self.next_page: tuple[str, int, int] | None = None
        self.entries: dict[str, Entry] = {}
        self.outlets: list[str] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Literal("", id="inbox-title", classes="section")
        yield ListTable(id="inbox")
        yield Literal("", id="inbox-detail")
        yield Footer()

    def on_mount(self) -> None:
        wide = self.app.size.width >= 120
        table = self.query_one("#inbox", ListTable)
        table.add_column("When", key="when", width=11)
        table.add_column("Outlet", key="outlet", width=8)
        table.add_column("From", key="from", width=22 if wide else 13)
        table.add_column("State", key="state", width=16 if wide else 9)
        table.add_column("Text", key="text", width=70 if wide else 25)
        table.focus()

    def reload(self) -> None:
        self.load_page(self.filters, self.pages[-1])

    @work(thread=True, exclusive=True, group="inbox", exit_on_error=False)
    def load_page(self, filters: Filters, after: tuple[str, int, int] | None) -> None:
        b = self.backend
        try:
            page = b.call(self.inbox.page, b.login, filters, after=after)
        except NotAuthorised as refused:
            if not filters.private:
                raise
            self.post_message(PrivateRefused(str(refused)))
            return
        self.post_message(InboxLoaded(page, b.call(self.inbox.outlets, b.login)))

    @on(PrivateRefused)
    def private_refused(self, message: PrivateRefused) -> None:
        self.notify(message.reason, title="Not allowed", severity="error", timeout=8)
        self._refilter(replace(self.filters, private=False))

    @on(InboxLoaded)
    def show_page(self, message: InboxLoaded) -> None:
        page, tz = message.page, self.backend.config.tz
        self.outlets, self.next_page = message.outlets, page.after
        table = self.query_one("#inbox", ListTable)
        keep = table.selected_key()
        table.clear()
        self.entries = {e.key: e for e in page.entries}
        for e in page.entries:
            state = e.state if self.app.size.width >= 120 else SHORT_STATE.get(
                e.state, e.state.split(" (")[0])
            table.add_row(format_local(e.created_at, tz, "%m-%d %H:%M"), e.outlet,
                          f"@{e.author_handle}",
                          Text(state, style="magenta" if e.private else STATE_STYLE.get(
                              state, "yellow" if e.moderation_item_id else "")),
                          " ".join(e.text.split()), key=e.key)
        if keep in self.entries:
            table.move_cursor(row=table.get_row_index(keep))
        self.query_one("#inbox-title", Literal).update(self._title(page))
        self.show_detail()

    def _title(self, page: Page) -> Text:
        f = self.filters
        shown = [name for name, on_ in (("unanswered", f.unanswered), ("questions", f.questions),
                                        ("flagged", f.flagged), ("private", f.private)) if on_]
        title = Text(f"{', '.join(shown).capitalize() or 'Everything'}"
                     f" on {f.outlet or 'every outlet'}, newest first", style="bold")
        title.append(f" (page {len(self.pages)}" + (", n: older)" if page.after else ")"),
                     style="dim")
        if page.private_withheld:
            title.append(f"\n{count(page.private_withheld, 'private message')} not shown: only "
                         "HQ and the Subcommittee Chair may read them.", style="dim")
        return title

    @on(DataTable.RowHighlighted, "#inbox")
    def show_detail(self) -> None:
        entry = self._entry(quiet=True)
        detail = self.query_one("#inbox-detail", Literal)
        if entry is None:
            detail.update("Nothing here with these filters. 0 shows everything; ? lists the keys.")
            return
        tz = self.backend.config.tz
        text = Text()
        text.append(f"{entry.outlet} {entry.author_name or ''} @{entry.author_handle}",
                    style="bold")
        text.append(f"  {format_local(entry.created_at, tz)}\n", style="dim")
        text.append(" ".join(entry.text.split()) + "\n")
        if entry.private:
            text.append(f"Private message ({entry.kind}): never in the public moderation queue; "
                        f"{entry.state.removeprefix('private, ').capitalize()}."
                        if entry.answer_status else
                        f"Private message ({entry.kind}): never in the public moderation queue; "
                        "a answers it privately.", style="magenta")
        else:
            text.append(f"{entry.state.capitalize()}. Screening: {entry.verdict or '—'}.",
                        style="dim")
            if entry.moderation_item_id is not None:
                text.append(f" Moderation item #{entry.moderation_item_id} (o on the home "
                            "screen).", style="dim")
            elif not entry.answered:
                text.append(" f flags it by hand; a answers it.", style="dim")
        detail.update(text)

    def _entry(self, *, quiet: bool = False) -> Entry | None:
        """The entry under the cursor, whose detail is on screen."""
        key = self.query_one("#inbox", ListTable).selected_key()
        entry = self.entries.get(key) if key is not None else None
        if entry is None and not quiet:
            self.notify("Nothing selected.")
        return entry

    # ----- filters and pages ---------------------------------------------------

    def _refilter(self, filters: Filters) -> None:
        self.filters, self.pages = filters, [None]
        self.reload()

    # Not `action_toggle`: that is DOMNode's own action (toggle an attribute).
    def action_only(self, name: str) -> None:
        """Only those (again: all); the public filters and the private one exclude each other."""
        f, on_now = self.filters, not getattr(self.filters, name)
        if name == "private":
            f = Filters(f.outlet, private=on_now)
        else:
            f = replace(f, private=False, **{name: on_now})  # type: ignore[arg-type]
        self._refilter(f)

    def action_outlet(self) -> None:
        """Every outlet, then each in turn."""
        choices: list[str | None] = [None, *self.outlets]
        at = choices.index(self.filters.outlet) if self.filters.outlet in choices else 0
        self._refilter(replace(self.filters, outlet=choices[(at + 1) % len(choices)]))

    def action_clear(self) -> None:
        self._refilter(Filters())

    def action_older(self) -> None:
        if self.next_page is None:
            self.notify("This is the oldest page.")
            return
        self.pages.append(self.next_page)
        self.reload()

    def action_newer(self) -> None:
        if len(self.pages) == 1:
            self.notify("This is the newest page.")
            return
        self.pages.pop()
        self.reload()

    # ----- acting ----------------------------------------------------------------

    def action_flag(self) -> None:
        entry = self._entry()
        if entry is None:
            return
        if entry.private:
            self.notify("Private messages never enter the public moderation queue.",
                        severity="warning")
            return
        if entry.moderation_item_id is not None:
            self.notify(f"Already in the moderation queue as item #{entry.moderation_item_id}.")
            return
        author = f"{entry.author_name or ''} @{entry.author_handle} ({entry.outlet})".strip()

        def confirmed(reason: str | None) -> None:
            if reason is not None:
                self.flag(entry.id, reason)  # the id of the mention the person saw

        self.if_allowed(Action.MODERATE, lambda: self.app.push_screen(
            ConfirmItemScreen("Flag this reply into the moderation queue? Its evidence is "
                              "captured now.", author, entry.text,
                              reason="What is wrong with it (kept in the audit log):"),
            confirmed))

    @work(thread=True, exclusive=True, group="inbox-act", exit_on_error=False)
    def flag(self, mention_id: int, reason: str) -> None:
        b = self.backend
        item = b.call(self.inbox.flag, b.login, mention_id, reason)
        self.post_message(ActionDone(f"Flagged into the moderation queue as item #{item}, "
                                     "its evidence captured (o on the home screen)."))

    def action_answer(self) -> None:
        entry = self._entry()
        if entry is None:
            return
        if entry.private:
            self.answer_private(entry)
            return
        if entry.answered:
            self.notify(f"It already has an answer (post #{entry.answered_post_id}, "
                        f"{entry.answer_status}).")
            return
        question = (f"Public answer to @{entry.author_handle}'s question (every follower sees "
                    "it; start with words, not @handle; submitted for clearance):"
                    if entry.kind == "question" else
                    f"Answer @{entry.author_handle} with correct information (a draft, "
                    "screened and cleared like any post):")
        self.if_allowed(Action.COMPOSE, lambda: self.app.push_screen(
            PromptScreen(question),
            if_answered(lambda body: self.answer(entry.id, entry.kind == "question", body))))

    def answer_private(self, entry: Entry) -> None:
        """A private answer, to the sender alone, where the outlet's API can send one; the
        domain checks who may (those who may read private messages) and screens it."""
        from inmm_tui.capabilities import for_api

        api = next((o.api for o in self.backend.config.outlets if o.name == entry.outlet), "")
        capabilities = for_api(api) if api else None
        if capabilities is None or not capabilities.private_answers:
            label = capabilities.label if capabilities else entry.outlet
            self.notify(PRIVATE_ANSWER.format(handle=entry.author_handle, label=label),
                        timeout=10)
            return
        self.if_allowed(Action.READ_PRIVATE, lambda: self.app.push_screen(
            PromptScreen(f"Private answer to @{entry.author_handle} (only they see it; "
                         "screened, sent by the daemon; the audit log keeps who, not what):"),
            if_answered(lambda body: self.send_private(entry.id, body))))

    @work(thread=True, exclusive=True, group="inbox-act", exit_on_error=False)
    def send_private(self, message_id: int, body: str) -> None:
        b = self.backend
        answer = b.call(b.services.private_answers.answer, b.login, message_id, body)
        self.post_message(ActionDone(f"Private answer #{answer.id} queued: the daemon sends "
                                     "it on its next run."))

    @work(thread=True, exclusive=True, group="inbox-act", exit_on_error=False)
    def answer(self, mention_id: int, is_question: bool, body: str) -> None:
        b = self.backend
        if is_question:
            # As the questions inbox answers: who answered is kept, its reminder closed.
            from inmm_tui.domain.questions import questions_for

            post_id = b.call(lambda: questions_for(b.services).answer(b.login, [mention_id], body))
            self.post_message(ActionDone(
                f"Answer written as post #{post_id} and submitted: another person clears it "
                "in the clearance queue (c on the home screen)."))
            return
        post_id = b.call(b.services.moderation.draft_answer, b.login, mention_id, body)
        self.post_message(AnswerDrafted(post_id))

    @on(AnswerDrafted)
    def open_answer(self, message: AnswerDrafted) -> None:
        from inmm_tui.ui.screens.compose import ComposeScreen

        self.notify(f"Answer drafted as post #{message.post_id}: mend it, then submit it "
                    "for clearance (it is also in your drafts)")
        self.app.push_screen(ComposeScreen(self.backend, message.post_id))
