"""The alarms, created from their table of definitions, and the topic they tell."""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path

import pytest

from components.alarms import (
    DURABLE_UTILIZATION_ALARM_PERCENT,
    MetricMath,
    MetricQuery,
    Watched,
    alarm_definitions,
)
from dashboards.leave_operations import LAMBDA_NAMESPACE, QUEUE_DEPTH, SQS_NAMESPACE, LambdaMetric
from handlers.domain.signals import (
    METRICS_NAMESPACE,
    SERVICE_DIMENSION,
    SERVICE_NAME,
    Metric,
)
from tests.pulumi.mocks import ACCOUNT, REGION, Deployment
from tests.pulumi.support import (
    PREFIX,
    alarms,
    depends_on,
    deploy_service,
    metrics_of,
    service_config,
)
from tests.support import aws_reference

TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:{PREFIX}-alarms"
QUEUE = f"{PREFIX}-failed-starts"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
METRIC_QUERY_ID = re.compile(r"^[a-z][A-Za-z0-9_]*$")

pytestmark = pytest.mark.observed


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


def test_the_alarm_email_is_subscribed_to_the_topic(deployment: Deployment) -> None:
    topic = deployment.one("aws:sns/topic:Topic")
    assert topic.outputs["arn"] == TOPIC
    subscription = deployment.one("aws:sns/topicSubscription:TopicSubscription").inputs
    assert subscription == {"topic": TOPIC, "protocol": "email", "endpoint": "ops@example.com"}


def test_the_alarm_email_follows_the_config(tmp_path: Path) -> None:
    deployment, _ = deploy_service(tmp_path, observed=True, alarm_email="oncall@example.org")
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
        f"{PREFIX}-{role}" for role in ("submit", "workflow", "decision", "pending-gauge", "settler")
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
    deployment, _ = deploy_service(tmp_path, observed=True, oldest_pending_alarm_share=0.25)
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
    deployment, _ = deploy_service(tmp_path, observed=True, expiry_rate_alarm_threshold=0.2)
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


def test_each_row_of_the_table_is_one_alarm(deployment: Deployment) -> None:
    definitions = alarm_definitions(
        Watched(
            workflow_function="workflow",
            functions={"submit": "submit", "workflow": "workflow"},
            failed_start_queue="queue",
        ),
        service_config(),
    )
    parts = [definition.part for definition in definitions]
    assert len(set(parts)) == len(parts)
    assert sorted(alarms(deployment)) == sorted(parts)
    for definition in definitions:
        returned = [
            query
            for query in definition.queries
            if isinstance(query, MetricMath) or (isinstance(query, MetricQuery) and query.returned)
        ]
        assert len(returned) == 1, definition.part
        assert definition.description.endswith("."), definition.part
