"""Every AWS call made while a test runs, with the function that made it.

Calls are seen through botocore's event system: a `provide-client-params` handler, added to
botocore's built-in handlers (as moto adds its own), so every session made afterwards, and every
client of one, reports each API call with its operation and parameters before it is sent.

Which function made a call is read from the call stack: the Lambda entry-point modules
(`handlers.submit`, `handlers.workflow`, ...) whose frames the call passes through. The tests
call each function's handler, and the durable test runner the workflow's, just as Lambda would,
so a call made under a handler is that function's, whichever fixture or thread invoked it; a call
with no handler on its stack is the test's own (creating tables, reading mail) and is no
function's. The stack holds every `handlers.<module>` frame; which of them are entry points is
decided by the program's functions (tests/support/deployed_permissions.py).

A call made under the operators' command (`ops.*` frames on its stack, e.g. a test running
`leave-ops` with typer's CliRunner) is the operator's (`OPERATOR`), whatever handler code it
runs: it is made with the operator's credentials, and checked against the operator policy
(tests/support/deployed_permissions.py). The outputs the test gave that command's target are
kept in `CallRecorder.operator_outputs`, so its calls can be read as the deployed stack's.

On AWS each function runs in processes of its own; here they share one, and with it Powertools'
cache of SSM parameters: the first function to read the signing key would hide every other
function's read. `parameter_cache_per_function` gives each function a cache of its own.

Two kinds of Lambda calls never reach botocore in the tests, and are recorded here as Lambda
would receive them:
- the durable API calls of submit, decision and the settler, which go to the in-process
  stand-in for Lambda (tests/support/durable.py): each is made again, by the service's own
  LambdaWorkflowService, over a Lambda client whose requests are answered here and never sent;
- the durable SDK's own checkpoints inside the workflow, which the test runner serves in memory
  from its own threads: they are recorded as the durable function's (`DURABLE_RUNTIME`).
"""

from __future__ import annotations

import io
import os
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from types import FrameType
from typing import Any

import boto3
import pytest
from aws_durable_execution_sdk_python_testing.client import InMemoryServiceClient
from aws_lambda_powertools.utilities import parameters
from botocore import UNSIGNED
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.handlers import BUILTIN_HANDLERS
from moto.core.models import botocore_stubber as moto_botocore_stubber

from handlers.aws_clients import aws_client
from handlers.gateways import signing_key
from handlers.gateways.workflow_service import LambdaWorkflowService
from handlers.settings import SubmitSettings
from tests.support.aws import REGION
from tests.support.durable import InProcessWorkflowService

# Stands for whichever deployed function is the durable one: its SDK checkpoints from threads
# of its own, with no handler frame above them.
DURABLE_RUNTIME = "<the durable function's runtime>"

_ENTRY_POINT_PACKAGE = "handlers"
# Stands for whoever runs `leave-ops` (the package `ops`), with the operator policy.
OPERATOR = "<an operator running leave-ops>"
_OPERATOR_PACKAGE = "ops"


@dataclass(frozen=True)
class RecordedCall:
    """One API call, with its parameters as the client was given them."""

    # The `handlers.<module>` modules on the call's stack, innermost first.
    callers: tuple[str, ...]
    service: str
    operation: str
    params: Mapping[str, Any]

    @property
    def name(self) -> str:
        return f"{self.service}.{self.operation}"


@dataclass
class CallRecorder:
    """The calls of one test: those made from the thread that began it or from threads started
    since. A thread a previous test left running (a workflow finishing late) is not this test's,
    and was configured for that test's resources."""

    calls: list[RecordedCall] = field(default_factory=list)
    # The outputs of the target a test ran `leave-ops` against (output name -> the test's value).
    operator_outputs: dict[str, str] = field(default_factory=dict)
    _earlier_threads: frozenset[threading.Thread] = field(
        default_factory=lambda: frozenset(threading.enumerate()) - {threading.current_thread()},
        repr=False,
    )
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(
        self, callers: tuple[str, ...], service: str, operation: str, params: Mapping[str, Any]
    ) -> None:
        if threading.current_thread() in self._earlier_threads:
            return
        with self._lock:
            self.calls.append(RecordedCall(callers, service, operation, dict(params)))


_active: CallRecorder | None = None


@contextmanager
def recording(recorder: CallRecorder) -> Iterator[CallRecorder]:
    """Record into `recorder` until the block ends (then into whichever recorded before)."""
    global _active
    _install()
    before, _active = _active, recorder
    try:
        yield recorder
    finally:
        _active = before


def callers_on_stack() -> tuple[str, ...]:
    """The `handlers.<module>` modules whose frames the current call passes through, and
    OPERATOR if it passes through `ops`."""
    callers: list[str] = []
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        package, _, rest = module.partition(".")
        if package == _ENTRY_POINT_PACKAGE and rest and "." not in rest and module not in callers:
            callers.append(module)
        elif package == _OPERATOR_PACKAGE and OPERATOR not in callers:
            callers.append(OPERATOR)
        frame = frame.f_back
    return tuple(callers)


def _record(
    callers: tuple[str, ...], service: str, operation: str, params: Mapping[str, Any]
) -> None:
    recorder = _active
    if recorder is not None:
        recorder.record(callers, service, operation, params)


def _on_api_call(params: Mapping[str, Any], model: Any, **_: Any) -> None:
    if _active is not None:
        _record(callers_on_stack(), model.service_model.service_name, model.name, params)


@cache
def _install() -> None:
    handler = ("provide-client-params", _on_api_call)
    if handler not in BUILTIN_HANDLERS:
        BUILTIN_HANDLERS.append(handler)


def parameter_cache_per_function(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each function (and the test itself) reads SSM parameters through a Powertools cache of
    its own, as each does on AWS."""
    providers: dict[frozenset[str], parameters.SSMProvider] = {}
    lock = threading.Lock()

    def ssm_parameters_of_the_caller() -> parameters.SSMProvider:
        # Which of these modules is the entry point is the deployment's to say: any set of
        # them belongs to one function.
        caller = frozenset(callers_on_stack())
        with lock:
            if caller not in providers:
                providers[caller] = parameters.SSMProvider(boto3_client=aws_client("ssm"))
            return providers[caller]

    monkeypatch.setattr(signing_key, "ssm_parameters", ssm_parameters_of_the_caller)


# -- Lambda calls that never reach botocore in the tests ---------------------------------------


class _Unsent(io.BytesIO):
    """The body of a response given here: an empty JSON document."""

    def __init__(self) -> None:
        super().__init__(b"{}")

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.getvalue()


def _answer_without_sending(request: Any, **_: Any) -> AWSResponse:
    return AWSResponse(request.url, 200, {"Content-Type": "application/json"}, _Unsent())


@cache
def unsent_lambda_client() -> Any:
    """A Lambda client whose calls are recorded and answered here: neither signed nor handed
    to moto (which has no durable APIs), both of which would only cost time."""
    _install()
    client = boto3.client("lambda", region_name=REGION, config=Config(signature_version=UNSIGNED))
    client.meta.events.unregister("before-send", moto_botocore_stubber)
    client.meta.events.register_first("before-send.lambda", _answer_without_sending)
    return client


# The setting that names the workflow to the functions that call it (submit, the settler).
_WORKFLOW_SETTING = str(SubmitSettings.model_fields["workflow_function"].alias)


def _lambda_gateway() -> LambdaWorkflowService:
    """The service's own Lambda gateway, configured as the functions are (the workflow their
    settings name), over a client whose calls are recorded and never sent."""
    return LambdaWorkflowService(os.environ.get(_WORKFLOW_SETTING), client=unsent_lambda_client())


def watch_lambda_stand_ins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Record the Lambda calls the in-process stand-ins serve, as Lambda would receive them."""
    start = InProcessWorkflowService.start
    succeed = InProcessWorkflowService.succeed_callback
    fail = InProcessWorkflowService.fail_callback
    is_alive = InProcessWorkflowService.is_alive

    def recorded_start(self: InProcessWorkflowService, name: str, payload: dict[str, Any]) -> None:
        _lambda_gateway().start(name, payload)
        start(self, name, payload)

    def recorded_succeed(self: InProcessWorkflowService, callback_id: str, result: str) -> None:
        _lambda_gateway().succeed_callback(callback_id, result)
        succeed(self, callback_id, result)

    def recorded_fail(
        self: InProcessWorkflowService, callback_id: str, error_type: str, message: str, data: str
    ) -> None:
        _lambda_gateway().fail_callback(callback_id, error_type, message, data)
        fail(self, callback_id, error_type, message, data)

    def recorded_is_alive(self: InProcessWorkflowService, name: str) -> bool:
        _lambda_gateway().is_alive(name)
        return is_alive(self, name)

    monkeypatch.setattr(InProcessWorkflowService, "start", recorded_start)
    monkeypatch.setattr(InProcessWorkflowService, "succeed_callback", recorded_succeed)
    monkeypatch.setattr(InProcessWorkflowService, "fail_callback", recorded_fail)
    monkeypatch.setattr(InProcessWorkflowService, "is_alive", recorded_is_alive)
    _watch_durable_runtime(monkeypatch)


def _watch_durable_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    checkpoint = InMemoryServiceClient.checkpoint
    get_state = InMemoryServiceClient.get_execution_state

    def recorded(operation: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def call(self: InMemoryServiceClient, durable_execution_arn: str, *a: Any, **k: Any) -> Any:
            _record(
                (DURABLE_RUNTIME,),
                "lambda",
                operation,
                {"DurableExecutionArn": durable_execution_arn},
            )
            return method(self, durable_execution_arn, *a, **k)

        return call

    monkeypatch.setattr(
        InMemoryServiceClient, "checkpoint", recorded("CheckpointDurableExecution", checkpoint)
    )
    monkeypatch.setattr(
        InMemoryServiceClient,
        "get_execution_state",
        recorded("GetDurableExecutionState", get_state),
    )
