"""The CloudWatch dashboard's own definition (`dashboards/`), read and drawn from the local AWS.

Each metric series is read under its exact namespace, name, dimensions, stat and period, as the
CloudWatch widget reads it. A single-value widget shows its series' latest datapoint (on AWS a
gauge publishes once a period, so the latest period's figure is its latest reading; here
readings may come faster, so the latest one is read). A running total is shown, as on AWS, as
its increase over the window: its Maximum over the whole window minus its Minimum. Two things
the local emulators cannot do are said on the widget: moto computes no percentiles (a
percentile series shows the average), and has no Logs Insights (the failures table lists
recent ERROR lines of the same log groups).
"""

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from markupsafe import Markup

from dashboards.leave_operations import DeployedNames, leave_operations_dashboard
from dashboards.widgets import Dashboard, LogsTable, MetricChart, MetricSeries, Stat
from handlers.web.rendering import join
from sandbox.config import FAILED_START_QUEUE
from sandbox.figures import MetricKey
from sandbox.functions import DECISION, PENDING_GAUGE, SETTLER, SUBMIT, WORKFLOW
from sandbox.pages import PAGES

WINDOW = timedelta(hours=3)
# How far back a single value looks for its latest datapoint, one second at a time.
LATEST_WINDOW = timedelta(minutes=15)
_PERCENTILE = re.compile(r"^p\d")
_COLOURS = ("#0b5cad", "#1a7f37", "#a11", "#8a6d00", "#6f42c1", "#0a7b83", "#c2410c", "#555")
_FUNCTIONS = {
    "submit": SUBMIT,
    "workflow": WORKFLOW,
    "decision": DECISION,
    "pending_gauge": PENDING_GAUGE,
    "settler": SETTLER,
}


def sandbox_dashboard() -> Dashboard:
    return leave_operations_dashboard(
        DeployedNames(
            dashboard_name="leave-approvals-sandbox",
            functions=_FUNCTIONS,
            # Its depth published each schedule tick (async_starts.py), as SQS publishes it.
            failed_start_queue=FAILED_START_QUEUE,
            log_groups=tuple(f"/aws/lambda/{name}" for name in _FUNCTIONS.values()),
        )
    )


@dataclass(frozen=True)
class SeriesData:
    series: MetricSeries
    points: list[tuple[datetime, float]]
    approximated: bool

    @property
    def label(self) -> str:
        return self.series.label

    def reduced(self) -> float | None:
        """One figure for the window: what a single-value or bar widget shows."""
        if not self.points:
            return None
        values = [v for _, v in self.points]
        if self.series.stat in ("Sum", "SampleCount"):
            return sum(values)
        if self.series.stat == "Maximum":
            return max(values)
        if self.series.stat == "Minimum":
            return min(values)
        return sum(values) / len(values)

    def latest(self) -> float | None:
        return self.points[-1][1] if self.points else None


def read_widget_series(
    cloudwatch: Any, series: MetricSeries, period: int, since: datetime, until: datetime
) -> SeriesData:
    approximated = bool(_PERCENTILE.match(series.stat))
    answer = cloudwatch.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "series",
                "MetricStat": MetricKey(series.name, series.dimensions).metric_stat(
                    series.namespace, period, "Average" if approximated else series.stat
                ),
            }
        ],
        StartTime=since,
        EndTime=until,
    )["MetricDataResults"][0]
    points = sorted(zip(answer["Timestamps"], answer["Values"], strict=True))
    return SeriesData(series, points, approximated)


def read_increase(
    cloudwatch: Any, series: MetricSeries, since: datetime, until: datetime
) -> SeriesData:
    """A running total's increase over the window, as CloudWatch computes it with
    `setPeriodToTimeRange`: the latest reading (its Maximum over the whole window) minus the
    earliest (its Minimum), one figure stamped at the window's end; none without readings."""
    whole = int((until - since).total_seconds()) // 60 * 60 + 60

    def over_window(stat: Stat) -> float | None:
        data = read_widget_series(cloudwatch, replace(series, stat=stat), whole, since, until)
        return data.points[0][1] if data.points else None

    latest, earliest = over_window("Maximum"), over_window("Minimum")
    points = [] if latest is None or earliest is None else [(until, latest - earliest)]
    return SeriesData(series, points, approximated=False)


def read_latest(cloudwatch: Any, series: MetricSeries, now: datetime) -> SeriesData:
    """The series' datapoints of the last minutes, a second apart: its latest reading last."""
    return read_widget_series(
        cloudwatch, series, 1, now - LATEST_WINDOW, now + timedelta(seconds=1)
    )


def recent_errors(logs: Any, widget: LogsTable, since: datetime) -> list[dict[str, str]]:
    rows = []
    for group in widget.log_groups:
        try:
            found = logs.filter_log_events(
                logGroupName=group,
                startTime=int(since.timestamp() * 1000),
                filterPattern="ERROR",
            )["events"]
        except logs.exceptions.ResourceNotFoundException:
            continue
        rows += [
            {
                "time": datetime.fromtimestamp(e["timestamp"] / 1000).isoformat(timespec="seconds"),
                "log_group": group,
                "message": e["message"][:300],
            }
            for e in found
        ]
    return sorted(rows, key=lambda r: r["time"], reverse=True)[:50]


def format_number(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.1f}" if value % 1 else f"{value:,.0f}"


def _time_series_svg(data: list[SeriesData], since: datetime, until: datetime) -> Markup:
    width, height = 360, 120
    values = [v for d in data for _, v in d.points]
    if not values:
        return PAGES.render("dashboard/no_data.html", width=width, height=height)
    highest = max(values)
    # The scale has a floor, so that a series of zeros lies on the axis; the label says the
    # highest value measured, never the floor.
    scale = max(1.0, highest)
    span = (until - since).total_seconds()
    marks = []
    for colour, d in zip(_COLOURS, data, strict=False):
        xy = [
            ((t - since).total_seconds() / span * width, height - v / scale * (height - 8))
            for t, v in d.points
        ]
        if len(xy) > 1:
            coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
            marks.append(PAGES.render("dashboard/line.html", colour=colour, points=coords))
        # A lone datapoint is drawn large enough to be seen.
        radius = 2.5 if len(xy) > 1 else 5
        marks += [
            PAGES.render(
                "dashboard/point.html", x=f"{x:.1f}", y=f"{y:.1f}", radius=radius, colour=colour
            )
            for x, y in xy
        ]
    return PAGES.render(
        "dashboard/time_series.html",
        width=width,
        height=height,
        marks=join(marks),
        peak=format_number(highest),
    )


def _bars_svg(data: list[SeriesData]) -> Markup:
    values = [d.reduced() or 0.0 for d in data]
    peak = max([1.0, *values])
    bars = join(
        PAGES.render(
            "dashboard/bar.html",
            y=i * 18,
            width=f"{value / peak * 240:.1f}",
            colour=colour,
            label_x=f"{value / peak * 240 + 4:.1f}",
            label_y=i * 18 + 12,
            value=format_number(value),
        )
        for i, (colour, value) in enumerate(zip(_COLOURS, values, strict=False))
    )
    return PAGES.render("dashboard/bars.html", height=len(values) * 18, bars=bars)


def _legend(data: list[SeriesData], show_latest: bool) -> Markup:
    def entry(colour: str, d: SeriesData) -> Markup:
        latest = (
            PAGES.render("dashboard/legend_latest.html", value=format_number(d.latest()))
            if show_latest
            else ""
        )
        return PAGES.render(
            "dashboard/legend_entry.html", colour=colour, label=d.label, latest=latest
        )

    return join(entry(colour, d) for colour, d in zip(_COLOURS, data, strict=False))


def render_chart(
    widget: MetricChart, data: list[SeriesData], since: datetime, until: datetime
) -> Markup:
    note = PAGES.render("dashboard/averages_note.html") if any(d.approximated for d in data) else ""
    if widget.view == "singleValue":
        tiles = join(
            PAGES.render(
                "dashboard/single_value.html", label=d.label, value=format_number(d.latest())
            )
            for d in data
        )
        body = PAGES.render("dashboard/single_values.html", tiles=tiles)
    elif widget.view == "bar":
        body = _bars_svg(data) + _legend(data, show_latest=False)
    else:
        body = _time_series_svg(data, since, until) + _legend(data, show_latest=True)
    return PAGES.render("dashboard/chart.html", title=widget.title, body=body, note=note)


def render_logs(widget: LogsTable, rows: list[dict[str, str]]) -> Markup:
    cells = join(
        PAGES.render(
            "dashboard/log_row.html", time=r["time"], log_group=r["log_group"], message=r["message"]
        )
        for r in rows
    ) or PAGES.render("dashboard/no_errors.html")
    return PAGES.render("dashboard/logs.html", title=widget.title, rows=cells)


def read_dashboard(cloudwatch: Any, logs: Any, now: datetime) -> list[dict[str, Any]]:
    """Every widget's data, as the page draws it and its JSON form returns it."""
    since, until = now - WINDOW, now + timedelta(minutes=1)
    widgets: list[dict[str, Any]] = []
    for widget in sandbox_dashboard().widgets:
        if isinstance(widget, MetricChart):
            data = [
                read_increase(cloudwatch, s, since, until)
                if s.running_total
                else read_latest(cloudwatch, s, now)
                if widget.view == "singleValue"
                else read_widget_series(cloudwatch, s, widget.period_seconds, since, until)
                for s in widget.series
            ]
            widgets.append({"widget": widget, "data": data, "since": since, "until": until})
        else:
            widgets.append({"widget": widget, "rows": recent_errors(logs, widget, since)})
    return widgets


def render_widgets(widgets: list[dict[str, Any]]) -> Markup:
    return join(
        render_chart(w["widget"], w["data"], w["since"], w["until"])
        if "data" in w
        else render_logs(w["widget"], w["rows"])
        for w in widgets
    )


def widgets_as_json(widgets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for w in widgets:
        widget = w["widget"]
        if "data" in w:
            out.append(
                {
                    "title": widget.title,
                    "view": widget.view,
                    "series": [
                        {
                            "label": d.label,
                            "metric": d.series.name,
                            "stat": d.series.stat,
                            "latest": d.latest(),
                            "over_window": d.reduced(),
                        }
                        for d in w["data"]
                    ],
                }
            )
        else:
            out.append({"title": widget.title, "rows": w["rows"]})
    return out
