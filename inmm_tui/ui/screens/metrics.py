"""Metrics ("Objectives and Metrics"): followers over time per outlet, engagement per
post, the following/follower balance, follower types, events covered this year, the best
posts, web referrals, and the monthly reports written (a key to write one, and one for the
Communications Committee Chair to record one forwarded to the Executive Committee)."""

from __future__ import annotations

import time

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header

from inmm_tui.domain.roles import Action
from inmm_tui.reports.insights import PERIODS, Insights
from inmm_tui.ui.backend import Backend
from inmm_tui.ui.messages import ActionDone
from inmm_tui.ui.screens.base import InmmScreen
from inmm_tui.ui.screens.prompt import PromptScreen, if_answered
from inmm_tui.ui.widgets.charts import EngagementChart, FollowerChart
from inmm_tui.ui.widgets.literal import Literal
from inmm_tui.ui.widgets.tables import ListTable
from inmm_tui.wording import count

RELOAD_EVERY = 30.0
"""Seconds at least between two reloads caused by other writers: on a five-year history a
load takes a moment, and the daemon writes every few seconds while it polls."""


class InsightsLoaded(Message):
    def __init__(self, insights: Insights) -> None:
        super().__init__()
        self.insights = insights


def _n(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


SHORT_KIND = {"organisation": "org", "individual": "person"}


def summary_lines(ins: Insights, *, wide: bool = False) -> list[str]:
    """The figures in words, each line within 80 columns (the charts only illustrate them)."""
    refs = ins.referrals
    visits = f"web visits {refs.sessions:,}"
    if wide and refs.by_source:
        visits += f" ({', '.join(f'{s} {n:,}' for s, n in refs.by_source.items())})"
    lines = [f"{ins.label.capitalize()}: {count(ins.posts, 'post')}, engagement {ins.engagement_total:,}, "
             f"{visits}"]
    for o in ins.outlets:
        change = "" if o.change is None else f" ({o.change:+,})"
        ratio = "" if o.ratio is None else f", balance {o.ratio:.1f}:1"
        lines.append(f"{o.title if wide else o.outlet}: {_n(o.followers)} followers{change}, "
                     f"following {_n(o.following)}{ratio}")
    total = sum(ins.follower_types.values())
    kinds = (", ".join(f"{kind if wide else SHORT_KIND.get(kind, kind)} {n * 100 / total:.0f}%"
                       for kind, n in ins.follower_types.items() if n)
             if total else "none recorded yet")
    lines.append(f"{'Follower types' if wide else 'Types'}: {kinds} · events covered "
                 f"{ins.year}: {ins.events_this_year}")
    return lines


class MetricsScreen(InmmScreen):
    TITLE = "Metrics"
    CSS_PATH = "metrics.tcss"
    BINDINGS = [
        Binding("1", "period('7d')", "7 days"),
        Binding("2", "period('30d')", "30 days"),
        Binding("3", "period('12m')", "Year"),
        Binding("w", "write_report", "Write report"),
        Binding("f", "forwarded", "Forwarded to EC"),
    ]

    def __init__(self, backend: Backend, period: str = "30d") -> None:
        super().__init__(backend)
        self.period = period
        self.insights: Insights | None = None
        self._loaded_at = 0.0
        self._pending: Timer | None = None
        self.wide = False
        self.report_paths: dict[str, str] = {}
        self.report_rows: dict[str, dict] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Literal("Loading the figures…", id="insights-summary")
        with Horizontal(id="insights-charts"):
            yield FollowerChart(id="follower-chart")
            yield EngagementChart(id="engagement-chart")
        with Horizontal(id="insights-lists"):
            with Vertical(id="top-posts-pane"):
                yield Literal("Best posts by engagement", classes="section")
                yield ListTable(id="top-posts")
            with Vertical(id="reports-pane"):
                yield Literal("Monthly reports", classes="section")
                yield ListTable(id="reports")
        yield Footer()

    def on_mount(self) -> None:
        wide = self.app.size.width >= 120
        top = self.query_one("#top-posts", ListTable)
        top.add_column("Eng.", key="eng", width=5)
        top.add_column("Visits", key="visits", width=6)
        top.add_column("Outlet", key="outlet", width=8)
        if wide:
            top.add_column("Sent", key="sent", width=10)
        # At 80 columns the text takes what the other columns and the reports pane leave.
        top.add_column("Text", key="text", width=60 if wide else 28)
        reports = self.query_one("#reports", ListTable)
        reports.add_column("Month", key="month", width=7)
        reports.add_column("By", key="by", width=10)
        if wide:
            reports.add_column("Written", key="written", width=10)
            reports.add_column("File", key="file", width=40)
        self.set_class(wide, "-wide")
        self.wide = wide
        top.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "write_report":
            # Hidden for those whose role cannot write it; the domain still checks.
            return bool(self.insights and self.insights.can_write_report)
        if action == "forwarded":
            return bool(self.insights and self.insights.can_forward_report)
        return True

    def reload(self) -> None:
        """On mount at once; after other writers' changes at most every RELOAD_EVERY seconds."""
        if self.insights is None and self._loaded_at == 0.0:
            self.load_now()
            return
        if self._pending is not None:
            return
        wait = max(0.0, RELOAD_EVERY - (time.monotonic() - self._loaded_at))
        self._pending = self.set_timer(wait, self.load_now)

    def load_now(self) -> None:
        if self._pending is not None:
            self._pending.stop()
            self._pending = None
        self._loaded_at = time.monotonic()
        self.load_insights(self.period)

    @work(thread=True, exclusive=True, group="insights", exit_on_error=False)
    def load_insights(self, period: str) -> None:
        from inmm_tui.reports.insights import gather

        b = self.backend
        insights = b.call(gather, b.services.db.conn, b.config, b.login, period,
                          b.services.clock())
        self.post_message(InsightsLoaded(insights))

    @on(InsightsLoaded)
    def show_insights(self, message: InsightsLoaded) -> None:
        ins = message.insights
        if ins.period != self.period:
            return  # an older load, for a period no longer chosen
        self.insights = ins
        self.query_one("#insights-summary", Literal).update("\n".join(summary_lines(ins, wide=self.wide)))
        self.query_one(FollowerChart).show(ins.outlets, ins.since, ins.until)
        self.query_one(EngagementChart).show(ins.engagement_daily, ins.since, ins.until)
        visits = {entry["post"]: entry["sessions"] for entry in ins.referrals.per_post}
        top = self.query_one("#top-posts", ListTable)
        top.clear()
        for row in ins.top_posts:
            cells = [f"{row.engagement:,}", f"{visits.get(row.post_id, 0):,}", row.outlet]
            if self.wide:
                cells.append(row.sent_at[:10])
            top.add_row(*cells, " ".join(row.text.split()), key=str(row.delivery_id))
        reports = self.query_one("#reports", ListTable)
        reports.clear()
        self.report_paths.clear()
        self.report_rows.clear()
        for number, report in enumerate(ins.reports):
            cells = [report["month"], report["written_by"]]
            if self.wide:
                cells += [report["written_at"][:10],
                          report["path"] if report["exists"] else "(file gone)"]
            # A month written twice has the same path twice: rows are keyed by position.
            self.report_paths[str(number)] = report["path"]
            self.report_rows[str(number)] = report
            reports.add_row(*cells, key=str(number))
        self.refresh_bindings()

    @on(DataTable.RowSelected, "#reports")
    def show_report_path(self, event: DataTable.RowSelected) -> None:
        report = self.report_rows[str(event.row_key.value)]
        sent = (f"forwarded to the Executive Committee on {report['forwarded_on']}"
                if report["forwarded_on"] else "not yet forwarded to the Executive Committee")
        self.notify(f"The report is at {report['path']}; {sent}")

    def action_period(self, period: str) -> None:
        if period not in PERIODS or period == self.period:
            return
        self.period = period
        self.query_one("#insights-summary", Literal).update(
            f"Loading the figures for the {PERIODS[period][0]}…")
        self.load_now()

    def action_write_report(self) -> None:
        if self.insights is None:
            return
        default = self.insights.report_month.strftime("%Y-%m")
        self.if_allowed(Action.MONTHLY_REPORT, lambda: self.app.push_screen(
            PromptScreen(f"Write the monthly report (Markdown) for which month? "
                         f"Empty for {default}, the last complete month.",
                         allow_empty=True, placeholder="YYYY-MM, Enter to write"),
            if_answered(lambda month: self.write_report(month or default))))

    def action_forwarded(self) -> None:
        """Record the selected report (else the last complete month's) as forwarded."""
        if self.insights is None:
            return
        table = self.query_one("#reports", ListTable)
        month = self.insights.report_month.strftime("%Y-%m")
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            month = self.report_rows[str(key)]["month"]
        self.if_allowed(Action.FORWARD_REPORT, lambda: self.app.push_screen(
            PromptScreen(f"On which day was the {month} report forwarded to the Executive "
                         "Committee? Empty for today.",
                         allow_empty=True, placeholder="YYYY-MM-DD, Enter for today"),
            if_answered(lambda day: self.record_forwarded(month, day))))

    @work(thread=True, exclusive=True, group="insights-act", exit_on_error=False)
    def record_forwarded(self, month_text: str, day_text: str) -> None:
        from inmm_tui.reports import forwarding
        from inmm_tui.reports.monthly import parse_month

        b = self.backend
        on = forwarding.parse_day(day_text) if day_text else None
        day = b.call(forwarding.record_forwarded, b.services.db, b.login,
                     parse_month(month_text), b.services.clock, b.config.tz, on)
        self.post_message(ActionDone(f"Recorded: the {month_text} report was forwarded to the "
                                     f"Executive Committee on {day.isoformat()}"))

    @work(thread=True, exclusive=True, group="insights-act", exit_on_error=False)
    def write_report(self, month_text: str) -> None:
        from inmm_tui.reports.monthly import parse_month, write_report

        b = self.backend
        month = parse_month(month_text)
        path = b.call(write_report, b.services, month, "md", actor=b.login)
        self.post_message(ActionDone(f"Monthly report for {month:%Y-%m} written to {path}"))

    @on(ActionDone)
    def confirm(self, message: ActionDone) -> None:
        message.prevent_default()  # instead of InmmScreen.report_done
        self.notify(message.note)
        self.load_now()
