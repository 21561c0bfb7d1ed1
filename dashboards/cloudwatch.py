"""Rendering a dashboard definition as a CloudWatch dashboard body (its JSON document)."""

from typing import Any

from dashboards.widgets import Dashboard, LogsTable, MetricChart, MetricSeries, Widget

GRID_WIDTH = 24


def _metric_row(series: MetricSeries) -> list[Any]:
    row: list[Any] = [series.namespace, series.name]
    for name, value in series.dimensions:
        row += [name, value]
    row.append({"stat": series.stat, "label": series.label})
    return row


def _properties(widget: Widget, region: str) -> dict[str, Any]:
    if isinstance(widget, MetricChart):
        properties: dict[str, Any] = {
            "title": widget.title,
            "region": region,
            "view": widget.view,
            "period": widget.period_seconds,
            "stacked": False,
            "metrics": [_metric_row(s) for s in widget.series],
        }
        if widget.view == "singleValue":
            properties["sparkline"] = True
        return properties
    assert isinstance(widget, LogsTable)
    sources = " | ".join(f"SOURCE '{group}'" for group in widget.log_groups)
    return {
        "title": widget.title,
        "region": region,
        "view": "table",
        "query": f"{sources} | {widget.query}",
    }


def dashboard_body(dashboard: Dashboard, region: str) -> dict[str, Any]:
    """Widgets laid out left to right, wrapping at the grid's 24 columns."""
    widgets = []
    x = y = row_height = 0
    for widget in dashboard.widgets:
        if x + widget.width > GRID_WIDTH:
            x, y, row_height = 0, y + row_height, 0
        widgets.append(
            {
                "type": "metric" if isinstance(widget, MetricChart) else "log",
                "x": x,
                "y": y,
                "width": widget.width,
                "height": widget.height,
                "properties": _properties(widget, region),
            }
        )
        x += widget.width
        row_height = max(row_height, widget.height)
    return {"widgets": widgets}
