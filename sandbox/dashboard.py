"""The dashboard page: the business figures from the local CloudWatch, as tiles and a chart.

This is the route the CloudWatch dashboard's own rendering (from `dashboards/`) plugs into:
`DashboardPage.handle` answers `GET /dashboard` (HTML) and the same with
`Accept: application/json` (`{"figures": ..., "since": ..., "until": ..., "widgets": ...}`).

Counters are sums over the window. Pending requests and running executions are gauges: their
tiles show the very figures of the dashboard's "Pending now" widget (the pending gauge's and
Lambda's latest readings), so the page cannot contradict itself. A figure with no data is null
in the JSON and "—" on the page.
"""

import json
from datetime import UTC, datetime
from typing import Any

from dashboards.leave_operations import LambdaMetric
from handlers.domain.signals import Metric
from handlers.web.rendering import join
from sandbox.dashboard_widgets import (
    format_number,
    read_dashboard,
    render_widgets,
    widgets_as_json,
)
from sandbox.figures import business_figures, default_window
from sandbox.http_server import Request, Response
from sandbox.pages import PAGES, layout

_TILES = (
    ("pending", "Pending"),
    ("running_executions", "Running executions"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("expired", "Expired"),
    ("failed", "Failed"),
    ("withdrawn", "Withdrawn"),
    ("cancelled", "Cancelled"),
    ("submitted", "Submitted"),
    ("reminders_sent", "Approvers reminded"),
    ("escalated", "Escalated"),
    ("reassigned", "Handed to a delegate"),
    ("emails_sent", "Emails sent"),
    ("inputs_rejected", "Inputs refused"),
    ("decision_latency_seconds_average", "Seconds to decide (average)"),
)
# The gauges' tiles, by the metric the "Pending now" widget reads for each.
_GAUGES = {
    "pending": Metric.PENDING_REQUESTS.value,
    "running_executions": LambdaMetric.DURABLE_RUNNING,
}


def _gauge_figures(widgets: list[dict[str, Any]]) -> dict[str, float | None]:
    shown = {
        data.series.name: data.latest()
        for widget in widgets
        if "data" in widget and widget["widget"].view == "singleValue"
        for data in widget["data"]
    }
    return {key: shown[metric] for key, metric in _GAUGES.items()}


class DashboardPage:
    def __init__(self, cloudwatch: Any, logs: Any) -> None:
        self._cloudwatch = cloudwatch
        self._logs = logs

    def handle(self, request: Request) -> Response:
        now = datetime.now(UTC)
        since, until = default_window(now)
        figures = business_figures(self._cloudwatch, since, until)
        widgets = read_dashboard(self._cloudwatch, self._logs, now)
        figures |= _gauge_figures(widgets)
        if request.wants_json():
            body = {
                "figures": figures,
                "since": since.isoformat(),
                "until": until.isoformat(),
                "widgets": widgets_as_json(widgets),
            }
            return Response.json(json.dumps(body, default=str))
        tiles = join(
            PAGES.render(
                "dashboard/figure.html", key=key, label=label, value=format_number(figures[key])
            )
            for key, label in _TILES
        )
        content = PAGES.render("dashboard/page.html", tiles=tiles, widgets=render_widgets(widgets))
        return Response.html(layout("Dashboard", content, PAGES.render("dashboard/refresh.html")))
