"""The Textual application: it only wires screens to the services it is handed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static

if TYPE_CHECKING:
    from inmm_tui.domain.services import Services


class InmmApp(App[None]):
    TITLE = "INMM social media"
    BINDINGS = [("q", "quit", "Quit")]

    def __init__(self, services: Services, login: str):
        super().__init__()
        self.services = services
        self.login = login

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Signed in as {self.login}. The full UI is being built.", id="placeholder")
        yield Footer()
