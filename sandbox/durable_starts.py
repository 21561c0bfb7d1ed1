"""Starting durable executions with Lambda's naming rule, which the durable emulator lacks.

On Lambda, one `DurableExecutionName` starts one execution per function: the same name with the
same payload returns the existing execution, another payload is refused with
`DurableExecutionAlreadyStartedException`. The submit handler's idempotency rests on that rule.
The emulator's own store is the record of names, so the rule holds across restarts too.

The check of the name is answered at the call; the start itself may then fail
(`StartFailedError`: the emulator refused, erred or could not be reached, or a `StartFaults`
fault), which Lambda's API turns into its asynchronous retries (async_starts.py).
"""

import json
import threading
import urllib.request
import zlib
from dataclasses import dataclass
from typing import Any

from sandbox.async_starts import StartFaults
from sandbox.aws_clients import local_client
from sandbox.config import ACCOUNT_ID
from sandbox.functions import LambdaFunction

START_PATH = "/start-durable-execution"
_LOCK_STRIPES = 64


class ExecutionNameTakenError(Exception):
    """The name already started an execution with another payload."""


class StartFailedError(Exception):
    """The check passed but the start was not answered: it may or may not have been made."""


@dataclass(frozen=True)
class StartedExecution:
    arn: str
    # False when the name and payload had started it before.
    new: bool


class DurableStarts:
    def __init__(self, durable_endpoint: str, faults: StartFaults | None = None) -> None:
        self._endpoint = durable_endpoint
        self._faults = faults or StartFaults()
        self._client = local_client("lambda", durable_endpoint)
        # Starts of one name are serialised, so two racing starts cannot both begin one.
        self._locks = [threading.Lock() for _ in range(_LOCK_STRIPES)]

    def start(
        self, function: LambdaFunction, qualifier: str, name: str, payload: str
    ) -> StartedExecution:
        """Start the execution, or return the one this name and payload already started.

        The check's own failures (botocore's) are raised as they are; the start's, as
        `StartFailedError`."""
        assert function.durable is not None
        with self._locks[zlib.crc32(name.encode()) % _LOCK_STRIPES]:
            existing = self.existing(function.name, name, payload)
            if existing is not None:
                return StartedExecution(existing, new=False)
            fault = self._faults.next_attempt()
            if fault is not None and not fault.applied:
                raise StartFailedError(fault.description)
            start_input = {
                "AccountId": ACCOUNT_ID,
                "FunctionName": function.name,
                "FunctionQualifier": qualifier,
                "ExecutionName": name,
                "ExecutionTimeoutSeconds": function.durable.execution_timeout_seconds,
                "ExecutionRetentionPeriodDays": function.durable.retention_period_days,
                "Input": payload,
            }
            try:
                arn = self._start(start_input)
            except (OSError, ValueError, KeyError) as error:  # urllib's errors are OSErrors
                raise StartFailedError(f"the durable emulator: {error}") from error
            if fault is not None:
                raise StartFailedError(fault.description)
            return StartedExecution(arn, new=True)

    def existing(self, function_name: str, name: str, payload: str) -> str | None:
        """The execution this name and payload started; None if the name started none.
        `ExecutionNameTakenError` if it started one with another payload."""
        listed = self._client.list_durable_executions_by_function(
            FunctionName=function_name, DurableExecutionName=name
        )
        for summary in listed.get("DurableExecutions", []):
            arn = str(summary["DurableExecutionArn"])
            execution = self._client.get_durable_execution(DurableExecutionArn=arn)
            if (execution.get("InputPayload") or "") != payload:
                raise ExecutionNameTakenError(name)
            return arn
        return None

    def _start(self, start_input: dict[str, Any]) -> str:
        request = urllib.request.Request(  # noqa: S310 (the emulator's own http URL)
            self._endpoint + START_PATH,
            data=json.dumps(start_input).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return str(json.loads(response.read())["ExecutionArn"])
