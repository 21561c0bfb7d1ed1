"""Business metrics as the handlers print them, read with the sandbox's EMF parser."""

from collections import Counter

from sandbox.emf import MetricDatum, metric_data


def emitted_metrics(output: str) -> list[MetricDatum]:
    return [datum for line in output.splitlines() for datum in metric_data(line)]


def metric_counts(output: str) -> Counter[str]:
    return Counter(metric.name for metric in emitted_metrics(output))
