"""The policy and the screening rules, to read and acknowledge before posting (the
policy: administrators "educated on appropriate posting protocol"). Opened by itself when
the person at the keyboard has not acknowledged the version in force; `a` on the home
screen opens it at any time."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header

from inmm_tui.ui.backend import Backend
from inmm_tui.ui.messages import ActionDone, RowsLoaded
from inmm_tui.ui.screens.base import InmmScreen
from inmm_tui.ui.widgets.literal import Literal


class PolicyScreen(InmmScreen):
    TITLE = "Policy and screening rules"
    BINDINGS = [
        Binding("a", "acknowledge", "Acknowledge as you"),
        Binding("escape", "back", "Later"),
    ]

    def __init__(self, backend: Backend) -> None:
        super().__init__(backend)
        self.version: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Literal("Loading…", id="policy-summary")
        with VerticalScroll(id="policy-text"):
            yield Literal("", id="policy-body")
        yield Footer()

    def reload(self) -> None:
        self.load_policy()

    @work(thread=True, exclusive=True, group="policy", exit_on_error=False)
    def load_policy(self) -> None:
        b = self.backend
        policy = b.services.policy
        version = b.call(policy.record_current)
        pending = b.call(policy.pending, b.login)
        self.post_message(RowsLoaded([version.version, pending is None, policy.text(),
                                      str(policy.rules_path)]))

    @on(RowsLoaded)
    def show_policy(self, message: RowsLoaded) -> None:
        version, done, text, rules = message.rows
        self.version = version
        state = ("You have acknowledged this version." if done else
                 "Until you acknowledge it you may read everything but not post, clear, "
                 "comment, moderate or publish.")
        self.query_one("#policy-summary", Literal).update(Text.assemble(
            (f"Version {version}", "bold"),
            f" — the INMM Social Media Policy below and the screening rules in {rules} "
            f"(`inmm-tui screen` tries a text against them). {state} Press a to acknowledge "
            f"that you, {self.backend.login}, have read them and will follow them."))
        self.query_one("#policy-body", Literal).update(text)

    def action_acknowledge(self) -> None:
        if self.version is not None:
            self.acknowledge(self.version)

    @work(thread=True, group="act", exit_on_error=False)
    def acknowledge(self, version: str) -> None:
        b = self.backend
        b.call(b.services.policy.acknowledge, b.login, version)
        self.post_message(ActionDone(f"Acknowledged version {version} as {b.login}.",
                                     close=True))

    @on(ActionDone)
    def acknowledged(self, message: ActionDone) -> None:
        message.prevent_default()
        self.notify(message.note)
        if len(self.app.screen_stack) > 1:  # Home is the bottom
            self.app.pop_screen()
