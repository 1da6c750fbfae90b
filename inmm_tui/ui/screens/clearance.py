"""Clearance: an account manager reads a submitted post, its screening and its history,
counsels with colleagues in comments, then clears it or rejects it with a reason. The
domain decides who may: the author cannot clear their own post (four-eyes) and only the
Subcommittee Chair overrides a block."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Footer, Header

from inmm_tui.domain.roles import Action
from inmm_tui.domain.when import format_local
from inmm_tui.ui.backend import Backend
from inmm_tui.ui.messages import ActionDone, PostDetailLoaded, RowsLoaded
from inmm_tui.ui.screens.base import InmmScreen
from inmm_tui.ui.screens.prompt import PromptScreen, if_answered
from inmm_tui.ui.widgets.literal import Literal
from inmm_tui.ui.widgets.screening import Findings
from inmm_tui.ui.widgets.shared_post import shared_post
from inmm_tui.ui.widgets.tables import ListTable


class ClearanceScreen(InmmScreen):
    CSS_PATH = "clearance.tcss"
    TITLE = "Clearance"
    BINDINGS = [
        Binding("a", "clear", "Clear"),
        Binding("x", "reject", "Reject"),
        Binding("m", "comment", "Comment"),
    ]

    def __init__(self, backend: Backend) -> None:
        super().__init__(backend)
        self.detail: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="clearance-split"):
            yield ListTable(id="submitted")
            with VerticalScroll(id="clearance-detail"):
                yield Literal("Nothing awaits clearance.", id="post-text")
                files = Literal("", id="post-media")
                files.display = False  # shown for a post with files
                yield files
                yield Findings(id="post-findings")
                yield Literal("", id="post-history")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#submitted", ListTable)
        # 40 columns at 80x24 (see clearance.tcss): each column and its padding fit whole.
        table.add_column("#", key="id", width=4)
        table.add_column("By", key="author", width=10)
        table.add_column("Screen", key="verdict", width=6)
        table.add_column("Topic", key="topic", width=12)
        table.focus()

    def reload(self) -> None:
        self.load_rows()

    @work(thread=True, exclusive=True, group="clearance-rows", exit_on_error=False)
    def load_rows(self) -> None:
        b = self.backend
        self.post_message(RowsLoaded(b.call(b.services.queues.posts, b.login, ("submitted",))))

    @on(RowsLoaded)
    def show_rows(self, message: RowsLoaded) -> None:
        table = self.query_one("#submitted", ListTable)
        keep = table.selected_key()
        table.clear()
        for row in message.rows:
            verdict = row.verdict or "—"
            style = {"block": "bold red", "warn": "yellow"}.get(verdict, "green")
            topic = ("CRISIS " if row.crisis else "") + (row.topic or "—")
            table.add_row(str(row.id), row.author, Text(verdict, style=style), topic,
                          key=str(row.id))
        if keep is not None and any(str(r.id) == keep for r in message.rows):
            table.move_cursor(row=table.get_row_index(keep))
        if not message.rows:
            self.detail = None
            self.query_one("#post-text", Literal).update("Nothing awaits clearance.")
            self.query_one("#post-media", Literal).display = False
            self.query_one("#post-findings", Findings).update("")
            self.query_one("#post-history", Literal).update("")
        # Otherwise the row highlighted by the refill loads its detail (follow_cursor).

    @on(DataTable.RowHighlighted, "#submitted")
    def follow_cursor(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is not None and event.row_key.value is not None:
            self.load_detail(int(event.row_key.value))

    @work(thread=True, exclusive=True, group="clearance-detail", exit_on_error=False)
    def load_detail(self, post_id: int) -> None:
        b = self.backend
        detail = b.call(b.services.queues.post_detail, b.login, post_id, b.services.posts)
        items = b.call(b.services.media.items, post_id)
        from inmm_tui.ui.widgets.media_preview import describe_files, preview

        # Drawn here, off the UI thread: reading and scaling an image takes a moment.
        detail = {**detail, "media": describe_files(items, [preview(i) for i in items])}
        detail["share"] = b.call(b.services.shares.get, post_id)
        self.post_message(PostDetailLoaded(detail))

    @on(PostDetailLoaded)
    def show_detail(self, message: PostDetailLoaded) -> None:
        post = message.detail["post"]
        if str(post.id) != self.query_one("#submitted", ListTable).selected_key():
            return  # the cursor moved on while this one loaded
        self.detail = detail = message.detail
        tz = self.backend.config.tz
        head = Text()
        head.append(f"Post #{post.id} by {post.author}", style="bold")
        head.append(f" — {post.topic or 'no topic'}")
        when = (format_local(post.scheduled_at, tz)
                if post.scheduled_at else "as soon as cleared")
        head.append(f"\nPublish: {when}\n")
        if post.crisis:
            mine = post.author == self.backend.login
            head.append("CRISIS post: " + (
                "you wrote it and may clear it yourself (a); " if mine else "")
                + "it goes out as soon as it is cleared.\n", style="bold")
        for outlet, text in detail["texts"].items():
            head.append(f"\n{outlet}: ", style="bold dim")
            head.append((text or "(a repost: no text of ours)") + "\n")
        if detail.get("share") is not None:  # what it shares, beside our text
            head.append("\n")
            head.append_text(shared_post(detail["share"], tz))
            head.append("\n")
        if post.parts:
            head.append(f"\nA THREAD of {len(post.parts) + 1} parts, each a reply to the one "
                        "before (signed like the first):\n", style="bold")
        for number, part in enumerate(post.parts, 2):
            head.append(f"part {number}: ", style="bold dim")
            head.append(part + "\n")
        if post.poll is not None:
            head.append(f"\nPOLL with the first part, open {post.poll.minutes} min:\n",
                        style="bold")
            for number, option in enumerate(post.poll.options, 1):
                head.append(f"  {number}. ", style="bold dim")
                head.append(option + "\n")
        self.query_one("#post-text", Literal).update(head)
        files = self.query_one("#post-media", Literal)
        files.update(detail.get("media") or "")
        files.display = bool(detail.get("media"))
        from inmm_tui.domain.posts import ScreenOutcome

        # Findings on a later part or the poll carry the text they were found in.
        texts = {**detail["texts"], **{f["outlet"]: f["text"] for f in post.screening
                                       if f.get("text") and f.get("outlet")}}
        self.query_one("#post-findings", Findings).show(
            ScreenOutcome(post.screening_verdict or "pass", post.screening), texts)
        history = Text("\nHistory\n", style="bold")
        for entry in detail["history"]:
            at = format_local(entry["at"], tz, "%m-%d %H:%M")
            history.append(f"{at}  {entry['actor']}  {entry['action']}\n", style="dim")
        if detail["comments"]:
            history.append("\nComments\n", style="bold")
        for comment in detail["comments"]:
            at = format_local(comment["at"], tz, "%m-%d %H:%M")
            history.append(f"{at}  {comment['login']}: ", style="bold")
            history.append(comment["body"] + "\n")
        self.query_one("#post-history", Literal).update(history)

    # ----- acting ------------------------------------------------------------------

    def _selected(self) -> Any | None:
        if self.detail is None:
            self.notify("Select a post first.")
            return None
        return self.detail["post"]

    def action_clear(self) -> None:
        post = self._selected()
        if post is None:
            return
        if post.screening_verdict == "block":
            self.if_allowed(Action.OVERRIDE_BLOCK, lambda: self.app.push_screen(
                PromptScreen(f"Post #{post.id} was BLOCKED by the policy screen. Only the "
                             "Subcommittee Chair may override it. Reason for the override:"),
                if_answered(lambda reason: self.decide(post.id, "clear", reason))))
        else:
            self.decide(post.id, "clear", None)

    def action_reject(self) -> None:
        post = self._selected()
        if post is None:
            return
        self.if_allowed(Action.CLEAR, lambda: self.app.push_screen(
            PromptScreen(f"Reject post #{post.id} — why? (the author reads this)"),
            if_answered(lambda reason: self.decide(post.id, "reject", reason))))

    def action_comment(self) -> None:
        post = self._selected()
        if post is None:
            return
        self.app.push_screen(
            PromptScreen(f"Comment on post #{post.id} (counsel before clearing):"),
            if_answered(lambda body: self.decide(post.id, "comment", body)))

    @work(thread=True, exclusive=True, group="clearance-act", exit_on_error=False)
    def decide(self, post_id: int, what: str, text: str | None) -> None:
        b = self.backend
        posts = b.services.posts
        if what == "clear":
            post = b.call(posts.get, post_id)
            # No time chosen in compose means "as soon as cleared".
            b.call(posts.clear, b.login, post_id, override_reason=text,
                   expedited=post.crisis, publish_if_untimed=True)
            note = f"Post #{post_id} cleared and scheduled"
        elif what == "reject":
            b.call(posts.reject, b.login, post_id, text or "")
            note = f"Post #{post_id} rejected; back to its author"
        else:
            b.call(posts.comment, b.login, post_id, text or "")
            note = f"Comment added to post #{post_id}"
        self.post_message(ActionDone(note))

