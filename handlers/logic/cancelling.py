"""An employee calls off approved leave before its first day: its dates are free again and
its approver is told. Its workflow has ended, so this is one conditional write here."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from handlers.domain.date_style import day_words
from handlers.domain.leave_request import LeaveRecord, Outcome
from handlers.domain.statuses import LeaveStatus
from handlers.gateways.event_publisher import EventPublisher
from handlers.gateways.mailer import Mailer
from handlers.logic.notifying import announce_outcome, send_email
from handlers.logic.own_requests import own_request
from handlers.logic.refusals import Refusal, RefusalReason
from handlers.storage.leave_store import LeaveStore
from handlers.storage.refused_writes import RequestConflictError
from handlers.web.emails import approver_told_email, outcome_email


@dataclass(frozen=True)
class Canceller:
    store: LeaveStore
    mailer: Mailer
    events: EventPublisher
    clock: Callable[[], datetime]
    status_link: Callable[[str], str]


def cancel(request_id: str, employee: str, canceller: Canceller) -> LeaveRecord:
    """Cancel the employee's approved leave, or raise a Refusal saying why not.

    The write comes first and is conditional (approved -> cancelled, with the calendar); the
    event and the emails follow, and the record notes they went out. A retry after a lost
    answer or a crash finds the leave cancelled and, unless marked sent, announces and tells
    again (the event is the same event: consumers deduplicate it by its id); without a retry,
    the settler's sweep does (the write notes the request as owed its announcement).
    """
    record = own_request(canceller.store, request_id, employee)
    if record.status is LeaveStatus.CANCELLED:
        if record.outcome_notified_at is None:
            announce_cancelled(record, canceller)
        return record
    if record.status is LeaveStatus.PENDING:
        raise Refusal(
            RefusalReason.CONFLICT, "This request is not decided yet: withdraw it instead."
        )
    if record.status is not LeaveStatus.APPROVED:
        raise Refusal(
            RefusalReason.CONFLICT,
            f"This request was {record.status.value}: there is no leave to cancel.",
        )
    now = canceller.clock()
    if now.date() >= record.start_date:
        raise Refusal(
            RefusalReason.CONFLICT,
            f"This leave began on {day_words(record.start_date)}: it can no longer be "
            "cancelled here. Ask your approver to change it.",
        )
    outcome = Outcome(status=LeaveStatus.CANCELLED, decided_at=now, by=employee)
    try:
        canceller.store.record_outcome(
            request_id, outcome, ended_by=employee, owes_announcement=True
        )
    except RequestConflictError:
        raise Refusal(
            RefusalReason.CONFLICT, "This request changed a moment ago: reload it."
        ) from None
    cancelled = canceller.store.get(request_id) or record
    _announce_and_tell(cancelled, outcome, canceller)
    return cancelled


def announce_cancelled(record: LeaveRecord, canceller: Canceller) -> None:
    """Announce and tell the cancellation recorded in `record` (whose last entry it is)."""
    _announce_and_tell(record, record.recorded_outcome(), canceller)


def _announce_and_tell(record: LeaveRecord, outcome: Outcome, canceller: Canceller) -> None:
    announce_outcome(canceller.events, record, outcome, record.submitted_at)
    send_email(canceller.mailer, approver_told_email(record, LeaveStatus.CANCELLED))
    link = canceller.status_link(record.request_id)
    send_email(canceller.mailer, outcome_email(record, outcome, link))
    canceller.store.mark_notified(record.request_id, canceller.clock())
