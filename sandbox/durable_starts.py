"""Starting durable executions with Lambda's naming rule, which the durable emulator lacks.

On Lambda, one `DurableExecutionName` starts one execution per function: the same name with the
same payload returns the existing execution, another payload is refused with
`DurableExecutionAlreadyStartedException`. The submit handler's idempotency rests on that rule.
The emulator's own store is the record of names, so the rule holds across restarts too.
"""

import json
import threading
import urllib.request
import zlib
from dataclasses import dataclass
from typing import Any

from sandbox.aws_clients import local_client
from sandbox.config import ACCOUNT_ID
from sandbox.functions import LambdaFunction

START_PATH = "/start-durable-execution"
_LOCK_STRIPES = 64


class ExecutionNameTakenError(Exception):
    """The name already started an execution with another payload."""


@dataclass(frozen=True)
class StartedExecution:
    arn: str
    # False when the name and payload had started it before.
    new: bool


class DurableStarts:
    def __init__(self, durable_endpoint: str) -> None:
        self._endpoint = durable_endpoint
        self._client = local_client("lambda", durable_endpoint)
        # Starts of one name are serialised, so two racing starts cannot both begin one.
        self._locks = [threading.Lock() for _ in range(_LOCK_STRIPES)]

    def start(
        self, function: LambdaFunction, qualifier: str, name: str, payload: str
    ) -> StartedExecution:
        """Start the execution, or return the one this name and payload already started."""
        assert function.durable is not None
        with self._locks[zlib.crc32(name.encode()) % _LOCK_STRIPES]:
            existing = self._existing(function.name, name)
            if existing is not None:
                arn, existing_payload = existing
                if existing_payload != payload:
                    raise ExecutionNameTakenError(name)
                return StartedExecution(arn, new=False)
            arn = self._start(
                {
                    "AccountId": ACCOUNT_ID,
                    "FunctionName": function.name,
                    "FunctionQualifier": qualifier,
                    "ExecutionName": name,
                    "ExecutionTimeoutSeconds": function.durable.execution_timeout_seconds,
                    "ExecutionRetentionPeriodDays": function.durable.retention_period_days,
                    "Input": payload,
                }
            )
            return StartedExecution(arn, new=True)

    def _existing(self, function_name: str, name: str) -> tuple[str, str] | None:
        listed = self._client.list_durable_executions_by_function(
            FunctionName=function_name, DurableExecutionName=name
        )
        for summary in listed.get("DurableExecutions", []):
            arn = summary["DurableExecutionArn"]
            execution = self._client.get_durable_execution(DurableExecutionArn=arn)
            return arn, execution.get("InputPayload") or ""
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
