"""Every alarm, as deployed, fires on what its description says and stays quiet otherwise; and
the check notices an alarm altered subtly (tests/pulumi/alarm_scenarios.py has the scenarios,
tests/support/cloudwatch_alarms.py CloudWatch's evaluation)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from tests.pulumi.alarm_scenarios import (
    ALARM,
    CONFIG,
    SCENARIOS,
    unmet_expectations,
)
from tests.pulumi.mocks import Deployment
from tests.pulumi.support import PREFIX, alarms

pytestmark = pytest.mark.observed


def test_every_alarm_has_a_scenario_to_fire_on_and_one_to_stay_quiet_on(
    deployment: Deployment,
) -> None:
    deployed = set(alarms(deployment))
    assert not deployed - set(SCENARIOS), "alarms without scenarios"
    assert not set(SCENARIOS) - deployed, "scenarios for alarms the program no longer creates"
    for name, expectations in SCENARIOS.items():
        states = {expectation.state for expectation in expectations}
        assert ALARM in states, f"{name}: no scenario it must fire on"
        assert states - {ALARM}, f"{name}: no scenario it must stay quiet on"
    # The expiry rate's scenarios count requests for the test stack's threshold.
    assert CONFIG.expiry_rate_alarm_threshold == 0.5


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_alarm_does_what_its_description_says(deployment: Deployment, name: str) -> None:
    unmet = unmet_expectations(alarms(deployment)[name], SCENARIOS[name])
    assert not unmet, "\n".join(unmet)


def _expression(alarm: dict[str, Any], expression: str) -> None:
    (returned,) = [query for query in alarm["metricQueries"] if query.get("returnData")]
    returned["expression"] = expression


def _without_function(alarm: dict[str, Any], role: str) -> None:
    alarm["metricQueries"] = [
        query
        for query in alarm["metricQueries"]
        if query.get("metric", {}).get("dimensions") != {"FunctionName": f"{PREFIX}-{role}"}
    ]


# An alarm altered subtly, and the failure the check must then report.
ALTERATIONS: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    (
        "requests-failed",
        lambda alarm: alarm.update(comparisonOperator="GreaterThanThreshold"),
        "a single request ended as failed: should be ALARM, is OK",
    ),
    (
        "oldest-pending-request",
        lambda alarm: alarm.update(comparisonOperator="GreaterThanOrEqualToThreshold"),
        "exactly the share of the timeout, not more: should be OK, is ALARM",
    ),
    (
        "workflow-executions-failed",
        lambda alarm: _expression(alarm, "failed + timed_out"),
        "one workflow execution failed: should be ALARM, is OK (when a missing operand leaves",
    ),
    (
        "expiry-rate",
        lambda alarm: _expression(
            alarm, "expired / (approved + rejected + expired + failed + withdrawn)"
        ),
        "three of the four requests that ended in six hours expired: should be ALARM, is OK",
    ),
    (
        "function-errors",
        lambda alarm: _expression(alarm, "SUM(METRICS())"),
        "a single error in the submit function while the others are idle: should be ALARM, is OK",
    ),
    (
        "function-errors",
        lambda alarm: _without_function(alarm, "decision"),
        "a single error in the decision function while the others are idle: should be ALARM",
    ),
    (
        "workflow-executions-failed",
        lambda alarm: alarm.update(evaluationPeriods=3, datapointsToAlarm=3),
        "one workflow execution failed: should be ALARM, is OK",
    ),
    (
        "durable-executions-utilization",
        lambda alarm: alarm.update(datapointsToAlarm=3),
        "above 80% of the limit for the last ten minutes: should be ALARM, is OK",
    ),
    (
        "oldest-pending-request",
        lambda alarm: alarm.update(treatMissingData="notBreaching"),
        "the pending gauge stopped running: should be INSUFFICIENT_DATA, is OK",
    ),
    (
        "requests-failed",
        lambda alarm: alarm.update(treatMissingData="missing"),
        "a quiet day: no request failed: should be OK, is INSUFFICIENT_DATA",
    ),
    (
        "failed-starts-waiting",
        lambda alarm: alarm.update(treatMissingData="breaching"),
        "SQS stopped reporting it: should be OK, is ALARM",
    ),
    (
        "expiry-rate",
        lambda alarm: _expression(
            alarm, "FILL(expired, 0) / (FILL(approved, 0) + FILL(expired, 0))"
        ),
        "the others failed and were withdrawn: should be OK, is ALARM",
    ),
]


@pytest.mark.parametrize(
    ("name", "alter", "reported"),
    ALTERATIONS,
    ids=[f"{name}: {reported[:40]}" for name, _, reported in ALTERATIONS],
)
def test_an_alarm_altered_subtly_fails_its_scenarios(
    deployment: Deployment, name: str, alter: Callable[[dict[str, Any]], None], reported: str
) -> None:
    alarm = copy.deepcopy(alarms(deployment)[name])
    alter(alarm)
    unmet = unmet_expectations(alarm, SCENARIOS[name])
    assert any(line.startswith(f"{PREFIX}-{name}: ") and reported in line for line in unmet), unmet
