"""The local Lambda API as boto3 sees it: the errors the handlers map must parse as on AWS."""

import json
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_durable_execution_sdk_python.exceptions import CheckpointError
from botocore.config import Config
from botocore.exceptions import ClientError

from sandbox.durable_starts import ExecutionNameTakenError, StartedExecution
from sandbox.functions import DurableConfig, LambdaFunction
from sandbox.http_server import LoopbackServer, Response
from sandbox.lambda_runtime import Invocation, InvocationResult
from sandbox.lambda_service import LambdaService, parse_function_name
from sandbox.versions import CODE_PACKAGE, VersionedRuntime, WorkflowVersions
from tests.e2e.harness import free_base_port

WORKFLOW = LambdaFunction("wf", "h.w", {}, 60, durable=DurableConfig(execution_timeout_seconds=60))
PLAIN = LambdaFunction("plain", "h.p", {}, 15)


@dataclass
class FakeRuntime:
    function: LambdaFunction
    invoked: list[Invocation] = field(default_factory=list)

    def invoke(self, invocation: Invocation) -> InvocationResult:
        self.invoked.append(invocation)
        return InvocationResult(invocation.request_id, b'{"ok": true}')


class _NoLogs:
    def log(self, group: str, stream: str, timestamp_ms: int, message: str) -> None: ...

    def invocation_finished(self, function: str, duration_ms: float, failed: bool) -> None: ...


class FakeVersionedRuntime(VersionedRuntime):
    """The workflow's versions, kept in a data dir; its invocations answered, not run."""

    def __init__(self, function: LambdaFunction, versions: WorkflowVersions) -> None:
        super().__init__(function, {}, _NoLogs(), versions)
        self.invoked: list[Invocation] = []

    def invoke(self, invocation: Invocation) -> InvocationResult:
        self.invoked.append(invocation)
        return InvocationResult(invocation.request_id, b'{"ok": true}')


def publish(data_dir: Path, code: str, settings: dict[str, str]) -> WorkflowVersions:
    """The workflow's versions once `code` (its handlers package's one module) is published."""
    code_root = data_dir / "code"
    (code_root / CODE_PACKAGE).mkdir(parents=True, exist_ok=True)
    (code_root / CODE_PACKAGE / "__init__.py").write_text(code)
    versions = WorkflowVersions(data_dir)
    versions.publish_if_changed(code_root, settings)
    return versions


@dataclass
class FakeStarts:
    started: dict[str, str] = field(default_factory=dict)

    def start(
        self, function: LambdaFunction, qualifier: str, name: str, payload: str
    ) -> StartedExecution:
        if name in self.started and self.started[name] != payload:
            raise ExecutionNameTakenError(name)
        new = name not in self.started
        self.started[name] = payload
        return StartedExecution(f"arn:{function.name}:{qualifier}/{name}", new)


@dataclass
class FakeSignals:
    said: list[tuple[Any, ...]] = field(default_factory=list)

    def started(self, *arguments: Any) -> None:
        self.said.append(("started", *arguments))

    def handler_returned(self, *arguments: Any) -> None:
        self.said.append(("returned", *arguments))


@pytest.fixture
def signals() -> FakeSignals:
    return FakeSignals()


@contextmanager
def serving(signals: FakeSignals, emulator_url: str) -> Iterator[Any]:
    """The local Lambda API on a free port, in front of `emulator_url`: a boto3 client of it."""
    data_dir = Path(tempfile.mkdtemp(prefix="versions-"))
    versions = publish(data_dir, "v1", {})
    runtimes: Any = {
        WORKFLOW.name: FakeVersionedRuntime(WORKFLOW, versions),
        PLAIN.name: FakeRuntime(PLAIN),
    }
    starts: Any = FakeStarts()
    service = LambdaService(runtimes, starts, signals, emulator_url)  # type: ignore[arg-type]
    port = free_base_port()
    server = LoopbackServer("lambda", port, service.handle)
    server.start()
    try:
        yield boto3.client(
            "lambda",
            endpoint_url=f"http://127.0.0.1:{port}",
            region_name="us-east-2",
            aws_access_key_id="k",
            aws_secret_access_key="s",
            config=Config(retries={"max_attempts": 0}),
        )
    finally:
        server.stop()
        service.stop()


@pytest.fixture
def lambda_client(signals: FakeSignals) -> Iterator[Any]:
    with serving(signals, "http://127.0.0.1:9") as client:
        yield client


def _error_code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def test_a_named_start_is_idempotent_and_another_payload_is_refused(
    lambda_client: Any, signals: FakeSignals
) -> None:
    start = {
        "FunctionName": "arn:aws:lambda:us-east-2:123456789012:function:wf:live",
        "InvocationType": "Event",
        "DurableExecutionName": "lr-1",
    }
    first = lambda_client.invoke(**start, Payload=b'{"a": 1}')
    again = lambda_client.invoke(**start, Payload=b'{"a": 1}')

    assert first["StatusCode"] == 202
    assert first["DurableExecutionArn"] == again["DurableExecutionArn"] == "arn:wf:live/lr-1"
    with pytest.raises(ClientError) as refused:
        lambda_client.invoke(**start, Payload=b'{"a": 2}')
    assert _error_code(refused) == "DurableExecutionAlreadyStartedException"
    assert isinstance(
        refused.value, lambda_client.exceptions.DurableExecutionAlreadyStartedException
    )
    # Started through the alias, on the version it points at: Lambda names the version.
    workflow_arn = "arn:aws:lambda:us-east-2:123456789012:function:wf:1"
    assert signals.said == [("started", "wf", workflow_arn, "lr-1", "arn:wf:live/lr-1")]


def test_the_emulators_invocation_runs_the_handler_and_its_output_is_reported(
    lambda_client: Any, signals: FakeSignals
) -> None:
    def mark_as_the_emulator_does(params: dict[str, Any], **_: Any) -> None:
        params["headers"]["X-Dex-Handler-Invoke"] = "true"

    lambda_client.meta.events.register("before-call.lambda.Invoke", mark_as_the_emulator_does)
    answer = lambda_client.invoke(FunctionName="wf:live", Payload=b'{"DurableExecutionArn": "e"}')

    assert json.loads(answer["Payload"].read()) == {"ok": True}
    (said,) = signals.said
    # Run on its execution's version, and reported so.
    assert said[:3] == ("returned", "wf", "arn:aws:lambda:us-east-2:123456789012:function:wf:1")
    assert answer["ExecutedVersion"] == "1"


def test_a_durable_function_is_never_started_unqualified(lambda_client: Any) -> None:
    with pytest.raises(ClientError) as refused:
        lambda_client.invoke(FunctionName="wf", InvocationType="Event", Payload=b"{}")
    assert _error_code(refused) == "InvalidParameterValueException"


def test_an_unknown_function_is_not_found(lambda_client: Any) -> None:
    with pytest.raises(ClientError) as missing:
        lambda_client.invoke(FunctionName="nobody", Payload=b"{}")
    assert _error_code(missing) == "ResourceNotFoundException"


def test_a_plain_function_answers_a_synchronous_invoke(lambda_client: Any) -> None:
    answer = lambda_client.invoke(FunctionName="plain", Payload=b'{"x": 1}')
    assert answer["StatusCode"] == 200
    assert json.loads(answer["Payload"].read()) == {"ok": True}
    assert "FunctionError" not in answer


@pytest.mark.parametrize(
    ("raw", "qualifier", "expected"),
    [
        ("wf", None, ("wf", None)),
        ("wf:live", None, ("wf", "live")),
        ("wf", "7", ("wf", "7")),
        ("123456789012:function:wf:live", None, ("wf", "live")),
        ("arn:aws:lambda:us-east-2:123456789012:function:wf", None, ("wf", None)),
        ("arn%3Aaws%3Alambda%3Aus-east-2%3A123456789012%3Afunction%3Awf%3A3", None, ("wf", "3")),
    ],
)
def test_function_names_come_in_every_form_lambda_accepts(
    raw: str, qualifier: str | None, expected: tuple[str, str | None]
) -> None:
    assert parse_function_name(raw, qualifier) == expected


def test_a_listing_keeps_only_the_statuses_asked_for(signals: FakeSignals) -> None:
    """The emulator lists every execution whatever `Statuses` says; Lambda does not."""
    listing = {
        "DurableExecutions": [
            {
                "DurableExecutionArn": f"arn:wf:live/lr-{status.lower()}",
                "DurableExecutionName": f"lr-{status.lower()}",
                "FunctionArn": "arn:aws:lambda:us-east-2:123456789012:function:wf:$LATEST",
                "Status": status,
                "StartTimestamp": 1796000000,
            }
            for status in ("RUNNING", "SUCCEEDED", "FAILED")
        ]
    }
    emulator_port = free_base_port()
    emulator = LoopbackServer(
        "emulator", emulator_port, lambda _: Response.json(json.dumps(listing))
    )
    emulator.start()
    try:
        with serving(signals, f"http://127.0.0.1:{emulator_port}") as client:
            listed = client.list_durable_executions_by_function
            running = listed(FunctionName="wf", Statuses=["RUNNING"])
            ended = listed(FunctionName="wf", Statuses=["SUCCEEDED", "FAILED"])
            everything = listed(FunctionName="wf")
    finally:
        emulator.stop()

    assert [e["Status"] for e in running["DurableExecutions"]] == ["RUNNING"]
    # Each on the version the alias points at, as Lambda reports it (the emulator: $LATEST).
    assert {e["FunctionArn"] for e in everything["DurableExecutions"]} == {
        "arn:aws:lambda:us-east-2:123456789012:function:wf:1"
    }
    assert [e["Status"] for e in ended["DurableExecutions"]] == ["SUCCEEDED", "FAILED"]
    assert len(everything["DurableExecutions"]) == 3


def test_functions_and_the_alias_are_described_as_lambda_describes_them(
    lambda_client: Any,
) -> None:
    listed = lambda_client.list_functions()["Functions"]
    assert [f["FunctionName"] for f in listed] == ["plain", "wf"]
    assert {f["Runtime"] for f in listed} == {"python3.13"}
    assert {tuple(f["Architectures"]) for f in listed} == {("arm64",)}

    workflow = lambda_client.get_function(FunctionName="wf")["Configuration"]
    assert workflow["DurableConfig"] == {"ExecutionTimeout": 60, "RetentionPeriodInDays": 1}
    alias = lambda_client.get_alias(FunctionName="wf", Name="live")
    assert alias["AliasArn"] == "arn:aws:lambda:us-east-2:123456789012:function:wf:live"
    assert alias["FunctionVersion"] == "1"
    through_alias = lambda_client.get_function(FunctionName="wf", Qualifier="live")
    assert through_alias["Configuration"]["Version"] == "1"
    assert through_alias["Configuration"]["FunctionArn"].endswith(":function:wf:1")

    missing_calls: list[Callable[[], object]] = [
        lambda: lambda_client.get_function(FunctionName="nope"),
        lambda: lambda_client.get_alias(FunctionName="plain", Name="live"),
        lambda: lambda_client.get_function(FunctionName="plain", Qualifier="7"),
    ]
    for missing in missing_calls:
        with pytest.raises(lambda_client.exceptions.ResourceNotFoundException):
            missing()


@pytest.fixture
def closed_callbacks() -> Iterator[str]:
    """A durable emulator that answers every call as its web runner answers a closed callback."""

    def closed(_: Any) -> Response:
        body = {"Type": "ResourceNotFoundException", "Message": "not in STARTED state"}
        return Response.json(json.dumps(body), status=404)

    port = free_base_port()
    server = LoopbackServer("emulator", port, closed)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def test_a_closed_callback_reads_as_lambdas_typed_error(
    signals: FakeSignals, closed_callbacks: str
) -> None:
    with serving(signals, closed_callbacks) as client, pytest.raises(ClientError) as refused:
        client.send_durable_execution_callback_success(CallbackId="cb", Result=b"{}")
    assert _error_code(refused) == "ResourceNotFoundException"
    assert "not in STARTED state" in str(refused.value)


def test_a_stale_checkpoint_keeps_its_message_so_the_sdk_retries_it(signals: FakeSignals) -> None:
    """The emulator names some errors' message in lower case; the SDK retries only the
    InvalidParameterValueException whose message says the checkpoint token is stale (under
    chaos an emptied message failed a workflow execution for good, and the settler closed a
    request its approver was deciding)."""

    def stale(_: Any) -> Response:
        body = {"Type": "InvalidParameterValueException", "message": "Invalid checkpoint token"}
        return Response.json(json.dumps(body), status=400)

    port = free_base_port()
    emulator = LoopbackServer("emulator", port, stale)
    emulator.start()
    try:
        with (
            serving(signals, f"http://127.0.0.1:{port}") as client,
            pytest.raises(ClientError) as refused,
        ):
            client.checkpoint_durable_execution(
                DurableExecutionArn="arn", CheckpointToken="t", Updates=[]
            )
    finally:
        emulator.stop()
    assert _error_code(refused) == "InvalidParameterValueException"
    assert CheckpointError.from_exception(refused.value).is_retryable()


def test_a_durable_call_while_the_emulator_is_stopped_is_lambdas_service_error(
    lambda_client: Any,
) -> None:
    # The sandbox stops the durable emulator first: a workflow still running checkpoints into
    # this (the fixture's emulator address answers nothing).
    with pytest.raises(ClientError) as refused:
        lambda_client.checkpoint_durable_execution(
            DurableExecutionArn="e", CheckpointToken="t", Updates=[]
        )
    assert _error_code(refused) == "ServiceException"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503


def test_a_durable_call_the_stopping_emulator_cuts_off_is_lambdas_service_error(
    signals: FakeSignals,
) -> None:
    # An emulator that stops while a call is in: it takes the connection and closes it.
    with socket.create_server(("127.0.0.1", 0)) as stopping:
        port = stopping.getsockname()[1]

        def cut_off_one_call() -> None:
            connection, _ = stopping.accept()
            connection.recv(65536)
            connection.close()

        closer = threading.Thread(target=cut_off_one_call, daemon=True)
        closer.start()
        with (
            serving(signals, f"http://127.0.0.1:{port}") as client,
            pytest.raises(ClientError) as refused,
        ):
            client.checkpoint_durable_execution(
                DurableExecutionArn="e", CheckpointToken="t", Updates=[]
            )
        closer.join(timeout=5)
    assert _error_code(refused) == "ServiceException"
