"""Ending requests whose workflow can no longer end them: the settler's use cases.

Lambda ends an execution without running any of its code when it is stopped, times out, or
fails: nothing inside the workflow can clean up after that. So two things outside it do:
- `settle_broken_execution`, for each `Durable Execution Status Change` event of the workflow
  that says FAILED, TIMED_OUT or STOPPED;
- `sweep`, on a schedule, for what no event reports: a start that was lost (submit crashed
  between the record and the start), or an event that was.

Either settles a request only while it is still pending and nobody else can end it (a
conditional write: the sweep's holds only while no workflow has taken the request over, so a
late start and the sweep cannot both end it), as `failed`, frees its dates, and tells the
employee (and the approver, if they were asked, and whoever approved its first level) in plain
words. The record names the settler's
attempt that ended it, so of two settlers racing for one request (an event's and a sweep's)
only the one whose write held tells anyone; a settler's retry after a crash that followed the
write announces and tells once the crashed one can no longer be running (its timeout), and a
request some workflow ended is never announced or told here. The event and the
emails are at least once: a settler that crashes after sending and before marking the record
sends them again on its retry. A settler's or a cancellation's write notes the request as owed
its announcement until its people are told; the sweep announces and tells what a writer that
died in between left owed (an event's retry would, but a lost start's sweep or an employee's
cancellation may have no retry).
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from handlers.domain.claims import SETTLER_FUNCTION_TIMEOUT_SECONDS
from handlers.domain.leave_request import LeaveRecord, Outcome, request_id_of, status_url
from handlers.domain.statuses import LeaveStatus
from handlers.gateways.event_publisher import EventPublisher
from handlers.gateways.mailer import Mailer
from handlers.gateways.workflow_service import WorkflowService
from handlers.logic.cancelling import Canceller, announce_cancelled
from handlers.logic.notifying import announce_outcome, send_email, tell_approvers_it_ended
from handlers.observability import logger
from handlers.settings import SettlerSettings
from handlers.storage.leave_store import LeaveStore
from handlers.storage.refused_writes import RequestConflictError
from handlers.web.emails import outcome_email

# What the employee's email and the request's history say about why it ended.
BROKEN_NOTES = {
    "FAILED": "The workflow handling this request failed.",
    "TIMED_OUT": "The workflow handling this request ran out of time.",
    "STOPPED": "The workflow handling this request was stopped by an operator.",
}
NEVER_FINISHED = "The workflow handling this request stopped without finishing it."
# Who the record says ended a request a settler settled: `settler/<this attempt>`. Two settlers
# (an event's and a sweep's) may race for one request; each must know whether the end is its
# own (a retried write of its own finds it: it tells people) or another's (it tells nobody).
SETTLER = "settler"


@dataclass(frozen=True)
class Settler:
    settings: SettlerSettings
    store: LeaveStore
    mailer: Mailer
    events: EventPublisher
    workflow: WorkflowService
    clock: Callable[[], datetime]


def settle_broken_execution(execution_name: str, status: str, settler: Settler) -> bool:
    """Settle the request of an execution that ended broken; True if this call settled it."""
    record = settler.store.get(request_id_of(execution_name))
    if record is None or record.execution_name != execution_name:
        # Not (or no longer) the execution of any request: submit gave up on it.
        return False
    return settle(record, BROKEN_NOTES.get(status, NEVER_FINISHED), settler)


def settle(record: LeaveRecord, note: str, settler: Settler, only_unclaimed: bool = False) -> bool:
    """End a pending request as failed and tell the people it concerns; with
    `only_unclaimed`, only while no workflow has taken it over.

    A request a settler failed but whose people were not yet told (a settler that crashed in
    between) is announced and told now. Anything else is left alone: it ended its own way.
    """
    now = settler.clock()
    if record.status is LeaveStatus.PENDING:
        outcome = Outcome(status=LeaveStatus.FAILED, decided_at=now, comment=note)
        this_attempt = f"{SETTLER}/{secrets.token_hex(8)}"
        try:
            settler.store.record_outcome(
                record.request_id, outcome, this_attempt, only_unclaimed, owes_announcement=True
            )
        except RequestConflictError:
            return False
        logger.warning(
            "request settled as failed", extra={"request_id": record.request_id, "note": note}
        )
        _announce_and_tell(record, outcome, settler)
        return True
    if (
        record.status is LeaveStatus.FAILED
        and _settled_by_a_settler(record)
        and record.outcome_notified_at is None
        and _writer_gone(record, now)
    ):
        # A settler settled it and died before telling anyone.
        _announce_settled(record, settler)
        return True
    return False


def _settled_by_a_settler(record: LeaveRecord) -> bool:
    # None: written before writers were recorded; "settler": before each attempt was.
    ended_by = record.ended_by
    return ended_by is None or ended_by == SETTLER or ended_by.startswith(f"{SETTLER}/")


def _writer_gone(record: LeaveRecord, now: datetime) -> bool:
    """Whether the settler that ended the request can no longer be running (and telling
    people as we look)."""
    return record.decided_at is not None and record.decided_at <= now - timedelta(
        seconds=SETTLER_FUNCTION_TIMEOUT_SECONDS
    )


def _announce_settled(record: LeaveRecord, settler: Settler) -> None:
    _announce_and_tell(record, record.recorded_outcome(), settler)


def _announce_and_tell(record: LeaveRecord, outcome: Outcome, settler: Settler) -> None:
    # The same event (one id) and the alarms' metric again on a retry: at least once.
    announce_outcome(settler.events, record, outcome, record.submitted_at)
    link = status_url(settler.settings.submit_url, record.request_id)
    send_email(settler.mailer, outcome_email(record, outcome, link))
    # The approver was asked if a callback was attached: their link now leads nowhere, so say
    # so; and whoever approved its first level is told it closed.
    asked = record.callback_id is not None
    tell_approvers_it_ended(settler.mailer, settler.store, record, LeaveStatus.FAILED, asked)
    settler.store.mark_notified(record.request_id, settler.clock())


@dataclass(frozen=True)
class SweepReport:
    looked_at: int
    settled: int
    # Ends a writer that died recorded but did not announce, announced now.
    announced: int = 0


def announce_owed(settler: Settler, before: datetime) -> int:
    """Announce and tell the ends the settler or a cancellation recorded before `before` but
    never announced (the writer died in between); how many."""
    canceller = Canceller(
        store=settler.store,
        mailer=settler.mailer,
        events=settler.events,
        clock=settler.clock,
        status_link=lambda request_id: status_url(settler.settings.submit_url, request_id),
    )
    announced = 0
    for request_id in settler.store.owed_announcements():
        record = settler.store.get(request_id)
        if record is None or record.outcome_notified_at is not None:
            continue
        if record.decided_at is None or record.decided_at >= before:
            continue  # its writer may be telling people right now
        if record.status is LeaveStatus.FAILED:
            _announce_settled(record, settler)
        elif record.status is LeaveStatus.CANCELLED:
            announce_cancelled(record, canceller)
        else:
            continue
        logger.warning("an end nobody announced, announced", extra={"request_id": request_id})
        announced += 1
    return announced


def _deadline(record: LeaveRecord, settings: SettlerSettings) -> datetime:
    """When the request's execution ends it at the latest: the deadline it was given when its
    approver was asked, which a later change of approvalTimeoutSeconds does not move (the
    execution keeps the version, and the timeout, it started with); before that, by the
    current timeout."""
    if record.decision_deadline is not None:
        return record.decision_deadline
    return record.submitted_at + timedelta(seconds=settings.approval_timeout_seconds)


def sweep(settler: Settler) -> SweepReport:
    """Settle pending requests that no execution will ever end.

    Looked at: requests no workflow took over within the grace period (a lost start), and
    requests past their own deadline by the grace period (a lost status-change event: by
    then their execution should have ended them). Each is settled only if no execution of its
    name is alive (running, paused, or any status but an ended one), so a workflow still
    busy is left be; and a lost start only while still unclaimed, in the same write, so a
    start Lambda ran late that takes it over meanwhile keeps it.
    """
    settings = settler.settings
    now = settler.clock()
    grace = timedelta(seconds=settings.sweep_grace_seconds)
    looked_at = settled = 0
    for record in settler.store.pending_submitted_before(now - grace):
        unclaimed = record.workflow_started_at is None
        if not unclaimed and _deadline(record, settings) + grace >= now:
            continue
        looked_at += 1
        if settler.workflow.is_alive(record.execution_name):
            continue
        if settle(record, NEVER_FINISHED, settler, only_unclaimed=unclaimed):
            settled += 1
    announced = announce_owed(settler, before=now - grace)
    return SweepReport(looked_at=looked_at, settled=settled, announced=announced)
