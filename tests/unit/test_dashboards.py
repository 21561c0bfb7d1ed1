"""The dashboard body is a valid CloudWatch dashboard and reads only metrics the code emits."""

import json
import re
from typing import Any

import pytest

from dashboards.cloudwatch import GRID_WIDTH, dashboard_body
from dashboards.leave_operations import (
    LAMBDA_NAMESPACE,
    SQS_NAMESPACE,
    DeployedNames,
    leave_operations_dashboard,
)
from handlers.domain.signals import METRICS_NAMESPACE, Metric

NAMES = DeployedNames(
    dashboard_name="leave-dev",
    functions={
        "submit": "leave-dev-submit",
        "workflow": "leave-dev-workflow",
        "decision": "leave-dev-decision",
        "pending_gauge": "leave-dev-pending-gauge",
    },
    failed_start_queue="leave-dev-failed-starts",
    log_groups=("/aws/lambda/leave-dev-submit", "/aws/lambda/leave-dev-workflow"),
)
DASHBOARD = leave_operations_dashboard(NAMES)
BODY = dashboard_body(DASHBOARD, "us-east-2")
STAT = re.compile(r"^(Sum|Average|Maximum|Minimum|SampleCount|p\d{1,2}(\.\d+)?)$")


def test_the_body_is_json_with_widgets_on_the_grid() -> None:
    assert json.loads(json.dumps(BODY)) == BODY
    assert BODY["widgets"]
    for widget in BODY["widgets"]:
        assert widget["type"] in {"metric", "log"}
        assert widget["x"] >= 0
        assert widget["x"] + widget["width"] <= GRID_WIDTH
        assert widget["y"] >= 0
        assert 1 <= widget["height"] <= 1000
        assert widget["properties"]["title"]
        assert widget["properties"]["region"] == "us-east-2"


def test_widgets_do_not_overlap() -> None:
    cells: set[tuple[int, int]] = set()
    for w in BODY["widgets"]:
        area = {
            (x, y)
            for x in range(w["x"], w["x"] + w["width"])
            for y in range(w["y"], w["y"] + w["height"])
        }
        assert not cells & area, w["properties"]["title"]
        cells |= area


@pytest.mark.parametrize(
    "widget",
    [w for w in BODY["widgets"] if w["type"] == "metric"],
    ids=lambda w: w["properties"]["title"],
)
def test_metric_widgets_hold_well_formed_metric_arrays(widget: dict[str, Any]) -> None:
    properties = widget["properties"]
    ids = {row[-1]["id"] for row in properties["metrics"] if "id" in row[-1]}
    assert properties["view"] in {"timeSeries", "singleValue", "bar", "pie", "gauge"}
    assert properties["period"] % 60 == 0
    for row in properties["metrics"]:
        if len(row) == 1 and "expression" in row[0]:
            # Metric math over the rows before it (by their ids).
            expression = row[0]
            assert expression["id"]
            assert expression["label"]
            used = set(re.findall(r"[a-z]\w*", expression["expression"]))
            assert used <= ids, expression
            continue
        *names, options = row
        # namespace, name, then dimension name-value pairs
        assert len(names) >= 2, row
        assert len(names) % 2 == 0, row
        assert all(isinstance(part, str) and part for part in names)
        assert STAT.match(options["stat"]), options
        assert options["label"]


def test_log_widgets_query_the_service_log_groups() -> None:
    (table,) = [w for w in BODY["widgets"] if w["type"] == "log"]
    query = table["properties"]["query"]
    assert query.startswith(
        "SOURCE '/aws/lambda/leave-dev-submit' | SOURCE '/aws/lambda/leave-dev-workflow' | fields"
    )
    assert table["properties"]["view"] == "table"


def test_every_business_metric_is_one_the_handlers_emit() -> None:
    for series in DASHBOARD.metric_series():
        assert series.namespace in {METRICS_NAMESPACE, LAMBDA_NAMESPACE, SQS_NAMESPACE}
        if series.namespace == METRICS_NAMESPACE:
            assert series.name in {m.value for m in Metric}


def test_the_operators_see_pending_approved_rejected_and_expired() -> None:
    shown = {s.name for s in DASHBOARD.metric_series()}
    assert {
        Metric.PENDING_REQUESTS,
        Metric.OLDEST_PENDING_AGE,
        Metric.APPROVED_TOTAL,
        Metric.REJECTED_TOTAL,
        Metric.EXPIRED_TOTAL,
        Metric.DECISION_LATENCY,
        "ApproximateRunningDurableExecutions",
        "DurableExecutionFailed",
        "DurableExecutionTimedOut",
        "ApproximateNumberOfMessagesVisible",
    } <= shown


def test_outcomes_are_counted_as_the_increase_of_their_running_totals() -> None:
    (outcomes,) = [w for w in BODY["widgets"] if w["properties"]["title"] == "Requests by outcome"]
    properties = outcomes["properties"]
    # Each statistic over the whole range: the Maximum of a running total is its latest
    # reading, the Minimum its earliest, and the bar shows their difference.
    assert properties["setPeriodToTimeRange"] is True
    rows = properties["metrics"]
    shown = [row[0] for row in rows if len(row) == 1]
    assert [e["label"] for e in shown] == [
        "Submitted",
        "Approved",
        "Rejected",
        "Expired",
        "Failed",
        "Withdrawn",
        "Cancelled",
    ]
    by_id = {row[-1]["id"]: row for row in rows if len(row) > 1}
    for expression in shown:
        latest, earliest = expression["expression"].split(" - ")
        assert by_id[latest][1] == by_id[earliest][1]
        assert by_id[latest][1].endswith("Total")
        assert (by_id[latest][-1]["stat"], by_id[earliest][-1]["stat"]) == ("Maximum", "Minimum")
        assert by_id[latest][-1]["visible"] is False
