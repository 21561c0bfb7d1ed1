"""Telling people and systems: emails counted as sent, and the domain events of a request.

Shared by the workflow, the settler and delegation's hand-over, without the durable SDK.
"""

from datetime import datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from handlers.domain.leave_request import LeaveRequest, Outcome
from handlers.domain.signals import OUTCOME_METRICS, EventType, Metric, event_id_for
from handlers.domain.statuses import Decision
from handlers.gateways.event_publisher import EventPublisher
from handlers.gateways.mailer import Mailer
from handlers.observability import emit_metric
from handlers.web.emails import Email

# Outcomes an approver decided: how long they took is the decision latency.
DECISION_OUTCOMES = frozenset(decision.outcome for decision in Decision)


def send_email(mailer: Mailer, email: Email) -> str:
    """Send one email and count it; SES's message id."""
    message_id = mailer.send(email)
    emit_metric(Metric.EMAILS_SENT)
    return message_id


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
