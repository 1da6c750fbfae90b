"""Terminal charts (plotext through textual-plotext) of the metrics screen. They take the
size of their pane, so at 80x24 they shrink rather than push the figures off screen."""

from __future__ import annotations

import datetime as dt

from textual_plotext import Plot, PlotextPlot

from inmm_tui.reports.insights import OutletFigures
from inmm_tui.reports.monthly import integer_ticks

COLOURS = ("cyan", "orange", "magenta", "green")


def _span(plt: Plot, since: dt.datetime, until: dt.datetime, *, left: float = 0.0,
          right: float | None = None) -> None:
    """The whole period on the x axis (from `left` to `right` days, default its length),
    named under it instead of plotext's date ticks: their placement depends on the
    interpreter's hash seed, which made the snapshots flaky. Fixing the range keeps one
    day of data a narrow bar or a dot where it belongs, not a block the plot's width."""
    plt.xlim(left, (until - since).total_seconds() / 86400 if right is None else right)
    plt.xticks([])
    plt.xlabel(f"{since:%Y-%m-%d} to {until:%Y-%m-%d}")


class FollowerChart(PlotextPlot):
    """Followers over time per outlet: the first outlet on the left axis, the others on the
    right, so a small account's growth is not drawn flat against a large one's."""

    def show(self, outlets: list[OutletFigures], since: dt.datetime, until: dt.datetime) -> None:
        plt = self.plt
        plt.clear_figure()
        named: list[str] = []
        for number, figures in enumerate(o for o in outlets if o.series):
            # Fractions of a day, so an hourly week is not squashed onto seven points.
            xs = [(at - since).total_seconds() / 86400 for at, _, _ in figures.series]
            side = "left" if number == 0 else "right"
            counts = [f for _, f, _ in figures.series]
            plt.plot(xs, counts, marker="braille", color=COLOURS[number % len(COLOURS)],
                     yside=side)
            # Whole followers: plotext's own ticks step by tenths over a small range. No
            # more ticks than every other row: two on one row are drawn in no fixed order.
            ticks = [float(t) for t in integer_ticks(min(counts), max(counts), from_zero=False,
                                                     most=(self.size.height - 4) // 2)]
            axis = 1 if side == "left" else 2  # plotext's number for the side
            plt.yticks(ticks, yside=axis)
            plt.ylim(ticks[0], ticks[-1], yside=axis)
            named.append(f"{figures.outlet} {'◀' if side == 'left' else '▶'}")
        # The legend is in the title: plotext's own is drawn over the lines.
        plt.title(f"Followers: {', '.join(named)}" if named else "Followers")
        _span(plt, since, until)
        if not named:
            plt.text("no follower counts recorded yet", 0, 0)
        self.refresh()


class EngagementChart(PlotextPlot):
    """Mean engagement (reposts, replies, likes, quotes) per post, day by day."""

    def show(self, daily: list[tuple[dt.date, float, int]], since: dt.datetime,
             until: dt.datetime) -> None:
        plt = self.plt
        plt.clear_figure()
        plt.title("Engagement per post (daily mean)")
        if daily:
            start = since.date()
            xs = [(day - start).days for day, _, _ in daily]
            means = [round(mean, 1) for _, mean, _ in daily]
            if len(daily) <= 31:
                plt.bar(xs, means, width=0.6)
            else:  # a year of bars is a solid block at this width: a line reads better
                plt.plot(xs, means, marker="braille")
        else:
            plt.text("no posts sent in this period", 0, 0)
        # After plotting (a bar chart sets ticks of its own); whole days from the first,
        # with half a day either side for the bars.
        _span(plt, since, until, left=-1, right=(until.date() - since.date()).days + 1)
        self.refresh()
