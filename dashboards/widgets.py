"""The vocabulary a dashboard is declared in: charts of metric series, and log tables."""

from dataclasses import dataclass, field
from typing import Literal

View = Literal["timeSeries", "singleValue", "bar"]
Stat = Literal["Sum", "Average", "Maximum", "Minimum", "SampleCount", "p50", "p90", "p99"]


@dataclass(frozen=True)
class MetricSeries:
    namespace: str
    name: str
    stat: Stat
    label: str
    dimensions: tuple[tuple[str, str], ...] = ()
    # A running total (a level that only grows): shown as its increase over the time range,
    # its latest reading minus its earliest, rather than as a statistic of its readings.
    running_total: bool = False


@dataclass(frozen=True)
class MetricChart:
    title: str
    series: tuple[MetricSeries, ...]
    view: View = "timeSeries"
    period_seconds: int = 300
    width: int = 8
    height: int = 6


@dataclass(frozen=True)
class LogsTable:
    title: str
    log_groups: tuple[str, ...]
    query: str
    width: int = 24
    height: int = 6


Widget = MetricChart | LogsTable


@dataclass(frozen=True)
class Dashboard:
    name: str
    widgets: tuple[Widget, ...] = field(default_factory=tuple)

    def metric_series(self) -> list[MetricSeries]:
        return [s for w in self.widgets if isinstance(w, MetricChart) for s in w.series]
