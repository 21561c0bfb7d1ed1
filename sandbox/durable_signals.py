"""What Lambda publishes about a function's durable executions, published here too: a
`Durable Execution Status Change` event on the default bus for each start and end, and the
function's durable metrics in `AWS/Lambda` (started, succeeded, failed, duration, running).

The local Lambda API sees every start, every output of the workflow's handler (an output whose
`Status` is SUCCEEDED or FAILED ends the execution) and every StopDurableExecution it forwards.
Executions the emulator ends by itself (an execution timeout, or five failed invocations) are
not seen there: the running count, also taken from the emulator itself every minute as Lambda
publishes it (so it never drifts from what runs), finds them, and their ends are reported then.

Lambda publishes the running count as a gauge, one reading at a time. Here a changed count is
published at most once a second: the dashboard reads one-second periods, where two readings
in one second would show their maximum instead of the latest.

Each event also goes to `route` (the sandbox's EventBridge rules with Lambda targets).
"""

import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from dashboards.leave_operations import LAMBDA_NAMESPACE, LambdaMetric
from handlers.domain.event_patterns import DURABLE_STATUS_DETAIL_TYPE, DURABLE_STATUS_SOURCE
from sandbox.emf import MetricDatum
from sandbox.telemetry import Telemetry

logger = logging.getLogger(__name__)

_ENDED = {
    "SUCCEEDED": LambdaMetric.DURABLE_SUCCEEDED,
    "FAILED": LambdaMetric.DURABLE_FAILED,
    "STOPPED": LambdaMetric.DURABLE_STOPPED,
    "TIMED_OUT": LambdaMetric.DURABLE_TIMED_OUT,
}


def _running_gauge(count: int) -> tuple[str, float, str]:
    return (LambdaMetric.DURABLE_RUNNING, float(count), "Count")


# How often a changed running count is published (and never twice within one second).
GAUGE_SECONDS = 1.0


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class DurableSignals:
    def __init__(
        self,
        telemetry: Telemetry,
        emulator: Any,
        route: Callable[[dict[str, Any]], object] = lambda _: None,
    ) -> None:
        """`emulator`: a boto3 Lambda client of the durable emulator, to describe executions."""
        self._telemetry = telemetry
        self._emulator = emulator
        self._route = route
        self._running: dict[str, set[str]] = {}
        self._lock = threading.Lock()
        # Ends are described off the request path: the emulator waits for the invoke's answer.
        self._ends = ThreadPoolExecutor(max_workers=2, thread_name_prefix="durable-signals")
        self._stopping = threading.Event()
        self._counter: threading.Thread | None = None
        # Functions whose running count changed since it was last published.
        self._changed: set[str] = set()
        # Executions whose end was reported: one seen to end twice is reported once.
        self._reported: set[str] = set()

    def stop(self) -> None:
        self._stopping.set()
        if self._counter is not None:
            self._counter.join(timeout=10)
        self._ends.shutdown(wait=True, cancel_futures=False)
        self.publish_changed_counts()

    def count_running(self, function: str) -> None:
        """Count the executions running now (from before a restart too) and publish the count.

        One that ran at the last count and was not seen to end has been ended by the emulator
        itself (its execution timeout, or five failed invocations): its end is reported now.
        The emulator ignores a listing's `Statuses` filter: each execution's status is checked.
        """
        arns = set()
        paginator = self._emulator.get_paginator("list_durable_executions_by_function")
        for page in paginator.paginate(FunctionName=function, Statuses=["RUNNING"]):
            arns |= {
                e["DurableExecutionArn"]
                for e in page.get("DurableExecutions", [])
                if e.get("Status") == "RUNNING"
            }
        with self._lock:
            unseen_ends = self._running.get(function, set()) - arns
            self._running[function] = arns
            self._changed.add(function)
        for arn in unseen_ends:
            self._ends.submit(self._ended_outside_handler, arn, None)
        self.publish_changed_counts()

    def publish_changed_counts(self) -> None:
        """Publish the running count of each function whose count changed, as it is now."""
        now = datetime.now(UTC)
        with self._lock:
            counts = {function: len(self._running[function]) for function in self._changed}
            self._changed.clear()
        for function, count in counts.items():
            self._metrics(function, now, [_running_gauge(count)])

    def keep_counting(self, functions: list[str], every_seconds: float = 60.0) -> None:
        """Publish changed running counts every second, and count each function's running
        executions every `every_seconds`, until `stop`."""

        def count() -> None:
            next_count = time.monotonic() + every_seconds
            while not self._stopping.wait(GAUGE_SECONDS):
                if time.monotonic() >= next_count:
                    next_count += every_seconds
                    self._count_each(functions)
                self.publish_changed_counts()

        self._counter = threading.Thread(target=count, name="durable-running", daemon=True)
        self._counter.start()

    def _count_each(self, functions: list[str]) -> None:
        for function in functions:
            try:
                self.count_running(function)
            except Exception:
                logger.exception("could not count the running executions of %s", function)

    def started(self, function: str, function_arn: str, name: str, arn: str) -> None:
        now = datetime.now(UTC)
        with self._lock:
            self._running.setdefault(function, set()).add(arn)
            self._changed.add(function)
        self._metrics(function, now, [(LambdaMetric.DURABLE_STARTED, 1.0, "Count")])
        self._event(function_arn, name, arn, "RUNNING", now, None)

    def handler_returned(
        self, function: str, function_arn: str, invocation_input: bytes, output: bytes
    ) -> None:
        try:
            status = json.loads(output or b"{}").get("Status")
            arn = json.loads(invocation_input or b"{}").get("DurableExecutionArn")
        except (ValueError, AttributeError):
            return
        if status in _ENDED and arn:
            self._ends.submit(self._ended, function, function_arn, arn, status)

    def stopped(self, arn: str) -> None:
        """An execution was stopped through the Lambda API."""
        self._ends.submit(self._ended_outside_handler, arn, "STOPPED")

    def _ended_outside_handler(self, arn: str, status: str | None) -> None:
        """`status`: how it ended, or None to read it from the emulator."""
        described = self._describe(arn)
        if described is None:
            return
        status = status or described.get("Status")
        if status in _ENDED:
            function_arn = described["FunctionArn"]
            self._report_end(function_arn.split(":")[6], function_arn, arn, status, described)

    def _ended(self, function: str, function_arn: str, arn: str, status: str) -> None:
        described = self._describe(arn)
        if described is not None:
            self._report_end(function, function_arn, arn, status, described)

    def _describe(self, arn: str) -> dict[str, Any] | None:
        try:
            described: dict[str, Any] = self._emulator.get_durable_execution(
                DurableExecutionArn=arn
            )
        except Exception:
            logger.exception("could not describe the ended execution %s", arn)
            return None
        return described

    def _report_end(
        self, function: str, function_arn: str, arn: str, status: str, described: dict[str, Any]
    ) -> None:
        now = datetime.now(UTC)
        started = described["StartTimestamp"]
        with self._lock:
            if arn in self._reported:
                return
            self._reported.add(arn)
            self._running.setdefault(function, set()).discard(arn)
            self._changed.add(function)
        duration_ms = max(0.0, (now - started).total_seconds() * 1000)
        self._metrics(
            function,
            now,
            [
                (_ENDED[status], 1.0, "Count"),
                (LambdaMetric.DURABLE_DURATION, duration_ms, "Milliseconds"),
            ],
        )
        self._event(function_arn, described["DurableExecutionName"], arn, status, started, now)

    def _metrics(self, function: str, at: datetime, values: list[tuple[str, float, str]]) -> None:
        dimensions = (("FunctionName", function),)
        for name, amount, unit in values:
            self._telemetry.metric(
                MetricDatum(LAMBDA_NAMESPACE, name, amount, unit, dimensions, at)
            )

    def _event(
        self,
        function_arn: str,
        name: str,
        arn: str,
        status: str,
        started: datetime,
        ended: datetime | None,
    ) -> None:
        detail: dict[str, Any] = {
            "durableExecutionArn": arn,
            "durableExecutionName": name,
            "functionArn": function_arn,
            "status": status,
            "startTimestamp": _millis(started),
        }
        if ended is not None:
            detail["endTimestamp"] = _millis(ended)
        entry = {
            "Source": DURABLE_STATUS_SOURCE,
            "DetailType": DURABLE_STATUS_DETAIL_TYPE,
            "Detail": json.dumps(detail),
            "Resources": [arn],
        }
        self._telemetry.event(entry)
        self._route(entry)
