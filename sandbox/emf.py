"""CloudWatch's embedded metric format (EMF): the metrics one log line carries.

On AWS, CloudWatch Logs extracts these from a function's log lines; here the sandbox does, and
turns each line into `put_metric_data` datums for the local CloudWatch.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class MetricDatum:
    namespace: str
    name: str
    value: float
    unit: str
    dimensions: tuple[tuple[str, str], ...]
    timestamp: datetime
    storage_resolution: int = 60

    def as_put_metric_datum(self) -> dict[str, Any]:
        return {
            "MetricName": self.name,
            "Dimensions": [{"Name": n, "Value": v} for n, v in self.dimensions],
            "Timestamp": self.timestamp,
            "Value": self.value,
            "Unit": self.unit,
            "StorageResolution": self.storage_resolution,
        }


def _values(raw: Any) -> list[float]:
    values = raw if isinstance(raw, list) else [raw]
    return [float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool)]


def metric_data(line: str) -> list[MetricDatum]:
    """The metrics in one log line; none when the line is not an EMF document."""
    if not line.startswith("{") or '"_aws"' not in line:
        return []
    try:
        document = json.loads(line)
        metadata = document["_aws"]
        timestamp = datetime.fromtimestamp(int(metadata["Timestamp"]) / 1000, tz=UTC)
        directives = metadata["CloudWatchMetrics"]
    except (ValueError, KeyError, TypeError):
        return []
    found: list[MetricDatum] = []
    for directive in directives:
        for dimension_set in directive.get("Dimensions") or [[]]:
            try:
                dimensions = tuple((name, str(document[name])) for name in dimension_set)
            except KeyError:
                continue  # a dimension without a value makes the whole set invalid
            for metric in directive.get("Metrics", []):
                name = metric.get("Name")
                for value in _values(document.get(name)):
                    found.append(
                        MetricDatum(
                            namespace=directive["Namespace"],
                            name=name,
                            value=value,
                            unit=metric.get("Unit", "None"),
                            dimensions=dimensions,
                            timestamp=timestamp,
                            storage_resolution=int(metric.get("StorageResolution", 60)),
                        )
                    )
    return found
