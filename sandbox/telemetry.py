"""What Lambda, CloudWatch and EventBridge do with what a function does, done for the local AWS.

Every line an environment prints goes to its log stream in the function's log group; every EMF
line also becomes metrics; each invocation counts in Lambda's own `AWS/Lambda` metrics; Lambda's
events go to the default event bus. All of it is queued and shipped once a second from one
thread, so neither a handler nor the Lambda API waits on the emulators.
"""

import logging
import queue
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from dashboards.leave_operations import LAMBDA_NAMESPACE, LambdaMetric
from sandbox.emf import MetricDatum, metric_data

logger = logging.getLogger(__name__)

_MAX_DATUMS_PER_CALL = 1000
_MAX_LOG_EVENTS_PER_CALL = 10_000
_MAX_ENTRIES_PER_PUT_EVENTS = 10


@dataclass(frozen=True)
class LogLine:
    group: str
    stream: str
    timestamp_ms: int
    message: str


@dataclass(frozen=True)
class BusEvent:
    """A PutEvents entry for the default bus."""

    entry: dict[str, Any]


@dataclass
class _Batch:
    lines: dict[tuple[str, str], list[dict[str, Any]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    datums: dict[str, list[MetricDatum]] = field(default_factory=lambda: defaultdict(list))
    events: list[dict[str, Any]] = field(default_factory=list)

    def add(self, item: LogLine | MetricDatum | BusEvent) -> None:
        if isinstance(item, LogLine):
            event = {"timestamp": item.timestamp_ms, "message": item.message}
            self.lines[(item.group, item.stream)].append(event)
        elif isinstance(item, MetricDatum):
            self.datums[item.namespace].append(item)
        else:
            self.events.append(item.entry)


def _is_error(line: str) -> bool:
    """The runtime's report of an unhandled error, a timeout, or a Powertools error entry."""
    return (
        line.startswith("[ERROR]")
        or "Task timed out after" in line
        or (line.startswith("{") and ('"level":"ERROR"' in line or '"level": "ERROR"' in line))
    )


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


class Telemetry:
    def __init__(
        self, logs_client: Any, cloudwatch_client: Any, events_client: Any, flush_seconds: float = 1
    ) -> None:
        self._logs = logs_client
        self._cloudwatch = cloudwatch_client
        self._events = events_client
        self._flush_seconds = flush_seconds
        self._queue: queue.SimpleQueue[LogLine | MetricDatum | BusEvent | None] = (
            queue.SimpleQueue()
        )
        self._streams: set[tuple[str, str]] = set()
        self._groups: set[str] = set()
        self._thread = threading.Thread(target=self._run, name="telemetry", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Ship what is queued, then stop."""
        self._queue.put(None)
        self._thread.join(timeout=10)

    def log(self, group: str, stream: str, timestamp_ms: int, message: str) -> None:
        self._queue.put(LogLine(group, stream, timestamp_ms, message))
        if _is_error(message):
            # Also on the sandbox's console: nobody reads the local CloudWatch Logs by default.
            logger.warning("%s: %s", group.removeprefix("/aws/lambda/"), message[:2000])
        for datum in metric_data(message):
            self._queue.put(datum)

    def metric(self, datum: MetricDatum) -> None:
        self._queue.put(datum)

    def event(self, entry: dict[str, Any]) -> None:
        self._queue.put(BusEvent(entry))

    def invocation_finished(self, function: str, duration_ms: float, failed: bool) -> None:
        now = datetime.now(UTC)
        dimensions = (("FunctionName", function),)
        for name, value, unit in (
            ("Invocations", 1.0, "Count"),
            (LambdaMetric.ERRORS, 1.0 if failed else 0.0, "Count"),
            (LambdaMetric.DURATION, duration_ms, "Milliseconds"),
        ):
            self.metric(MetricDatum(LAMBDA_NAMESPACE, name, value, unit, dimensions, now))

    def _run(self) -> None:
        stopping = False
        while not stopping:
            batch = _Batch()
            # One batch per interval: under load the queue is never empty for long.
            deadline = time.monotonic() + self._flush_seconds
            while (remaining := deadline - time.monotonic()) > 0:
                try:
                    item = self._queue.get(timeout=remaining)
                except queue.Empty:
                    break
                if item is None:
                    stopping = True
                    break
                batch.add(item)
            self._ship(batch)

    def _ship(self, batch: _Batch) -> None:
        try:
            for (group, stream), lines in batch.lines.items():
                self._ensure_stream(group, stream)
                lines.sort(key=lambda line: line["timestamp"])
                for chunk in _chunks(lines, _MAX_LOG_EVENTS_PER_CALL):
                    self._logs.put_log_events(
                        logGroupName=group, logStreamName=stream, logEvents=chunk
                    )
            for namespace, datums in batch.datums.items():
                for chunk in _chunks(datums, _MAX_DATUMS_PER_CALL):
                    self._cloudwatch.put_metric_data(
                        Namespace=namespace, MetricData=[d.as_put_metric_datum() for d in chunk]
                    )
            for chunk in _chunks(batch.events, _MAX_ENTRIES_PER_PUT_EVENTS):
                self._events.put_events(Entries=chunk)
        except Exception:
            logger.exception("could not ship logs, metrics and events to the local AWS")

    def _ensure_stream(self, group: str, stream: str) -> None:
        if (group, stream) in self._streams:
            return
        if group not in self._groups:
            self._create(self._logs.create_log_group, logGroupName=group)
            self._groups.add(group)
        self._create(self._logs.create_log_stream, logGroupName=group, logStreamName=stream)
        self._streams.add((group, stream))

    @staticmethod
    def _create(call: Any, **arguments: str) -> None:
        try:
            call(**arguments)
        except ClientError as error:
            if error.response["Error"]["Code"] != "ResourceAlreadyExistsException":
                raise
