"""Lambda's durable execution APIs: starting the workflow and resuming it with a decision."""

import json
from typing import Any, Protocol

import boto3
from botocore.exceptions import ClientError


class ExecutionNameConflictError(RuntimeError):
    """An execution with this name was already started with a different payload."""


class CallbackClosedError(RuntimeError):
    """The callback no longer accepts a result: it completed, timed out or its execution ended."""

    @property
    def timed_out(self) -> bool:
        return str(self) == "CallbackTimeoutException"


class WorkflowUnavailableError(RuntimeError):
    """Lambda refused for a passing reason (throttling, a service error): try again later."""


class WorkflowService(Protocol):
    def start(self, execution_name: str, payload: dict[str, Any]) -> None: ...

    def succeed_callback(self, callback_id: str, result: str) -> None: ...

    def fail_callback(self, callback_id: str, error_type: str, message: str, data: str) -> None: ...


_CLOSED_CALLBACK_ERRORS = {
    "ResourceNotFoundException",
    "CallbackTimeoutException",
    "InvalidParameterValueException",
}
_PASSING_ERRORS = {"TooManyRequestsException", "ServiceException", "ThrottlingException"}


def callback_error(code: str) -> Exception:
    """What a callback API error code means to the caller."""
    if code in _CLOSED_CALLBACK_ERRORS:
        return CallbackClosedError(code)
    if code in _PASSING_ERRORS:
        return WorkflowUnavailableError(code)
    return RuntimeError(f"the callback could not be sent: {code}")


class LambdaWorkflowService:
    def __init__(self, function: str | None = None, client: Any = None) -> None:
        # A version or alias ARN: durable functions refuse unqualified invokes, and a qualified
        # one keeps every execution on the code it started with. Callbacks need no function.
        self._function = function
        self._client = client or boto3.client("lambda")

    def start(self, execution_name: str, payload: dict[str, Any]) -> None:
        """Start an execution asynchronously; the same name and payload start it only once."""
        if not self._function:
            raise ValueError("no workflow function to start")
        try:
            self._client.invoke(
                FunctionName=self._function,
                InvocationType="Event",
                DurableExecutionName=execution_name,
                Payload=json.dumps(payload, sort_keys=True).encode(),
            )
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code == "DurableExecutionAlreadyStartedException":
                raise ExecutionNameConflictError(execution_name) from error
            if code in _PASSING_ERRORS:
                raise WorkflowUnavailableError(code) from error
            raise

    def succeed_callback(self, callback_id: str, result: str) -> None:
        self._send(
            self._client.send_durable_execution_callback_success,
            CallbackId=callback_id,
            Result=result.encode(),
        )

    def fail_callback(self, callback_id: str, error_type: str, message: str, data: str) -> None:
        self._send(
            self._client.send_durable_execution_callback_failure,
            CallbackId=callback_id,
            Error={"ErrorType": error_type, "ErrorMessage": message, "ErrorData": data},
        )

    @staticmethod
    def _send(call: Any, **arguments: Any) -> None:
        try:
            call(**arguments)
        except ClientError as error:
            raise callback_error(error.response["Error"]["Code"]) from error
