"""Running a function's invocations in execution environments: worker processes, one per
environment, each running one invocation at a time, as on Lambda.

Why processes and not threads: the handlers keep per-process state as Lambda allows (cached
settings and clients, Powertools' logger keys appended per invocation, the durable SDK's cached
client) and read their settings from `os.environ`. In threads, concurrent invocations of three
functions would share one environment and clobber each other's logger keys; in processes each
environment has its own variables, its own stdout (which becomes its log stream, EMF included)
and its own cold start. A function scales up to `max_concurrency` environments; further
invocations wait for a free one instead of being throttled.
"""

import contextlib
import json
import logging
import os
import select
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Protocol, cast

from sandbox.config import PROJECT_ROOT
from sandbox.functions import LambdaFunction, function_arn

logger = logging.getLogger(__name__)


class LogSink(Protocol):
    """Where an environment's output goes: CloudWatch Logs and, for EMF lines, metrics."""

    def log(self, group: str, stream: str, timestamp_ms: int, message: str) -> None: ...

    def invocation_finished(self, function: str, duration_ms: float, failed: bool) -> None: ...


@dataclass(frozen=True)
class Invocation:
    payload: bytes
    invoked_arn: str
    request_id: str = ""
    tenant_id: str | None = None


@dataclass(frozen=True)
class InvocationResult:
    request_id: str
    payload: bytes
    # "Unhandled" when the handler raised (the payload is then the error object), as Lambda says.
    function_error: str | None = None

    def output(self) -> Any:
        return json.loads(self.payload or b"null")


def _error_result(request_id: str, error_type: str, message: str) -> InvocationResult:
    error = {"errorMessage": message, "errorType": error_type}
    return InvocationResult(request_id, json.dumps(error).encode(), "Unhandled")


def _log_stream_name(version: str) -> str:
    return f"{datetime.now(UTC):%Y/%m/%d}/[{version}]{uuid.uuid4().hex}"


def _now_ms() -> int:
    return int(time.time() * 1000)


class ExecutionEnvironment:
    """One worker process; `invoke` is called by one thread at a time."""

    def __init__(
        self,
        function: LambdaFunction,
        environment: Mapping[str, str],
        sink: LogSink,
        code_root: Path = PROJECT_ROOT,
    ):
        self.function = function
        self.version = environment.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.stream = _log_stream_name(self.version)
        self._sink = sink
        self.alive = True
        to_worker_r, self._to_worker = os.pipe()
        self._from_worker, from_worker_w = os.pipe()
        self._process = subprocess.Popen(  # noqa: S603 (our interpreter, our module)
            [
                *(sys.executable, "-m", "sandbox.worker", function.handler),
                *(str(to_worker_r), str(from_worker_w)),
            ],
            cwd=code_root,
            env={
                **environment,
                "AWS_LAMBDA_LOG_STREAM_NAME": self.stream,
                "PYTHONUNBUFFERED": "1",
            },
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=(to_worker_r, from_worker_w),
        )
        os.close(to_worker_r)
        os.close(from_worker_w)
        self._outcomes = os.fdopen(self._from_worker, "rb")
        self._forwarders = []
        for pipe in (self._process.stdout, self._process.stderr):
            assert pipe is not None
            forwarder = threading.Thread(target=self._forward, args=(pipe,), daemon=True)
            forwarder.start()
            self._forwarders.append(forwarder)

    @classmethod
    def start(
        cls,
        function: LambdaFunction,
        environment: Mapping[str, str],
        sink: LogSink,
        code_root: Path = PROJECT_ROOT,
    ) -> "ExecutionEnvironment":
        return cls(function, environment, sink, code_root)

    def _forward(self, pipe: IO[bytes]) -> None:
        for raw in pipe:
            line = raw.decode(errors="replace").rstrip("\n")
            if line:
                self._sink.log(self.function.log_group, self.stream, _now_ms(), line)

    def _read_outcome(self, timeout: float) -> dict[str, Any] | None:
        ready, _, _ = select.select([self._outcomes], [], [], max(timeout, 0))
        if not ready:
            return None
        line = self._outcomes.readline()
        if not line:
            raise EOFError("the environment's process exited")
        return cast(dict[str, Any], json.loads(line))

    def wait_until_initialised(self, timeout: float = 30) -> dict[str, Any] | None:
        """The init phase's report, or None when it took too long."""
        try:
            return self._read_outcome(timeout)
        except EOFError:
            return {"ready": False, "error": {"errorType": "Runtime.ExitError"}}

    def invoke(self, invocation: Invocation) -> InvocationResult:
        request_id = invocation.request_id or str(uuid.uuid4())
        timeout = self.function.timeout_seconds
        started = time.monotonic()
        self._platform_line(f"START RequestId: {request_id} Version: {self.version}")
        message = {
            "payload": invocation.payload.decode(),
            "request_id": request_id,
            "invoked_function_arn": invocation.invoked_arn,
            "deadline_ms": _now_ms() + timeout * 1000,
            "tenant_id": invocation.tenant_id,
        }
        try:
            os.write(self._to_worker, json.dumps(message).encode() + b"\n")
            outcome = self._read_outcome(timeout)
        except (OSError, EOFError):
            self.stop()
            result = _error_result(request_id, "Runtime.ExitError", "The runtime exited.")
        else:
            if outcome is None:
                # Lambda stops an environment whose invocation outlives the function's timeout.
                self.stop()
                message_text = f"Task timed out after {timeout:.2f} seconds"
                self._platform_line(f"{datetime.now(UTC).isoformat()} {request_id} {message_text}")
                result = _error_result(request_id, "Sandbox.Timedout", message_text)
            elif "error" in outcome:
                result = InvocationResult(
                    request_id, json.dumps(outcome["error"]).encode(), "Unhandled"
                )
            else:
                result = InvocationResult(request_id, outcome["payload"].encode())
        duration_ms = (time.monotonic() - started) * 1000
        self._platform_line(f"END RequestId: {request_id}")
        self._platform_line(
            f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
            f"Memory Size: {self.function.memory_mb} MB"
        )
        self._sink.invocation_finished(
            self.function.name, duration_ms, result.function_error is not None
        )
        return result

    def _platform_line(self, line: str) -> None:
        self._sink.log(self.function.log_group, self.stream, _now_ms(), line)

    def stop(self) -> None:
        self.alive = False
        with contextlib.suppress(OSError):  # closed by an earlier stop
            os.close(self._to_worker)
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        # What the process wrote last (its final log lines, a metric) is still in the pipes:
        # forwarded before the stop returns, so the telemetry, stopped after, ships it.
        for forwarder in self._forwarders:
            if forwarder is not threading.current_thread():
                forwarder.join(timeout=5)
        self._outcomes.close()


class Runtime(Protocol):
    """What the Lambda API runs a function's invocations on."""

    @property
    def function(self) -> LambdaFunction: ...

    @property
    def arn(self) -> str: ...

    def warm(self) -> None: ...

    def invoke(self, invocation: Invocation) -> InvocationResult: ...

    def wait_until_idle(self, timeout: float) -> bool: ...

    def stop(self) -> None: ...


class FunctionRuntime:
    """A function's environments: reused when idle, started on demand up to its concurrency.

    `code_root` holds the `handlers` package its workers import (the project's, or a published
    version's copy: sandbox/versions.py), and `version` is the one they report."""

    def __init__(
        self,
        function: LambdaFunction,
        platform: Mapping[str, str],
        sink: LogSink,
        code_root: Path = PROJECT_ROOT,
        version: str = "$LATEST",
    ) -> None:
        self.function = function
        self._code_root = code_root
        # A version's copy comes first on the import path (the working directory); the
        # project still provides the worker itself.
        imports = {} if code_root == PROJECT_ROOT else {"PYTHONPATH": str(PROJECT_ROOT)}
        self._environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "TZ": ":UTC",
            **imports,
            "LAMBDA_TASK_ROOT": str(code_root),
            "_HANDLER": function.handler,
            "AWS_LAMBDA_FUNCTION_NAME": function.name,
            "AWS_LAMBDA_FUNCTION_VERSION": version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": function.log_group,
            **platform,
            **function.settings,
        }
        self._sink = sink
        self._idle: list[ExecutionEnvironment] = []
        self._everyone: set[ExecutionEnvironment] = set()
        self._starting = 0
        self._available = threading.Condition()
        self._stopped = False

    @property
    def arn(self) -> str:
        return function_arn(self.function.name)

    def warm(self) -> None:
        """Start one environment ahead of the first invocation, as provisioned concurrency."""
        environment = self._acquire()
        if environment is not None:
            self._release(environment)

    def invoke(self, invocation: Invocation) -> InvocationResult:
        environment = self._acquire()
        if environment is None:
            return _error_result(
                invocation.request_id, "Runtime.InitError", "The function's init phase failed."
            )
        try:
            return environment.invoke(invocation)
        finally:
            self._release(environment)

    def _acquire(self) -> ExecutionEnvironment | None:
        with self._available:
            while True:
                if self._stopped:
                    raise RuntimeError(f"{self.function.name} is stopped")
                if self._idle:
                    return self._idle.pop()
                if len(self._everyone) + self._starting < self.function.max_concurrency:
                    self._starting += 1
                    break
                self._available.wait()
        environment = ExecutionEnvironment.start(
            self.function, self._environment, self._sink, self._code_root
        )
        report = environment.wait_until_initialised()
        with self._available:
            self._starting -= 1
            if report is None or not report.get("ready"):
                logger.error("%s failed to initialise: %s", self.function.name, report)
                environment.stop()
                self._available.notify()
                return None
            self._everyone.add(environment)
        return environment

    def _release(self, environment: ExecutionEnvironment) -> None:
        with self._available:
            if environment.alive and not self._stopped:
                self._idle.append(environment)
            else:
                self._everyone.discard(environment)
            self._available.notify()

    def wait_until_idle(self, timeout: float) -> bool:
        """Wait until no invocation runs, for at most `timeout` seconds; whether none does."""
        deadline = time.monotonic() + timeout
        with self._available:
            while self._starting or len(self._idle) < len(self._everyone):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._available.wait(left)
        return True

    def stop(self) -> None:
        with self._available:
            self._stopped = True
            everyone = list(self._everyone)
            self._available.notify_all()
        for environment in everyone:
            environment.stop()
