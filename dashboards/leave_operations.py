"""The operators' dashboard of the leave service: where requests stand and what is failing.

Every business metric comes from `handlers.domain.signals`, with the dimensions the handlers
emit; Lambda's and SQS's own metrics are named here once, for the whole project.
"""

from dataclasses import dataclass

from dashboards.widgets import Dashboard, LogsTable, MetricChart, MetricSeries, Stat
from handlers.domain.signals import (
    METRICS_NAMESPACE,
    OUTCOME_METRICS,
    REJECTION_REASON_DIMENSION,
    SERVICE_DIMENSION,
    SERVICE_NAME,
    STATUS_TOTAL_METRICS,
    Metric,
    RejectionReason,
)
from handlers.domain.statuses import LeaveStatus

LAMBDA_NAMESPACE = "AWS/Lambda"
SQS_NAMESPACE = "AWS/SQS"


class LambdaMetric:
    ERRORS = "Errors"
    THROTTLES = "Throttles"
    DURATION = "Duration"
    DURABLE_STARTED = "DurableExecutionStarted"
    DURABLE_SUCCEEDED = "DurableExecutionSucceeded"
    DURABLE_FAILED = "DurableExecutionFailed"
    DURABLE_TIMED_OUT = "DurableExecutionTimedOut"
    DURABLE_STOPPED = "DurableExecutionStopped"
    DURABLE_DURATION = "DurableExecutionDuration"
    DURABLE_RUNNING = "ApproximateRunningDurableExecutions"
    DURABLE_RUNNING_UTILIZATION = "ApproximateRunningDurableExecutionsUtilization"


LAMBDA_METRICS = frozenset(value for name, value in vars(LambdaMetric).items() if name.isupper())
QUEUE_DEPTH = "ApproximateNumberOfMessagesVisible"


@dataclass(frozen=True)
class DeployedNames:
    """What the dashboard needs to know of one deployment."""

    dashboard_name: str
    # Function names by role: submit, workflow, decision, pending_gauge.
    functions: dict[str, str]
    failed_start_queue: str
    log_groups: tuple[str, ...]

    @property
    def workflow(self) -> str:
        return self.functions["workflow"]


def business(name: Metric, stat: Stat, label: str, **dimensions: str) -> MetricSeries:
    return MetricSeries(
        METRICS_NAMESPACE,
        name.value,
        stat,
        label,
        ((SERVICE_DIMENSION, SERVICE_NAME), *dimensions.items()),
    )


def increase_of(name: Metric, label: str) -> MetricSeries:
    """A running total's increase over the dashboard's time range."""
    return MetricSeries(
        METRICS_NAMESPACE,
        name.value,
        "Maximum",
        label,
        ((SERVICE_DIMENSION, SERVICE_NAME),),
        running_total=True,
    )


def of_function(name: str, function: str, stat: Stat, label: str) -> MetricSeries:
    return MetricSeries(LAMBDA_NAMESPACE, name, stat, label, (("FunctionName", function),))


def per_function(title: str, metric: str, stat: Stat, names: DeployedNames) -> MetricChart:
    """One Lambda metric, a series for each of the service's functions."""
    return MetricChart(
        title,
        tuple(of_function(metric, fn, stat, role) for role, fn in names.functions.items()),
    )


RECENT_FAILURES_QUERY = (
    "fields @timestamp, @log, level, message, request_id, error.type, error.message\n"
    '| filter level = "ERROR" or @message like /Task timed out|Runtime\\.\\w+Error/\n'
    "| sort @timestamp desc\n"
    "| limit 50"
)


def leave_operations_dashboard(names: DeployedNames) -> Dashboard:
    workflow = names.workflow
    return Dashboard(
        names.dashboard_name,
        (
            MetricChart(
                "Pending now",
                (
                    business(Metric.PENDING_REQUESTS, "Maximum", "Pending requests"),
                    of_function(
                        LambdaMetric.DURABLE_RUNNING, workflow, "Maximum", "Running executions"
                    ),
                ),
                view="singleValue",
                period_seconds=60,
            ),
            MetricChart(
                "Durable executions: share of the account's limit (%)",
                (
                    of_function(
                        LambdaMetric.DURABLE_RUNNING_UTILIZATION, workflow, "Maximum", "Utilization"
                    ),
                ),
                period_seconds=60,
            ),
            MetricChart(
                "Oldest pending request (seconds)",
                (business(Metric.OLDEST_PENDING_AGE, "Maximum", "Oldest pending age"),),
                period_seconds=60,
            ),
            MetricChart(
                # Counted from the status moves themselves (the running totals each move adds
                # to in its own transaction), so each request counts once however often a
                # writer retried; the per-event metrics are the alarms'.
                "Requests by outcome",
                (
                    increase_of(STATUS_TOTAL_METRICS[LeaveStatus.PENDING], "Submitted"),
                    *(
                        increase_of(STATUS_TOTAL_METRICS[status], status.value.capitalize())
                        for status in OUTCOME_METRICS
                    ),
                ),
                view="bar",
            ),
            MetricChart(
                "While requests wait",
                (
                    business(Metric.REMINDERS_SENT, "Sum", "Approvers reminded"),
                    business(Metric.REQUESTS_ESCALATED, "Sum", "Escalated"),
                    business(Metric.REQUESTS_REASSIGNED, "Sum", "Handed to a delegate"),
                ),
                view="bar",
            ),
            MetricChart(
                "Time to decision (seconds)",
                (
                    business(Metric.DECISION_LATENCY, "p50", "Median"),
                    business(Metric.DECISION_LATENCY, "p90", "90th percentile"),
                ),
            ),
            MetricChart(
                # Each of these ends its request as failed (the settler), counted above.
                "Workflow executions that went wrong",
                (
                    of_function(LambdaMetric.DURABLE_FAILED, workflow, "Sum", "Failed"),
                    of_function(LambdaMetric.DURABLE_TIMED_OUT, workflow, "Sum", "Timed out"),
                    of_function(LambdaMetric.DURABLE_STOPPED, workflow, "Sum", "Stopped"),
                ),
            ),
            MetricChart(
                "Starts that never ran (failed-start queue)",
                (
                    MetricSeries(
                        SQS_NAMESPACE,
                        QUEUE_DEPTH,
                        "Maximum",
                        "Messages waiting",
                        (("QueueName", names.failed_start_queue),),
                    ),
                ),
            ),
            per_function("Function errors", LambdaMetric.ERRORS, "Sum", names),
            per_function("Function throttles", LambdaMetric.THROTTLES, "Sum", names),
            per_function("Function duration, p90 (ms)", LambdaMetric.DURATION, "p90", names),
            MetricChart(
                "Refused submissions by reason",
                tuple(
                    business(
                        Metric.INPUTS_REJECTED,
                        "Sum",
                        reason.value.replace("_", " "),
                        **{REJECTION_REASON_DIMENSION: reason.value},
                    )
                    for reason in RejectionReason
                ),
                view="bar",
            ),
            MetricChart("Emails sent", (business(Metric.EMAILS_SENT, "Sum", "Emails"),)),
            LogsTable("Recent failures", names.log_groups, RECENT_FAILURES_QUERY),
        ),
    )
