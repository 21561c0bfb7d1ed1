"""The local Lambda API: what `AWS_ENDPOINT_URL_LAMBDA` points every client at.

- `POST /2015-03-31/functions/{FunctionName}/invocations` (Invoke):
  - from the durable emulator (its requests carry `X-Dex-Handler-Invoke: true`): one invocation
    of the durable function's handler with the durable invocation input, answering its output;
  - from anyone else, of a durable function: starts a durable execution in the emulator
    (asynchronously, by a qualified name, with Lambda's execution-name rule); a start that
    passed the checks but then failed is answered 202 all the same, retried twice in the
    background, then sent to the failed-start queue as Lambda's on-failure record
    (async_starts.py);
  - of any other function: an invocation, synchronous or (`InvocationType: Event`) queued.
- Every durable API (`/2025-12-01/...`: checkpoints and state from the workflow's SDK,
  callbacks from the decision handler, execution queries) is forwarded to the emulator as is
  (a listing's `Statuses` filter applied here: the emulator ignores it).
- ListFunctions, GetFunction, GetFunctionConfiguration, GetAlias and ListVersionsByFunction
  describe the sandbox's functions (`function_directory`). A durable function's executions each
  run on the version they started on (sandbox/versions.py), and its answers name that version.
"""

import contextlib
import dataclasses
import http.client
import json
import logging
import re
import threading
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from aws_durable_execution_sdk_python_testing.invoker import (
    INVOCATION_MARKER_HEADER,
    INVOCATION_MARKER_VALUE,
)
from botocore.exceptions import BotoCoreError, ClientError

from sandbox import function_directory
from sandbox.async_starts import RETRY_DELAYS_SECONDS, FailedStartDestination, destination_record
from sandbox.durable_signals import DurableSignals
from sandbox.durable_starts import (
    DurableStarts,
    ExecutionNameTakenError,
    StartedExecution,
    StartFailedError,
)
from sandbox.functions import WORKFLOW_ALIAS, function_arn
from sandbox.http_server import HOP_BY_HOP_HEADERS, Request, Response
from sandbox.lambda_runtime import Invocation, InvocationResult, Runtime
from sandbox.versions import PublishedVersion, VersionedRuntime

logger = logging.getLogger(__name__)

_INVOKE_PATH = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations$")
_FUNCTIONS_PATH = re.compile(r"^/2015-03-31/functions/?$")
_FUNCTION_PATH = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)$")
_CONFIGURATION_PATH = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/configuration$")
_VERSIONS_PATH = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/versions/?$")
_ALIAS_PATH = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/aliases/(?P<alias>[^/]+)$")
_STOP_PATH = re.compile(r"^/2025-12-01/durable-executions/(?P<arn>[^/]+)/stop$")
_EXECUTION_PATH = re.compile(r"^/2025-12-01/durable-executions/[^/]+$")
_LIST_PATH = re.compile(r"^/2025-12-01/functions/(?P<name>[^/]+)/durable-executions$")
DURABLE_API_PREFIX = "/2025-12-01/"


def error_response(status: int, code: str, message: str) -> Response:
    """A Lambda API error as botocore reads it: the code in a header, the message in the body."""
    body = json.dumps({"Type": "User", "Message": message, "message": message})
    return Response.json(body, status=status, x_amzn_ErrorType=code)


def parse_function_name(raw: str, qualifier: str | None) -> tuple[str, str | None]:
    """(name, qualifier) from a name, a partial ARN or an ARN, each with or without a qualifier."""
    parts = unquote(raw).split(":")
    if parts[0] == "arn":
        parts = parts[6:]
    elif len(parts) > 2 and parts[1] == "function":
        parts = parts[2:]
    name = parts[0]
    return name, (parts[1] if len(parts) > 1 else None) or qualifier


@dataclass(frozen=True)
class AcceptedStart:
    """An asynchronous start of a durable function that passed Lambda's checks."""

    runtime: Runtime
    qualifier: str
    version: PublishedVersion | None
    name: str
    payload: bytes

    @property
    def qualified_arn(self) -> str:
        return function_arn(self.runtime.function.name, self.qualifier)


class LambdaService:
    def __init__(
        self,
        runtimes: Mapping[str, Runtime],
        starts: DurableStarts,
        signals: DurableSignals,
        durable_endpoint: str,
        failed_starts: FailedStartDestination | None = None,
    ) -> None:
        self._runtimes = runtimes
        self._starts = starts
        self._signals = signals
        self._durable = urlsplit(durable_endpoint)
        self._failed_starts = failed_starts
        # Asynchronous invocations of plain functions wait here for a free environment.
        self._event_queue = ThreadPoolExecutor(max_workers=8, thread_name_prefix="lambda-event")
        # Accepted starts of durable functions that failed, retried here.
        self._start_retries = ThreadPoolExecutor(max_workers=4, thread_name_prefix="lambda-retry")
        self._stopping = threading.Event()

    def stop(self) -> None:
        self._stopping.set()
        self._event_queue.shutdown(wait=False, cancel_futures=True)
        self._start_retries.shutdown(wait=False, cancel_futures=True)

    def invoke_event(self, name: str, payload: bytes) -> str:
        """Queue an asynchronous invocation (`InvocationType: Event`); return its request id."""
        invocation = Invocation(payload, function_arn(name), str(uuid.uuid4()))
        self._event_queue.submit(self._invoke_logging_errors, self._runtimes[name], invocation)
        return invocation.request_id

    def invoke_and_wait(self, name: str, payload: bytes) -> str:
        """Invoke a plain function and wait for it (`RequestResponse`); return its request id."""
        invocation = Invocation(payload, function_arn(name), str(uuid.uuid4()))
        self._invoke_logging_errors(self._runtimes[name], invocation)
        return invocation.request_id

    def _versions_of(self, name: str) -> VersionedRuntime | None:
        runtime = self._runtimes.get(name)
        return runtime if isinstance(runtime, VersionedRuntime) else None

    def _execution_version(self, execution: dict[str, Any]) -> str:
        """The version an execution the emulator describes started on."""
        name, _ = parse_function_name(str(execution.get("FunctionArn", "")), None)
        versioned = self._versions_of(name)
        arn = execution.get("DurableExecutionArn")
        if versioned is None or not isinstance(arn, str):
            return "$LATEST"
        return versioned.versions.of_execution(arn).name

    def handle(self, request: Request) -> Response:
        match = _INVOKE_PATH.match(request.path)
        if match and request.method == "POST":
            return self._invoke(request, match["name"])
        if request.method == "GET" and (described := self._describe(request)) is not None:
            return described
        if request.path.startswith(DURABLE_API_PREFIX):
            forwarded = _typed_error(
                _as_lambda_answers(
                    request,
                    self._forward_to_emulator(_by_function_name(request)),
                    self._execution_version,
                )
            )
            stop = _STOP_PATH.match(request.path)
            if stop and request.method == "POST" and forwarded.status < 300:
                # Lambda reports a stop as a status change; the emulator does not.
                self._signals.stopped(unquote(stop["arn"]))
            return forwarded
        return error_response(404, "UnknownOperationException", f"No operation at {request.path}")

    def _describe(self, request: Request) -> Response | None:
        """ListFunctions, GetFunction, GetFunctionConfiguration, GetAlias; None for any other."""
        if _FUNCTIONS_PATH.match(request.path):
            functions = [runtime.function for runtime in self._runtimes.values()]
            return Response.json(json.dumps(function_directory.list_functions(functions)))
        found = (
            _FUNCTION_PATH.match(request.path)
            or _CONFIGURATION_PATH.match(request.path)
            or _ALIAS_PATH.match(request.path)
            or _VERSIONS_PATH.match(request.path)
        )
        if not found:
            return None
        name, qualifier = parse_function_name(
            found["name"], request.query_params().get("Qualifier")
        )
        runtime = self._runtimes.get(name)
        versioned = self._versions_of(name)
        versions = versioned.versions if versioned else None
        answer = None
        if runtime is not None and "alias" in found.groupdict():
            alias = unquote(found["alias"])
            answer = function_directory.get_alias(runtime.function, alias, versions)
        elif runtime is not None and _VERSIONS_PATH.match(request.path):
            answer = function_directory.list_versions(runtime.function, versions)
        elif runtime is not None and request.path.endswith("/configuration"):
            answer = function_directory.get_function_configuration(
                runtime.function, qualifier, versions
            )
        elif runtime is not None:
            answer = function_directory.get_function(runtime.function, qualifier, versions)
        if answer is None:
            return error_response(
                404, "ResourceNotFoundException", f"Function not found: {request.path}"
            )
        return Response.json(json.dumps(answer))

    def _invoke(self, request: Request, raw_name: str) -> Response:
        name, qualifier = parse_function_name(raw_name, request.query_params().get("Qualifier"))
        runtime = self._runtimes.get(name)
        if runtime is None:
            return error_response(
                404, "ResourceNotFoundException", f"Function not found: {function_arn(name)}"
            )
        invocation_type = request.header("X-Amz-Invocation-Type", "RequestResponse")
        from_emulator = request.header(INVOCATION_MARKER_HEADER) == INVOCATION_MARKER_VALUE
        if runtime.function.durable and not from_emulator:
            return self._start_execution(runtime, qualifier, invocation_type, request)
        invocation = Invocation(
            payload=request.body,
            invoked_arn=function_arn(name, qualifier),
            request_id=str(uuid.uuid4()),
            tenant_id=request.header("X-Amz-Tenant-Id") or None,
        )
        if invocation_type == "DryRun":
            return Response(204, headers=[("x-amzn-RequestId", invocation.request_id)])
        if invocation_type == "Event":
            request_id = self.invoke_event(name, invocation.payload)
            return Response(202, headers=[("x-amzn-RequestId", request_id)])
        executed = "$LATEST"
        if isinstance(runtime, VersionedRuntime):
            executed = runtime.version_invoked(invocation).name
            invocation = dataclasses.replace(invocation, invoked_arn=function_arn(name, executed))
        result = runtime.invoke(invocation)
        if runtime.function.durable and not result.function_error:
            self._signals.handler_returned(
                name, invocation.invoked_arn, request.body, result.payload
            )
        return invocation_response(result, executed)

    @staticmethod
    def _invoke_logging_errors(runtime: Runtime, invocation: Invocation) -> None:
        result = runtime.invoke(invocation)
        if result.function_error:
            logger.warning("%s failed: %s", runtime.function.name, result.payload.decode())

    def _start_execution(
        self,
        runtime: Runtime,
        qualifier: str | None,
        invocation_type: str,
        request: Request,
    ) -> Response:
        if qualifier is None:
            return error_response(
                400,
                "InvalidParameterValueException",
                "A durable function must be invoked by a qualified ARN: a version or an alias.",
            )
        if invocation_type != "Event":
            return error_response(
                400,
                "InvalidParameterValueException",
                "The sandbox starts durable executions asynchronously only (InvocationType Event).",
            )
        name = request.header("X-Amz-Durable-Execution-Name") or str(uuid.uuid4())
        function = runtime.function
        versions = runtime.versions if isinstance(runtime, VersionedRuntime) else None
        version = versions.resolve(qualifier, WORKFLOW_ALIAS) if versions else None
        if versions is not None and version is None:
            return error_response(
                404,
                "ResourceNotFoundException",
                f"Function not found: {function_arn(function.name, qualifier)}",
            )
        accepted = AcceptedStart(runtime, qualifier, version, name, request.body)
        try:
            started = self._begin(accepted)
        except ExecutionNameTakenError:
            return error_response(
                409,
                "DurableExecutionAlreadyStartedException",
                f"An execution named {name} was already started with a different payload.",
            )
        except StartFailedError as failure:
            # Accepted: Lambda answers before it starts, and retries what then fails.
            logger.warning("the start of execution %s failed: %s; retrying", name, failure)
            self._start_retries.submit(self._retry_start, accepted, str(failure))
            return Response(202, headers=[("x-amzn-RequestId", name)])
        return Response(
            202,
            headers=[("X-Amz-Durable-Execution-Arn", started.arn), ("x-amzn-RequestId", name)],
        )

    def _begin(self, accepted: AcceptedStart, retrying: bool = False) -> StartedExecution:
        """Start the execution (or find the one the name and payload started), its version
        written down before the emulator's first invocation is routed."""
        runtime = accepted.runtime
        versions = runtime.versions if isinstance(runtime, VersionedRuntime) else None
        with versions.starting if versions else contextlib.nullcontext():
            started = self._starts.start(
                runtime.function, accepted.qualifier, accepted.name, accepted.payload.decode()
            )
            self._note_started(accepted, started, retrying)
        return started

    def _note_started(
        self, accepted: AcceptedStart, started: StartedExecution, retrying: bool
    ) -> None:
        """Its version and its start reported, once: for a new execution and, when retrying,
        for one an earlier attempt whose answer was lost made (its version not yet written).
        Only then: an execution found at the call may predate the versions kept."""
        runtime, version = accepted.runtime, accepted.version
        versions = runtime.versions if isinstance(runtime, VersionedRuntime) else None
        unrecorded = retrying and versions is not None and not versions.knows(started.arn)
        if not (started.new or unrecorded):
            return
        if versions is not None and version is not None:
            versions.started(started.arn, version)
        name = runtime.function.name
        arn = function_arn(name, version.name if version else accepted.qualifier)
        self._signals.started(name, arn, accepted.name, started.arn)

    def _retry_start(self, accepted: AcceptedStart, error: str) -> None:
        """Lambda's retries of an accepted start, then its on-failure destination record."""
        attempts = 1
        for delay in RETRY_DELAYS_SECONDS:
            if self._stopping.wait(delay):
                return
            attempts += 1
            try:
                self._begin(accepted, retrying=True)
                return
            except ExecutionNameTakenError:
                error = f"execution {accepted.name} was started with another payload"
                break
            except (StartFailedError, BotoCoreError, ClientError) as failure:
                error = str(failure)
        if self._failed_starts is None or self._stopping.is_set():
            logger.error("the start of execution %s failed for good: %s", accepted.name, error)
            return
        payload = accepted.payload.decode()
        try:
            # An attempt whose answer was lost may have started it: then nothing is sent.
            made = self._starts.existing(accepted.runtime.function.name, accepted.name, payload)
            if made is not None:
                self._note_started(accepted, StartedExecution(made, new=False), retrying=True)
                return
        except (ExecutionNameTakenError, BotoCoreError, ClientError):
            pass  # `leave-ops retry-starts` checks again before it starts anything
        executed = accepted.version.name if accepted.version else "$LATEST"
        record = destination_record(
            accepted.name, accepted.qualified_arn, attempts, accepted.payload, executed, error
        )
        try:
            self._failed_starts.send(record)
        except (BotoCoreError, ClientError):
            logger.exception("could not send the failed start of %s to its queue", accepted.name)

    def _forward_to_emulator(self, request: Request) -> Response:
        connection = http.client.HTTPConnection(
            self._durable.hostname or "127.0.0.1", self._durable.port, timeout=90
        )
        try:
            target = request.path + (f"?{request.query}" if request.query else "")
            headers = {k: v for k, v in request.headers if k.lower() not in HOP_BY_HOP_HEADERS}
            headers["Host"] = self._durable.netloc
            connection.request(request.method, target, body=request.body or None, headers=headers)
            answer = connection.getresponse()
            body = answer.read()
            kept = [(k, v) for k, v in answer.getheaders() if k.lower() not in HOP_BY_HOP_HEADERS]
            return Response(answer.status, body, kept)
        except ConnectionError:
            # The sandbox stops the emulator first: a workflow still running meets this, its
            # call refused, or cut off while the emulator stops.
            return error_response(
                503, "ServiceException", "The durable execution service is not running."
            )
        finally:
            connection.close()


def _by_function_name(request: Request) -> Request:
    """Lambda takes a function's name or ARN wherever it takes a function; the emulator keys
    executions by the bare name, so list calls are rewritten to it."""
    listing = _LIST_PATH.match(request.path)
    if not listing:
        return request
    name, _ = parse_function_name(listing["name"], None)
    return dataclasses.replace(
        request, path=f"{DURABLE_API_PREFIX}functions/{name}/durable-executions"
    )


def _typed_error(answer: Response) -> Response:
    """An emulator error as Lambda sends it: the emulator names the error's type in its body
    (`{"Type": ..., "Message": ...}`), where botocore does not look, so a closed callback would
    read as error "404"; Lambda names it in a header."""
    if answer.status < 400 or any(k.lower() == "x-amzn-errortype" for k, _ in answer.headers):
        return answer
    try:
        body = json.loads(answer.body)
    except ValueError:
        return answer
    if not isinstance(body, dict) or not isinstance(body.get("Type"), str):
        return answer
    # The emulator writes the message as "Message" or "message", by the error's Smithy shape.
    # The SDK reads it: a stale checkpoint token ("Invalid checkpoint token") is retried, any
    # other InvalidParameterValueException fails the execution for good.
    message = body.get("Message") or body.get("message") or ""
    return error_response(answer.status, body["Type"], str(message))


def _as_lambda_answers(
    request: Request, answer: Response, version_of: Callable[[dict[str, Any]], str]
) -> Response:
    """A listing or a description of executions as Lambda gives it: only the `Statuses` asked
    for (the emulator ignores the filter), each on the version it started on."""
    listed, described = _LIST_PATH.match(request.path), _EXECUTION_PATH.match(request.path)
    if request.method != "GET" or answer.status != 200 or not (listed or described):
        return answer
    body = json.loads(answer.body)
    if described:
        body = function_directory.as_published(body, version_of(body))
    else:
        wanted = {value for key, value in parse_qsl(request.query) if key == "Statuses"}
        body["DurableExecutions"] = [
            function_directory.as_published(e, version_of(e))
            for e in body.get("DurableExecutions", [])
            if not wanted or e.get("Status") in wanted
        ]
    return dataclasses.replace(answer, body=json.dumps(body).encode())


def invocation_response(result: InvocationResult, version: str = "$LATEST") -> Response:
    headers = [("X-Amz-Executed-Version", version), ("x-amzn-RequestId", result.request_id)]
    if result.function_error:
        headers.append(("X-Amz-Function-Error", result.function_error))
    return Response(200, result.payload, [("Content-Type", "application/json"), *headers])
