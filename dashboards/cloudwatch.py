"""Rendering a dashboard definition as a CloudWatch dashboard body (its JSON document)."""

from typing import Any

from dashboards.widgets import Dashboard, LogsTable, MetricChart, MetricSeries, Widget

GRID_WIDTH = 24


def _metric_row(series: MetricSeries, **options: Any) -> list[Any]:
    row: list[Any] = [series.namespace, series.name]
    for name, value in series.dimensions:
        row += [name, value]
    row.append({"stat": series.stat, "label": series.label} | options)
    return row


def _rows(series: MetricSeries, index: int) -> list[list[Any]]:
    """A series' rows of the widget's metrics array.

    A running total is shown as its increase over the time range: with the widget's
    `setPeriodToTimeRange` each statistic covers the whole range (one value per metric,
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html;
    for bar charts, https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_cloudwatch.TableWidgetProps.html),
    so its Maximum is the latest reading and its Minimum the earliest, and metric math
    subtracts one from the other
    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html).
    """
    if not series.running_total:
        return [_metric_row(series)]
    latest, earliest = f"latest{index}", f"earliest{index}"
    return [
        _metric_row(series, stat="Maximum", id=latest, visible=False),
        _metric_row(series, stat="Minimum", id=earliest, visible=False),
        [{"expression": f"{latest} - {earliest}", "label": series.label, "id": f"count{index}"}],
    ]


def _properties(widget: Widget, region: str) -> dict[str, Any]:
    if isinstance(widget, MetricChart):
        properties: dict[str, Any] = {
            "title": widget.title,
            "region": region,
            "view": widget.view,
            "period": widget.period_seconds,
            "stacked": False,
            "metrics": [row for i, s in enumerate(widget.series) for row in _rows(s, i)],
        }
        if any(s.running_total for s in widget.series):
            properties["setPeriodToTimeRange"] = True
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
