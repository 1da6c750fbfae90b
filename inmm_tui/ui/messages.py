"""The typed messages that carry results from thread workers back to the screens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from inmm_tui.domain.posts import Post, Preview
    from inmm_tui.domain.queues import Overview


class DatabaseChanged(Message, bubble=False):
    """Someone (the daemon, another person, this UI) wrote to the database: refresh.

    It does not bubble: the app hands one to each screen, and one bubbling back up to
    the app would have it hand them out again, for ever (about 1,500 reloads a second)."""

    def can_replace(self, message: Message) -> bool:
        # A burst of writes needs one refresh, not one per write.
        return isinstance(message, DatabaseChanged)


class OverviewLoaded(Message):
    def __init__(self, overview: Overview, drafts: list[Any]) -> None:
        super().__init__()
        self.overview = overview
        self.drafts = drafts


class HomeCounted(Message):
    """Home has shown its counts for the first time (the app then warms the rules)."""


class RowsLoaded(Message):
    """A list screen's rows, newest data."""

    def __init__(self, rows: list[Any]) -> None:
        super().__init__()
        self.rows = rows


class PostDetailLoaded(Message):
    def __init__(self, detail: dict[str, Any]) -> None:
        super().__init__()
        self.detail = detail


class MediaListed(Message):
    """The files attached to the draft being composed."""

    def __init__(self, items: list[Any]) -> None:
        super().__init__()
        self.items = items


class PreviewReady(Message):
    """The live count and screening of the text being composed."""

    def __init__(self, preview: Preview) -> None:
        super().__init__()
        self.preview = preview

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, PreviewReady)


class DraftSaved(Message):
    def __init__(self, post_id: int) -> None:
        super().__init__()
        self.post_id = post_id


class DraftLoaded(Message):
    def __init__(self, post: Post | None, events: list[Any]) -> None:
        super().__init__()
        self.post = post
        self.events = events


class ActionDone(Message):
    """A state change succeeded; `note` says what, for a notification."""

    def __init__(self, note: str, close: bool = False) -> None:
        super().__init__()
        self.note = note
        self.close = close


class CalendarLoaded(Message):
    """The week or month the calendar shows (`inmm_tui.domain.calendar.CalendarView`)."""

    def __init__(self, view: Any) -> None:
        super().__init__()
        self.view = view
