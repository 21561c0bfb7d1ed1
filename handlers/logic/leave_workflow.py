"""The leave workflow: record, acknowledge, ask, wait, settle, tell.

Every side effect happens inside a durable step (or the callback's submitter), so a replay skips
what is done. Code between steps is deterministic: it reads only the input and step results.
Step results are small: ids, timestamps and the outcome, never records or email bodies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from aws_durable_execution_sdk_python import (
    CallbackExternalError,
    CallbackSubmitterError,
    CallbackTimeoutError,
    DurableContext,
    StepError,
)
from aws_durable_execution_sdk_python.config import Duration, StepConfig, WaitForCallbackConfig
from aws_durable_execution_sdk_python.retries import (
    RetryDecision,
    RetryStrategyConfig,
    create_retry_strategy,
)
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import ValidationError

from handlers.domain.decision_token import DecisionToken, sign_token
from handlers.domain.emails import approval_request_email, outcome_email, receipt_email
from handlers.domain.leave_request import DecisionPayload, LeaveRequest, Outcome
from handlers.domain.signals import OUTCOME_METRICS, EventType, Metric
from handlers.domain.statuses import LeaveStatus
from handlers.gateways.event_publisher import EventPublisher
from handlers.gateways.mailer import Mailer, UndeliverableEmailError
from handlers.observability import emit_metric
from handlers.settings import WorkflowSettings
from handlers.storage.leave_store import LeaveStore


class StepName:
    """Names of the workflow's operations. Renaming one breaks executions in flight."""

    RECORD_PENDING = "record-pending"
    EMAIL_RECEIPT = "email-receipt"
    APPROVAL = "approval"
    RECORD_OUTCOME = "record-outcome"
    EMAIL_OUTCOME = "email-outcome"


_retry_transient = create_retry_strategy(
    RetryStrategyConfig(
        max_attempts=6,
        initial_delay=Duration.from_seconds(5),
        max_delay=Duration.from_minutes(5),
    )
)


def retry_email(error: Exception, attempts_made: int) -> RetryDecision:
    """Retry what may pass (throttling, an outage); give up at once on a refused address."""
    if isinstance(error, UndeliverableEmailError):
        return RetryDecision.no_retry()
    return _retry_transient(error, attempts_made)


EMAIL_STEP = StepConfig(retry_strategy=retry_email)


@dataclass(frozen=True)
class LeaveSteps:
    """The side effects of the workflow, each run inside one durable step."""

    settings: WorkflowSettings
    store: LeaveStore
    mailer: Mailer
    events: EventPublisher
    signing_key: Callable[[], bytes]
    clock: Callable[[], datetime]

    def status_link(self, request: LeaveRequest) -> str:
        return f"{self.settings.submit_url.rstrip('/')}/requests/{request.request_id}"

    # Within a step the order is: the write, then the event, then the metric. A step that
    # fails is retried whole, and the write is idempotent, so the event and the metric go out
    # once: the metric is last because it cannot fail.

    def record_pending(self, request: LeaveRequest) -> str:
        record = self.store.create_pending(request, self.clock())
        self.events.publish(
            EventType.REQUEST_SUBMITTED,
            {
                **_event_fields(request),
                "status": record.status,
                "submitted_at": record.submitted_at.isoformat(),
            },
        )
        emit_metric(Metric.REQUESTS_SUBMITTED)
        return record.submitted_at.isoformat()

    def send_receipt(self, request: LeaveRequest) -> str:
        return self._send(receipt_email(request, self.status_link(request)))

    def ask_approver(self, request: LeaveRequest, callback_id: str) -> None:
        self.store.attach_callback(request.request_id, callback_id)
        expires = self.clock() + timedelta(seconds=self.settings.approval_timeout_seconds)
        token = DecisionToken(request.request_id, request.approver_email, int(expires.timestamp()))
        link = f"{self.settings.decision_url}?token={quote(sign_token(token, self.signing_key()))}"
        self._send(approval_request_email(request, link, f"{expires:%A %d %B %Y %H:%M %Z}"))

    def record_outcome(
        self, request: LeaveRequest, submitted_at: str, verdict: Verdict
    ) -> dict[str, Any]:
        decision = verdict.decision
        outcome = Outcome(
            status=verdict.status,
            decided_at=decision.decided_at if decision else self.clock(),
            by=decision.approver_email if decision else None,
            comment=decision.comment if decision else verdict.note,
        )
        self.store.record_outcome(request.request_id, outcome)
        waited = outcome.decided_at - datetime.fromisoformat(submitted_at)
        self.events.publish(
            EventType.REQUEST_DECIDED,
            {
                **_event_fields(request),
                **outcome.model_dump(mode="json", exclude={"comment"}),
                "submitted_at": submitted_at,
                "waited_seconds": round(waited.total_seconds(), 3),
            },
        )
        emit_metric(OUTCOME_METRICS[outcome.status])
        if outcome.status is not LeaveStatus.EXPIRED:
            emit_metric(Metric.DECISION_LATENCY, waited.total_seconds(), MetricUnit.Seconds)
        return outcome.model_dump(mode="json")

    def send_outcome(self, request: LeaveRequest, outcome: Outcome) -> str:
        return self._send(outcome_email(request, outcome, self.status_link(request)))

    def _send(self, email: Any) -> str:
        message_id = self.mailer.send(email)
        emit_metric(Metric.EMAILS_SENT)
        return message_id


def _event_fields(request: LeaveRequest) -> dict[str, Any]:
    """What every domain event says about its request: who, when, never free text."""
    return request.model_dump(mode="json", exclude={"reason"}) | {"days": request.days}


UNREACHABLE_APPROVER = "Your approver could not be reached by email. Please contact them."


@dataclass(frozen=True)
class Verdict:
    """How the wait for a decision ended."""

    status: LeaveStatus
    decision: DecisionPayload | None = None
    note: str | None = None


def run_leave_workflow(
    context: DurableContext, request: LeaveRequest, steps: LeaveSteps
) -> dict[str, str]:
    submitted_at: str = context.step(
        lambda _: steps.record_pending(request), name=StepName.RECORD_PENDING
    )
    try:
        context.step(
            lambda _: steps.send_receipt(request), name=StepName.EMAIL_RECEIPT, config=EMAIL_STEP
        )
    except StepError as error:
        # A receipt is a courtesy: the approver must still be asked.
        context.logger.error("the receipt could not be sent", extra={"error": str(error)})

    verdict = _wait_for_verdict(context, request, steps)

    outcome = Outcome.model_validate(
        context.step(
            lambda _: steps.record_outcome(request, submitted_at, verdict),
            name=StepName.RECORD_OUTCOME,
        )
    )
    # The record is final before this step: if the email fails for good, the execution fails
    # and the broken-executions alarm tells the operators, with nothing left pending.
    context.step(
        lambda _: steps.send_outcome(request, outcome),
        name=StepName.EMAIL_OUTCOME,
        config=EMAIL_STEP,
    )
    return {"request_id": request.request_id, "status": outcome.status.value}


def _wait_for_verdict(context: DurableContext, request: LeaveRequest, steps: LeaveSteps) -> Verdict:
    config = WaitForCallbackConfig(
        timeout=Duration.from_seconds(steps.settings.approval_timeout_seconds),
        retry_strategy=retry_email,
    )
    try:
        approval = context.wait_for_callback(
            lambda callback_id, _: steps.ask_approver(request, callback_id),
            name=StepName.APPROVAL,
            config=config,
        )
    except CallbackExternalError as rejection:
        return _rejected(rejection)
    except CallbackTimeoutError:
        return Verdict(LeaveStatus.EXPIRED)
    except CallbackSubmitterError as error:
        # Nobody can decide a request whose approver was never asked: end it rather than
        # leave it pending (and blocking the employee's calendar) forever.
        context.logger.error("the approver could not be asked", extra={"error": str(error)})
        return Verdict(LeaveStatus.EXPIRED, note=UNREACHABLE_APPROVER)
    return Verdict(LeaveStatus.APPROVED, DecisionPayload.model_validate_json(approval))


def _rejected(error: CallbackExternalError) -> Verdict:
    try:
        return Verdict(LeaveStatus.REJECTED, DecisionPayload.model_validate_json(error.data or ""))
    except ValidationError:
        # A failure sent by something other than the decision endpoint (an operator, say)
        # still ends the request as rejected, with the sender's message as the comment.
        return Verdict(LeaveStatus.REJECTED, note=str(error) or None)
