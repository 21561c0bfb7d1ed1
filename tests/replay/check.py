"""The replay check: run the workflow's current code against a recorded history, invocation
by invocation, as Lambda would run a new version against an execution already waiting.

Each invocation of the history starts from the operations it was given when the execution
resumed (after its approval callback ended, a follow-up fell due, ...). The SDK replays what
is checkpointed there: it refuses, naming both, an operation the code asks for at a position
where the history has another (its type, name or parent); the code reads each recorded step
result and callback payload as it would on AWS. What the code then does for the first time is
checked against what the history recorded next: every checkpoint it sends must be one the
recorded invocation sent (same operation id, type, name and action; the service answers as it
answered then), a step it runs returns what the step returned then (no step touches AWS here),
and the invocation must suspend, or end with the result it ended with, as it did.

A difference fails with one line naming the path, where the execution waited, and the
operation it breaks at, e.g. "escalated, waiting at 'escalate-due': the code asks for step
'remind-1b' where the history has step 'remind-1'".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from aws_durable_execution_sdk_python import DurableContext
from aws_durable_execution_sdk_python.execution import (
    DurableExecutionInvocationInputWithClient,
    InitialExecutionState,
)
from aws_durable_execution_sdk_python.lambda_service import (
    CheckpointOutput,
    CheckpointUpdatedExecutionState,
    Operation,
    OperationAction,
    OperationStatus,
    OperationType,
    OperationUpdate,
    StateOutput,
    StepDetails,
)
from aws_durable_execution_sdk_python.serdes import deserialize

from handlers import workflow
from handlers.domain.follow_ups import FollowUp
from handlers.domain.leave_request import DecisionPayload, LeaveRequest, Outcome
from handlers.logic import leave_workflow
from handlers.logic.leave_workflow import Verdict, WorkflowSteps
from handlers.settings import WorkflowSettings
from tests.replay.history import History, Invocation
from tests.support.lambda_context import lambda_context


class ReplayBroken(AssertionError):
    """The code under test would break an execution waiting as the history did."""


def _kind(operation_type: str | None) -> str:
    return (operation_type or "operation").lower()


def _described(operation: dict[str, Any] | None) -> str:
    if operation is None:
        return "nothing"
    return f"{_kind(operation.get('Type'))} '{operation.get('Name')}'"


@dataclass
class _Replay:
    """One invocation replayed: what was recorded, and what went wrong first."""

    invocation: Invocation
    # Every operation the history knows, by id (as given, and as checkpointed later).
    known: dict[str, dict[str, Any]]
    problems: list[str] = field(default_factory=list)
    asked: set[tuple[str, str]] = field(default_factory=set)
    last_step: str | None = None
    _tokens: int = 0

    def recorded_updates(self) -> dict[tuple[str, str], tuple[dict[str, Any], list[Any]]]:
        recorded: dict[tuple[str, str], tuple[dict[str, Any], list[Any]]] = {}
        for checkpoint in self.invocation.checkpoints:
            for update in checkpoint.updates:
                answered = [op for op in checkpoint.operations if op["Id"] == update["Id"]]
                recorded[(update["Id"], update["Action"])] = (update, answered)
        return recorded

    def broken(self, problem: str) -> ReplayBroken:
        if not self.problems:
            self.problems.append(problem)
        return ReplayBroken(problem)

    # The durable service, as it answered the recorded invocation.

    def checkpoint(
        self,
        durable_execution_arn: str,
        checkpoint_token: str,
        updates: list[OperationUpdate],
        client_token: str | None,
    ) -> CheckpointOutput:
        recorded = self.recorded_updates()
        answered: list[Operation] = []
        for update in updates:
            key = (update.operation_id, update.action.value)
            asked = {"Type": update.operation_type.value, "Name": update.name}
            there = self.known.get(update.operation_id)
            if there is None:
                # Past the end of the history: new behaviour, not a change of what executions
                # replay. Steps are answered as the service would; anything else cannot be.
                answered.append(self.new_step(update))
                continue
            match = recorded.get(key)
            if (there["Type"], there.get("Name")) != (asked["Type"], asked["Name"]):
                raise self.broken(
                    f"the code asks for {_described(asked)} where the history has "
                    f"{_described(there)}"
                )
            if match is None:
                raise self.broken(
                    f"the code asks for {_described(asked)} ({update.action.value.lower()}), "
                    "which the history does not have there"
                )
            self.asked.add(key)
            answered.extend(Operation.from_json_dict(op) for op in match[1])
        self._tokens += 1
        return CheckpointOutput(
            checkpoint_token=f"replay-{self._tokens}",
            new_execution_state=CheckpointUpdatedExecutionState(operations=answered),
        )

    def new_step(self, update: OperationUpdate) -> Operation:
        """The service's answer to an operation the history does not have: only a step's."""
        if update.operation_type is not OperationType.STEP:
            raise self.broken(
                f"the code asks for {_kind(update.operation_type.value)} '{update.name}' past "
                "the end of the history, which the check cannot answer as the service would"
            )
        status = {
            OperationAction.START: OperationStatus.STARTED,
            OperationAction.SUCCEED: OperationStatus.SUCCEEDED,
        }.get(update.action, OperationStatus.FAILED)
        return Operation(
            operation_id=update.operation_id,
            operation_type=update.operation_type,
            status=status,
            parent_id=update.parent_id,
            name=update.name,
            sub_type=update.sub_type,
            step_details=StepDetails(result=update.payload, error=update.error),
        )

    def get_execution_state(
        self,
        durable_execution_arn: str,
        checkpoint_token: str,
        next_marker: str,
        max_items: int = 1000,
    ) -> StateOutput:
        return StateOutput(operations=[], next_marker=None)

    def step_result(self, name: str) -> Any:
        """What the recorded invocation's step `name` returned (or how it failed)."""
        for checkpoint in self.invocation.checkpoints:
            for update in checkpoint.updates:
                if update["Type"] != "STEP" or update.get("Name") != name:
                    continue
                if update["Action"] == "SUCCEED":
                    payload = update.get("Payload")
                    # As the SDK's default serdes wrote it (steps here set none of their own).
                    return None if payload is None else deserialize(None, payload, "", "")
                if update["Action"] == "FAIL":
                    error = update.get("Error") or {}
                    raise RecordedStepFailure(error.get("ErrorMessage") or name)
        raise self.broken(f"the code runs step '{name}', which the history does not have there")


class RecordedStepFailure(Exception):
    """A step that failed in the history fails the same way in its replay."""


@dataclass(frozen=True)
class _RecordedSteps:
    """The workflow's steps for a replay: each returns what it returned in the history. A new
    step past the end of the history may run code of its own, not these (they know only the
    recorded steps)."""

    settings: WorkflowSettings
    replay: _Replay

    def take_over(self, request: LeaveRequest) -> Any:
        return self.replay.step_result(leave_workflow.StepName.TAKE_OVER)

    def send_receipt(self, request: LeaveRequest) -> Any:
        return self.replay.step_result(leave_workflow.StepName.EMAIL_RECEIPT)

    def ask_approver(self, request: LeaveRequest, callback_id: str, submitted_at: str) -> Any:
        return self.replay.step_result(leave_workflow.StepName.ASK_APPROVER)

    def ask_second_approver(
        self, request: LeaveRequest, first: DecisionPayload, callback_id: str, deadline: int
    ) -> Any:
        return self.replay.step_result(leave_workflow.StepName.SECOND_LEVEL)

    def follow_up(self, request: LeaveRequest, follow_up: FollowUp, deadline: int) -> Any:
        return self.replay.step_result(follow_up.key)

    def record_outcome(self, request: LeaveRequest, submitted_at: str, verdict: Verdict) -> Any:
        return self.replay.step_result(leave_workflow.StepName.RECORD_OUTCOME)

    def send_outcome(self, request: LeaveRequest, outcome: Outcome) -> Any:
        return self.replay.step_result(leave_workflow.StepName.EMAIL_OUTCOME)


@contextmanager
def _steps_watched(replay: _Replay) -> Iterator[None]:
    """Note the name of each step whose result the code was last given, to name the step
    whose recorded result the code fails on."""
    original = DurableContext.step

    def step(self: DurableContext, func: Any, name: str | None = None, config: Any = None) -> Any:
        result = original(self, func, name, config)
        replay.last_step = name
        return result

    with mock.patch.object(DurableContext, "step", step):
        yield


_IDENTITY = re.compile(r"(type|name) checkpoint='?([^',]*)'? current='?([^',]*)'?")
_AT_ID = re.compile(r"at id='([^']+)'")


def _nondeterminism(message: str, known: dict[str, dict[str, Any]]) -> str | None:
    """The SDK's "Non-deterministic operation identity" error, in the check's words."""
    at = _AT_ID.search(message)
    if "Non-deterministic" not in message or at is None:
        return None
    recorded = known.get(at.group(1), {})
    current = {"Type": recorded.get("Type"), "Name": recorded.get("Name")}
    for field_name, _, now in _IDENTITY.findall(message):
        current[field_name.capitalize()] = now
    return f"the code asks for {_described(current)} where the history has {_described(recorded)}"


def _ending(output: dict[str, Any]) -> str:
    status = output.get("Status")
    if status == "PENDING":
        return "suspends"
    if status == "SUCCEEDED":
        return f"ends with {output.get('Result')}"
    error = output.get("Error") or {}
    return f"fails ({error.get('ErrorType')}: {error.get('ErrorMessage')})"


def replay_invocation(history: History, index: int) -> None:
    """Replay one invocation of the history against the code under test."""
    invocation = history.invocations[index]
    known = {op["Id"]: op for item in history.invocations for op in item.operations}
    for item in history.invocations:
        for checkpoint in item.checkpoints:
            known.update((update["Id"], update) for update in checkpoint.updates)
    replay = _Replay(invocation, known)
    # As the history ran them: its version's settings, its steps' results.
    steps: WorkflowSteps = _RecordedSteps(
        WorkflowSettings.from_environment(history.settings), replay
    )
    # The SDK finds the execution's input under the operation the ARN's last part names.
    execution = next(op["Id"] for op in invocation.operations if op["Type"] == "EXECUTION")
    event = DurableExecutionInvocationInputWithClient(
        durable_execution_arn=f"replay:{history.path}/{execution}",
        checkpoint_token="replay-0",
        initial_execution_state=InitialExecutionState(
            operations=[Operation.from_json_dict(op) for op in invocation.operations],
            next_marker="",
        ),
        service_client=replay,
    )
    where = f"{history.path}, waiting at '{invocation.waited_at}'"
    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(workflow, "leave_steps", return_value=steps))
        stack.enter_context(_steps_watched(replay))
        try:
            handler: Callable[..., Mapping[str, Any]] = workflow.handler
            output = dict(handler(event, lambda_context()))
        except ReplayBroken:
            output = {}
    if replay.problems:
        raise ReplayBroken(f"{where}: {replay.problems[0]}")
    recorded = invocation.output
    if output.get("Status") == "FAILED" and recorded.get("Status") != "FAILED":
        error = output.get("Error") or {}
        message = str(error.get("ErrorMessage"))
        said = _nondeterminism(message, known)
        if said is None:
            after = f" after step '{replay.last_step}'" if replay.last_step else ""
            first_line = message.splitlines()[0] if message else ""
            said = f"the code fails{after}: {error.get('ErrorType')}: {first_line}"
        raise ReplayBroken(f"{where}: {said}")
    missing = [key for key in replay.recorded_updates() if key not in replay.asked]
    if missing and not replay.problems:
        skipped = replay.recorded_updates()[missing[0]][0]
        raise ReplayBroken(
            f"{where}: the code no longer asks for {_described(skipped)} "
            f"({skipped['Action'].lower()}), which the history has next"
        )
    if _ending(output) != _ending(recorded):
        raise ReplayBroken(
            f"{where}: the code {_ending(output)} where the history {_ending(recorded)}"
        )


def replay_history(history: History) -> None:
    """Replay the history at each moment its execution waited: every invocation but the
    first, which replayed nothing (a new execution runs whatever code is current)."""
    for index in range(1, len(history.invocations)):
        replay_invocation(history, index)
