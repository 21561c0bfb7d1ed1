"""An asynchronous start of the workflow that the local Lambda API accepted but could not make:
answered 202 all the same, retried twice, then Lambda's on-failure record to the failed-start
queue; never a record for a start that did happen."""

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from sandbox import lambda_service
from sandbox.__main__ import _arguments
from sandbox.async_starts import INTERNAL_START, StartFaults, destination_record
from sandbox.chaos import ChaosLog, FaultDice
from sandbox.config import ChaosSettings
from sandbox.durable_starts import ExecutionNameTakenError, StartedExecution, StartFailedError
from sandbox.functions import LambdaFunction
from sandbox.http_server import LoopbackServer
from sandbox.lambda_service import LambdaService
from tests.e2e.harness import free_base_port
from tests.sandbox.test_lambda_service import (
    WORKFLOW,
    FakeSignals,
    FakeVersionedRuntime,
    publish,
)

WAIT_CAP_SECONDS = 30.0
ALIAS_ARN = "arn:aws:lambda:us-east-2:123456789012:function:wf:live"


@dataclass
class FlakyStarts:
    """The durable service's starts: the first `failing` attempts fail, before the start is
    made or, for the attempts numbered in `applied_on`, after it, its answer lost."""

    failing: int
    applied_on: tuple[int, ...] = ()
    made: dict[str, str] = field(default_factory=dict)
    attempts: int = 0

    def existing(self, function_name: str, name: str, payload: str) -> str | None:
        if name not in self.made:
            return None
        if self.made[name] != payload:
            raise ExecutionNameTakenError(name)
        return f"arn:{function_name}/{name}"

    def start(
        self, function: LambdaFunction, qualifier: str, name: str, payload: str
    ) -> StartedExecution:
        if (arn := self.existing(function.name, name, payload)) is not None:
            return StartedExecution(arn, new=False)
        self.attempts += 1
        if self.attempts <= self.failing and self.attempts not in self.applied_on:
            raise StartFailedError("the durable emulator: 503")
        self.made[name] = payload
        if self.attempts <= self.failing:
            raise StartFailedError("timed out")
        return StartedExecution(f"arn:{function.name}/{name}", new=True)


@dataclass
class Queue:
    records: list[dict[str, Any]] = field(default_factory=list)
    sent: threading.Event = field(default_factory=threading.Event)
    queue_url = "http://127.0.0.1/123456789012/failed-starts"

    def send(self, record: dict[str, Any]) -> None:
        self.records.append(record)
        self.sent.set()


class Signals(FakeSignals):
    def __init__(self) -> None:
        super().__init__()
        self.start_signalled = threading.Event()

    def started(self, *arguments: Any) -> None:
        super().started(*arguments)
        self.start_signalled.set()


@dataclass
class Served:
    client: Any
    starts: FlakyStarts
    queue: Queue
    signals: Signals
    retries_done: threading.Event


@pytest.fixture
def serve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Served]]:
    """Serve the local Lambda API over `FlakyStarts(failing, applied_on)`; retries moments
    apart."""
    monkeypatch.setattr(lambda_service, "RETRY_DELAYS_SECONDS", (0.05, 0.05))
    stops: list[Callable[[], None]] = []

    def served(failing: int, applied_on: tuple[int, ...] = ()) -> Served:
        starts, queue, signals = FlakyStarts(failing, applied_on), Queue(), Signals()
        versions = publish(tmp_path, "v1", {})
        runtimes: Any = {WORKFLOW.name: FakeVersionedRuntime(WORKFLOW, versions)}
        service = LambdaService(runtimes, starts, signals, "http://127.0.0.1:9", queue)  # type: ignore[arg-type]
        done = threading.Event()
        retry = service._retry_start

        def retry_then_tell(*arguments: Any) -> None:
            try:
                retry(*arguments)
            finally:
                done.set()

        monkeypatch.setattr(service, "_retry_start", retry_then_tell)
        port = free_base_port()
        server = LoopbackServer("lambda", port, service.handle)
        server.start()
        stops.extend([server.stop, service.stop])
        client = boto3.client(
            "lambda",
            endpoint_url=f"http://127.0.0.1:{port}",
            region_name="us-east-2",
            aws_access_key_id="k",
            aws_secret_access_key="s",
            config=Config(retries={"max_attempts": 0}),
        )
        return Served(client, starts, queue, signals, done)

    yield served
    for stop in stops:
        stop()


def _start(client: Any, payload: bytes = b'{"request_id": "lr-1"}') -> Any:
    return client.invoke(
        FunctionName=ALIAS_ARN,
        InvocationType="Event",
        DurableExecutionName="lr-1",
        Payload=payload,
    )


def _retries_over(served: Served) -> None:
    assert served.retries_done.wait(WAIT_CAP_SECONDS), "the retries never ended"


def test_a_start_that_keeps_failing_is_accepted_then_recorded_for_the_queue(
    serve: Callable[..., Served],
) -> None:
    served = serve(failing=3)

    answer = _start(served.client)

    assert answer["StatusCode"] == 202
    assert "DurableExecutionArn" not in answer
    _retries_over(served)
    (record,) = served.queue.records
    assert record["requestContext"] == {
        "requestId": "lr-1",
        "functionArn": ALIAS_ARN,
        "condition": "RetriesExhausted",
        "approximateInvokeCount": 3,
    }
    assert record["requestPayload"] == {"request_id": "lr-1"}
    assert record["responseContext"]["executedVersion"] == "1"
    assert record["responsePayload"]["errorMessage"] == "the durable emulator: 503"
    assert served.starts.made == {}
    assert served.signals.said == []


def test_a_start_that_fails_once_is_made_by_a_retry_and_never_queued(
    serve: Callable[..., Served],
) -> None:
    served = serve(failing=1)

    assert _start(served.client)["StatusCode"] == 202

    _retries_over(served)
    assert served.queue.records == []
    assert served.starts.made == {"lr-1": '{"request_id": "lr-1"}'}
    assert [said[0] for said in served.signals.said] == ["started"]


def test_a_start_made_but_unanswered_is_found_by_the_retry_and_never_queued(
    serve: Callable[..., Served],
) -> None:
    served = serve(failing=1, applied_on=(1,))

    assert _start(served.client)["StatusCode"] == 202

    _retries_over(served)
    assert served.queue.records == []
    assert served.starts.attempts == 1
    # Reported started once, on the version the alias named.
    assert served.signals.said == [
        ("started", "wf", ALIAS_ARN.replace(":live", ":1"), "lr-1", "arn:wf/lr-1")
    ]


def test_a_start_made_on_the_last_attempt_but_unanswered_is_never_queued(
    serve: Callable[..., Served],
) -> None:
    served = serve(failing=3, applied_on=(3,))

    assert _start(served.client)["StatusCode"] == 202

    _retries_over(served)
    assert served.starts.attempts == 3
    assert served.starts.made == {"lr-1": '{"request_id": "lr-1"}'}
    # Lambda's check before the record finds it: nothing lands in the queue, and it is
    # reported started once.
    assert served.queue.records == []
    assert [said[0] for said in served.signals.said] == ["started"]


def test_what_lambda_checks_at_the_call_is_still_answered_at_the_call(
    serve: Callable[..., Served],
) -> None:
    served = serve(failing=0)
    _start(served.client)

    with pytest.raises(ClientError) as refused:
        _start(served.client, b'{"request_id": "other"}')

    assert refused.value.response["Error"]["Code"] == "DurableExecutionAlreadyStartedException"
    assert not served.retries_done.is_set()
    assert served.queue.records == []


def test_fail_starts_fails_that_many_attempts_then_none() -> None:
    faults = StartFaults(fail_next=2)

    drawn = [faults.next_attempt() for _ in range(4)]

    assert [fault is not None for fault in drawn] == [True, True, False, False]


def test_chaos_fails_lambdas_own_starts_at_its_rate_reproducibly_and_logs_them(
    tmp_path: Path,
) -> None:
    settings = ChaosSettings(rate=0.5, seed=7)

    def drawn(log: Path) -> list[str | None]:
        faults = StartFaults(0, FaultDice(settings), ChaosLog(log))
        return [f.description if (f := faults.next_attempt()) else None for _ in range(40)]

    first, second = drawn(tmp_path / "a.log"), drawn(tmp_path / "b.log")

    assert first == second
    failed = [d for d in first if d is not None]
    assert 5 < len(failed) < 35
    lines = (tmp_path / "a.log").read_text().splitlines()
    assert len(lines) == len(failed)
    assert all(f" lambda {INTERNAL_START.operation} " in line for line in lines)


def test_the_record_keeps_a_payload_that_is_not_json_as_text() -> None:
    record = destination_record("lr-1", ALIAS_ARN, 3, b"not json", "1", "503")

    assert record["requestPayload"] == "not json"
    assert json.loads(json.dumps(record)) == record


def test_an_execution_found_at_the_call_is_neither_reported_nor_given_a_version_again(
    serve: Callable[..., Served],
) -> None:
    # Started before this service wrote versions down (an older data dir), or by another call.
    served = serve(failing=0)
    served.starts.made["lr-1"] = '{"request_id": "lr-1"}'

    answer = _start(served.client)

    assert answer["DurableExecutionArn"] == "arn:wf/lr-1"
    assert served.signals.said == []


def test_fail_starts_is_a_count_of_attempts(capsys: pytest.CaptureFixture[str]) -> None:
    assert _arguments([]).fail_starts == 0
    assert _arguments(["--fail-starts", "3"]).fail_starts == 3
    with pytest.raises(SystemExit):
        _arguments(["--fail-starts", "-1"])
    assert "--fail-starts: must be 0 or more, not -1" in capsys.readouterr().err
