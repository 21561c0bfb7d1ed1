"""Powertools Logger and Metrics, set up once and imported by every handler.

No Powertools Tracer: it loads the X-Ray SDK, which measured 150-175 ms of every cold start
(see bench/) and patches every botocore call. Lambda's active tracing (enabled by the Pulumi
program) still traces each invocation; logs carry the request id for correlation.
"""

from collections.abc import Mapping

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from handlers.domain.signals import METRICS_NAMESPACE, SERVICE_DIMENSION, SERVICE_NAME, Metric

logger = Logger(service=SERVICE_NAME)
metrics = Metrics(namespace=METRICS_NAMESPACE, service=SERVICE_NAME)


def emit_metric(
    metric: Metric,
    value: float = 1,
    unit: MetricUnit = MetricUnit.Count,
    dimensions: Mapping[str, str] | None = None,
) -> None:
    """Write one business metric now, as its own EMF record.

    Flushing at once (rather than at the end of the invocation) is what lets a durable step
    emit a metric exactly when its side effect happens, so replays never count it twice.
    """
    with single_metric(
        name=metric.value,
        unit=unit,
        value=value,
        namespace=METRICS_NAMESPACE,
        default_dimensions={SERVICE_DIMENSION: SERVICE_NAME},
    ) as one:
        for name, dimension_value in (dimensions or {}).items():
            one.add_dimension(name=name, value=dimension_value)
