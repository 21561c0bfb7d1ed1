"""Business metrics as the handlers print them: CloudWatch Embedded Metric Format lines."""

import json
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class EmittedMetric:
    namespace: str
    name: str
    value: float
    dimensions: tuple[tuple[str, str], ...]


def emitted_metrics(output: str) -> list[EmittedMetric]:
    found = []
    for line in output.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if not isinstance(record, dict) or "_aws" not in record:
            continue
        for directive in record["_aws"]["CloudWatchMetrics"]:
            dimensions = tuple(
                (name, str(record[name])) for group in directive["Dimensions"] for name in group
            )
            for metric in directive["Metrics"]:
                values = record[metric["Name"]]
                for value in values if isinstance(values, list) else [values]:
                    found.append(
                        EmittedMetric(directive["Namespace"], metric["Name"], value, dimensions)
                    )
    return found


def metric_counts(output: str) -> Counter[str]:
    return Counter(metric.name for metric in emitted_metrics(output))
