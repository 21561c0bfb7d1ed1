"""The durable emulator carries on, after a restart, the executions a stop left waiting: every
timer they wait on ends when it was due before the stop, however long the sandbox's Lambda API
takes to come back.

The emulator runs as the sandbox runs it (`python -m sandbox.durable_emulator`), against a
stand-in Lambda API that runs small durable functions in this process. The timers' time is
driven, not waited for: each function waits an hour, and between the two runs the test ages
the stored executions as if the sandbox had been stopped for that long. Only the Lambda API's
downtime is real time: it is the scenario (a restart slower than the emulator's retries).
"""

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aws_durable_execution_sdk_python.config import CallbackConfig, Duration, StepConfig
from aws_durable_execution_sdk_python.context import DurableContext
from aws_durable_execution_sdk_python.exceptions import CallbackTimeoutError
from aws_durable_execution_sdk_python.execution import durable_execution
from aws_durable_execution_sdk_python.lambda_service import Operation
from aws_durable_execution_sdk_python.retries import RetryDecision
from aws_durable_execution_sdk_python_testing.executor import Executor
from aws_durable_execution_sdk_python_testing.invoker import create_test_lambda_context

from sandbox.aws_clients import local_client
from sandbox.child_process import ChildProcess
from sandbox.config import FAKE_CREDENTIALS
from sandbox.durable_starts import DurableStarts
from sandbox.functions import DurableConfig, LambdaFunction
from sandbox.http_server import LoopbackServer, Request, Response
from sandbox.lambda_service import parse_function_name
from tests.e2e.harness import WAIT_CAP_SECONDS, free_base_port, wait_for

# Every timer the functions start is due an hour after it starts: never while the test runs,
# unless the test ages the stored executions.
HOUR = timedelta(hours=1)
# The execution timeout of all but the function that is meant to time out.
LONG_EXECUTION_SECONDS = int(timedelta(days=1).total_seconds())
# Longer than the emulator's whole retry budget for an invocation that fails (five attempts,
# five seconds apart): before the fix, a timer due while the Lambda API was down spent it all
# and failed the execution.
LAMBDA_API_DOWN_SECONDS = (
    Executor.MAX_CONSECUTIVE_FAILED_ATTEMPTS * Executor.RETRY_BACKOFF_SECONDS + 5
)


def _expires(_: Any, context: DurableContext) -> str:
    callback = context.create_callback(
        name="approval", config=CallbackConfig(timeout=Duration.from_hours(1))
    )
    try:
        return str(callback.result())
    except CallbackTimeoutError:
        return "expired"


def _waits(_: Any, context: DurableContext) -> str:
    context.wait(Duration.from_hours(1), name="reminder")
    return "reminded"


class _FailsOnce:
    """A step's function whose first attempt fails."""

    def __init__(self) -> None:
        self.attempts = 0

    def __call__(self, _: object) -> str:
        self.attempts += 1
        if self.attempts == 1:
            raise RuntimeError("the first attempt fails")
        return "retried"


def _retry_in_an_hour(_: Exception, attempts_made: int) -> RetryDecision:
    if attempts_made > 1:
        return RetryDecision.no_retry()
    return RetryDecision.retry(Duration.from_hours(1))


def _retries(step: _FailsOnce) -> Callable[[Any, DurableContext], str]:
    def retries(_: Any, context: DurableContext) -> str:
        return context.step(step, name="flaky", config=StepConfig(retry_strategy=_retry_in_an_hour))

    return retries


def _never_called_back(_: Any, context: DurableContext) -> str:
    # No timeout of its own: only the execution's timeout ends it.
    callback = context.create_callback(name="never")
    return str(callback.result())


Functions = dict[str, tuple[Callable[[Any, DurableContext], str], int]]


def functions() -> Functions:
    """name: (function, its execution timeout in seconds)."""
    return {
        "expires": (_expires, LONG_EXECUTION_SECONDS),
        "waits": (_waits, LONG_EXECUTION_SECONDS),
        "retries": (_retries(_FailsOnce()), LONG_EXECUTION_SECONDS),
        "times-out": (_never_called_back, int(HOUR.total_seconds())),
    }


class StandInLambda:
    """The sandbox's Lambda API as the emulator uses it: each Invoke runs one invocation of a
    durable function here, checkpointing to the emulator. `up`/`down` start and stop it."""

    def __init__(self, port: int, emulator_url: str, functions: Functions) -> None:
        self.port = port
        self.functions = functions
        self.url = f"http://127.0.0.1:{port}"
        self._emulator = local_client("lambda", emulator_url)
        self._server: LoopbackServer | None = None
        # Execution ARN -> the status of each invocation's answer, in order.
        self.answers: dict[str, list[str]] = {}

    def up(self) -> None:
        self._server = LoopbackServer("stand-in-lambda", self.port, self._handle)
        self._server.start()

    def down(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def _handle(self, request: Request) -> Response:
        prefix, suffix = "/2015-03-31/functions/", "/invocations"
        if not (request.path.startswith(prefix) and request.path.endswith(suffix)):
            return Response.json('{"message": "not here"}', status=404)
        name, _ = parse_function_name(request.path[len(prefix) : -len(suffix)], None)
        function, _ = self.functions[name]
        event = json.loads(request.body)
        handler = durable_execution(function, boto3_client=self._emulator)
        answer = handler(event, create_test_lambda_context(function_name=name))
        self.answers.setdefault(event["DurableExecutionArn"], []).append(answer["Status"])
        return Response.json(json.dumps(answer))


class Emulator:
    """The durable emulator as the sandbox starts it: a child process on a data dir's store."""

    def __init__(self, port: int, lambda_url: str, store: Path) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self._args = [str(port), lambda_url, str(store)]
        self._log = store.parent / "durable-emulator.log"
        self._process: ChildProcess | None = None

    def start(self) -> None:
        environment = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", **FAKE_CREDENTIALS}
        self._process = ChildProcess(
            "durable-emulator", "sandbox.durable_emulator", self._args, environment, self._log
        )
        # The SDK web runner's own health route, as the sandbox waits for it (sandbox/stack.py).
        self._process.wait_until_ready(self.url + "/health")

    def stop(self) -> None:
        if self._process is not None:
            self._process.stop()
            self._process = None

    def log(self) -> str:
        return self._log.read_text() if self._log.exists() else ""


def _aged(operation: Operation, by: timedelta) -> Operation:
    """`operation` with each of its moments `by` earlier."""

    def earlier(moment: datetime | None) -> datetime | None:
        return moment - by if moment is not None else None

    aged = replace(
        operation,
        start_timestamp=earlier(operation.start_timestamp),
        end_timestamp=earlier(operation.end_timestamp),
    )
    if operation.wait_details is not None:
        wait = operation.wait_details
        aged = replace(
            aged,
            wait_details=replace(
                wait, scheduled_end_timestamp=earlier(wait.scheduled_end_timestamp)
            ),
        )
    if operation.step_details is not None:
        step = operation.step_details
        aged = replace(
            aged,
            step_details=replace(step, next_attempt_timestamp=earlier(step.next_attempt_timestamp)),
        )
    return aged


def age_store(store: Path, by: timedelta) -> None:
    """Make the stored executions `by` older, as if the sandbox had been stopped that long."""
    with sqlite3.connect(store) as connection:
        rows = connection.execute("SELECT durable_execution_arn, data FROM executions").fetchall()
        for arn, data in rows:
            execution = json.loads(data)
            execution["Operations"] = [
                _aged(Operation.from_json_dict(operation), by).to_json_dict()
                for operation in execution["Operations"]
            ]
            connection.execute(
                "UPDATE executions SET data = ?, start_timestamp = start_timestamp - ?"
                " WHERE durable_execution_arn = ?",
                (json.dumps(execution), by.total_seconds(), arn),
            )


class Sandbox:
    """The emulator, its store and a stand-in Lambda API, with an execution of each function."""

    def __init__(self, data_dir: Path) -> None:
        base = free_base_port()
        self.store = data_dir / "durable-executions.sqlite"
        self.emulator = Emulator(base, f"http://127.0.0.1:{base + 1}", self.store)
        self.lambda_api = StandInLambda(base + 1, self.emulator.url, functions())
        self._client = local_client("lambda", self.emulator.url)
        self.executions: dict[str, str] = {}
        self.started_at = datetime.now(UTC)

    def start_each_function(self) -> None:
        self.started_at = datetime.now(UTC)
        starts = DurableStarts(self.emulator.url)
        for name, (_, timeout) in self.lambda_api.functions.items():
            function = LambdaFunction(name, "stand-in", {}, 15, durable=DurableConfig(timeout))
            self.executions[name] = starts.start(function, "live", f"{name}-1", "{}").arn

    def wait_until_each_waits(self) -> None:
        """Until each execution's first invocation has answered that it waits (PENDING)."""

        def each_waits() -> bool:
            answers = [self.lambda_api.answers.get(arn, []) for arn in self.executions.values()]
            assert all(set(a) <= {"PENDING"} for a in answers), self.lambda_api.answers
            return all(answers)

        wait_for(each_waits, WAIT_CAP_SECONDS, "each execution waits")

    def described(self, name: str) -> dict[str, Any]:
        answer: dict[str, Any] = self._client.get_durable_execution(
            DurableExecutionArn=self.executions[name]
        )
        return answer

    def wait_until_each_ends(self) -> dict[str, dict[str, Any]]:
        def ended() -> dict[str, dict[str, Any]] | None:
            described = {name: self.described(name) for name in self.executions}
            if any(d["Status"] == "RUNNING" for d in described.values()):
                return None
            return described

        try:
            result: dict[str, dict[str, Any]] = wait_for(
                ended, WAIT_CAP_SECONDS, "each execution ends", interval=0.2
            )
        except AssertionError as never:
            statuses = {name: self.described(name)["Status"] for name in self.executions}
            raise AssertionError(f"{never}: {statuses}\n{self.emulator.log()}") from None
        return result


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    sandbox = Sandbox(tmp_path)
    sandbox.lambda_api.up()
    sandbox.emulator.start()
    sandbox.start_each_function()
    sandbox.wait_until_each_waits()
    sandbox.emulator.stop()
    try:
        yield sandbox
    finally:
        sandbox.emulator.stop()
        sandbox.lambda_api.down()


def _results(ended: dict[str, dict[str, Any]]) -> dict[str, tuple[str, str | None]]:
    return {name: (d["Status"], d.get("Result")) for name, d in ended.items()}


EACH_ENDED_AS_DUE = {
    "expires": ("SUCCEEDED", '"expired"'),
    "waits": ("SUCCEEDED", '"reminded"'),
    "retries": ("SUCCEEDED", '"retried"'),
    "times-out": ("TIMED_OUT", None),
}


def test_timers_due_while_the_lambda_api_is_still_down_end_their_executions_once_it_is_up(
    sandbox: Sandbox,
) -> None:
    # The sandbox was stopped past every timer's due moment, and its Lambda API comes back
    # long after the emulator (a slow start on a busy machine).
    sandbox.lambda_api.down()
    age_store(sandbox.store, HOUR + timedelta(minutes=1))
    sandbox.emulator.start()
    # Held down for a set time, the scenario itself: no event marks the emulator's retries.
    time.sleep(LAMBDA_API_DOWN_SECONDS)
    sandbox.lambda_api.up()

    assert _results(sandbox.wait_until_each_ends()) == EACH_ENDED_AS_DUE, sandbox.emulator.log()


# How long each timer has left when the emulator starts again.
LEFT = timedelta(seconds=3)


def test_timers_due_after_the_restart_end_their_executions_when_due_not_an_hour_later(
    sandbox: Sandbox,
) -> None:
    age_store(sandbox.store, HOUR - LEFT)
    sandbox.emulator.start()

    ended = sandbox.wait_until_each_ends()
    assert _results(ended) == EACH_ENDED_AS_DUE, sandbox.emulator.log()
    # Each timer started after the executions did, so none was due before this.
    earliest_due = sandbox.started_at + LEFT
    assert all(d["EndTimestamp"] >= earliest_due for d in ended.values()), ended
