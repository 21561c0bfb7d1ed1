"""The alarm evaluator (tests/support/cloudwatch_alarms.py) against what the Amazon CloudWatch
User Guide says: its tables of examples, its metric math rules, botocore's enums."""

from __future__ import annotations

import re
from typing import Any

import boto3
import pytest

from tests.support.cloudwatch_alarms import (
    COMPARISONS,
    STATISTICS,
    AlarmState,
    MetricId,
    MissingOperand,
    Samples,
    Scenario,
    Unsupported,
    alarm_datapoints,
    alarm_state,
)

OK, ALARM, INSUFFICIENT = AlarmState.OK, AlarmState.ALARM, AlarmState.INSUFFICIENT_DATA
RETAIN = "retain the current state"
TREATMENTS = ("missing", "ignore", "breaching", "notBreaching")

M1 = MetricId.of("Test", "first", {"Name": "one"})
M2 = MetricId.of("Test", "second", {"Name": "two"})

# "Configuring how CloudWatch alarms treat missing data", "How alarm state is evaluated when data
# is missing": Evaluation Periods 3, an evaluation range of 5, the latest datapoint on the right;
# X breaching, 0 not, - missing. The states for missing, ignore, breaching, notBreaching.
THREE_OF_THREE = [
    ("0 - X - X", (OK, OK, OK, OK)),
    ("0 - - - -", (OK, OK, OK, OK)),
    ("- - - - -", (INSUFFICIENT, RETAIN, ALARM, OK)),
    ("0 X X - X", (ALARM, ALARM, ALARM, ALARM)),
    ("- - X - -", (ALARM, RETAIN, ALARM, OK)),
]
TWO_OF_THREE = [
    ("0 - X - X", (ALARM, ALARM, ALARM, ALARM)),
    ("0 0 X 0 X", (ALARM, ALARM, ALARM, ALARM)),
    ("0 - X - -", (OK, OK, ALARM, OK)),
    ("- - - - 0", (OK, OK, ALARM, OK)),
    ("- - - X -", (ALARM, RETAIN, ALARM, OK)),
]


def single_metric_alarm(treatment: str, datapoints_to_alarm: int) -> dict[str, Any]:
    return {
        "namespace": M1.namespace,
        "metricName": M1.name,
        "dimensions": dict(M1.dimensions),
        "statistic": "Maximum",
        "period": 300,
        "comparisonOperator": "GreaterThanThreshold",
        "threshold": 0,
        "evaluationPeriods": 3,
        "datapointsToAlarm": datapoints_to_alarm,
        "treatMissingData": treatment,
    }


def drawn(datapoints: str) -> Scenario:
    samples: dict[str, Samples] = {"X": [1.0], "0": [0.0], "-": None}
    periods = [samples[symbol] for symbol in datapoints.split()]
    return Scenario(len(periods), {M1: periods})


@pytest.mark.parametrize(
    ("datapoints_to_alarm", "datapoints", "states"),
    [(3, *row) for row in THREE_OF_THREE] + [(2, *row) for row in TWO_OF_THREE],
)
def test_the_user_guides_examples_of_missing_data(
    datapoints_to_alarm: int, datapoints: str, states: tuple[AlarmState | str, ...]
) -> None:
    for treatment, expected in zip(TREATMENTS, states, strict=True):
        alarm = single_metric_alarm(treatment, datapoints_to_alarm)
        for before in (OK, ALARM):
            state = alarm_state(alarm, drawn(datapoints), current=before)
            assert state == (before if expected == RETAIN else expected), (treatment, before)


@pytest.mark.parametrize(
    ("datapoints", "datapoints_to_alarm"), [("X X X 0 0", 3), ("X X - 0 0", 2)]
)
def test_only_the_latest_existing_datapoints_are_evaluated(
    datapoints: str, datapoints_to_alarm: int
) -> None:
    # "The extra data points from farther back in the evaluation range are not needed and are
    # ignored": an alarm whose metric recovered clears.
    for treatment in TREATMENTS:
        alarm = single_metric_alarm(treatment, datapoints_to_alarm)
        assert alarm_state(alarm, drawn(datapoints), current=ALARM) == OK, treatment


@pytest.mark.parametrize("datapoints", ["- - - - X", "- - - X -"])
def test_a_recent_breach_alone_is_no_alarm_yet(datapoints: str) -> None:
    # "Avoiding premature transitions to alarm state": with Datapoints to Alarm 3, these do not
    # go to ALARM, since the next datapoint may not breach.
    assert alarm_state(single_metric_alarm("missing", 3), drawn(datapoints)) == INSUFFICIENT


def test_the_standard_statistics_are_botocores() -> None:
    model = boto3.client("cloudwatch", region_name="us-east-2").meta.service_model
    assert set(STATISTICS) == set(model.shape_for("Statistic").enum)
    samples = [3.0, 1.0, 2.0]
    assert {name: aggregate(samples) for name, aggregate in STATISTICS.items()} == {
        "SampleCount": 3,
        "Average": 2,
        "Sum": 6,
        "Minimum": 1,
        "Maximum": 3,
    }


def test_only_anomaly_detection_comparisons_are_left_out() -> None:
    model = boto3.client("cloudwatch", region_name="us-east-2").meta.service_model
    left_out = set(model.shape_for("ComparisonOperator").enum) - set(COMPARISONS)
    # These compare with an anomaly detection band, not a threshold.
    assert left_out == {
        "LessThanLowerOrGreaterThanUpperThreshold",
        "LessThanLowerThreshold",
        "GreaterThanUpperThreshold",
    }
    alarm = single_metric_alarm("missing", 1) | {"comparisonOperator": "LessThanLowerThreshold"}
    with pytest.raises(Unsupported, match="LessThanLowerThreshold"):
        alarm_state(alarm, drawn("X X X"))


def test_a_threshold_is_compared_as_its_operator_says() -> None:
    alarm = single_metric_alarm("notBreaching", 1) | {"threshold": 1}
    at_the_threshold = drawn("- - X")
    assert alarm_state(alarm, at_the_threshold) == OK
    at_least = alarm | {"comparisonOperator": "GreaterThanOrEqualToThreshold"}
    assert alarm_state(at_least, at_the_threshold) == ALARM


def math_alarm(expression: str, *extra: dict[str, Any]) -> dict[str, Any]:
    metric_queries = [
        {
            "id": query_id,
            "metric": {
                "namespace": metric.namespace,
                "metricName": metric.name,
                "dimensions": dict(metric.dimensions),
                "stat": "Sum",
                "period": 300,
            },
        }
        for query_id, metric in (("m1", M1), ("m2", M2))
    ]
    return {
        "metricQueries": [
            *metric_queries,
            *extra,
            {"id": "result", "expression": expression, "returnData": True},
        ],
        "comparisonOperator": "GreaterThanOrEqualToThreshold",
        "threshold": 1,
        "evaluationPeriods": 1,
        "treatMissingData": "missing",
    }


SPARSE = Scenario(3, {M1: [[1.0, 2.0], None, None], M2: [None, [4.0], None]})


def test_arithmetic_counts_a_missing_operand_as_zero_as_the_user_guide_says() -> None:
    # "Missing values in a time series are treated as 0"; no operand, no datapoint.
    assert alarm_datapoints(math_alarm("m1 + m2"), SPARSE) == (3, 4, None)
    assert alarm_datapoints(math_alarm("m1 * 2 - m2 / 2"), SPARSE) == (6, -2, None)


def test_the_stricter_reading_drops_a_datapoint_an_operand_lacks() -> None:
    strict = MissingOperand.DROPS_DATAPOINT
    assert alarm_datapoints(math_alarm("m1 + m2"), SPARSE, strict) == (None, None, None)
    assert alarm_datapoints(math_alarm("SUM(METRICS())"), SPARSE, strict) == (None, None, None)
    filled = math_alarm("FILL(m1, 0) + FILL(m2, 0)")
    assert alarm_datapoints(filled, SPARSE, strict) == (3, 4, 0)


def test_a_division_by_zero_drops_the_datapoint() -> None:
    assert alarm_datapoints(math_alarm("m2 / FILL(m1, 0)"), SPARSE) == (0, None, None)


def test_fill_gives_every_period_a_value_even_with_no_data_at_all() -> None:
    assert alarm_datapoints(math_alarm("FILL(m1, 7)"), Scenario(3)) == (7, 7, 7)
    assert alarm_datapoints(math_alarm("SUM(FILL(METRICS(), 0))"), Scenario(2)) == (0, 0)


def test_metrics_is_every_metric_query_and_no_expression() -> None:
    doubled = {"id": "doubled", "expression": "m1 * 100"}
    assert alarm_datapoints(math_alarm("SUM(METRICS())", doubled), SPARSE) == (3, 4, None)


def test_an_expression_reads_another_by_its_id() -> None:
    both = {"id": "both", "expression": "FILL(m1, 0) + FILL(m2, 0)"}
    assert alarm_datapoints(math_alarm("(both + 1) * 2", both), SPARSE) == (8, 10, 2)


@pytest.mark.parametrize(
    ("expression", "named"),
    [
        ("IF(m1 > 1, 1, 0)", ">"),
        ("FILL(m1, REPEAT)", "REPEAT"),
        ("m1 ^ 2", "^"),
        ("-m1", "-"),
        ('SUM(METRICS("errors"))', '"'),
        ("AVG(METRICS())", "AVG"),
        ("SUM(m1)", "SUM"),
        ("METRICS()", "not one time series"),
        ("m1 + (m2", "the end"),
        ("m3", "m3"),
    ],
)
def test_what_is_not_modelled_fails_loudly(expression: str, named: str) -> None:
    with pytest.raises(ValueError, match=re.escape(named)):
        alarm_state(math_alarm(expression), SPARSE)


def test_alarm_settings_it_cannot_judge_fail_loudly() -> None:
    percentile = single_metric_alarm("missing", 1)
    del percentile["statistic"]
    percentile["extendedStatistic"] = "p99"
    mixed_periods = math_alarm("m1 + m2")
    mixed_periods["metricQueries"][1]["metric"]["period"] = 60
    two_returned = math_alarm("m1")
    two_returned["metricQueries"][0]["returnData"] = True
    dynamodb = single_metric_alarm("missing", 1) | {"namespace": "AWS/DynamoDB"}
    for alarm, periods, says in [
        (percentile, 3, "extendedStatistic 'p99'"),
        (dynamodb, 3, "AWS/DynamoDB alarms always ignore missing data"),
        (mixed_periods, 3, "one period, these use [60, 300]"),
        (two_returned, 3, "2 metric queries return data"),
        (single_metric_alarm("missing", 1), 2, "2 periods is shorter than 3"),
        (single_metric_alarm("missing", 4), 5, "datapointsToAlarm 4 out of evaluationPeriods 3"),
    ]:
        with pytest.raises(ValueError, match=re.escape(says)):
            alarm_state(alarm, Scenario(periods))
