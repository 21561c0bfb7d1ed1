"""The service's business figures, read from a CloudWatch (the local one here) by metric name.

Metrics are found with `list_metrics` and read with `get_metric_data`, each under its exact
dimensions, as CloudWatch requires; totals add the dimension sets of one metric together.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from handlers.domain.signals import (
    METRICS_NAMESPACE,
    OUTCOME_METRICS,
    STATUS_TOTAL_METRICS,
    Metric,
)
from handlers.domain.statuses import LeaveStatus

_QUERIES_PER_CALL = 500


@dataclass(frozen=True)
class MetricKey:
    name: str
    dimensions: tuple[tuple[str, str], ...]

    def metric_stat(self, namespace: str, period: int, stat: str) -> dict[str, Any]:
        return {
            "Metric": {
                "Namespace": namespace,
                "MetricName": self.name,
                "Dimensions": [{"Name": n, "Value": v} for n, v in self.dimensions],
            },
            "Period": period,
            "Stat": stat,
        }


@dataclass(frozen=True)
class Series:
    """One metric's values per period, every dimension set added together."""

    period_seconds: int
    points: dict[datetime, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.points.values())


def list_metric_keys(cloudwatch: Any, namespace: str = METRICS_NAMESPACE) -> list[MetricKey]:
    keys = []
    for page in cloudwatch.get_paginator("list_metrics").paginate(Namespace=namespace):
        for metric in page["Metrics"]:
            dimensions = tuple(sorted((d["Name"], d["Value"]) for d in metric["Dimensions"]))
            keys.append(MetricKey(metric["MetricName"], dimensions))
    return sorted(set(keys), key=lambda k: (k.name, k.dimensions))


def read_series(
    cloudwatch: Any,
    since: datetime,
    until: datetime,
    period_seconds: int,
    stat: str = "Sum",
    namespace: str = METRICS_NAMESPACE,
    names: set[str] | None = None,
) -> dict[str, Series]:
    """Each metric's `stat` per period between `since` and `until`, by metric name."""
    keys = [k for k in list_metric_keys(cloudwatch, namespace) if names is None or k.name in names]
    points: dict[str, dict[datetime, float]] = defaultdict(lambda: defaultdict(float))
    for start in range(0, len(keys), _QUERIES_PER_CALL):
        batch = keys[start : start + _QUERIES_PER_CALL]
        queries = [
            {"Id": f"m{i}", "MetricStat": key.metric_stat(namespace, period_seconds, stat)}
            for i, key in enumerate(batch)
        ]
        paginator = cloudwatch.get_paginator("get_metric_data")
        for page in paginator.paginate(MetricDataQueries=queries, StartTime=since, EndTime=until):
            for result in page["MetricDataResults"]:
                name = batch[int(result["Id"][1:])].name
                for timestamp, value in zip(result["Timestamps"], result["Values"], strict=True):
                    points[name][timestamp] += value
    return {name: Series(period_seconds, dict(by_time)) for name, by_time in points.items()}


def _whole_window(since: datetime, until: datetime) -> int:
    """One period that covers the window (periods are whole minutes)."""
    return max(60, int((until - since).total_seconds()) // 60 * 60 + 60)


def read_totals(cloudwatch: Any, since: datetime, until: datetime) -> dict[str, float]:
    """Each business metric's sum over the window, zero when it has no data."""
    series = read_series(cloudwatch, since, until, _whole_window(since, until))
    return {m.value: series[m.value].total if m.value in series else 0.0 for m in Metric}


def read_increases(cloudwatch: Any, since: datetime, until: datetime) -> dict[str, float]:
    """Each running total's increase over the window, by metric name (zero without readings):
    its latest reading (the Maximum over the whole window) minus its earliest (the Minimum),
    as the dashboard's "Requests by outcome" computes it."""
    names = {metric.value for metric in STATUS_TOTAL_METRICS.values()}
    period = _whole_window(since, until)
    latest = read_series(cloudwatch, since, until, period, "Maximum", names=names)
    earliest = read_series(cloudwatch, since, until, period, "Minimum", names=names)
    return {
        name: latest[name].total - earliest[name].total if name in latest else 0.0 for name in names
    }


def business_figures(cloudwatch: Any, since: datetime, until: datetime) -> dict[str, float | None]:
    """The counters a person asks about first, over the window (None: nothing to average).

    Submissions and outcomes are counted from the running totals the status moves keep, as
    the dashboard counts them: once each, whatever a writer's retry announced again.
    """
    totals = read_totals(cloudwatch, since, until)
    increases = read_increases(cloudwatch, since, until)
    latency = Metric.DECISION_LATENCY.value
    samples = read_series(
        cloudwatch, since, until, _whole_window(since, until), "SampleCount", names={latency}
    )
    decided = samples[latency].total if latency in samples else 0.0
    outcomes = {
        status.value: increases[STATUS_TOTAL_METRICS[status].value] for status in OUTCOME_METRICS
    }
    return {
        "submitted": increases[STATUS_TOTAL_METRICS[LeaveStatus.PENDING].value],
        **outcomes,
        "reminders_sent": totals[Metric.REMINDERS_SENT.value],
        "escalated": totals[Metric.REQUESTS_ESCALATED.value],
        "reassigned": totals[Metric.REQUESTS_REASSIGNED.value],
        "emails_sent": totals[Metric.EMAILS_SENT.value],
        "inputs_rejected": totals[Metric.INPUTS_REJECTED.value],
        "decision_latency_seconds_average": totals[latency] / decided if decided else None,
    }


def default_window(now: datetime, hours: float = 24) -> tuple[datetime, datetime]:
    """The last `hours`, ending a minute ahead so a metric stamped just now is inside."""
    return now - timedelta(hours=hours), now + timedelta(minutes=1)
