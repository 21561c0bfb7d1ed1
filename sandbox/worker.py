"""One Lambda execution environment: a process that imports one handler and runs its invocations.

Started by `sandbox.lambda_runtime` as `python -m sandbox.worker MODULE.FUNCTION IN_FD OUT_FD`
with the function's environment. Invocations arrive one at a time as JSON lines on IN_FD and
each outcome leaves as one JSON line on OUT_FD, so the process's stdout and stderr carry only
what the handler prints: its logs and EMF metrics, as on Lambda. The first line on OUT_FD
reports the end of the init phase (the import of the handler's module).
"""

import importlib
import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO, cast


@dataclass
class LambdaContext:
    """The attributes and method of the Python runtime's context object."""

    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    deadline_ms: int
    identity: Any = None
    client_context: Any = None
    tenant_id: str | None = None

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self.deadline_ms - int(time.time() * 1000))


def error_object(error: BaseException, error_type: str | None = None) -> dict[str, Any]:
    """An unhandled error as the Python runtime reports it to the caller."""
    return {
        "errorMessage": str(error),
        "errorType": error_type or type(error).__name__,
        "stackTrace": traceback.format_tb(error.__traceback__),
    }


def _load(handler_path: str) -> Callable[[Any, Any], Any]:
    module_name, _, function_name = handler_path.rpartition(".")
    return cast(
        Callable[[Any, Any], Any], getattr(importlib.import_module(module_name), function_name)
    )


def _context(invocation: dict[str, Any]) -> LambdaContext:
    environ = os.environ
    return LambdaContext(
        function_name=environ["AWS_LAMBDA_FUNCTION_NAME"],
        function_version=environ["AWS_LAMBDA_FUNCTION_VERSION"],
        invoked_function_arn=invocation["invoked_function_arn"],
        memory_limit_in_mb=int(environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]),
        aws_request_id=invocation["request_id"],
        log_group_name=environ["AWS_LAMBDA_LOG_GROUP_NAME"],
        log_stream_name=environ["AWS_LAMBDA_LOG_STREAM_NAME"],
        deadline_ms=invocation["deadline_ms"],
        tenant_id=invocation.get("tenant_id"),
    )


def _invoke(handler: Callable[[Any, Any], Any], invocation: dict[str, Any]) -> dict[str, Any]:
    try:
        event = json.loads(invocation["payload"] or "null")
        output = handler(event, _context(invocation))
    except Exception as error:
        print(f"[ERROR] {type(error).__name__}: {error}", file=sys.stderr)
        traceback.print_exc()
        return {"error": error_object(error)}
    try:
        return {"payload": json.dumps(output)}
    except (TypeError, ValueError) as error:
        return {"error": error_object(error, "Runtime.MarshalError")}
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


def _send(channel: BinaryIO, message: dict[str, Any]) -> None:
    channel.write(json.dumps(message).encode() + b"\n")
    channel.flush()


def main(handler_path: str, in_fd: int, out_fd: int) -> None:
    invocations = os.fdopen(in_fd, "rb")
    outcomes = os.fdopen(out_fd, "wb")
    try:
        handler = _load(handler_path)
    except Exception as error:
        traceback.print_exc()
        init_error = error_object(error, "Runtime.ImportModuleError")
        _send(outcomes, {"ready": False, "error": init_error})
        return
    _send(outcomes, {"ready": True})
    # The loop ends when the sandbox closes the pipe, or dies.
    for line in invocations:
        _send(outcomes, _invoke(handler, json.loads(line)))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
