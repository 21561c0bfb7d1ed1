"""Lambda's durable execution events and metrics, as the sandbox publishes them."""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox.durable_signals import DurableSignals
from sandbox.emf import MetricDatum

FUNCTION = "leave-workflow"
FUNCTION_ARN = f"arn:aws:lambda:us-east-2:123456789012:function:{FUNCTION}:live"
STARTED_AT = datetime.now(UTC) - timedelta(seconds=3)


@dataclass
class Recorded:
    metrics: list[MetricDatum] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)

    def metric(self, datum: MetricDatum) -> None:
        self.metrics.append(datum)

    def event(self, entry: dict[str, Any]) -> None:
        self.events.append(entry)

    def values(self) -> dict[str, float]:
        return {d.name: d.value for d in self.metrics}


class Emulator:
    def get_durable_execution(self, DurableExecutionArn: str) -> dict[str, Any]:
        return {"DurableExecutionName": "lr-1", "StartTimestamp": STARTED_AT}


def _signals() -> tuple[DurableSignals, Recorded]:
    recorded = Recorded()
    return DurableSignals(recorded, Emulator()), recorded  # type: ignore[arg-type]


def test_a_start_is_a_running_event_and_counts() -> None:
    signals, recorded = _signals()

    signals.started(FUNCTION, FUNCTION_ARN, "lr-1", "exec-1")
    signals.publish_changed_counts()

    (event,) = recorded.events
    assert event["Source"] == "aws.lambda"
    assert event["DetailType"] == "Durable Execution Status Change"
    detail = json.loads(event["Detail"])
    assert detail["status"] == "RUNNING"
    assert detail["durableExecutionName"] == "lr-1"
    assert detail["functionArn"] == FUNCTION_ARN
    assert recorded.values() == {
        "DurableExecutionStarted": 1,
        "ApproximateRunningDurableExecutions": 1,
    }
    assert {d.dimensions for d in recorded.metrics} == {(("FunctionName", FUNCTION),)}


def test_an_output_that_ends_the_execution_is_an_event_and_counts() -> None:
    signals, recorded = _signals()
    signals.started(FUNCTION, FUNCTION_ARN, "lr-1", "exec-1")
    invocation_input = json.dumps({"DurableExecutionArn": "exec-1"}).encode()

    signals.handler_returned(FUNCTION, FUNCTION_ARN, invocation_input, b'{"Status": "PENDING"}')
    signals.handler_returned(FUNCTION, FUNCTION_ARN, invocation_input, b'{"Status": "SUCCEEDED"}')
    signals.stop()

    assert [json.loads(e["Detail"])["status"] for e in recorded.events] == ["RUNNING", "SUCCEEDED"]
    ended = json.loads(recorded.events[-1]["Detail"])
    assert ended["endTimestamp"] - ended["startTimestamp"] >= 3000
    assert recorded.values()["DurableExecutionSucceeded"] == 1
    assert recorded.values()["ApproximateRunningDurableExecutions"] == 0
    assert recorded.values()["DurableExecutionDuration"] >= 3000


class ListingEmulator(Emulator):
    """Lists every execution whatever `Statuses` asks, as the durable emulator does."""

    def get_paginator(self, operation: str) -> "ListingEmulator":
        assert operation == "list_durable_executions_by_function"
        return self

    def paginate(self, **_: Any) -> list[dict[str, Any]]:
        return [
            {
                "DurableExecutions": [
                    {"DurableExecutionArn": "exec-1", "Status": "RUNNING"},
                    {"DurableExecutionArn": "exec-2", "Status": "SUCCEEDED"},
                    {"DurableExecutionArn": "exec-3", "Status": "TIMED_OUT"},
                ]
            }
        ]


def test_the_running_count_is_what_runs_now_not_what_ever_ran() -> None:
    recorded = Recorded()
    signals = DurableSignals(recorded, ListingEmulator())  # type: ignore[arg-type]

    signals.count_running(FUNCTION)

    assert recorded.values() == {"ApproximateRunningDurableExecutions": 1}
    # A later start counts on from there.
    signals.started(FUNCTION, FUNCTION_ARN, "lr-4", "exec-4")
    signals.publish_changed_counts()
    assert recorded.metrics[-1].value == 2


def test_counts_that_change_within_a_second_are_published_once_as_they_end() -> None:
    # The dashboard reads one-second periods: two readings in one would show their maximum.
    signals, recorded = _signals()
    ended = json.dumps({"DurableExecutionArn": "exec-1"}).encode()

    signals.started(FUNCTION, FUNCTION_ARN, "lr-1", "exec-1")
    signals.started(FUNCTION, FUNCTION_ARN, "lr-2", "exec-2")
    signals.handler_returned(FUNCTION, FUNCTION_ARN, ended, b'{"Status": "SUCCEEDED"}')
    signals.stop()

    readings = [
        d.value for d in recorded.metrics if d.name == "ApproximateRunningDurableExecutions"
    ]
    assert readings == [1]


class TimingOutEmulator(Emulator):
    """Runs exec-1 at the first listing; by the next it has timed it out by itself, which the
    Lambda API never sees (no handler output, no StopDurableExecution)."""

    def __init__(self) -> None:
        self.listings = 0

    def status(self) -> str:
        return "RUNNING" if self.listings < 2 else "TIMED_OUT"

    def get_paginator(self, operation: str) -> "TimingOutEmulator":
        assert operation == "list_durable_executions_by_function"
        return self

    def paginate(self, **_: Any) -> list[dict[str, Any]]:
        self.listings += 1
        return [{"DurableExecutions": [{"DurableExecutionArn": "exec-1", "Status": self.status()}]}]

    def get_durable_execution(self, DurableExecutionArn: str) -> dict[str, Any]:
        described = super().get_durable_execution(DurableExecutionArn)
        return {**described, "Status": self.status(), "FunctionArn": FUNCTION_ARN}


def test_an_execution_the_emulator_ends_by_itself_is_reported_once_at_the_next_count() -> None:
    # On AWS the settler's rule hears of every timed-out or failed execution; here only what
    # the running count finds tells it, or the request would stay pending.
    recorded, routed = Recorded(), list[dict[str, Any]]()
    signals = DurableSignals(recorded, TimingOutEmulator(), routed.append)  # type: ignore[arg-type]

    for _ in range(3):
        signals.count_running(FUNCTION)
    signals.stop()

    assert [json.loads(e["Detail"])["status"] for e in recorded.events] == ["TIMED_OUT"]
    assert routed == recorded.events
    assert recorded.values()["DurableExecutionTimedOut"] == 1
    assert recorded.values()["ApproximateRunningDurableExecutions"] == 0
