"""Names of every metric and domain event the service emits.

The handlers emit with these, and the Pulumi program, the dashboards, the alarms and the tests
read them from here, so a renamed metric cannot silently leave a widget or an alarm empty.
"""

from enum import StrEnum

from handlers.domain.statuses import LeaveStatus

SERVICE_NAME = "leave-approvals"
METRICS_NAMESPACE = "LeaveApprovals"
# Powertools adds this dimension to every metric it emits.
SERVICE_DIMENSION = "service"


class Metric(StrEnum):
    REQUESTS_SUBMITTED = "RequestsSubmitted"
    REQUESTS_APPROVED = "RequestsApproved"
    REQUESTS_REJECTED = "RequestsRejected"
    REQUESTS_EXPIRED = "RequestsExpired"
    REQUESTS_FAILED = "RequestsFailed"
    REQUESTS_WITHDRAWN = "RequestsWithdrawn"
    REQUESTS_CANCELLED = "RequestsCancelled"
    DECISION_LATENCY = "DecisionLatency"
    EMAILS_SENT = "EmailsSent"
    INPUTS_REJECTED = "InputsRejected"
    PENDING_REQUESTS = "PendingRequests"
    # While requests wait: approvers reminded, requests moved up the chain or to a delegate.
    REMINDERS_SENT = "RemindersSent"
    REQUESTS_ESCALATED = "RequestsEscalated"
    REQUESTS_REASSIGNED = "RequestsReassigned"
    OLDEST_PENDING_AGE = "OldestPendingAge"
    # Running totals, levels the pending gauge reads from the counts every status move adds to
    # in its own transaction: how many requests were ever submitted, or ever entered each end.
    # Exact whatever a writer's retries repeat; the dashboard counts outcomes by their increase.
    SUBMITTED_TOTAL = "RequestsSubmittedTotal"
    APPROVED_TOTAL = "RequestsApprovedTotal"
    REJECTED_TOTAL = "RequestsRejectedTotal"
    EXPIRED_TOTAL = "RequestsExpiredTotal"
    FAILED_TOTAL = "RequestsFailedTotal"
    WITHDRAWN_TOTAL = "RequestsWithdrawnTotal"
    CANCELLED_TOTAL = "RequestsCancelledTotal"


# Emitted when a request ends, at least once (a writer's retry announces again): what the
# alarms watch, which fire on one. What the dashboard counts comes from the totals below.
OUTCOME_METRICS: dict[LeaveStatus, Metric] = {
    LeaveStatus.APPROVED: Metric.REQUESTS_APPROVED,
    LeaveStatus.REJECTED: Metric.REQUESTS_REJECTED,
    LeaveStatus.EXPIRED: Metric.REQUESTS_EXPIRED,
    LeaveStatus.FAILED: Metric.REQUESTS_FAILED,
    LeaveStatus.WITHDRAWN: Metric.REQUESTS_WITHDRAWN,
    LeaveStatus.CANCELLED: Metric.REQUESTS_CANCELLED,
}

# The running total of the moves into each status (into pending: submissions).
STATUS_TOTAL_METRICS: dict[LeaveStatus, Metric] = {
    LeaveStatus.PENDING: Metric.SUBMITTED_TOTAL,
    LeaveStatus.APPROVED: Metric.APPROVED_TOTAL,
    LeaveStatus.REJECTED: Metric.REJECTED_TOTAL,
    LeaveStatus.EXPIRED: Metric.EXPIRED_TOTAL,
    LeaveStatus.FAILED: Metric.FAILED_TOTAL,
    LeaveStatus.WITHDRAWN: Metric.WITHDRAWN_TOTAL,
    LeaveStatus.CANCELLED: Metric.CANCELLED_TOTAL,
}

# Dimension of InputsRejected: why the submit endpoint refused a request.
REJECTION_REASON_DIMENSION = "reason"


class RejectionReason(StrEnum):
    INVALID_INPUT = "invalid_input"
    BODY_TOO_LARGE = "body_too_large"
    DOMAIN_NOT_ALLOWED = "domain_not_allowed"
    TOO_LONG = "too_long"
    # Starts further back or ends further ahead than the service takes.
    DATES_OUT_OF_RANGE = "dates_out_of_range"
    # Dates that hold only weekends, public holidays or closure days.
    NO_WORKING_DAYS = "no_working_days"
    OVERLAP = "overlap"
    NO_APPROVER = "no_approver"
    IDEMPOTENCY_CONFLICT = "idempotency_conflict"
    # No sign-in, or a token that proves nothing.
    UNAUTHENTICATED = "unauthenticated"
    # The body named another employee than the one signed in.
    SOMEONE_ELSE = "someone_else"
    # The employee already has as many requests waiting as one may.
    TOO_MANY_PENDING = "too_many_pending"
    # More days than are left of the leave type's allowance in a year.
    OVER_ALLOWANCE = "over_allowance"
    # The service could not take the request now (an AWS call throttled or failed): retry.
    UNAVAILABLE = "unavailable"


EVENT_SOURCE = "leave.approvals"


class EventType(StrEnum):
    """EventBridge detail-types of the domain events."""

    REQUEST_SUBMITTED = "Leave Request Submitted"
    REQUEST_DECIDED = "Leave Request Decided"
    APPROVER_REMINDED = "Leave Approver Reminded"
    REQUEST_ESCALATED = "Leave Request Escalated"
    REQUEST_REASSIGNED = "Leave Request Reassigned"
    REQUEST_APPROVED_FIRST_LEVEL = "Leave Request Approved At First Level"


def event_id_for(request_id: str, event_type: EventType, status: LeaveStatus) -> str:
    """The id every copy of one domain event carries: consumers deduplicate by it.

    A request is submitted once and ends once, so its id, the event's type and the status it
    reports name the event.
    """
    return f"{request_id}/{event_type.name.lower()}/{status.value}"


def follow_up_event_id(request_id: str, follow_up_key: str) -> str:
    """The id of the domain event of one follow-up (a reminder, an escalation, a
    reassignment): each happens once per request, under its key."""
    return f"{request_id}/{follow_up_key}"
