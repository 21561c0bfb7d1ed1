"""The leave workflow: take over, acknowledge, ask, wait, settle, tell.

Submit has already recorded the request (pending, its dates held); the workflow's first step
takes it over, bound by the execution's name, so an execution whose start submit gave up on
finds nothing and ends without a word.

Every side effect happens inside a durable step (or the callback's submitter), so a replay skips
what is done. Code between steps is deterministic: it reads only the input and step results.
Step results are small: ids, timestamps and the outcome, never records or email bodies.

What "once" means here: a step's result is checkpointed once, but a step that fails after its
side effect is retried whole. Writes are conditional, so a retry finds its own earlier write;
emails and domain events are at least once (a retry after a timeout may send a second copy),
and every event carries a deterministic id for consumers to deduplicate. Steps retry only what
may pass (throttling, 5xx, timeouts, lost connections); anything else fails the step at once.
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
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import ValidationError

from handlers.domain.decision_token import DecisionToken, sign_token
from handlers.domain.emails import Email, approval_request_email, outcome_email, receipt_email
from handlers.domain.leave_request import DecisionPayload, LeaveRequest, Outcome, status_url
from handlers.domain.signals import OUTCOME_METRICS, EventType, Metric, event_id_for
from handlers.domain.statuses import LeaveStatus
from handlers.gateways.event_publisher import EventPublisher
from handlers.gateways.mailer import Mailer
from handlers.logic.retries import retry_transient
from handlers.observability import emit_metric, logger
from handlers.settings import WorkflowSettings
from handlers.storage.leave_store import LeaveStore, RequestConflictError


class StepName:
    """Names of the workflow's operations. Renaming one breaks executions in flight."""

    TAKE_OVER = "take-over"
    EMAIL_RECEIPT = "email-receipt"
    APPROVAL = "approval"
    RECORD_OUTCOME = "record-outcome"
    EMAIL_OUTCOME = "email-outcome"


STEP = StepConfig(retry_strategy=retry_transient)


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
        return status_url(self.settings.submit_url, request.request_id)

    # Within a step the order is: the write, then the event, then the metric. A step that
    # fails is retried whole and the write is idempotent; the event may go out again (at least
    # once, with one id); the metric is last because it cannot fail, so it counts once.

    def take_over(self, request: LeaveRequest) -> str | None:
        """Claim the request submit recorded; None if submit gave up on this execution."""
        record = self.store.take_over(request, self.clock())
        if record is None:
            return None
        self.events.publish(
            EventType.REQUEST_SUBMITTED,
            event_id_for(request.request_id, EventType.REQUEST_SUBMITTED, LeaveStatus.PENDING),
            {
                **_event_fields(request),
                "status": LeaveStatus.PENDING,
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
    ) -> dict[str, Any] | None:
        """Record the verdict and announce it; None if the request had already ended
        otherwise (an operator settled it): then nobody is told twice."""
        decision = verdict.decision
        outcome = Outcome(
            status=verdict.status,
            decided_at=decision.decided_at if decision else self.clock(),
            by=decision.approver_email if decision else None,
            comment=decision.comment if decision else verdict.note,
        )
        try:
            self.store.record_outcome(request.request_id, outcome)
        except RequestConflictError as conflict:
            status = conflict.record.status.value if conflict.record else "gone"
            logger.warning("the request had already ended", extra={"status": status})
            return None
        announce_outcome(self.events, request, outcome, datetime.fromisoformat(submitted_at))
        return outcome.model_dump(mode="json")

    def send_outcome(self, request: LeaveRequest, outcome: Outcome) -> str:
        return self._send(outcome_email(request, outcome, self.status_link(request)))

    def _send(self, email: Email) -> str:
        return send_email(self.mailer, email)


def send_email(mailer: Mailer, email: Email) -> str:
    """Send one email and count it; SES's message id."""
    message_id = mailer.send(email)
    emit_metric(Metric.EMAILS_SENT)
    return message_id


def _event_fields(request: LeaveRequest) -> dict[str, Any]:
    """What every domain event says about its request: who, when, never free text."""
    return request.model_dump(mode="json", exclude={"reason", "execution_name"}) | {
        "days": request.days
    }


def announce_outcome(
    events: EventPublisher, request: LeaveRequest, outcome: Outcome, submitted_at: datetime
) -> None:
    """The domain event and the metrics of a request that ended (after the write)."""
    waited = outcome.decided_at - submitted_at
    events.publish(
        EventType.REQUEST_DECIDED,
        event_id_for(request.request_id, EventType.REQUEST_DECIDED, outcome.status),
        {
            **_event_fields(request),
            **outcome.model_dump(mode="json", exclude={"comment"}),
            "submitted_at": submitted_at.isoformat(),
            "waited_seconds": round(waited.total_seconds(), 3),
        },
    )
    emit_metric(OUTCOME_METRICS[outcome.status])
    if outcome.by is not None:
        emit_metric(Metric.DECISION_LATENCY, waited.total_seconds(), MetricUnit.Seconds)


UNREACHABLE_APPROVER = (
    "Your approver could not be reached by email, so nobody can decide this request. "
    "Please contact them, then submit it again."
)


@dataclass(frozen=True)
class Verdict:
    """How the wait for a decision ended."""

    status: LeaveStatus
    decision: DecisionPayload | None = None
    note: str | None = None


# What an execution returns when submit had given up on it before it took the request over.
DISCARDED = "discarded"


def run_leave_workflow(
    context: DurableContext, request: LeaveRequest, steps: LeaveSteps
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

    verdict = _wait_for_verdict(context, request, steps)

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


def _wait_for_verdict(context: DurableContext, request: LeaveRequest, steps: LeaveSteps) -> Verdict:
    config = WaitForCallbackConfig(
        timeout=Duration.from_seconds(steps.settings.approval_timeout_seconds),
        retry_strategy=retry_transient,
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
        return Verdict(LeaveStatus.FAILED, note=UNREACHABLE_APPROVER)
    return Verdict(LeaveStatus.APPROVED, DecisionPayload.model_validate_json(approval))


def _rejected(error: CallbackExternalError) -> Verdict:
    try:
        return Verdict(LeaveStatus.REJECTED, DecisionPayload.model_validate_json(error.data or ""))
    except ValidationError:
        # A failure sent by something other than the decision endpoint (an operator, say)
        # still ends the request as rejected, with the sender's message as the comment.
        return Verdict(LeaveStatus.REJECTED, note=str(error) or None)
