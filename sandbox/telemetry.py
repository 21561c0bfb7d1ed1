"""What Lambda and CloudWatch do with a function's output, done for the local CloudWatch.

Every line an environment prints goes to its log stream in the function's log group; every EMF
line also becomes metrics, and each invocation counts in Lambda's own `AWS/Lambda` metrics. Lines
are queued and shipped in batches from one thread, so a handler never waits on CloudWatch.
"""

import logging
import queue
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from sandbox.emf import MetricDatum, metric_data

logger = logging.getLogger(__name__)

LAMBDA_NAMESPACE = "AWS/Lambda"
_MAX_DATUMS_PER_CALL = 1000
_MAX_EVENTS_PER_CALL = 10_000


def _is_error(line: str) -> bool:
    """The runtime's report of an unhandled error, a timeout, or a Powertools error entry."""
    return (
        line.startswith("[ERROR]")
        or "Task timed out after" in line
        or (line.startswith("{") and ('"level":"ERROR"' in line or '"level": "ERROR"' in line))
    )


class Telemetry:
    def __init__(self, logs_client: Any, cloudwatch_client: Any, flush_seconds: float = 1.0):
        self._logs = logs_client
        self._cloudwatch = cloudwatch_client
        self._flush_seconds = flush_seconds
        self._queue: queue.SimpleQueue[tuple[str, str, int, str] | MetricDatum | None] = (
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
        self._queue.put((group, stream, timestamp_ms, message))
        if _is_error(message):
            # Also on the sandbox's console: nobody reads the local CloudWatch Logs by default.
            logger.warning("%s: %s", group.removeprefix("/aws/lambda/"), message[:2000])
        for datum in metric_data(message):
            self._queue.put(datum)

    def invocation_finished(self, function: str, duration_ms: float, failed: bool) -> None:
        now = datetime.now(UTC)
        dimensions = (("FunctionName", function),)
        for name, value, unit in (
            ("Invocations", 1.0, "Count"),
            ("Errors", 1.0 if failed else 0.0, "Count"),
            ("Duration", duration_ms, "Milliseconds"),
        ):
            self._queue.put(MetricDatum(LAMBDA_NAMESPACE, name, value, unit, dimensions, now))

    def _run(self) -> None:
        stopping = False
        while not stopping:
            events: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
            datums: dict[str, list[MetricDatum]] = defaultdict(list)
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
                if isinstance(item, MetricDatum):
                    datums[item.namespace].append(item)
                else:
                    group, stream, timestamp, message = item
                    events[(group, stream)].append({"timestamp": timestamp, "message": message})
            self._ship(events, datums)

    def _ship(
        self,
        events: dict[tuple[str, str], list[dict[str, Any]]],
        datums: dict[str, list[MetricDatum]],
    ) -> None:
        try:
            for (group, stream), stream_events in events.items():
                self._ensure_stream(group, stream)
                stream_events.sort(key=lambda event: event["timestamp"])
                for start in range(0, len(stream_events), _MAX_EVENTS_PER_CALL):
                    self._logs.put_log_events(
                        logGroupName=group,
                        logStreamName=stream,
                        logEvents=stream_events[start : start + _MAX_EVENTS_PER_CALL],
                    )
            for namespace, namespace_datums in datums.items():
                for start in range(0, len(namespace_datums), _MAX_DATUMS_PER_CALL):
                    batch = namespace_datums[start : start + _MAX_DATUMS_PER_CALL]
                    self._cloudwatch.put_metric_data(
                        Namespace=namespace, MetricData=[d.as_put_metric_datum() for d in batch]
                    )
        except Exception:
            logger.exception("could not ship logs and metrics to the local CloudWatch")

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
