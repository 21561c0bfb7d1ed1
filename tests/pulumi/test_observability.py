"""The observability component: the pending gauge and its schedule, the rule on broken workflow
executions, and the parts it composes (alarms, event history, dashboard: their own tests)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from components.naming import Naming, NamingError
from components.scheduled_function import rate_expression
from handlers.domain.event_patterns import broken_workflow_executions
from handlers.domain.signals import (
    METRICS_NAMESPACE,
    SERVICE_NAME,
)
from handlers.settings import GaugeSettings
from handlers.storage.table_schema import (
    BY_PENDING,
)
from tests.pulumi.mocks import ACCOUNT, REGION, Deployment
from tests.pulumi.support import (
    PREFIX,
    WORKFLOW_ARN,
    alarms,
    depends_on,
    deploy_service,
    metrics_of,
    targets_of,
)

WORKFLOW = WORKFLOW_ARN
GAUGE = f"{PREFIX}-pending-gauge"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:{PREFIX}-alarms"
AUDIT_LOGS = f"/aws/events/{PREFIX}/audit"
BROKEN_LOGS = f"/aws/events/{PREFIX}/broken-executions"
LOG_GROUP_ARN = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
FUNCTION = "aws:lambda/function:Function"

pytestmark = pytest.mark.observed


def test_the_gauge_runs_the_gauge_handler_on_the_service_table(deployment: Deployment) -> None:
    gauge = deployment.one(FUNCTION, "leave-observability-pending-gauge-function").inputs
    assert gauge["name"] == GAUGE
    assert gauge["handler"] == "handlers.pending_gauge.handler"
    variables = gauge["environment"]["variables"]
    settings = GaugeSettings.from_environment(variables)
    assert settings.table_name == deployment.values["table_name"]
    assert variables["POWERTOOLS_SERVICE_NAME"] == SERVICE_NAME
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == METRICS_NAMESPACE
    workflow = deployment.one(FUNCTION, "leave-workflow-function").inputs
    assert gauge["layers"] == workflow["layers"]
    assert gauge["sourceCodeHash"] == workflow["sourceCodeHash"]


def test_the_gauge_reads_the_pending_counts_and_the_pending_index_only(
    deployment: Deployment,
) -> None:
    statements = {
        s["Sid"]: s for s in deployment.role_statements("leave-observability-pending-gauge")
    }
    table = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{deployment.values['table_name']}"
    assert statements["CountPendingRequests"]["Action"] == ["dynamodb:BatchGetItem"]
    assert statements["CountPendingRequests"]["Resource"] == [table]
    assert statements["FindOldestPendingRequests"] == {
        "Sid": "FindOldestPendingRequests",
        "Effect": "Allow",
        "Action": ["dynamodb:Query"],
        "Resource": [f"{table}/index/{BY_PENDING.name}"],
    }
    assert set(statements) == {
        "WriteOwnLogs",
        "SendTraces",
        "CountPendingRequests",
        "FindOldestPendingRequests",
    }
    assert statements["WriteOwnLogs"]["Resource"] == [f"{LOG_GROUP_ARN}/aws/lambda/{GAUGE}:*"]


def test_a_schedule_runs_the_gauge_and_only_it_may_invoke_it(deployment: Deployment) -> None:
    schedule = deployment.one(RULE, "leave-observability-pending-gauge-schedule")
    assert schedule.inputs["scheduleExpression"] == "rate(1 minute)"
    assert "eventBusName" not in schedule.inputs  # schedules run on the default bus
    rule_arn = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{GAUGE}"
    (target,) = targets_of(deployment, schedule)
    assert target["arn"] == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{GAUGE}"
    permission = deployment.one(
        "aws:lambda/permission:Permission", "leave-observability-pending-gauge-invoke-from-schedule"
    ).inputs
    assert permission == {
        "function": GAUGE,
        "action": "lambda:InvokeFunction",
        "principal": "events.amazonaws.com",
        "sourceArn": rule_arn,
    }
    target_record = deployment.named("leave-observability-pending-gauge-schedule-target")
    assert depends_on(target_record) == ["leave-observability-pending-gauge-invoke-from-schedule"]


def test_the_gauge_interval_is_a_setting(tmp_path: Path) -> None:
    deployment, _ = deploy_service(tmp_path, observed=True, pending_gauge_interval_minutes=5)
    schedule = deployment.one(RULE, "leave-observability-pending-gauge-schedule").inputs
    assert schedule["scheduleExpression"] == "rate(5 minutes)"
    oldest = alarms(deployment)["oldest-pending-request"]
    assert {m["period"] for m in metrics_of(oldest)} == {300}


def test_rate_expressions_say_minute_for_one() -> None:
    assert rate_expression(1) == "rate(1 minute)"
    assert rate_expression(15) == "rate(15 minutes)"
    with pytest.raises(ValueError, match="at most once a minute"):
        rate_expression(0)


def test_broken_executions_of_the_workflow_reach_the_topic_and_a_log_group(
    deployment: Deployment,
) -> None:
    rule = deployment.one(RULE, "leave-observability-broken-executions-rule")
    assert "eventBusName" not in rule.inputs  # Lambda's events arrive on the default bus
    assert json.loads(rule.inputs["eventPattern"]) == broken_workflow_executions(WORKFLOW)
    targets = {t["arn"]: t for t in targets_of(deployment, rule)}
    assert set(targets) == {TOPIC, f"{LOG_GROUP_ARN}{BROKEN_LOGS}"}
    assert "inputTransformer" not in targets[f"{LOG_GROUP_ARN}{BROKEN_LOGS}"]
    assert depends_on(deployment.named("leave-observability-broken-executions-to-topic")) == [
        "leave-observability-alarm-topic-policy"
    ]
    assert depends_on(deployment.named("leave-observability-broken-executions-to-logs")) == [
        "leave-observability-events-to-logs"
    ]


def test_the_alarm_email_of_a_broken_execution_reads_as_a_sentence(
    deployment: Deployment,
) -> None:
    rule = deployment.one(RULE, "leave-observability-broken-executions-rule")
    (transformer,) = [
        t["inputTransformer"] for t in targets_of(deployment, rule) if t["arn"] == TOPIC
    ]
    paths = transformer["inputPaths"]
    assert paths == {
        "name": "$.detail.durableExecutionName",
        "status": "$.detail.status",
        "execution": "$.detail.durableExecutionArn",
        "ended": "$.detail.endTimestamp",
    }
    message = json.loads(transformer["inputTemplate"])  # a JSON string, as EventBridge wants
    assert isinstance(message, str)
    assert set(re.findall(r"<(\w+)>", message)) == set(paths)
    sample = {"name": "req-1", "status": "FAILED", "execution": "arn:x", "ended": "noon"}
    rendered = re.sub(r"<(\w+)>", lambda m: sample[m.group(1)], message)
    assert rendered.startswith("Leave workflow execution req-1 ended FAILED at noon.")


def test_nothing_reaches_the_unqualified_workflow(deployment: Deployment) -> None:
    for target in deployment.of_type(TARGET):
        arn = target.inputs["arn"]
        assert not arn.startswith(WORKFLOW) or arn == f"{WORKFLOW}:live", target.name
    for permission in deployment.of_type("aws:lambda/permission:Permission"):
        if permission.inputs["function"] == f"{PREFIX}-workflow":
            assert permission.inputs["qualifier"] == "live"
    for config in deployment.of_type(
        "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
    ):
        assert config.inputs["qualifier"] == "live"


def test_every_log_group_keeps_logs_as_configured(deployment: Deployment) -> None:
    groups = {g.inputs["name"]: g.inputs for g in deployment.of_type(LOG_GROUP)}
    assert {AUDIT_LOGS, BROKEN_LOGS, f"/aws/lambda/{GAUGE}"} <= set(groups)
    assert {g["retentionInDays"] for g in groups.values()} == {14}


def test_everything_nests_under_the_component_or_its_parts(
    deployed: tuple[Deployment, dict[str, Any]],
) -> None:
    deployment, created = deployed
    observability = created["observability"]
    service = created["service"]
    parents = {
        observability.pending_gauge: [
            f"leave-observability-pending-gauge{part}"
            for part in (
                "-logs",
                "-role",
                "-policy",
                "-function",
                "-schedule",
                "-schedule-target",
                "-invoke-from-schedule",
            )
        ],
        observability.alarm_set: [
            f"leave-observability-{part}"
            for part in (
                "alarms",
                "alarm-email",
                "alarm-topic-policy",
                "workflow-executions-failed",
                "function-errors",
                "failed-starts-waiting",
                "oldest-pending-request",
                "expiry-rate",
                "requests-failed",
                "durable-executions-utilization",
            )
        ],
        observability.history: [
            f"leave-observability-{part}"
            for part in (
                "archive",
                "audit-logs",
                "broken-executions-logs",
                "events-to-logs",
                "audit-rule",
                "audit-target",
                "broken-executions-to-logs",
            )
        ],
        observability: [
            "leave-observability",  # the alarms and the event history
            "leave-observability",
            "leave-observability-pending-gauge",
            "leave-observability-broken-executions-rule",
            "leave-observability-broken-executions-to-topic",
            "leave-observability-dashboard",
        ],
    }
    for parent, names in parents.items():
        children = [
            r.name for r in deployment.resources if r.options and r.options.parent is parent
        ]
        assert sorted(children) == sorted(names), parent
    assert [r.typ for r in deployment.resources if r.options and r.options.parent is None] == [
        "leave:leave_service:LeaveService",
        "leave:settler:Settler",
        "leave:observability:Observability",
    ]
    # The failed starts are the workflow's, in the service, whatever their names say.
    assert service.failed_starts.queue is observability.failed_starts


def test_a_name_too_long_for_aws_is_refused_with_advice() -> None:
    naming = Naming("leave-approvals", "x" * 60)
    with pytest.raises(NamingError, match="choose a shorter stack name"):
        naming.resource_name("broken-executions", 64, "EventBridge rule")
