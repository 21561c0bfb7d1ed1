"""Delegation: an approver who is away hands their approvals to someone they choose.

While a delegation covers a day, requests that would go to the approver go to the delegate
instead (and to the delegate's own delegate, if they are away too). When it starts, the
approver's waiting requests are handed over, each with a note in its history and an email to
the delegate (with a link of their own), to the employee, and (once) to the approver. Delegation
never lets someone decide their own leave, and never goes round in circles.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from handlers.domain.delegation import Delegation, DelegationForm
from handlers.domain.leave_request import LeaveRecord
from handlers.domain.signals import EventType, Metric, follow_up_event_id
from handlers.gateways.event_publisher import EventPublisher
from handlers.gateways.mailer import Mailer
from handlers.logic.notifying import event_fields, notice_key, send_email, send_notice_once
from handlers.logic.refusals import Refusal, RefusalReason
from handlers.observability import emit_metric, logger
from handlers.storage.delegations import Delegations
from handlers.storage.leave_store import LeaveStore
from handlers.storage.refused_writes import RequestConflictError
from handlers.web.approver_briefing import handed_to_you
from handlers.web.emails import (
    approval_request_email,
    delegated_away_email,
    handed_over_email,
    moment_words,
)


def decider_for(
    approver: str, employee: str, day: date, delegations: Delegations
) -> tuple[str, Delegation | None]:
    """Who decides what `approver` would on `day`, and the approver's delegation that sent it
    there (None: the approver decides). Follows delegates who are away too; stops before the
    employee and before anyone already on the way."""
    decider, first = approver, None
    seen = {approver}
    while (delegation := delegations.of(decider)) is not None and delegation.covers(day):
        delegate = delegation.delegate_email
        if delegate == employee or delegate in seen:
            break
        seen.add(delegate)
        decider, first = delegate, first or delegation
    return decider, first


def set_delegation(
    approver: str,
    form: DelegationForm,
    today: date,
    now: datetime,
    delegations: Delegations,
    allowed_domains: tuple[str, ...],
) -> Delegation:
    """Record the approver's delegation (replacing any they had), or raise a Refusal."""
    delegate = form.delegate_email
    if delegate == approver:
        raise Refusal(
            RefusalReason.INVALID, "must be someone other than you", field="delegate_email"
        )
    if delegate.rpartition("@")[2] not in allowed_domains:
        raise Refusal(
            RefusalReason.DOMAIN_NOT_ALLOWED,
            f"must be an address at {' or '.join(allowed_domains)}",
            field="delegate_email",
        )
    if form.ends_on < today:
        raise Refusal(RefusalReason.INVALID, "must not be in the past", field="ends_on")
    _refuse_a_circle(approver, form, delegations)
    delegation = Delegation(**form.model_dump(), approver_email=approver, set_at=now)
    delegations.put(delegation)
    return delegation


def _refuse_a_circle(approver: str, form: DelegationForm, delegations: Delegations) -> None:
    """Refuse a delegation whose delegate (or their delegate, ...) hands approvals back to the
    approver on any of the same days."""
    start, end = form.starts_on, form.ends_on
    current, seen = form.delegate_email, {approver}
    while (onward := delegations.of(current)) is not None:
        start, end = max(start, onward.starts_on), min(end, onward.ends_on)
        if start > end or onward.delegate_email in seen - {approver}:
            return
        if onward.delegate_email == approver:
            raise Refusal(
                RefusalReason.CONFLICT,
                f"{form.delegate_email} hands their approvals back to you on some of these "
                "days: pick someone else, or other days",
                field="delegate_email",
            )
        seen.add(current)
        current = onward.delegate_email


@dataclass(frozen=True)
class HandOver:
    """What handing waiting requests to a delegate touches."""

    store: LeaveStore
    delegations: Delegations
    mailer: Mailer
    events: EventPublisher
    status_link: Callable[[str], str]
    # The decision link of (request id, approver, deadline in Unix seconds).
    decision_link: Callable[[str, str, int], str]
    clock: Callable[[], datetime]


def hand_over_started_delegations(hand_over: HandOver) -> int:
    """Hand each started, not yet handed-over delegation's waiting requests to its delegate;
    how many requests were handed over. Safe to run again after a crash: each request is
    handed over once (under the delegation's key), each delegation marked once done."""
    now = hand_over.clock()
    moved = 0
    for delegation in hand_over.delegations.all():
        if delegation.handed_over_at is not None or not delegation.covers(now.date()):
            continue
        waiting = hand_over.store.awaiting_decision_by_or_handed_on(
            delegation.approver_email, delegation.key
        )
        for record in waiting:
            if delegation.key in record.follow_ups:
                # Moved by a run that stopped before marking the delegation done, maybe before
                # telling: told now (again, if that run stopped later: at least once, never lost).
                _announce_hand_over(record, delegation, hand_over)
            else:
                moved += _hand_over_one(record, delegation, hand_over)
        hand_over.delegations.mark_handed_over(delegation, now)
    return moved


def _hand_over_one(record: LeaveRecord, delegation: Delegation, hand_over: HandOver) -> int:
    """Hand one waiting request to the delegate: they are emailed first (a request never
    moves to someone who cannot be reached), then it moves, then the event and the employee's
    email. A crash before the move sends the delegate's email again on the next run."""
    delegate, _ = decider_for(
        delegation.approver_email,
        record.employee_email,
        hand_over.clock().date(),
        hand_over.delegations,
    )
    if delegate == record.approver_email or record.decision_deadline is None:
        return 0  # nobody else may decide it, or its approver was not asked yet
    if delegate in record.approvers_so_far():
        return 0  # long leave needs two different people: it stays at its second level
    try:
        # Held until it has moved: meanwhile the approver's decision waits (503), and a
        # decision they claimed before makes this do nothing (the delegate is never asked).
        record = hand_over.store.take_lease(record.request_id, delegation.key, hand_over.clock())
    except RequestConflictError:
        return 0  # decided or claimed meanwhile, or another follow-up is under way
    try:
        if record.approver_email != delegation.approver_email:
            return 0  # it moved on since it was read
        return _move_to(delegate, record, delegation, hand_over)
    finally:
        hand_over.store.release_lease(record.request_id, delegation.key)


def _move_to(
    delegate: str, record: LeaveRecord, delegation: Delegation, hand_over: HandOver
) -> int:
    """Email the delegate, move the request to them, then announce it; 1 if it moved."""
    assert record.decision_deadline is not None
    note = delegation.away_note
    link = hand_over.decision_link(
        record.request_id, delegate, int(record.decision_deadline.timestamp())
    )
    expires = moment_words(record.decision_deadline)
    why = handed_to_you(note)
    send_email(
        hand_over.mailer, approval_request_email(record.handed_to(delegate), link, expires, why)
    )
    entry = delegation.handed_over_entry(record.approver_email, delegate, hand_over.clock())
    try:
        moved = hand_over.store.follow_up(
            record.request_id, delegation.key, entry, handed_from=record.approver_email
        )
    except RequestConflictError:
        return 0  # decided, or moved on, meanwhile: the delegate's link will say so
    # It is the delegate's now: their decision need not wait for the employee's email.
    hand_over.store.release_lease(record.request_id, delegation.key)
    _announce_hand_over(moved, delegation, hand_over)
    return 1


def _announce_hand_over(moved: LeaveRecord, delegation: Delegation, hand_over: HandOver) -> None:
    """Announce a request the delegation moved, and tell its employee."""
    hand_over.events.publish(
        EventType.REQUEST_REASSIGNED,
        follow_up_event_id(moved.request_id, delegation.key),
        {**event_fields(moved), "from_approver": delegation.approver_email},
    )
    # The approver who is away held a link that leads nowhere now: say so, once (noted, so
    # a run that stops after the employee's email below does not send it again).
    away = delegation.approver_email
    notice = delegated_away_email(moved, away)
    send_notice_once(
        hand_over.mailer, hand_over.store, moved, notice_key(delegation.key, away), notice
    )
    why = f"{delegation.away_note} They handed their approvals to {moved.approver_email}."
    status_link = hand_over.status_link(moved.request_id)
    send_email(hand_over.mailer, handed_over_email(moved, why, status_link))
    emit_metric(Metric.REQUESTS_REASSIGNED)
    logger.info("request handed to a delegate", extra={"request_id": moved.request_id})
