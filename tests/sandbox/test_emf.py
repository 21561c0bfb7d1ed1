"""EMF lines, as Powertools prints them, become the metrics CloudWatch would extract."""

import json
from contextlib import redirect_stdout
from io import StringIO

from handlers.domain.signals import METRICS_NAMESPACE, REJECTION_REASON_DIMENSION, Metric
from handlers.observability import emit_metric
from sandbox.emf import metric_data


def test_a_metric_the_handlers_emit_becomes_one_datum_with_its_dimensions() -> None:
    printed = StringIO()
    with redirect_stdout(printed):
        emit_metric(Metric.INPUTS_REJECTED, dimensions={REJECTION_REASON_DIMENSION: "overlap"})

    (datum,) = metric_data(printed.getvalue().strip())

    assert datum.namespace == METRICS_NAMESPACE
    assert datum.name == Metric.INPUTS_REJECTED.value
    assert datum.value == 1
    assert datum.unit == "Count"
    assert dict(datum.dimensions) == {"service": "leave-approvals", "reason": "overlap"}


def test_every_value_and_every_dimension_set_counts() -> None:
    line = json.dumps(
        {
            "_aws": {
                "Timestamp": 1_700_000_000_000,
                "CloudWatchMetrics": [
                    {
                        "Namespace": "N",
                        "Dimensions": [["a"], ["a", "b"]],
                        "Metrics": [{"Name": "M", "Unit": "Seconds"}],
                    }
                ],
            },
            "a": "1",
            "b": "2",
            "M": [0.5, 1.5],
        }
    )

    found = metric_data(line)

    assert [(d.dimensions, d.value) for d in found] == [
        ((("a", "1"),), 0.5),
        ((("a", "1"),), 1.5),
        ((("a", "1"), ("b", "2")), 0.5),
        ((("a", "1"), ("b", "2")), 1.5),
    ]
    assert {d.unit for d in found} == {"Seconds"}


def test_lines_that_are_not_emf_carry_no_metrics() -> None:
    assert metric_data("START RequestId: 1 Version: $LATEST") == []
    assert metric_data('{"level": "INFO", "message": "hello"}') == []
    assert metric_data('{"_aws": "not a directive"}') == []
