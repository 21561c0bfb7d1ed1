"""Our names for AWS's things are AWS's: checked against a written-out reference (see
tests/support/aws_reference.py), never against our own constants. A misspelt metric or
namespace leaves a widget or an alarm watching an empty series that never fires."""

from dashboards.leave_operations import (
    LAMBDA_METRICS,
    LAMBDA_NAMESPACE,
    QUEUE_DEPTH,
    SQS_NAMESPACE,
    DeployedNames,
    leave_operations_dashboard,
)
from handlers.domain.event_patterns import (
    BROKEN_EXECUTION_STATUSES,
    DURABLE_STATUS_DETAIL_TYPE,
    DURABLE_STATUS_SOURCE,
)
from tests.support import aws_reference as aws

NAMES = DeployedNames(
    "leave",
    {"submit": "s", "workflow": "w", "decision": "d", "pending_gauge": "g", "settler": "x"},
    "queue",
    ("/aws/lambda/w",),
)


def test_lambda_and_sqs_metrics_are_named_as_aws_names_them() -> None:
    assert LAMBDA_NAMESPACE == aws.LAMBDA_NAMESPACE
    assert SQS_NAMESPACE == aws.SQS_NAMESPACE
    assert LAMBDA_METRICS <= aws.LAMBDA_METRICS, LAMBDA_METRICS - aws.LAMBDA_METRICS
    assert QUEUE_DEPTH in aws.SQS_METRICS


def test_every_aws_series_on_the_dashboard_is_one_aws_publishes() -> None:
    known = {
        aws.LAMBDA_NAMESPACE: (aws.LAMBDA_METRICS, {aws.LAMBDA_FUNCTION_DIMENSION}),
        aws.SQS_NAMESPACE: (aws.SQS_METRICS, {aws.SQS_QUEUE_DIMENSION}),
    }
    series = [
        s
        for s in leave_operations_dashboard(NAMES).metric_series()
        if s.namespace.startswith("AWS/")
    ]
    assert series, "the dashboard shows none of AWS's own metrics"
    for one in series:
        metrics, dimensions = known[one.namespace]
        assert one.name in metrics, one
        assert {name for name, _ in one.dimensions} <= dimensions, one


def test_the_status_change_pattern_uses_lambdas_source_detail_type_and_statuses() -> None:
    assert DURABLE_STATUS_SOURCE == aws.DURABLE_STATUS_CHANGE_SOURCE
    assert DURABLE_STATUS_DETAIL_TYPE == aws.DURABLE_STATUS_CHANGE_DETAIL_TYPE
    assert set(BROKEN_EXECUTION_STATUSES) == aws.BROKEN_STATUSES
    assert aws.botocore_execution_statuses() >= aws.BROKEN_STATUSES


def test_the_written_out_limits_are_botocores() -> None:
    limits = aws.botocore_durable_config_limits()
    assert limits["ExecutionTimeout"] == (1, aws.MAX_EXECUTION_TIMEOUT_SECONDS)
    assert limits["RetentionPeriodInDays"] == aws.RETENTION_DAYS
