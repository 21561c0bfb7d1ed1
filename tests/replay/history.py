"""A workflow execution's history as the replay check reads it, and how it is recorded.

A history is what one execution of one path was given and asked for, invocation by
invocation: the operations each invocation started from (the execution's state when it was
resumed: after its approval callback ended, after a follow-up fell due, ...), every checkpoint
it sent (the operation updates) with what the service answered, and how it ended (suspended,
or finished with its result). It also keeps the execution's input and the workflow's settings
it ran with, as a version on AWS keeps the environment it was published with.

`RecordingHandler` wraps the workflow's handler where the durable test runner invokes it and
writes that down; nothing in it changes what the handler does.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aws_durable_execution_sdk_python.execution import DurableExecutionInvocationInputWithClient
from aws_durable_execution_sdk_python.lambda_service import (
    CheckpointOutput,
    DurableServiceClient,
    Operation,
    OperationStatus,
    OperationType,
    OperationUpdate,
    StateOutput,
)

HISTORIES = Path(__file__).parent / "histories"
# Where an execution waits before its first invocation: nowhere yet.
AT_THE_START = "the start"


@dataclass
class Checkpoint:
    """One CheckpointDurableExecution call: the updates sent, the operations answered."""

    updates: list[dict[str, Any]]
    operations: list[dict[str, Any]]


@dataclass
class Invocation:
    """One invocation of the execution."""

    # What it waited at before this invocation resumed it (an operation's name).
    waited_at: str
    # The execution's operations as the invocation was given them.
    operations: list[dict[str, Any]]
    checkpoints: list[Checkpoint] = field(default_factory=list)
    # The invocation's output: {"Status": "PENDING"} when it suspended, else its end.
    output: dict[str, Any] = field(default_factory=dict)


@dataclass
class History:
    path: str
    description: str
    input: dict[str, Any]
    # The workflow's environment (handlers/settings.py WorkflowSettings) it ran with.
    settings: dict[str, str]
    invocations: list[Invocation]

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> History:
        raw = json.loads(text)
        invocations = [
            Invocation(
                waited_at=item["waited_at"],
                operations=item["operations"],
                checkpoints=[Checkpoint(**checkpoint) for checkpoint in item["checkpoints"]],
                output=item["output"],
            )
            for item in raw["invocations"]
        ]
        return cls(
            path=raw["path"],
            description=raw["description"],
            input=raw["input"],
            settings=raw["settings"],
            invocations=invocations,
        )


def stored_histories() -> list[History]:
    """Every history under tests/replay/histories, by path name."""
    return [History.from_json(file.read_text()) for file in sorted(HISTORIES.glob("*.json"))]


def operation_json(operation: Operation) -> dict[str, Any]:
    """An operation as JSON (timestamps as epoch milliseconds, as the service sends them)."""
    return dict(operation.to_json_dict())


def state_after(invocation: Invocation) -> dict[str, dict[str, Any]]:
    """The execution's operations, by id, as the invocation left them."""
    state = {op["Id"]: op for op in invocation.operations}
    for checkpoint in invocation.checkpoints:
        state.update((op["Id"], op) for op in checkpoint.operations)
    return state


def waited_at(invocation: Invocation | None) -> str:
    """What the execution waited at once this invocation suspended: its last operation still
    under way at the top (a follow-up's race, else an approval callback), by name."""
    if invocation is None:
        return AT_THE_START
    waiting = [
        op["Name"]
        for op in state_after(invocation).values()
        if not op.get("ParentId")
        and op["Type"] != OperationType.EXECUTION.value
        and op["Status"] in (OperationStatus.STARTED.value, OperationStatus.PENDING.value)
    ]
    return waiting[-1] if waiting else AT_THE_START


class _RecordingClient:
    """The durable service client the runner gave the invocation, writing down each call."""

    def __init__(self, client: DurableServiceClient, invocation: Invocation) -> None:
        self._client = client
        self._invocation = invocation

    def checkpoint(
        self,
        durable_execution_arn: str,
        checkpoint_token: str,
        updates: list[OperationUpdate],
        client_token: str | None,
    ) -> CheckpointOutput:
        answer = self._client.checkpoint(
            durable_execution_arn, checkpoint_token, updates, client_token
        )
        self._invocation.checkpoints.append(
            Checkpoint(
                updates=[dict(update.to_dict()) for update in updates],
                operations=[operation_json(op) for op in answer.new_execution_state.operations],
            )
        )
        return answer

    def get_execution_state(
        self,
        durable_execution_arn: str,
        checkpoint_token: str,
        next_marker: str,
        max_items: int = 1000,
    ) -> StateOutput:
        page = self._client.get_execution_state(
            durable_execution_arn, checkpoint_token, next_marker, max_items
        )
        self._invocation.operations.extend(operation_json(op) for op in page.operations)
        return page


class RecordingHandler:
    """The workflow's handler, as the runner invokes it, writing each invocation down."""

    def __init__(self, handler: Callable[[Any, Any], MutableMapping[str, Any]]) -> None:
        self._handler = handler
        self._lock = threading.Lock()
        self.invocations: dict[str, list[Invocation]] = {}  # by execution ARN

    def __call__(self, event: Any, context: Any) -> MutableMapping[str, Any]:
        assert isinstance(event, DurableExecutionInvocationInputWithClient), type(event)
        given = event.initial_execution_state.operations
        with self._lock:
            before = self.invocations.get(event.durable_execution_arn, [])
            previous = before[-1] if before else None
        invocation = Invocation(
            waited_at=waited_at(previous), operations=[operation_json(op) for op in given]
        )
        recorded = dataclasses.replace(
            event, service_client=_RecordingClient(event.service_client, invocation)
        )
        output = self._handler(recorded, context)
        invocation.output = dict(output)
        with self._lock:
            self.invocations.setdefault(event.durable_execution_arn, []).append(invocation)
        return output

    def history(
        self,
        execution_arn: str,
        path: str,
        description: str,
        payload: Mapping[str, Any],
        settings: Mapping[str, str],
    ) -> History:
        with self._lock:
            invocations = list(self.invocations[execution_arn])
        return History(path, description, dict(payload), dict(settings), invocations)
