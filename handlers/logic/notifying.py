"""Telling people and systems: emails counted as sent, notices sent once, and the domain
events of a request.

Shared by the workflow, the settler and delegation's hand-over, without the durable SDK.

An approver a request leaves while it waits on them (escalated away, handed to their delegate,
withdrawn, closed; or closed after they approved its first level) gets one short notice. It
goes out inside the step that made it happen, after that step's write, and is noted on the
request (`send_notice_once`), so a retried step does not send it again.
"""

from datetime import datetime
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit

from handlers.domain.leave_request import LeaveRecord, LeaveRequest, Outcome
from handlers.domain.signals import OUTCOME_METRICS, EventType, Metric, event_id_for
from handlers.domain.statuses import Decision, LeaveStatus
from handlers.gateways.event_publisher import EventPublisher
from handlers.gateways.mailer import Mailer
from handlers.observability import emit_metric
from handlers.web.emails import Email, approver_told_email, closed_after_your_approval_email

# Outcomes an approver decided: how long they took is the decision latency.
DECISION_OUTCOMES = frozenset(decision.outcome for decision in Decision)


def send_email(mailer: Mailer, email: Email) -> str:
    """Send one email and count it; SES's message id."""
    message_id = mailer.send(email)
    emit_metric(Metric.EMAILS_SENT)
    return message_id


class SentNotices(Protocol):
    def mark_notice_sent(self, request_id: str, key: str) -> None: ...


def notice_key(why: str, approver: str) -> str:
    """The key a notice is noted under: why it went (a follow-up's or a delegation's key, or
    the status the request ended in) and to whom."""
    return f"{why}:{approver}"


def send_notice_once(
    mailer: Mailer, notes: SentNotices, record: LeaveRecord, key: str, email: Email
) -> str | None:
    """Send a notice about `record` unless an earlier run of this step did (the record notes
    it under `key`), then note it; SES's message id, or None if it had gone. At least once:
    a crash between the two sends it again."""
    if key in record.notices_sent:
        return None
    message_id = send_email(mailer, email)
    notes.mark_notice_sent(record.request_id, key)
    return message_id


def tell_approvers_it_ended(
    mailer: Mailer, notes: SentNotices, record: LeaveRecord, status: LeaveStatus, asked: bool
) -> None:
    """Tell the approvers a request that ended without their decision leaves: whoever had it
    (if `asked`: their email went out), once it was withdrawn or closed, and whoever approved
    its first level, once it was closed before its second approval."""
    if status not in (LeaveStatus.WITHDRAWN, LeaveStatus.FAILED):
        return
    if asked:
        key = notice_key(status.value, record.approver_email)
        send_notice_once(mailer, notes, record, key, approver_told_email(record, status))
    if status is LeaveStatus.FAILED:
        for first in sorted(record.approvers_so_far() - {record.approver_email}):
            key = notice_key(status.value, first)
            email = closed_after_your_approval_email(record, first)
            send_notice_once(mailer, notes, record, key, email)


def event_fields(request: LeaveRequest) -> dict[str, Any]:
    """What every domain event says about its request: who, when, never free text."""
    fields = request.model_dump(mode="json", include=set(LeaveRequest.model_fields))
    fields.pop("reason", None)
    fields.pop("execution_name", None)
    return fields | {"days": request.days}


def announce_outcome(
    events: EventPublisher, request: LeaveRequest, outcome: Outcome, submitted_at: datetime
) -> None:
    """The domain event and the metrics of a request that ended (after the write)."""
    waited = outcome.decided_at - submitted_at
    events.publish(
        EventType.REQUEST_DECIDED,
        event_id_for(request.request_id, EventType.REQUEST_DECIDED, outcome.status),
        {
            **event_fields(request),
            **outcome.model_dump(mode="json", exclude={"comment"}),
            "submitted_at": submitted_at.isoformat(),
            "waited_seconds": round(waited.total_seconds(), 3),
        },
    )
    emit_metric(OUTCOME_METRICS[outcome.status])
    if outcome.status in DECISION_OUTCOMES and outcome.by is not None:
        emit_metric(Metric.DECISION_LATENCY, waited.total_seconds(), MetricUnit.Seconds)
