"""Lambda's durable execution APIs: starting the workflow and resuming it with a decision."""

import json
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from handlers.aws_clients import aws_client


class ExecutionNameConflictError(RuntimeError):
    """An execution with this name was already started with a different payload."""


class CallbackClosedError(RuntimeError):
    """The callback no longer accepts a result: it completed, timed out or its execution ended."""


class WorkflowUnavailableError(RuntimeError):
    """Lambda refused for a passing reason (throttling, a service error): try again later."""


# The statuses of an execution that will never run again (botocore's lambda model,
# `ExecutionStatus`). Every other one, RUNNING, PAUSING, PAUSED, DELETING or any added later,
# may still end its request: nothing outside the execution may end it meanwhile.
ENDED_STATUSES = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"})


class WorkflowService(Protocol):
    def start(self, execution_name: str, payload: dict[str, Any]) -> None: ...

    def succeed_callback(self, callback_id: str, result: str) -> None: ...

    def fail_callback(self, callback_id: str, error_type: str, message: str, data: str) -> None: ...

    def is_alive(self, execution_name: str) -> bool: ...


_CLOSED_CALLBACK_ERRORS = {
    "ResourceNotFoundException",
    "CallbackTimeoutException",
    "InvalidParameterValueException",
}


def callback_error(code: str) -> Exception:
    """What a callback API error code means to the caller.

    Anything but a closed callback means the result was not taken: the caller may send it
    again (nothing was decided), so it is told "unavailable", whatever the cause.
    """
    if code in _CLOSED_CALLBACK_ERRORS:
        return CallbackClosedError(code)
    return WorkflowUnavailableError(code)


class LambdaWorkflowService:
    def __init__(self, function: str | None = None, client: Any = None) -> None:
        # A version or alias ARN: durable functions refuse unqualified invokes, and a qualified
        # one keeps every execution on the code it started with. Callbacks need no function.
        self._function = function
        self._client = client or aws_client("lambda")

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
            raise

    def is_alive(self, execution_name: str) -> bool:
        """Whether an execution of that name may still run (False if it ended or never started).

        Any status but an ended one counts as alive: a paused execution resumes and ends its
        request itself. `function` must then name the workflow function itself, unqualified:
        executions are listed across its versions and aliases.
        """
        if not self._function:
            raise ValueError("no workflow function to list executions of")
        pages = self._client.get_paginator("list_durable_executions_by_function").paginate(
            FunctionName=self._function, DurableExecutionName=execution_name
        )
        return any(
            e.get("DurableExecutionName") == execution_name
            and e.get("Status") not in ENDED_STATUSES
            for page in pages
            for e in page.get("DurableExecutions", [])
        )

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
        except BotoCoreError as error:
            # A timeout or a lost connection: the callback may or may not have been taken.
            # Sending it again is safe: a second one finds the callback closed.
            raise WorkflowUnavailableError(type(error).__name__) from error
