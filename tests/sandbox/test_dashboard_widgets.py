"""The sandbox draws the CloudWatch dashboard's own definition, series by series."""

from datetime import UTC, datetime, timedelta

import boto3
from markupsafe import escape
from moto import mock_aws

from dashboards.leave_operations import LAMBDA_NAMESPACE, LambdaMetric
from handlers.domain.signals import METRICS_NAMESPACE, SERVICE_NAME, Metric
from sandbox.dashboard_widgets import (
    read_dashboard,
    render_widgets,
    sandbox_dashboard,
    widgets_as_json,
)
from sandbox.figures import business_figures, default_window
from sandbox.functions import SUBMIT


def _put(
    cloudwatch: object,
    metric: Metric,
    value: float,
    at: datetime | None = None,
    **dimensions: str,
) -> None:
    cloudwatch.put_metric_data(  # type: ignore[attr-defined]
        Namespace=METRICS_NAMESPACE,
        MetricData=[
            {
                "MetricName": metric.value,
                "Value": value,
                "Timestamp": at or datetime.now(UTC),
                "Dimensions": [
                    {"Name": n, "Value": v}
                    for n, v in {"service": SERVICE_NAME, **dimensions}.items()
                ],
            }
        ],
    )


def test_every_widget_of_the_definition_is_drawn_with_its_own_series() -> None:
    with mock_aws():
        cloudwatch = boto3.client("cloudwatch", region_name="us-east-2")
        logs = boto3.client("logs", region_name="us-east-2")
        now = datetime.now(UTC)
        # The gauge's readings of the running total: two approvals within the window.
        _put(cloudwatch, Metric.APPROVED_TOTAL, 5, at=now - timedelta(minutes=40))
        _put(cloudwatch, Metric.APPROVED_TOTAL, 7, at=now - timedelta(minutes=5))
        _put(cloudwatch, Metric.INPUTS_REJECTED, 1, reason="overlap")
        _put(cloudwatch, Metric.INPUTS_REJECTED, 5)  # no reason: no widget reads this one
        _put(cloudwatch, Metric.DECISION_LATENCY, 30)

        widgets = read_dashboard(cloudwatch, logs, now)
        page = render_widgets(widgets)
        shown = widgets_as_json(widgets)

    assert [w["title"] for w in shown] == [w.title for w in sandbox_dashboard().widgets]
    series = {(w["title"], s["label"]): s for w in shown for s in w.get("series", [])}
    assert series["Requests by outcome", "Approved"]["over_window"] == 2
    assert series["Requests by outcome", "Rejected"]["over_window"] is None
    assert series["Refused submissions by reason", "overlap"]["over_window"] == 1
    assert series["Time to decision (seconds)", "90th percentile"]["latest"] == 30
    for widget in sandbox_dashboard().widgets:
        assert escape(widget.title) in page
    # Said in plain words, once on each widget with percentiles (decisions, durations), where
    # the sandbox cannot compute what CloudWatch does.
    assert page.count("The sandbox shows averages where CloudWatch shows percentiles.") == 2
    assert "local: average" not in page
    # Nothing measured: no chart pretends to a peak.
    assert "No data in the last three hours." in page
    assert "peak 1<" not in page
    # A lone datapoint is drawn large enough to see.
    assert 'r="5"' in page


def test_a_single_value_is_the_gauges_latest_reading() -> None:
    with mock_aws():
        cloudwatch = boto3.client("cloudwatch", region_name="us-east-2")
        logs = boto3.client("logs", region_name="us-east-2")
        now = datetime.now(UTC)
        for seconds_ago, pending in ((40, 3), (20, 2), (5, 0)):
            _put(
                cloudwatch,
                Metric.PENDING_REQUESTS,
                pending,
                at=now - timedelta(seconds=seconds_ago),
            )

        shown = widgets_as_json(read_dashboard(cloudwatch, logs, now))

    pending_now = {s["label"]: s for w in shown for s in w.get("series", [])}["Pending requests"]
    # Not the most of the minute (3): what the gauge read last.
    assert pending_now["latest"] == 0


def test_an_outcome_is_counted_as_its_running_totals_increase_not_its_events() -> None:
    with mock_aws():
        cloudwatch = boto3.client("cloudwatch", region_name="us-east-2")
        logs = boto3.client("logs", region_name="us-east-2")
        now = datetime.now(UTC)
        for minutes_ago, failed in ((170, 3), (120, 3), (60, 4), (2, 5)):
            _put(cloudwatch, Metric.FAILED_TOTAL, failed, at=now - timedelta(minutes=minutes_ago))
        # A settler that retried announced one failure twice: the events say 3.
        for _ in range(3):
            _put(cloudwatch, Metric.REQUESTS_FAILED, 1, at=now - timedelta(minutes=30))
        _put(cloudwatch, Metric.CANCELLED_TOTAL, 0, at=now - timedelta(minutes=100))
        _put(cloudwatch, Metric.CANCELLED_TOTAL, 0, at=now - timedelta(minutes=1))

        shown = widgets_as_json(read_dashboard(cloudwatch, logs, now))
        tiles = business_figures(cloudwatch, *default_window(now))

    (outcomes,) = [w for w in shown if w["title"] == "Requests by outcome"]
    figures = {s["label"]: s["over_window"] for s in outcomes["series"]}
    assert figures["Failed"] == 2
    assert figures["Cancelled"] == 0
    assert figures["Approved"] is None  # never read: nothing to show
    # The sandbox page's tiles count the same way.
    assert (tiles["failed"], tiles["cancelled"], tiles["approved"]) == (2, 0, 0)


def test_a_chart_of_zeros_reads_peak_zero_not_its_scales_floor() -> None:
    with mock_aws():
        cloudwatch = boto3.client("cloudwatch", region_name="us-east-2")
        logs = boto3.client("logs", region_name="us-east-2")
        now = datetime.now(UTC)
        for minutes_ago in (30, 20, 10):
            cloudwatch.put_metric_data(
                Namespace=LAMBDA_NAMESPACE,
                MetricData=[
                    {
                        "MetricName": LambdaMetric.ERRORS,
                        "Value": 0.0,
                        "Timestamp": now - timedelta(minutes=minutes_ago),
                        "Dimensions": [{"Name": "FunctionName", "Value": SUBMIT}],
                    }
                ],
            )

        page = render_widgets(read_dashboard(cloudwatch, logs, now))

    errors = page.split("Function errors", 1)[1].split('<div class="card widget">', 1)[0]
    assert "peak 0<" in errors
    assert "peak 1<" not in errors
