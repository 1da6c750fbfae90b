"""The questions inbox ("Interaction"): questions asked in mentions, grouped by theme and
oldest first; set a theme, send a holding reply from a template, answer publicly (the
answer is a post that goes through screening and clearance), see who answered and when."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Footer, Header

from inmm_tui.domain.questions import Question
from inmm_tui.domain.roles import Action
from inmm_tui.domain.when import format_local
from inmm_tui.ui.backend import Backend
from inmm_tui.ui.messages import ActionDone
from inmm_tui.ui.screens.base import InmmScreen
from inmm_tui.ui.screens.prompt import PromptScreen, if_answered
from inmm_tui.ui.widgets.literal import Literal
from inmm_tui.ui.widgets.tables import ListTable
from inmm_tui.wording import count

if TYPE_CHECKING:
    from inmm_tui.domain.questions import Questions

NO_THEME = "Not grouped yet"
SHORT_STATE = {"new": "new", "holding reply awaiting clearance": "hold.clr",
               "holding reply cleared, not yet sent": "hold.ok",
               "holding reply sent": "holding", "holding reply rejected": "hold.rej",
               "holding reply withdrawn": "hold.wd", "answer awaiting clearance": "ans.clr",
               "answered": "answered"}
"""Short forms for the narrow column; the detail pane says it in full."""


class QuestionsLoaded(Message):
    def __init__(self, questions: list[Question], themes: list[str], waiting: int) -> None:
        super().__init__()
        self.questions = questions
        self.themes = themes
        self.waiting = waiting
        """Questions without an answer, all of them (the list holds the oldest)."""


def without_mentions(text: str) -> str:
    """The text without the @handles it opens with (our own handle, mostly): the narrow
    column shows the question itself; the detail pane shows all of it."""
    words = text.split()
    while len(words) > 1 and words[0].startswith("@"):
        words.pop(0)
    return " ".join(words)


def grouped(questions: list[Question]) -> list[tuple[str, list[Question]]]:
    """(theme, its questions oldest first), the group with the oldest question first;
    the questions without a theme come last."""
    groups: dict[str, list[Question]] = {}
    for q in sorted(questions, key=lambda q: (q.created_at, q.id)):
        groups.setdefault(q.theme or "", []).append(q)
    return sorted(groups.items(), key=lambda item: (item[0] == "", item[1][0].created_at))


class QuestionsScreen(InmmScreen):
    TITLE = "Questions inbox"
    CSS_PATH = "questions.tcss"
    BINDINGS = [
        Binding("a", "answer", "Answer"),
        Binding("h", "holding", "Holding reply"),
        Binding("u", "toggle_answered", "Answered"),
        Binding("t", "theme", "Theme"),
        Binding("o", "open_post", "Open the reply in compose", show=False),
    ]

    def __init__(self, backend: Backend) -> None:
        super().__init__(backend)
        self.include_answered = False
        self.questions: dict[int, Question] = {}
        self.groups: dict[str, list[int]] = {}
        self.themes: list[str] = []
        self._inbox: Questions | None = None
        self.wide = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Literal("Unanswered questions, by theme, oldest first", id="questions-title",
                     classes="section")
        yield ListTable(id="questions")
        yield Literal("", id="question-detail")
        yield Footer()

    def on_mount(self) -> None:
        wide = self.app.size.width >= 120
        table = self.query_one("#questions", ListTable)
        table.add_column("Asked", key="asked", width=11)
        table.add_column("From", key="from", width=24 if wide else 20)
        table.add_column("State", key="state", width=8)
        if wide:
            table.add_column("Answered by", key="by", width=22)
        table.add_column("Question", key="text", width=80 if wide else 29)
        self.wide = wide
        table.focus()

    def inbox(self) -> Questions:
        """Built on first use, in a worker: it reads the screening rules' question words."""
        if self._inbox is None:
            from inmm_tui.domain.questions import questions_for

            self._inbox = questions_for(self.backend.services)
        return self._inbox

    def reload(self) -> None:
        self.load_questions(self.include_answered)

    @work(thread=True, exclusive=True, group="questions", exit_on_error=False)
    def load_questions(self, include_answered: bool) -> None:
        b = self.backend

        def read() -> tuple[list[Question], list[tuple[str, int]]]:
            inbox = self.inbox()
            return inbox.inbox(include_answered=include_answered), inbox.themes()

        questions, themes = b.call(read)
        self.post_message(QuestionsLoaded(questions, [t for t, _ in themes if t],
                                          sum(n for _, n in themes)))

    @on(QuestionsLoaded)
    def show_questions(self, message: QuestionsLoaded) -> None:
        tz = self.backend.config.tz
        table = self.query_one("#questions", ListTable)
        selected = table.selected_key()
        table.clear()
        self.questions = {q.id: q for q in message.questions}
        self.themes = message.themes
        self.groups = {}
        for theme, questions in grouped(message.questions):
            key = f"theme:{theme}"
            self.groups[key] = [q.id for q in questions]
            header = Text(f"{theme or NO_THEME} ({len(questions)})", style="bold")
            cells: list[str | Text] = ["", "", ""] + ([""] if self.wide else []) + [header]
            table.add_row(*cells, key=key)
            for q in questions:
                asked = format_local(q.created_at, tz, "%m-%d %H:%M")
                row: list[str | Text] = [asked, f"{q.outlet} @{q.author_handle}",
                                         SHORT_STATE.get(q.state, q.state)]
                if self.wide:
                    row.append(self._answered(q))
                row.append(without_mentions(q.text))
                table.add_row(*row, key=str(q.id))
        keys = [str(k.value) for k in table.rows]
        if selected in keys:
            table.move_cursor(row=keys.index(selected))
        elif any(not k.startswith("theme:") for k in keys):
            table.move_cursor(row=next(i for i, k in enumerate(keys) if not k.startswith("theme:")))
        title = ("All questions, answered ones too" if self.include_answered
                 else "Unanswered questions")
        shown = len(message.questions)
        count = (f"oldest {shown:,} of {message.waiting:,} unanswered"
                 if not self.include_answered and message.waiting > shown else f"{shown:,}")
        self.query_one("#questions-title", Literal).update(
            f"{title}, by theme, oldest first ({count})")
        if not message.questions:
            self.query_one("#question-detail", Literal).update("No questions waiting.")
        else:
            self.show_detail()

    def _answered(self, q: Question) -> str:
        if not q.answered_by or not q.answered_at:
            return ""
        when = format_local(q.answered_at, self.backend.config.tz, "%m-%d %H:%M")
        return f"{q.answered_by} {when}"

    @on(DataTable.RowHighlighted, "#questions")
    def show_detail(self) -> None:
        key = self.query_one("#questions", ListTable).selected_key()
        detail = self.query_one("#question-detail", Literal)
        if key is None:
            detail.update("")
            return
        if key.startswith("theme:"):
            theme = key.removeprefix("theme:") or NO_THEME
            detail.update(f"Theme: {theme}, {count(len(self.groups.get(key, [])), 'question')}. "
                          "a answers them all in one public post; t renames the theme.")
            return
        q = self.questions[int(key)]
        tz = self.backend.config.tz
        lines = [f"#{q.id} on {q.outlet} from @{q.author_handle}"
                 + (f" ({q.author_name})" if q.author_name else "")
                 + f": {' '.join(q.text.split())}",
                 f"State: {q.state}. Theme: {q.theme or '—'}."]
        if q.holding_reply_at:
            at = format_local(q.holding_reply_at, tz)
            lines.append(f"Holding reply written {at} (post #{q.holding_post_id}).")
        if q.answered_post_id is not None:
            at = (format_local(q.answered_at, tz)
                  if q.answered_at else "?")
            lines.append(f"Answered by {q.answered_by} at {at} in post #{q.answered_post_id}"
                         f" ({q.answer_status}); o opens it.")
        elif q.holding_post_id is not None:
            lines[-1] = lines[-1].removesuffix(".") + "; o opens it."
        detail.update("\n".join(lines))

    def _selection(self) -> tuple[list[int], str]:
        """The questions under the cursor (a theme row stands for all of its questions)
        and how to name them."""
        key = self.query_one("#questions", ListTable).selected_key()
        if key is None:
            return [], ""
        if key.startswith("theme:"):
            ids = self.groups.get(key, [])
            return ids, f"the {count(len(ids), 'question')} of {key.removeprefix('theme:') or NO_THEME!r}"
        return [int(key)], f"question #{key}"

    def action_theme(self) -> None:
        ids, name = self._selection()
        if not ids:
            self.notify("No question selected.")
            return
        known = f" Themes so far: {', '.join(self.themes)}." if self.themes else ""
        self.if_allowed(Action.COMPOSE, lambda: self.app.push_screen(
            PromptScreen(f"Theme for {name}?{known} Empty takes them out of their theme.",
                         allow_empty=True),
            if_answered(lambda theme: self.set_theme(ids, theme))))

    @work(thread=True, exclusive=True, group="questions-act", exit_on_error=False)
    def set_theme(self, ids: list[int], theme: str) -> None:
        b = self.backend
        b.call(lambda: self.inbox().set_theme(b.login, ids, theme))
        self.post_message(ActionDone(f"Theme set to {theme!r}" if theme else "Theme removed"))

    def action_holding(self) -> None:
        ids, name = self._selection()
        if len(ids) != 1:
            self.notify("Choose one question for a holding reply." if ids else
                        "No question selected.")
            return
        templates = sorted(self.backend.config.questions.templates)
        if len(templates) == 1:
            self.send_holding(ids[0], templates[0])
            return
        self.if_allowed(Action.COMPOSE, lambda: self.app.push_screen(
            PromptScreen(f"Holding reply to {name}: which template? ({', '.join(templates)}; "
                         "empty for default)", allow_empty=True),
            if_answered(lambda template: self.send_holding(ids[0], template or "default"))))

    @work(thread=True, exclusive=True, group="questions-act", exit_on_error=False)
    def send_holding(self, mention_id: int, template: str) -> None:
        b = self.backend
        post_id = b.call(lambda: self.inbox().holding_reply(b.login, mention_id, template))
        self.post_message(ActionDone(
            f"Holding reply written as post #{post_id} and submitted: another person clears "
            "it in the clearance queue (c on the home screen)."))

    def action_answer(self) -> None:
        ids, name = self._selection()
        if not ids:
            self.notify("No question selected.")
            return
        self.if_allowed(Action.COMPOSE, lambda: self.app.push_screen(
            PromptScreen(f"Public answer to {name} (every follower sees it; start with words, "
                         "not @handle):", placeholder="The answer, Enter to submit for clearance"),
            if_answered(lambda body: self.send_answer(ids, body))))

    @work(thread=True, exclusive=True, group="questions-act", exit_on_error=False)
    def send_answer(self, ids: list[int], body: str) -> None:
        b = self.backend
        post_id = b.call(lambda: self.inbox().answer(b.login, ids, body))
        self.post_message(ActionDone(
            f"Answer written as post #{post_id} and submitted for clearance: it waits in the "
            "clearance queue (c on the home screen); o opens it here."))

    def action_open_post(self) -> None:
        """Open the answer (or else the holding reply) in compose."""
        from inmm_tui.ui.screens.compose import ComposeScreen

        ids, _ = self._selection()
        if len(ids) != 1:
            self.notify("Choose one question." if ids else "No question selected.")
            return
        q = self.questions[ids[0]]
        post_id = q.answered_post_id or q.holding_post_id
        if post_id is None:
            self.notify(f"Question #{q.id} has no reply yet: h for a holding reply, a to answer.")
            return
        self.app.push_screen(ComposeScreen(self.backend, post_id))

    def action_toggle_answered(self) -> None:
        self.include_answered = not self.include_answered
        self.reload()

    @on(ActionDone)
    def confirm(self, message: ActionDone) -> None:
        message.prevent_default()  # instead of InmmScreen.report_done
        self.notify(message.note, timeout=8)
        self.reload()
