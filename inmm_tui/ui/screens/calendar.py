"""Calendar: a week or a month of scheduled and published posts, per outlet, crisis and
event coverage marked, empty days shown; `m` moves a scheduled post to a new slot, saying
first when the new slot needs the post cleared again (`inmm_tui.domain.calendar`)."""

from __future__ import annotations

import datetime as dt

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Footer, Header

from inmm_tui.domain.calendar import CalendarDay, CalendarEntry, CalendarView, Span, shift
from inmm_tui.domain.when import parse_local_time
from inmm_tui.ui.backend import Backend
from inmm_tui.ui.messages import ActionDone, CalendarLoaded
from inmm_tui.ui.screens.base import InmmScreen
from inmm_tui.ui.screens.confirm import ConfirmItemScreen
from inmm_tui.ui.screens.prompt import PromptScreen, if_answered
from inmm_tui.ui.text import outside
from inmm_tui.ui.widgets.literal import Literal
from inmm_tui.ui.widgets.tables import ListTable

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
STATE_STYLE = {"scheduled": "", "held": "bold yellow", "failed": "bold red",
               "sending": "cyan", "published": "green", "deleted": "dim strike"}
LEGEND = "! crisis  * event coverage  · nothing that day"


def marks(crisis: bool, event: bool) -> Text:
    text = Text()
    if crisis:
        text.append("!", style="bold red")
    if event:
        text.append("*", style="bold magenta")
    return text


def day_cell(day: CalendarDay, month: int) -> Text:
    """One day of the month grid: its number, how many posts, its marks."""
    text = Text(f"{day.day.day:>2} ", style="" if day.day.month == month else "dim")
    if day.empty:
        text.append("·", style="dim")
    else:
        text.append(f"{len(day.entries)}")
    text.append(" ")
    text.append_text(marks(day.crisis, bool(day.events)))
    return text


def outlets_cell(entry: CalendarEntry) -> Text:
    text = Text()
    for n, (outlet, state) in enumerate(entry.outlets):
        if n:
            text.append(" ")
        text.append(outlet, style=STATE_STYLE.get(state, ""))
    return text


class CalendarScreen(InmmScreen):
    TITLE = "Calendar"
    CSS_PATH = "calendar.tcss"
    BINDINGS = [
        Binding("v", "toggle_span", "Week/month"),
        Binding("n", "next", "Next"),
        Binding("p", "previous", "Previous"),
        Binding("m", "move", "Move"),
        Binding("o", "next_outlet", "Show one outlet, then the next, then all", show=False),
        Binding("t", "today", "Back to today", show=False),
    ]

    def __init__(self, backend: Backend, *, span: Span = "week") -> None:
        super().__init__(backend)
        self.span: Span = span
        self.shown_day = backend.services.clock().astimezone(backend.config.tz).date()
        """The day the view holds (the selected day in the month grid)."""
        self.outlet: str | None = None
        self.view: CalendarView | None = None
        self.entries: dict[str, CalendarEntry] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Literal("", id="cal-title")
        yield ListTable(id="cal-grid")
        yield ListTable(id="cal-posts")
        yield Literal("", id="cal-detail")
        yield Footer()

    def on_mount(self) -> None:
        grid = self.query_one("#cal-grid", ListTable)
        grid.cursor_type = "cell"
        grid.zebra_stripes = False
        for name in WEEKDAYS:
            grid.add_column(name, key=name, width=9)
        posts = self.query_one("#cal-posts", ListTable)
        posts.add_column("Day", key="day", width=10)
        posts.add_column("Time", key="time", width=5)
        posts.add_column("Post", key="post", width=5)
        posts.add_column("Outlets", key="outlets", width=16)
        posts.add_column("", key="marks", width=2)
        posts.add_column("Text", key="text", width=60)
        posts.focus()

    def reload(self) -> None:
        self.load_view()

    @work(thread=True, exclusive=True, group="calendar", exit_on_error=False)
    def load_view(self) -> None:
        b = self.backend
        self.post_message(CalendarLoaded(b.call(b.services.calendar.view, b.login, self.span,
                                                self.shown_day, outlet=self.outlet)))

    @on(CalendarLoaded)
    def show_view(self, message: CalendarLoaded) -> None:
        view = self.view = message.view
        tz = self.backend.config.tz
        where = self.outlet or "all outlets"
        if view.span == "week":
            title = (f"Week of {view.first:%a %-d %b %Y} — {where} ({tz.key})")
        else:
            title = f"{view.first:%B %Y} — {where} ({tz.key})"
        self.query_one("#cal-title", Literal).update(Text.assemble(
            (title, "bold"), "   ", (LEGEND, "dim")))
        grid = self.query_one("#cal-grid", ListTable)
        if view.span == "month":
            self._show_grid(view)
        if grid.display != (view.span == "month"):
            grid.display = view.span == "month"
            (grid if view.span == "month" else self.query_one("#cal-posts", ListTable)).focus()
        self._show_posts()

    def _show_grid(self, view: CalendarView) -> None:
        grid = self.query_one("#cal-grid", ListTable)
        grid.clear()
        lead = view.first.weekday()
        cells: list[Text] = [Text("")] * lead + [day_cell(d, view.first.month) for d in view.days]
        cells += [Text("")] * (-len(cells) % 7)
        for week in range(len(cells) // 7):
            grid.add_row(*cells[week * 7:week * 7 + 7], key=f"week-{week}")
        index = lead + (self.shown_day - view.first).days
        grid.cursor_coordinate = Coordinate(index // 7, index % 7)

    def _days_listed(self) -> list[CalendarDay]:
        if self.view is None:
            return []
        if self.view.span == "week":
            return list(self.view.days)
        day = self.view.day(self.shown_day)
        return [day] if day else []

    def _show_posts(self) -> None:
        posts = self.query_one("#cal-posts", ListTable)
        keep = posts.selected_key()
        posts.clear()
        self.entries = {}
        for day in self._days_listed():
            label = Text(f"{day.day:%a %-d %b}", style="bold" if day.entries else "dim")
            if day.empty:
                about = Text("nothing scheduled", style="dim")
                if day.events:
                    about.append(f" — coverage: {', '.join(day.events)}", style="magenta")
                posts.add_row(label, "", "", "", marks(day.crisis, bool(day.events)), about,
                              key=f"empty-{day.day.isoformat()}")
            for entry in day.entries:
                key = f"post-{entry.post_id}-{day.day.isoformat()}"
                self.entries[key] = entry
                first_line = entry.text.splitlines()[0] if entry.text.strip() else ""
                posts.add_row(label, f"{entry.at:%H:%M}", f"#{entry.post_id}",
                              outlets_cell(entry), marks(entry.crisis, entry.event is not None),
                              outside(first_line), key=key)
        if keep is not None and keep in posts.rows:
            posts.move_cursor(row=posts.get_row_index(keep))
        self._show_detail()

    @on(DataTable.CellHighlighted, "#cal-grid")
    def pick_day(self, event: DataTable.CellHighlighted) -> None:
        if self.view is None or self.view.span != "month":
            return
        index = event.coordinate.row * 7 + event.coordinate.column - self.view.first.weekday()
        day = self.view.first + dt.timedelta(days=index)
        if self.view.day(day) is not None and day != self.shown_day:
            self.shown_day = day
            self._show_posts()

    @on(DataTable.CellSelected, "#cal-grid")
    def open_day(self) -> None:
        """Enter on a day: to its posts, to pick one to move."""
        self.query_one("#cal-posts", ListTable).focus()

    @on(DataTable.RowHighlighted, "#cal-posts")
    def highlight_post(self) -> None:
        self._show_detail()

    def _selected(self) -> CalendarEntry | None:
        return self.entries.get(self.query_one("#cal-posts", ListTable).selected_key() or "")

    def _show_detail(self) -> None:
        entry = self._selected()
        detail = self.query_one("#cal-detail", Literal)
        if entry is None:
            day = self.view.day(self.shown_day) if self.view else None
            detail.update("" if day is None or self.view is None or self.view.span == "week"
                          else f"{day.day:%A %-d %B}: nothing scheduled or published.")
            return
        text = Text()
        text.append(f"Post #{entry.post_id}, {entry.at:%a %-d %b %H:%M}: ", style="bold")
        text.append(", ".join(f"{outlet} {state}" for outlet, state in entry.outlets))
        if entry.crisis:
            text.append("  CRISIS", style="bold red")
        if entry.event:
            text.append("  event: ")
            text.append_text(outside(entry.event, style="magenta"))
        text.append(" — m to move" if entry.movable else "", style="dim")
        text.append("\n")
        text.append_text(outside(entry.text, multiline=True, limit=400))
        detail.update(text)

    # ----- keys --------------------------------------------------------------------

    def action_toggle_span(self) -> None:
        self.span = "month" if self.span == "week" else "week"
        self.reload()

    def action_next(self) -> None:
        self.shown_day = shift(self.span, self.shown_day, 1)
        self.reload()

    def action_previous(self) -> None:
        self.shown_day = shift(self.span, self.shown_day, -1)
        self.reload()

    def action_today(self) -> None:
        b = self.backend
        self.shown_day = b.services.clock().astimezone(b.config.tz).date()
        self.reload()

    def action_next_outlet(self) -> None:
        names: list[str | None] = [None, *(o.name for o in self.backend.config.outlets)]
        self.outlet = names[(names.index(self.outlet) + 1) % len(names)]
        self.reload()

    def action_move(self) -> None:
        entry = self._selected()
        if entry is None:
            self.notify("Select a post first.")
            return
        if not entry.movable:
            self.notify(f"Post #{entry.post_id} is not waiting to go out on every outlet: "
                        "only a scheduled post is moved (see the schedule, key s on home).")
            return
        self.ask_slot(entry)

    @work(thread=True, exclusive=True, group="calendar-act", exit_on_error=False)
    def ask_slot(self, entry: CalendarEntry) -> None:
        """Refuse at once (and on the record) someone who may not move posts; else ask
        for the new slot."""
        b = self.backend
        b.call(b.services.calendar.may_move, b.login, entry.post_id)
        tz = b.config.tz
        prompt = PromptScreen(
            f"Move post #{entry.post_id} from {entry.at:%Y-%m-%d %H:%M} to (YYYY-MM-DD HH:MM, "
            f"{tz.key}):", placeholder=f"{entry.at:%Y-%m-%d %H:%M}")
        self.app.call_from_thread(self.app.push_screen, prompt,
                                  if_answered(lambda text: self.check_slot(entry, text)))

    @work(thread=True, exclusive=True, group="calendar-act", exit_on_error=False)
    def check_slot(self, entry: CalendarEntry, text: str) -> None:
        """Move at once when the clearance holds; otherwise say why it would not, and
        move (sending the post back for clearance) only when confirmed."""
        b = self.backend
        when = parse_local_time(text, b.config.tz, b.services.clock())
        if when is None:
            return
        check = b.call(b.services.calendar.check_move, b.login, entry.post_id, when)
        shown = when.astimezone(b.config.tz)
        if check.keeps_clearance:
            b.call(b.services.calendar.move, b.login, entry.post_id, when)
            self.shown_day = shown.date()
            self.post_message(ActionDone(f"Post #{entry.post_id} moved to "
                                         f"{shown:%a %-d %b %H:%M}; it keeps its clearance"))
            return
        screen = ConfirmItemScreen(
            f"Moving post #{entry.post_id} to {shown:%a %-d %b %H:%M} needs it cleared again "
            "(policy: Timely). Move it and send it back for clearance?",
            "The policy screen for the new slot:", "\n".join(check.reasons))

        def answered(agreed: str | None) -> None:
            if agreed is None:
                self.decline_move(entry, when)
            else:
                self.move_for_clearance(entry, when)

        self.app.call_from_thread(self.app.push_screen, screen, answered)

    @work(thread=True, exclusive=True, group="calendar-act", exit_on_error=False)
    def decline_move(self, entry: CalendarEntry, when: dt.datetime) -> None:
        """Not confirmed: nothing moves, and the domain keeps the decline in the audit log."""
        b = self.backend
        b.call(b.services.calendar.decline, b.login, entry.post_id, when)
        self.post_message(ActionDone(f"Post #{entry.post_id} not moved"))

    @work(thread=True, exclusive=True, group="calendar-act", exit_on_error=False)
    def move_for_clearance(self, entry: CalendarEntry, when: dt.datetime) -> None:
        b = self.backend
        b.call(b.services.calendar.move, b.login, entry.post_id, when, reclear=True)
        self.shown_day = when.astimezone(b.config.tz).date()
        self.post_message(ActionDone(f"Post #{entry.post_id} moved and sent back for "
                                     "clearance"))
