"""The pending gauge (run on a schedule): how many requests wait now, the oldest one's age, and
the running totals of submissions and of each outcome.

Pending is a level, not a count of events, so it is measured rather than summed from
submissions and decisions. The totals are levels too, kept by the status moves themselves:
the dashboard counts outcomes as their increase over its range, exact whatever a writer's
retries repeated (the per-event metrics, at least once, are the alarms').
"""

from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from handlers import loaded
from handlers.domain.signals import STATUS_TOTAL_METRICS, Metric
from handlers.observability import emit_metric, logger
from handlers.settings import gauge_settings
from handlers.storage.pending_requests import DynamoDbPendingRequests, PendingRequests


def measure_pending(pending: PendingRequests, now: datetime) -> dict[str, float]:
    summary = pending.summary()
    oldest_age = (
        (now - summary.oldest_submitted_at).total_seconds() if summary.oldest_submitted_at else 0.0
    )
    emit_metric(Metric.PENDING_REQUESTS, summary.count)
    emit_metric(Metric.OLDEST_PENDING_AGE, max(oldest_age, 0.0), MetricUnit.Seconds)
    for status, metric in STATUS_TOTAL_METRICS.items():
        emit_metric(metric, summary.totals.get(status, 0))
    return {"pending": summary.count, "oldest_pending_age_seconds": oldest_age}


@cache
def pending_requests() -> PendingRequests:
    return DynamoDbPendingRequests(gauge_settings().table_name)


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, float]:
    figures = measure_pending(pending_requests(), datetime.now(UTC))
    logger.info("pending requests measured", extra=figures)
    return figures


loaded()
