"""The leave workflow's orchestration: take over, acknowledge, ask, wait (reminding,
escalating), settle, tell.

The determinism rule is this module's boundary. What is here runs again on every replay, so it
may only call durable operations (steps, waits, callbacks, races) and decide from the input and
their checkpointed results: no clock, no randomness, no AWS call, no metric. Every side effect
is a step of `WorkflowSteps` (handlers/logic/workflow_steps.py), run inside `context.step`, so
a replay skips what is done. A unit test keeps this module from importing storage, gateways or
boto3 (tests/unit/test_workflow_boundary.py).

Submit has already recorded the request (pending, its dates held); the first step takes it
over, bound by the execution's name, so an execution whose start submit gave up on finds
nothing and ends without a word. Step results are small: ids, timestamps and the outcome,
never records or email bodies. Steps retry only what may pass (throttling, 5xx, timeouts, lost
connections); anything else fails the step at once, and the code here decides what that means.

The names and order of the durable operations are what executions in flight replay against:
renaming, reordering, adding or dropping one breaks them
(tests/integration/test_durable_operations.py pins them).

Long leave: once the first approver approved, the second approval is asked through a callback
of its own that ends at the request's one deadline; with nobody above, one approval suffices.
The second level is followed up as the first, over the time it has left, under its own keys
(`second-remind-1`, `second-escalate`).
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from aws_durable_execution_sdk_python import (
    CallbackError,
    CallbackExternalError,
    CallbackTimeoutError,
    DurableContext,
    StepError,
)
from aws_durable_execution_sdk_python.config import (
    CallbackConfig,
    CompletionConfig,
    Duration,
    ParallelConfig,
    StepConfig,
)
from aws_durable_execution_sdk_python.context import Callback
from pydantic import ValidationError

from handlers.domain.approval_levels import needs_second_approval
from handlers.domain.follow_ups import FollowUp
from handlers.domain.leave_request import DecisionPayload, LeaveRequest, Outcome, Withdrawal
from handlers.domain.statuses import LeaveStatus
from handlers.logic.retries import retry_transient
from handlers.settings import WorkflowSettings


class StepName:
    """Names of the workflow's operations. Renaming one breaks executions in flight."""

    TAKE_OVER = "take-over"
    EMAIL_RECEIPT = "email-receipt"
    # The one callback the request's approvers decide through, whoever has it.
    APPROVAL = "approval"
    ASK_APPROVER = "ask-approver"
    # Long leave, once the first approver approved: hand it to the second, who decides through
    # a callback of their own.
    SECOND_APPROVAL = "second-approval"
    SECOND_LEVEL = "second-level"
    # The second level's follow-ups are the first level's, their keys prefixed with this.
    SECOND_LEVEL_FOLLOW_UP = "second-"
    # A follow-up's wait is named `<key>-due`, and the follow-up itself `<key>`.
    RECORD_OUTCOME = "record-outcome"
    EMAIL_OUTCOME = "email-outcome"


STEP = StepConfig(retry_strategy=retry_transient)


class WorkflowSteps(Protocol):
    """The workflow's side effects, each run inside one durable step (workflow_steps.py)."""

    @property
    def settings(self) -> WorkflowSettings: ...

    def take_over(self, request: LeaveRequest) -> str | None: ...

    def send_receipt(self, request: LeaveRequest) -> str: ...

    def ask_approver(self, request: LeaveRequest, callback_id: str, submitted_at: str) -> int: ...

    def ask_second_approver(
        self, request: LeaveRequest, first: DecisionPayload, callback_id: str, deadline: int
    ) -> bool: ...

    def follow_up(
        self, request: LeaveRequest, follow_up: FollowUp, deadline: int
    ) -> str | None: ...

    def record_outcome(
        self, request: LeaveRequest, submitted_at: str, verdict: Verdict
    ) -> dict[str, Any] | None: ...

    def send_outcome(self, request: LeaveRequest, outcome: Outcome) -> str: ...


UNREACHABLE_APPROVER = (
    "Your approver could not be reached by email, so nobody can decide this request. "
    "Please contact them, then submit it again."
)
UNREACHABLE_SECOND_APPROVER = (
    "Your leave was approved at the first level, but the second approver could not be asked, "
    "so it could not be approved in full. Please contact them, then submit it again."
)


@dataclass(frozen=True)
class Verdict:
    """How the wait for a decision ended."""

    status: LeaveStatus
    decision: DecisionPayload | None = None
    note: str | None = None
    withdrawal: Withdrawal | None = None

    def outcome(self, now: datetime) -> Outcome:
        """The outcome to record; `now` (read inside the step that records it) dates an
        expiry or a failure."""
        if self.withdrawal is not None:
            withdrawal = self.withdrawal
            return Outcome(
                status=self.status, decided_at=withdrawal.withdrawn_at, by=withdrawal.withdrawn_by
            )
        decision = self.decision
        return Outcome(
            status=self.status,
            decided_at=decision.decided_at if decision else now,
            by=decision.approver_email if decision else None,
            comment=decision.comment if decision else self.note,
        )


# What an execution returns when submit had given up on it before it took the request over.
DISCARDED = "discarded"


def run_leave_workflow(
    context: DurableContext, request: LeaveRequest, steps: WorkflowSteps
) -> dict[str, str]:
    submitted_at: str | None = context.step(
        lambda _: steps.take_over(request), name=StepName.TAKE_OVER, config=STEP
    )
    if submitted_at is None:
        context.logger.warning("submit gave up on this execution: nothing to do")
        return {"request_id": request.request_id, "status": DISCARDED}
    try:
        context.step(
            lambda _: steps.send_receipt(request), name=StepName.EMAIL_RECEIPT, config=STEP
        )
    except StepError as error:
        # A receipt is a courtesy: the approver must still be asked.
        context.logger.error("the receipt could not be sent", extra={"error": str(error)})

    verdict, deadline = _wait_for_verdict(context, request, steps, submitted_at)
    over = steps.settings.second_approval_over_days
    # `request.days` is the working days submit counted into the payload: never recounted here,
    # where a replay would meet whatever holiday list and settings the function has by then.
    if verdict.status is LeaveStatus.APPROVED and needs_second_approval(request.days, over):
        assert deadline is not None  # an approval came through a callback the approver was asked
        verdict = _second_approval(context, request, steps, verdict, deadline)

    recorded = context.step(
        lambda _: steps.record_outcome(request, submitted_at, verdict),
        name=StepName.RECORD_OUTCOME,
        config=STEP,
    )
    if recorded is None:
        return {"request_id": request.request_id, "status": DISCARDED}
    outcome = Outcome.model_validate(recorded)
    # The record is final before this step: if the email fails for good, the execution fails
    # and the broken-executions alarm tells the operators, with nothing left pending.
    context.step(
        lambda _: steps.send_outcome(request, outcome), name=StepName.EMAIL_OUTCOME, config=STEP
    )
    return {"request_id": request.request_id, "status": outcome.status.value}


def _second_approval(
    context: DurableContext,
    request: LeaveRequest,
    steps: WorkflowSteps,
    first: Verdict,
    deadline: int,
) -> Verdict:
    """The first approver approved long leave: their own approver decides it too, through a
    callback of their own that ends at the request's one deadline. With nobody above, the
    first approval stands."""
    assert first.decision is not None
    decision = first.decision
    # From checkpointed values only: the deadline and the moment of the first approval.
    seconds_left = max(1, deadline - int(decision.decided_at.timestamp()))
    approval: Callback[str] = context.create_callback(
        name=StepName.SECOND_APPROVAL,
        config=CallbackConfig(timeout=Duration.from_seconds(seconds_left)),
    )
    try:
        asked: bool = context.step(
            lambda _: steps.ask_second_approver(request, decision, approval.callback_id, deadline),
            name=StepName.SECOND_LEVEL,
            config=STEP,
        )
    except StepError as error:
        context.logger.error("the second approver could not be asked", extra={"error": str(error)})
        return Verdict(LeaveStatus.FAILED, note=UNREACHABLE_SECOND_APPROVER)
    if not asked:
        return first
    # The second level is followed up as the first was, over the time it has left, under keys
    # of its own (its record markers and event ids must not clash with the first level's).
    second_level = tuple(
        replace(follow_up, key=f"{StepName.SECOND_LEVEL_FOLLOW_UP}{follow_up.key}")
        for follow_up in steps.settings.follow_ups.schedule(seconds_left)
    )
    _follow_up_until_decided(context, request, steps, approval, second_level, deadline)
    return _verdict_of(approval)


def _wait_for_verdict(
    context: DurableContext, request: LeaveRequest, steps: WorkflowSteps, submitted_at: str
) -> tuple[Verdict, int | None]:
    """How the wait ended, and the request's deadline (None if the approver was never asked)."""
    timeout = steps.settings.approval_timeout_seconds
    # One callback for the whole request: a reminder or an escalation sends a new link (a new
    # token), never a new callback, so no decision sent through an earlier link can be lost.
    approval: Callback[str] = context.create_callback(
        name=StepName.APPROVAL, config=CallbackConfig(timeout=Duration.from_seconds(timeout))
    )
    try:
        deadline: int = context.step(
            lambda _: steps.ask_approver(request, approval.callback_id, submitted_at),
            name=StepName.ASK_APPROVER,
            config=STEP,
        )
    except StepError as error:
        # Nobody can decide a request whose approver was never asked: end it rather than
        # leave it pending (and blocking the employee's calendar) until it expires.
        context.logger.error("the approver could not be asked", extra={"error": str(error)})
        return Verdict(LeaveStatus.FAILED, note=UNREACHABLE_APPROVER), None
    first_level = steps.settings.follow_ups.schedule(timeout)
    _follow_up_until_decided(context, request, steps, approval, first_level, deadline)
    return _verdict_of(approval), deadline


def _follow_up_until_decided(
    context: DurableContext,
    request: LeaveRequest,
    steps: WorkflowSteps,
    approval: Callback[str],
    follow_ups: tuple[FollowUp, ...],
    deadline: int,
) -> None:
    """Run each follow-up as it falls due, until the approval callback ends."""
    for follow_up in follow_ups:
        if _decided_before(context, approval, follow_up):
            break
        try:
            context.step(
                lambda _: steps.follow_up(request, follow_up, deadline),  # noqa: B023 (run now)
                name=follow_up.key,
                config=STEP,
            )
        except StepError as error:
            # A reminder or an escalation that cannot be made leaves the request with the
            # approver who has it: it can still be decided, and expires otherwise.
            context.logger.error(
                "a follow-up failed", extra={"follow_up": follow_up.key, "error": str(error)}
            )


def _verdict_of(approval: Callback[str]) -> Verdict:
    """How an approval callback ended: approved, rejected or withdrawn, or expired."""
    try:
        decision = approval.result()
    except CallbackExternalError as rejection:
        return _rejected(rejection)
    except CallbackTimeoutError:
        return Verdict(LeaveStatus.EXPIRED)
    return Verdict(LeaveStatus.APPROVED, DecisionPayload.model_validate_json(decision or ""))


# What the branches of a follow-up's race return.
_DECIDED = "decided"
_DUE = "due"
_FIRST_TO_END = ParallelConfig(completion_config=CompletionConfig.first_successful())


def _decided_before(context: DurableContext, approval: Callback[str], follow_up: FollowUp) -> bool:
    """Wait, without compute, for a decision or for the follow-up to fall due, whichever
    comes first; True if the approval callback ended (decided, or failed by someone)."""

    def decision(_: DurableContext) -> str:
        with suppress(CallbackError):  # a rejection: the verdict reads it after the race
            approval.result()
        return _DECIDED

    def due(branch: DurableContext) -> str:
        branch.wait(Duration.from_seconds(follow_up.wait_seconds))
        return _DUE

    race = context.parallel([decision, due], name=f"{follow_up.key}-due", config=_FIRST_TO_END)
    return any(item.result == _DECIDED for item in race.succeeded())


def _rejected(error: CallbackExternalError) -> Verdict:
    """A failed callback: the employee's withdrawal, or an approver's rejection."""
    with suppress(ValidationError):
        withdrawal = Withdrawal.model_validate_json(error.data or "")
        return Verdict(LeaveStatus.WITHDRAWN, withdrawal=withdrawal)
    try:
        return Verdict(LeaveStatus.REJECTED, DecisionPayload.model_validate_json(error.data or ""))
    except ValidationError:
        # A failure sent by something other than the decision endpoint (an operator, say)
        # still ends the request as rejected, with the sender's message as the comment.
        return Verdict(LeaveStatus.REJECTED, note=str(error) or None)
