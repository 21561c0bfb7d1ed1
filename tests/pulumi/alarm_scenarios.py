"""What each alarm must do, taken from its own description: scenarios it must fire on and
scenarios it must stay quiet on, as the metrics would receive them in the test stack.

A scenario names metrics as AWS publishes them (tests/support/aws_reference.py) or as the
handlers emit them (handlers.domain.signals), with the test stack's physical names: an alarm
that reads another metric, dimension or statistic misses the scenario's data and fails it.
`unmet_expectations` runs an alarm through its scenarios (tests/support/cloudwatch_alarms.py)
under both readings of metric math's missing operands, so an alarm passes only if it does not
depend on which one CloudWatch really applies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from handlers.domain.signals import METRICS_NAMESPACE, SERVICE_DIMENSION, SERVICE_NAME, Metric
from tests.pulumi.support import PREFIX, service_config
from tests.support import aws_reference as aws
from tests.support.cloudwatch_alarms import (
    AlarmState,
    MetricId,
    MissingOperand,
    Samples,
    Scenario,
    alarm_state,
)

OK, ALARM, INSUFFICIENT_DATA = AlarmState.OK, AlarmState.ALARM, AlarmState.INSUFFICIENT_DATA

# An evaluation range as the User Guide's examples draw it; the periods of a day for quiet days.
RANGE = 5
DAY_OF_5_MINUTES = 24 * 12
DAY_OF_MINUTES = 24 * 60
DAY_OF_6_HOURS = 4

FUNCTION_ROLES = ("submit", "workflow", "decision", "pending-gauge", "settler")
CONFIG = service_config()
OLDEST_ALLOWED_SECONDS = CONFIG.oldest_pending_alarm_share * CONFIG.approval_timeout_seconds


def function_metric(name: str, role: str) -> MetricId:
    return MetricId.of(
        aws.LAMBDA_NAMESPACE, name, {aws.LAMBDA_FUNCTION_DIMENSION: f"{PREFIX}-{role}"}
    )


def business_metric(metric: Metric) -> MetricId:
    return MetricId.of(METRICS_NAMESPACE, metric, {SERVICE_DIMENSION: SERVICE_NAME})


FAILED_START_QUEUE_DEPTH = MetricId.of(
    aws.SQS_NAMESPACE,
    "ApproximateNumberOfMessagesVisible",
    {aws.SQS_QUEUE_DIMENSION: f"{PREFIX}-failed-starts"},
)
EXECUTIONS_FAILED = function_metric("DurableExecutionFailed", "workflow")
EXECUTIONS_TIMED_OUT = function_metric("DurableExecutionTimedOut", "workflow")
EXECUTIONS_UTILIZATION = function_metric(
    "ApproximateRunningDurableExecutionsUtilization", "workflow"
)
OLDEST_PENDING_AGE = business_metric(Metric.OLDEST_PENDING_AGE)
EXPIRED = business_metric(Metric.REQUESTS_EXPIRED)
APPROVED = business_metric(Metric.REQUESTS_APPROVED)
REJECTED = business_metric(Metric.REQUESTS_REJECTED)
FAILED = business_metric(Metric.REQUESTS_FAILED)
WITHDRAWN = business_metric(Metric.REQUESTS_WITHDRAWN)


def in_latest(samples: Sequence[float], periods: int = RANGE) -> list[Samples]:
    """Nothing received but `samples` in the latest period."""
    return [*([None] * (periods - 1)), samples]


def every(samples: Sequence[float], periods: int = RANGE) -> list[Samples]:
    return [samples] * periods


@dataclass(frozen=True)
class Expectation:
    """What the alarm must do (`state`) when its metrics receive `scenario`: `says` is the
    situation, in the description's words."""

    says: str
    scenario: Scenario
    state: AlarmState


def expect(
    says: str, state: AlarmState, received: Mapping[MetricId, Sequence[Samples]], periods: int
) -> Expectation:
    return Expectation(says, Scenario(periods, received), state)


def _errors_in(role: str) -> Expectation:
    return expect(
        f"a single error in the {role} function while the others are idle",
        ALARM,
        {function_metric("Errors", role): in_latest([1])},
        RANGE,
    )


# Every alarm the program creates, by its name without the stack's prefix.
SCENARIOS: dict[str, tuple[Expectation, ...]] = {
    "workflow-executions-failed": (
        expect("one workflow execution failed", ALARM, {EXECUTIONS_FAILED: in_latest([1])}, RANGE),
        expect(
            "one workflow execution timed out",
            ALARM,
            {EXECUTIONS_TIMED_OUT: in_latest([1])},
            RANGE,
        ),
        expect("a quiet day: no execution failed", OK, {}, DAY_OF_5_MINUTES),
    ),
    "function-errors": (
        *(_errors_in(role) for role in FUNCTION_ROLES),
        expect(
            "an error in the decision function while the gauge runs clean every minute",
            ALARM,
            {
                function_metric("Errors", "decision"): in_latest([1]),
                function_metric("Errors", "pending-gauge"): every([0] * 5),
            },
            RANGE,
        ),
        expect(
            "every function ran, none raised",
            OK,
            {function_metric("Errors", role): every([0, 0, 0]) for role in FUNCTION_ROLES},
            RANGE,
        ),
        expect("a quiet day: no function ran", OK, {}, DAY_OF_5_MINUTES),
    ),
    "failed-starts-waiting": (
        expect(
            "a workflow start failed for good and waits in the queue",
            ALARM,
            {FAILED_START_QUEUE_DEPTH: [*every([0] * 5, RANGE - 1), [0, 0, 1, 1, 1]]},
            RANGE,
        ),
        expect("the queue is empty", OK, {FAILED_START_QUEUE_DEPTH: every([0] * 5)}, RANGE),
        expect(
            "the queue stayed empty and idle: SQS stopped reporting it",
            OK,
            {},
            DAY_OF_5_MINUTES,
        ),
    ),
    "oldest-pending-request": (
        expect(
            "a request has waited a minute longer than the share of the approval timeout",
            ALARM,
            {
                OLDEST_PENDING_AGE: [
                    *every([OLDEST_ALLOWED_SECONDS - 60], RANGE - 1),
                    [OLDEST_ALLOWED_SECONDS + 60],
                ]
            },
            RANGE,
        ),
        expect("nothing waits: the gauge reads 0", OK, {OLDEST_PENDING_AGE: every([0])}, RANGE),
        expect(
            "the oldest request has waited exactly the share of the timeout, not more",
            OK,
            {OLDEST_PENDING_AGE: every([OLDEST_ALLOWED_SECONDS])},
            RANGE,
        ),
        expect("no data: the pending gauge stopped running", INSUFFICIENT_DATA, {}, RANGE),
    ),
    "expiry-rate": (
        expect(
            "three of the four requests that ended in six hours expired",
            ALARM,
            {EXPIRED: in_latest([1, 1, 1], 3), APPROVED: in_latest([1], 3)},
            3,
        ),
        expect("the one request that ended expired", ALARM, {EXPIRED: in_latest([1], 3)}, 3),
        expect(
            "one of two expired: not more than half",
            OK,
            {EXPIRED: in_latest([1], 3), REJECTED: in_latest([1], 3)},
            3,
        ),
        expect(
            "one of three expired, the others failed and were withdrawn",
            OK,
            {EXPIRED: in_latest([1], 3), FAILED: in_latest([1], 3), WITHDRAWN: in_latest([1], 3)},
            3,
        ),
        expect("a quiet day: no request ended", OK, {}, DAY_OF_6_HOURS),
    ),
    "requests-failed": (
        expect("a single request ended as failed", ALARM, {FAILED: in_latest([1])}, RANGE),
        expect("a quiet day: no request failed", OK, {}, DAY_OF_5_MINUTES),
    ),
    "durable-executions-utilization": (
        expect(
            "running executions above 80% of the limit for the last ten minutes",
            ALARM,
            {EXECUTIONS_UTILIZATION: [[50], [60], [70], [85, 81], [86]]},
            RANGE,
        ),
        expect(
            "running executions at 80% of the limit, not above",
            OK,
            {EXECUTIONS_UTILIZATION: every([79, 80])},
            RANGE,
        ),
        expect("none running: Lambda reports nothing", OK, {}, DAY_OF_5_MINUTES),
    ),
}


def unmet_expectations(alarm: Mapping[str, Any], expectations: Sequence[Expectation]) -> list[str]:
    """One line for every expectation the alarm (its registered inputs) fails, under either
    reading of metric math: the alarm, what should have happened, what did, and its rule."""
    rule = (
        f"{alarm['comparisonOperator']} {alarm['threshold']:g}, "
        f"{alarm.get('datapointsToAlarm') or alarm['evaluationPeriods']:g} of "
        f"{alarm['evaluationPeriods']:g} periods, treatMissingData {alarm['treatMissingData']}"
    )
    return [
        f"{alarm['name']}: {expectation.says}: should be {expectation.state}, is {state} "
        f"(when {reading.value}; {rule})"
        for expectation in expectations
        for reading in MissingOperand
        if (state := alarm_state(alarm, expectation.scenario, missing_operand=reading))
        != expectation.state
    ]
