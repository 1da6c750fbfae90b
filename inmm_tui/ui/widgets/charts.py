"""Terminal charts (plotext through textual-plotext) of the metrics screen. They take the
size of their pane, so at 80x24 they shrink rather than push the figures off screen."""

from __future__ import annotations

import datetime as dt

from textual_plotext import PlotextPlot

from inmm_tui.reports.insights import OutletFigures

MAX_TICKS = 4
"""Date labels on the x axis: more do not fit a chart half an 80-column terminal wide."""


def _ticks(days: list[dt.date]) -> tuple[list[int], list[str]]:
    """A few evenly spread date labels, as day offsets from the first day."""
    if not days:
        return [], []
    first = days[0]
    span = (days[-1] - first).days
    step = max(1, span // (MAX_TICKS - 1)) if span else 1
    offsets = list(range(0, span + 1, step))[:MAX_TICKS]
    fmt = "%Y-%m" if span > 90 else "%m-%d"
    return offsets, [(first + dt.timedelta(days=o)).strftime(fmt) for o in offsets]


class FollowerChart(PlotextPlot):
    """Followers over time, one line per outlet."""

    def show(self, outlets: list[OutletFigures], since: dt.datetime) -> None:
        plt = self.plt
        plt.clear_figure()
        plt.title("Followers")
        start = since.date()
        days: list[dt.date] = []
        for figures in outlets:
            if not figures.series:
                continue
            # Fractions of a day, so an hourly week is not squashed onto seven points.
            xs = [(at - since).total_seconds() / 86400 for at, _, _ in figures.series]
            plt.plot(xs, [f for _, f, _ in figures.series], label=figures.title,
                     marker="braille")
            days += [start, figures.series[-1][0].date()]
        if days:
            offsets, labels = _ticks(sorted(days))
            plt.xticks(offsets, labels)
        else:
            plt.text("no follower counts recorded yet", 0, 0)
        self.refresh()


class EngagementChart(PlotextPlot):
    """Mean engagement (reposts, replies, likes, quotes) per post, day by day."""

    def show(self, daily: list[tuple[dt.date, float, int]], since: dt.datetime) -> None:
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
            offsets, labels = _ticks([start, daily[-1][0]])
            plt.xticks(offsets, labels)
        else:
            plt.text("no posts sent in this period", 0, 0)
        self.refresh()
