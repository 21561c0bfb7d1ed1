"""The dashboard page: the business figures from the local CloudWatch, as tiles and a chart.

This is the route the CloudWatch dashboard's own rendering (from `dashboards/`) plugs into:
`DashboardPage.handle` answers `GET /dashboard` (HTML) and the same with
`Accept: application/json` (`{"figures": ..., "since": ..., "until": ...}`).
"""

import json
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any

from handlers.domain.signals import Metric
from sandbox.figures import business_figures, default_window, read_series
from sandbox.http_server import Request, Response
from sandbox.pages import layout

_TILES = (
    ("pending", "Pending"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("expired", "Expired"),
    ("submitted", "Submitted"),
    ("emails_sent", "Emails sent"),
    ("inputs_rejected", "Inputs refused"),
    ("decision_latency_seconds_average", "Seconds to decide (mean)"),
)
_CHARTED = (
    (Metric.REQUESTS_SUBMITTED, "#0b5cad"),
    (Metric.REQUESTS_APPROVED, "#1a7f37"),
    (Metric.REQUESTS_REJECTED, "#a11"),
    (Metric.REQUESTS_EXPIRED, "#8a6d00"),
)
_CHART_MINUTES = 30


def _number(value: float) -> str:
    return f"{value:.1f}" if value % 1 else f"{value:.0f}"


def _chart(cloudwatch: Any, now: datetime) -> str:
    """Requests per minute over the last half hour, one bar per metric and minute."""
    start = now.replace(second=0, microsecond=0) - timedelta(minutes=_CHART_MINUTES - 1)
    names = {metric.value for metric, _ in _CHARTED}
    series = read_series(cloudwatch, start, now + timedelta(minutes=1), 60, names=names)
    peak = max([1.0, *(v for s in series.values() for v in s.points.values())])
    width, height, slot = 720, 160, 720 / _CHART_MINUTES
    bar = slot / (len(_CHARTED) + 1)
    bars = []
    for minute in range(_CHART_MINUTES):
        at = start + timedelta(minutes=minute)
        for index, (metric, colour) in enumerate(_CHARTED):
            points = series[metric.value].points if metric.value in series else {}
            value = next((v for t, v in points.items() if abs((t - at).total_seconds()) < 30), 0)
            if value:
                h = value / peak * (height - 20)
                bars.append(
                    f'<rect x="{minute * slot + index * bar:.1f}" y="{height - h:.1f}" '
                    f'width="{bar:.1f}" height="{h:.1f}" fill="{colour}">'
                    f"<title>{metric.value} {at:%H:%M}: {_number(value)}</title></rect>"
                )
    legend = " ".join(
        f'<span style="color:{colour}">■ {escape(metric.value)}</span>'
        for metric, colour in _CHARTED
    )
    return (
        f'<div class="card"><p>Per minute, last {_CHART_MINUTES} minutes (peak {_number(peak)})'
        f'</p><svg viewBox="0 0 {width} {height}" width="100%" role="img">'
        f'<line x1="0" y1="{height}" x2="{width}" y2="{height}" stroke="#999"/>{"".join(bars)}'
        f"</svg><p>{legend}</p></div>"
    )


class DashboardPage:
    def __init__(self, cloudwatch: Any) -> None:
        self._cloudwatch = cloudwatch

    def handle(self, request: Request) -> Response:
        now = datetime.now(UTC)
        since, until = default_window(now)
        figures = business_figures(self._cloudwatch, since, until)
        if request.wants_json():
            body = {"figures": figures, "since": since.isoformat(), "until": until.isoformat()}
            return Response.json(json.dumps(body))
        tiles = "".join(
            f'<div class="tile" id="figure-{key}"><div class="muted">{escape(label)}</div>'
            f'<div class="value">{_number(figures[key])}</div></div>'
            for key, label in _TILES
        )
        content = (
            f'<p class="muted">From the local CloudWatch, last 24 hours; refreshes every 5 s.</p>'
            f'<div class="tiles card">{tiles}</div>{_chart(self._cloudwatch, now)}'
        )
        return Response.html(
            layout("Dashboard", content, '<meta http-equiv="refresh" content="5">')
        )
