"""The operators' dashboard on CloudWatch, rendered with the deployed names."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from dashboards.leave_operations import LAMBDA_NAMESPACE, SQS_NAMESPACE
from tests.pulumi.mocks import REGION, Deployment
from tests.pulumi.support import PREFIX

QUEUE = f"{PREFIX}-failed-starts"

pytestmark = pytest.mark.observed


def dashboard(deployment: Deployment) -> tuple[dict[str, Any], dict[str, Any]]:
    record = deployment.one("aws:cloudwatch/dashboard:Dashboard").inputs
    return record, json.loads(record["dashboardBody"])


def test_the_dashboard_has_the_name_the_service_announced(
    deployed: tuple[Deployment, dict[str, Any]],
) -> None:
    deployment, created = deployed
    record, _ = dashboard(deployment)
    assert record["dashboardName"] == created["service"].dashboard_name == PREFIX


def test_the_dashboard_shows_the_deployed_functions_and_queue(deployment: Deployment) -> None:
    _, body = dashboard(deployment)
    rows = [
        row
        for widget in body["widgets"]
        if widget["type"] == "metric"
        for row in widget["properties"]["metrics"]
    ]
    function_names = {row[3] for row in rows if row[0] == LAMBDA_NAMESPACE}
    assert function_names == {
        f"{PREFIX}-{role}" for role in ("submit", "workflow", "decision", "pending-gauge", "settler")
    }
    assert {row[3] for row in rows if row[0] == SQS_NAMESPACE} == {QUEUE}
    for widget in body["widgets"]:
        assert widget["properties"]["region"] == REGION


def test_the_dashboards_log_table_reads_every_functions_logs(deployment: Deployment) -> None:
    _, body = dashboard(deployment)
    (table,) = [w for w in body["widgets"] if w["type"] == "log"]
    sources = re.findall(r"SOURCE '([^']+)'", table["properties"]["query"])
    assert sorted(sources) == sorted(
        f"/aws/lambda/{PREFIX}-{role}"
        for role in ("submit", "workflow", "decision", "pending-gauge", "settler")
    )
