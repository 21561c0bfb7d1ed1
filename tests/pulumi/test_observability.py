"""The observability component: the gauge and its schedule, the failed-start queue, the events'
archive, audit log and broken-execution rule, the alarms and their topic, the dashboard."""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path
from typing import Any

import pytest

from components.leave_service import LeaveService, LeaveServiceArgs
from components.naming import Naming, NamingError
from components.observability import (
    ARCHIVE_NAME_LIMIT,
    DURABLE_UTILIZATION_ALARM_PERCENT,
    FAILED_START_RETENTION_SECONDS,
    Observability,
    ObservabilityArgs,
)
from components.scheduled_function import rate_expression
from dashboards.leave_operations import LAMBDA_NAMESPACE, QUEUE_DEPTH, SQS_NAMESPACE, LambdaMetric
from handlers.domain.event_patterns import DOMAIN_EVENTS, broken_workflow_executions
from handlers.domain.signals import (
    METRICS_NAMESPACE,
    SERVICE_DIMENSION,
    SERVICE_NAME,
    Metric,
)
from handlers.settings import GaugeSettings
from handlers.storage.table_schema import BY_PENDING
from tests.pulumi.support import (
    ACCOUNT,
    NAMING,
    REGION,
    Deployment,
    Registered,
    run,
    service_config,
    tiny_packages,
)
from tests.support import aws_reference

PREFIX = "leave-approvals-dev"
WORKFLOW = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{PREFIX}-workflow"
GAUGE = f"{PREFIX}-pending-gauge"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:{PREFIX}-alarms"
QUEUE = f"{PREFIX}-failed-starts"
QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{QUEUE}"
BUS = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{PREFIX}"
AUDIT_LOGS = f"/aws/events/{PREFIX}/audit"
BROKEN_LOGS = f"/aws/events/{PREFIX}/broken-executions"
LOG_GROUP_ARN = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
FUNCTION = "aws:lambda/function:Function"
# Approval timeout 3600 s in the test config: the oldest-pending alarm fires at half of it.
CONFIG = {"approval_timeout_seconds": 3600, "log_retention_days": 14}
METRIC_QUERY_ID = re.compile(r"^[a-z][A-Za-z0-9_]*$")


def deploy(directory: Path, **config: Any) -> tuple[Deployment, dict[str, Any]]:
    created: dict[str, Any] = {}

    def program() -> dict[str, Any]:
        settings = service_config(**{**CONFIG, **config})
        service = LeaveService(
            "leave",
            LeaveServiceArgs(config=settings, naming=NAMING, packages=tiny_packages(directory)),
        )
        observability = Observability(
            "leave-observability", ObservabilityArgs.from_service(service, settings)
        )
        created.update(service=service, observability=observability)
        return {"table_name": service.table_name, "bus_name": service.event_bus.name}

    return run(program), created


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Deployment, dict[str, Any]]:
    return deploy(tmp_path_factory.mktemp("packages"))


@pytest.fixture(scope="module")
def deployment(deployed: tuple[Deployment, dict[str, Any]]) -> Deployment:
    return deployed[0]


def alarms(deployment: Deployment) -> dict[str, dict[str, Any]]:
    """Alarm inputs by name, without the stack's prefix."""
    return {
        a.inputs["name"].removeprefix(f"{PREFIX}-"): a.inputs for a in deployment.of_type(ALARM)
    }


def targets_of(deployment: Deployment, rule: Registered) -> list[dict[str, Any]]:
    name = rule.inputs["name"]
    return [t.inputs for t in deployment.of_type(TARGET) if t.inputs["rule"] == name]


def depends_on(record: Registered) -> list[str]:
    assert record.options is not None
    return [d.pulumi_resource_name for d in record.options.depends_on or []]


def metrics_of(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    return [q["metric"] for q in alarm["metricQueries"] if "metric" in q]


# -- the pending gauge ----------------------------------------------------------------------


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
    deployment, _ = deploy(tmp_path, pending_gauge_interval_minutes=5)
    schedule = deployment.one(RULE, "leave-observability-pending-gauge-schedule").inputs
    assert schedule["scheduleExpression"] == "rate(5 minutes)"
    oldest = alarms(deployment)["oldest-pending-request"]
    assert {m["period"] for m in metrics_of(oldest)} == {300}


def test_rate_expressions_say_minute_for_one() -> None:
    assert rate_expression(1) == "rate(1 minute)"
    assert rate_expression(15) == "rate(15 minutes)"
    with pytest.raises(ValueError, match="at most once a minute"):
        rate_expression(0)


# -- starts that never ran ------------------------------------------------------------------


def test_failed_starts_go_to_an_encrypted_queue_kept_two_weeks(deployment: Deployment) -> None:
    queue = deployment.one("aws:sqs/queue:Queue").inputs
    assert queue["name"] == QUEUE
    assert queue["sqsManagedSseEnabled"] is True
    assert queue["messageRetentionSeconds"] == FAILED_START_RETENTION_SECONDS == 1_209_600


def test_the_workflow_alias_sends_failed_starts_to_the_queue(deployment: Deployment) -> None:
    record = deployment.one("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig")
    config = record.inputs
    assert config["functionName"] == f"{PREFIX}-workflow"
    assert config["qualifier"] == "live"
    assert config["destinationConfig"] == {"onFailure": {"destination": QUEUE_ARN}}
    # Lambda sends as the workflow's role: the grant is in place first.
    assert depends_on(record) == ["leave-observability-failed-starts-policy"]
    grant = deployment.one(
        "aws:iam/rolePolicy:RolePolicy", "leave-observability-failed-starts-policy"
    )
    workflow_role = deployment.one("aws:iam/role:Role", "leave-workflow-role")
    assert grant.inputs["role"] == f"{workflow_role.outputs['name']}-id"
    assert json.loads(grant.inputs["policy"])["Statement"] == [
        {
            "Sid": "RecordFailedStarts",
            "Effect": "Allow",
            "Action": ["sqs:SendMessage"],
            "Resource": [QUEUE_ARN],
        }
    ]


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


# -- domain events: archive and audit log ---------------------------------------------------


def test_the_domain_events_are_archived_for_replay(deployment: Deployment) -> None:
    archive = deployment.one("aws:cloudwatch/eventArchive:EventArchive").inputs
    assert archive["eventSourceArn"] == BUS
    assert json.loads(archive["eventPattern"]) == DOMAIN_EVENTS
    assert archive["retentionDays"] == 90
    assert archive["name"] == f"{PREFIX}-domain-events"


def test_archive_retention_is_a_setting(tmp_path: Path) -> None:
    deployment, _ = deploy(tmp_path, event_archive_retention_days=400)
    archive = deployment.one("aws:cloudwatch/eventArchive:EventArchive").inputs
    assert archive["retentionDays"] == 400


def test_the_audit_rule_keeps_every_domain_event_in_its_log_group(
    deployment: Deployment,
) -> None:
    rule = deployment.one(RULE, "leave-observability-audit-rule")
    assert rule.inputs["eventBusName"] == deployment.values["bus_name"] == PREFIX
    assert json.loads(rule.inputs["eventPattern"]) == DOMAIN_EVENTS
    (target,) = targets_of(deployment, rule)
    assert target["eventBusName"] == PREFIX
    assert target["arn"] == f"{LOG_GROUP_ARN}{AUDIT_LOGS}"
    assert depends_on(deployment.named("leave-observability-audit-target")) == [
        "leave-observability-events-to-logs"
    ]


def test_eventbridge_may_write_to_the_two_event_log_groups_only(deployment: Deployment) -> None:
    policy = deployment.one("aws:cloudwatch/logResourcePolicy:LogResourcePolicy").inputs
    assert policy["policyName"] == f"{PREFIX}-events-to-logs"
    assert "resourceArn" not in policy
    (statement,) = json.loads(policy["policyDocument"])["Statement"]
    assert statement["Principal"] == {
        "Service": ["delivery.logs.amazonaws.com", "events.amazonaws.com"]
    }
    assert statement["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert statement["Resource"] == [
        f"{LOG_GROUP_ARN}{AUDIT_LOGS}:*",
        f"{LOG_GROUP_ARN}{BROKEN_LOGS}:*",
    ]


# -- broken workflow executions -------------------------------------------------------------


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


def test_only_this_rule_and_this_stacks_alarms_may_publish_to_the_topic(
    deployment: Deployment,
) -> None:
    policy = deployment.one("aws:sns/topicPolicy:TopicPolicy").inputs
    assert policy["arn"] == TOPIC
    statements = {s["Sid"]: s for s in json.loads(policy["policy"])["Statement"]}
    rule_arn = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{PREFIX}-broken-executions"
    assert statements["BrokenExecutionsRulePublishes"] == {
        "Sid": "BrokenExecutionsRulePublishes",
        "Effect": "Allow",
        "Principal": {"Service": ["events.amazonaws.com"]},
        "Action": ["sns:Publish"],
        "Resource": [TOPIC],
        "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
    }
    alarms_may = statements["AlarmsPublish"]
    assert alarms_may["Principal"] == {"Service": ["cloudwatch.amazonaws.com"]}
    assert alarms_may["Action"] == ["sns:Publish"]
    assert alarms_may["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    pattern = alarms_may["Condition"]["ArnLike"]["aws:SourceArn"]
    for alarm in deployment.of_type(ALARM):
        assert fnmatch.fnmatchcase(alarm.outputs["arn"], pattern), alarm.name
    assert not fnmatch.fnmatchcase(
        f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:other-stack-errors", pattern
    )
    assert set(statements) == {"BrokenExecutionsRulePublishes", "AlarmsPublish"}


# -- the topic and the alarms ---------------------------------------------------------------


def test_the_alarm_email_is_subscribed_to_the_topic(deployment: Deployment) -> None:
    topic = deployment.one("aws:sns/topic:Topic")
    assert topic.outputs["arn"] == TOPIC
    subscription = deployment.one("aws:sns/topicSubscription:TopicSubscription").inputs
    assert subscription == {"topic": TOPIC, "protocol": "email", "endpoint": "ops@example.com"}


def test_the_alarm_email_follows_the_config(tmp_path: Path) -> None:
    deployment, _ = deploy(tmp_path, alarm_email="oncall@example.org")
    subscription = deployment.one("aws:sns/topicSubscription:TopicSubscription").inputs
    assert subscription["endpoint"] == "oncall@example.org"


def test_every_alarm_tells_the_topic_when_it_fires_and_clears(deployment: Deployment) -> None:
    found = alarms(deployment)
    assert set(found) == {
        "workflow-executions-failed",
        "function-errors",
        "failed-starts-waiting",
        "oldest-pending-request",
        "expiry-rate",
        "requests-failed",
        "durable-executions-utilization",
    }
    for name, alarm in found.items():
        assert alarm["alarmActions"] == [TOPIC], name
        assert alarm["okActions"] == [TOPIC], name
        assert alarm["alarmDescription"], name
        assert alarm["treatMissingData"] in {"notBreaching", "missing"}, name
        assert 1 <= alarm["datapointsToAlarm"] <= alarm["evaluationPeriods"], name
        record = deployment.named(f"leave-observability-{name}")
        assert depends_on(record) == ["leave-observability-alarm-topic-policy"]


def test_each_alarm_computes_one_series_from_metrics_it_names(deployment: Deployment) -> None:
    for name, alarm in alarms(deployment).items():
        queries = alarm["metricQueries"]
        ids = [q["id"] for q in queries]
        assert len(set(ids)) == len(ids), name
        assert all(METRIC_QUERY_ID.match(i) for i in ids), name
        assert [q.get("returnData", False) for q in queries].count(True) == 1, name
        for query in queries:
            assert ("metric" in query) != ("expression" in query), name
            if "expression" in query:
                # Functions (FILL, SUM, METRICS) are upper case; ids start lower case.
                used = set(re.findall(r"\b[a-z][A-Za-z0-9_]*\b", query["expression"]))
                assert used <= set(ids), name
            else:
                metric = query["metric"]
                assert metric["period"] % 60 == 0, name
                assert metric["period"] * alarm["evaluationPeriods"] <= 86_400, name
        assert "metricName" not in alarm, name  # metric math only


def test_workflow_failures_alarm_on_lambdas_durable_metrics(deployment: Deployment) -> None:
    alarm = alarms(deployment)["workflow-executions-failed"]
    assert {(m["namespace"], m["metricName"]) for m in metrics_of(alarm)} == {
        (LAMBDA_NAMESPACE, LambdaMetric.DURABLE_FAILED),
        (LAMBDA_NAMESPACE, LambdaMetric.DURABLE_TIMED_OUT),
    }
    for metric in metrics_of(alarm):
        assert metric["dimensions"] == {"FunctionName": f"{PREFIX}-workflow"}
        assert metric["stat"] == "Sum"
    assert (alarm["comparisonOperator"], alarm["threshold"]) == ("GreaterThanOrEqualToThreshold", 1)
    assert alarm["treatMissingData"] == "notBreaching"


def test_function_errors_cover_every_function_with_the_gauge(deployment: Deployment) -> None:
    alarm = alarms(deployment)["function-errors"]
    assert {m["dimensions"]["FunctionName"] for m in metrics_of(alarm)} == {
        f"{PREFIX}-{role}" for role in ("submit", "workflow", "decision", "pending-gauge")
    }
    assert {(m["namespace"], m["metricName"], m["stat"]) for m in metrics_of(alarm)} == {
        (LAMBDA_NAMESPACE, LambdaMetric.ERRORS, "Sum")
    }
    assert (alarm["comparisonOperator"], alarm["threshold"]) == ("GreaterThanOrEqualToThreshold", 1)


def test_a_failed_start_waiting_in_the_queue_alarms(deployment: Deployment) -> None:
    alarm = alarms(deployment)["failed-starts-waiting"]
    (metric,) = metrics_of(alarm)
    assert (metric["namespace"], metric["metricName"]) == (SQS_NAMESPACE, QUEUE_DEPTH)
    assert metric["dimensions"] == {"QueueName": QUEUE}
    assert (alarm["comparisonOperator"], alarm["threshold"]) == ("GreaterThanThreshold", 0)


def test_a_request_waiting_past_the_configured_share_alarms(deployment: Deployment) -> None:
    alarm = alarms(deployment)["oldest-pending-request"]
    (metric,) = metrics_of(alarm)
    assert metric["namespace"] == METRICS_NAMESPACE
    assert metric["metricName"] == Metric.OLDEST_PENDING_AGE
    assert metric["dimensions"] == {SERVICE_DIMENSION: SERVICE_NAME}
    assert metric["period"] == 60  # one gauge reading a minute
    # Half of the 3600 s approval timeout.
    assert (alarm["comparisonOperator"], alarm["threshold"]) == ("GreaterThanThreshold", 1800)
    # A gauge that stopped is told, not taken for all clear.
    assert alarm["treatMissingData"] == "missing"
    assert alarm["insufficientDataActions"] == [TOPIC]


def test_the_oldest_pending_share_is_a_setting(tmp_path: Path) -> None:
    deployment, _ = deploy(tmp_path, oldest_pending_alarm_share=0.25)
    assert alarms(deployment)["oldest-pending-request"]["threshold"] == 900


def test_the_expiry_rate_is_expired_over_all_ended_requests(deployment: Deployment) -> None:
    alarm = alarms(deployment)["expiry-rate"]
    by_id = {q["id"]: q for q in alarm["metricQueries"]}
    assert {i: q["metric"]["metricName"] for i, q in by_id.items() if "metric" in q} == {
        "approved": Metric.REQUESTS_APPROVED,
        "rejected": Metric.REQUESTS_REJECTED,
        "expired": Metric.REQUESTS_EXPIRED,
        "failed": Metric.REQUESTS_FAILED,
        "withdrawn": Metric.REQUESTS_WITHDRAWN,
    }
    for metric in metrics_of(alarm):
        assert metric["namespace"] == METRICS_NAMESPACE
        assert metric["dimensions"] == {SERVICE_DIMENSION: SERVICE_NAME}
        assert metric["stat"] == "Sum"
    (expression,) = [q["expression"] for q in alarm["metricQueries"] if "expression" in q]
    assert expression == (
        "FILL(expired, 0) / "
        "(FILL(approved, 0) + FILL(rejected, 0) + FILL(expired, 0) + FILL(failed, 0) "
        "+ FILL(withdrawn, 0))"
    )
    assert (alarm["comparisonOperator"], alarm["threshold"]) == ("GreaterThanThreshold", 0.5)
    assert alarm["treatMissingData"] == "notBreaching"


def test_the_expiry_rate_threshold_is_a_setting(tmp_path: Path) -> None:
    deployment, _ = deploy(tmp_path, expiry_rate_alarm_threshold=0.2)
    assert alarms(deployment)["expiry-rate"]["threshold"] == 0.2


def test_running_durable_executions_near_the_limit_alarm(deployment: Deployment) -> None:
    alarm = alarms(deployment)["durable-executions-utilization"]
    (metric,) = metrics_of(alarm)
    assert (metric["namespace"], metric["metricName"]) == (
        LAMBDA_NAMESPACE,
        LambdaMetric.DURABLE_RUNNING_UTILIZATION,
    )
    assert metric["dimensions"] == {"FunctionName": f"{PREFIX}-workflow"}
    assert (alarm["comparisonOperator"], alarm["threshold"]) == ("GreaterThanThreshold", 80)
    assert DURABLE_UTILIZATION_ALARM_PERCENT == 80


def test_every_business_metric_an_alarm_reads_is_one_the_handlers_emit(
    deployment: Deployment,
) -> None:
    for name, alarm in alarms(deployment).items():
        for metric in metrics_of(alarm):
            if metric["namespace"] == METRICS_NAMESPACE:
                assert metric["metricName"] in {m.value for m in Metric}, name
                assert metric["dimensions"] == {SERVICE_DIMENSION: SERVICE_NAME}, name
            else:
                assert metric["namespace"] in {LAMBDA_NAMESPACE, SQS_NAMESPACE}, name


# -- the dashboard --------------------------------------------------------------------------


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
        f"{PREFIX}-{role}" for role in ("submit", "workflow", "decision", "pending-gauge")
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
        for role in ("submit", "workflow", "decision", "pending-gauge")
    )


# -- logs, tags, parents, names -------------------------------------------------------------


def test_every_log_group_keeps_logs_as_configured(deployment: Deployment) -> None:
    groups = {g.inputs["name"]: g.inputs for g in deployment.of_type(LOG_GROUP)}
    assert {AUDIT_LOGS, BROKEN_LOGS, f"/aws/lambda/{GAUGE}"} <= set(groups)
    assert {g["retentionInDays"] for g in groups.values()} == {14}


def test_everything_nests_under_the_component(
    deployed: tuple[Deployment, dict[str, Any]],
) -> None:
    deployment, created = deployed
    observability = created["observability"]
    gauge = created["observability"].pending_gauge
    for record in deployment.resources:
        if record.name.startswith("leave-observability-pending-gauge-"):
            assert record.options is not None
            assert record.options.parent is gauge, record.name
        elif record.name.startswith("leave-observability-"):
            assert record.options is not None
            assert record.options.parent is observability, record.name


def test_a_long_stack_name_still_fits_the_archive_name() -> None:
    naming = Naming("leave-approvals", "production-eu-central-1-blue")
    name = naming.short_resource_name("domain-events", ARCHIVE_NAME_LIMIT)
    assert len(name) <= ARCHIVE_NAME_LIMIT
    assert name.endswith("-domain-events")
    assert name.startswith("leave-approvals-product")
    other = Naming("leave-approvals", "production-eu-central-1-green")
    assert other.short_resource_name("domain-events", ARCHIVE_NAME_LIMIT) != name
    assert NAMING.short_resource_name("domain-events", ARCHIVE_NAME_LIMIT) == (
        f"{PREFIX}-domain-events"
    )


def test_a_name_too_long_for_aws_is_refused_with_advice() -> None:
    naming = Naming("leave-approvals", "x" * 60)
    with pytest.raises(NamingError, match="choose a shorter stack name"):
        naming.resource_name("broken-executions", 64, "EventBridge rule")


def test_every_alarm_on_an_aws_metric_names_one_aws_publishes(deployment: Deployment) -> None:
    known = {
        aws_reference.LAMBDA_NAMESPACE: (
            aws_reference.LAMBDA_METRICS,
            {aws_reference.LAMBDA_FUNCTION_DIMENSION},
        ),
        aws_reference.SQS_NAMESPACE: (
            aws_reference.SQS_METRICS,
            {aws_reference.SQS_QUEUE_DIMENSION},
        ),
    }
    watched = [
        metric
        for alarm in alarms(deployment).values()
        for metric in metrics_of(alarm)
        if metric["namespace"].startswith("AWS/")
    ]
    assert watched
    for metric in watched:
        names, dimensions = known[metric["namespace"]]
        assert metric["metricName"] in names, metric
        assert set(metric["dimensions"]) <= dimensions, metric
