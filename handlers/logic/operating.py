"""What an operator does to one waiting request (`leave-ops resend | reassign | settle`).

Each acts as the service's own writers act, through the same conditional writes, so an
operator never races the workflow, an approver or the settler into a half-done request:

- `resend`: the approver who has the request gets its email again. A link is a signed token
  of (request, approver, deadline, key id), deterministic: while the signing key is the one
  that signed the first email, the link is the same, byte for byte; after a rotation it is
  signed with the new key (the old link keeps working while the previous key is kept). It
  takes no lease: it changes nothing, and a request that moved on or ended in between leaves
  the approver a link that says so.
- `reassign`: the request moves to another approver, as a delegation's hand-over moves it
  (handlers/logic/delegating.py): the reassign takes the level's lease as a follow-up does
  (handlers/domain/claims.py), so against a decision through the old link whichever mark is
  written first wins (a claimed decision: the reassign refuses, nothing written; a reassign
  under way: the decision is told to retry, then finds the request moved, 409); against an
  escalation, a reminder or a hand-over, the one holding the lease goes on and the other does
  nothing (the reassign says so). The new approver is emailed before the move (a request never
  moves to someone who cannot be reached); then the history, the event, the old approver's
  notice and the employee's email.
- `settle`: the request ends as failed through the settler's own path
  (handlers/logic/settling.py: the same write, note, announcement and emails), under a lease,
  so a decision claimed before it wins (the settle refuses), one arriving during it is told to
  retry and then finds the request closed. Of a settle and the settler's sweep or event, the
  status move's condition lets exactly one through. Its execution, if still running, is
  stopped *after* the write: stopped first, a decision already sent into its callback would be
  lost with it (the request would end failed though its approver was told it was accepted);
  after the write, the execution can only find the request ended and say nothing.

Every refusal is an `OperatorRefusal` whose message is one line, and comes before any write.
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from botocore.exceptions import BotoCoreError, ClientError

from handlers.domain.decision_token import DecisionToken, decision_link
from handlers.domain.leave_request import HistoryEntry, LeaveRecord, status_url
from handlers.domain.person import NotAPersonError, person_address
from handlers.domain.signals import EventType, Metric, follow_up_event_id
from handlers.domain.statuses import HistoryEvent, LeaveStatus
from handlers.gateways.durable_executions import DurableExecutions
from handlers.gateways.event_publisher import EventPublishError
from handlers.gateways.mailer import UndeliverableEmailError
from handlers.gateways.transient_errors import TransientError
from handlers.logic.notifying import event_fields, notice_key, send_email, send_notice_once
from handlers.logic.settling import Settler, settle
from handlers.observability import emit_metric, logger
from handlers.storage.refused_writes import RequestConflictError
from handlers.web.emails import (
    approval_request_email,
    handed_over_email,
    moment_words,
    reassigned_away_email,
)
from handlers.web.wording import (
    RESENT_APPROVAL_REQUEST,
    SETTLED_BY_AN_OPERATOR,
    reassigned_for_employee,
    reassigned_to_you,
)

# The follow-up keys an operator's writes take (a lease, and a reassignment's history entry).
REASSIGN_KEY_PREFIX = "reassign-"
SETTLE_KEY_PREFIX = "settle-"
# What Lambda's history says about the stop that follows an operator's settle.
STOP_REASON = "Settled as failed by an operator (leave-ops settle)"


class OperatorError(Exception):
    """What the operator is told instead of a result: one line."""


class OperatorRefusal(OperatorError):
    """Nothing was changed; the message says why."""


class PartlyDone(OperatorError):
    """The change was written, but not everyone was told; the message says what is left."""


# What telling people and systems may fail with: SES refusing for good, EventBridge refusing,
# or any AWS call that gave up (after the client's own retries).
_TELLING_FAILED = (
    UndeliverableEmailError,
    EventPublishError,
    TransientError,
    ClientError,
    BotoCoreError,
)


@dataclass(frozen=True)
class Operator:
    """What an operator's commands touch: the settler's wiring (its store, mailer, events,
    clock and settings), the workflow's executions (Lambda's durable APIs), the current
    link-signing key, and the domains people's addresses are at (empty: any)."""

    settler: Settler
    executions: DurableExecutions
    signing_key: Callable[[], bytes]
    allowed_domains: tuple[str, ...] = ()

    def link_for(self, record: LeaveRecord, approver: str) -> str:
        assert record.decision_deadline is not None
        token = DecisionToken(
            record.request_id, approver, int(record.decision_deadline.timestamp())
        )
        return decision_link(self.settler.settings.decision_url, token, self.signing_key())

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.settler.clock


@dataclass(frozen=True)
class Resent:
    approver: str
    link: str


@dataclass(frozen=True)
class Reassigned:
    from_approver: str
    record: LeaveRecord
    link: str


@dataclass(frozen=True)
class Settled:
    record: LeaveRecord
    # Whether a live execution was stopped (after the write); None if stopping it failed.
    stopped: bool | None


def _existing(request_id: str, operator: Operator) -> LeaveRecord:
    record = operator.settler.store.get(request_id)
    if record is None:
        raise OperatorRefusal(f"No leave request has the id {request_id!r}.")
    return record


def _awaiting_its_approver(record: LeaveRecord, operator: Operator) -> None:
    """Refuse unless someone can decide `record` now through a link of theirs."""
    if not record.status.awaits_decision:
        raise OperatorRefusal(
            f"{record.request_id} is already {record.status.value}: nobody decides it any more."
        )
    deadline = record.decision_deadline
    if record.callback_id is None or deadline is None:
        raise OperatorRefusal(
            f"{record.request_id} is still being set up (its approver was not asked yet): "
            "try again in a minute."
        )
    if deadline <= operator.clock():
        raise OperatorRefusal(
            f"{record.request_id}'s time to decide ran out at {moment_words(deadline)}: "
            "its workflow ends it as expired."
        )


def resend(request_id: str, operator: Operator) -> Resent:
    """Send the approver who has the request its email again, with their link."""
    record = _existing(request_id, operator)
    _awaiting_its_approver(record, operator)
    assert record.decision_deadline is not None
    link = operator.link_for(record, record.approver_email)
    email = approval_request_email(
        record, link, moment_words(record.decision_deadline), RESENT_APPROVAL_REQUEST
    )
    try:
        send_email(operator.settler.mailer, email)
    except _TELLING_FAILED as error:
        raise OperatorRefusal(f"{record.approver_email} could not be emailed: {error}") from None
    logger.info("approval request sent again", extra={"request_id": request_id})
    return Resent(approver=record.approver_email, link=link)


def new_approver(address: str, operator: Operator) -> str:
    """`address` as it keys a person, or why the service would not take it."""
    try:
        person = person_address(address)
    except NotAPersonError as error:
        raise OperatorRefusal(f"--to {address!r} is not an address: {error.problem}.") from None
    domains = operator.allowed_domains
    if domains and person.rpartition("@")[2] not in domains:
        raise OperatorRefusal(
            f"--to {person} is not at {' or '.join(domains)}: the service takes nobody else."
        )
    return person


def _may_decide(record: LeaveRecord, person: str) -> None:
    """The two-approval rule, for `person` taking the level `record` waits at."""
    if person == record.approver_email:
        raise OperatorRefusal(f"{record.request_id} is already with {person}.")
    if person == record.employee_email:
        raise OperatorRefusal(f"{person} asked for this leave: nobody approves their own leave.")
    if person in record.approvers_so_far():
        raise OperatorRefusal(
            f"{person} approved {record.request_id}'s first level: its second approval must "
            "be someone else's."
        )


def _held_elsewhere(request_id: str, conflict: RequestConflictError) -> OperatorRefusal:
    record = conflict.record
    if record is None:
        return OperatorRefusal(f"No leave request has the id {request_id!r}.")
    if not record.status.awaits_decision:
        return OperatorRefusal(f"{request_id} is already {record.status.value}.")
    return OperatorRefusal(
        f"{request_id} is being decided, reminded, escalated or handed over at this moment: "
        "nothing was changed; look again with `leave-ops show`, or try again in a minute."
    )


def reassign(request_id: str, to: str, operator: Operator) -> Reassigned:
    """Move the waiting request to `to`: their own link, the history, the old approver's
    notice, the employee's email."""
    person = new_approver(to, operator)
    store = operator.settler.store
    record = _existing(request_id, operator)
    _awaiting_its_approver(record, operator)
    _may_decide(record, person)
    key = f"{REASSIGN_KEY_PREFIX}{secrets.token_hex(6)}"
    try:
        record = store.take_lease(request_id, key, operator.clock())
    except RequestConflictError as conflict:
        raise _held_elsewhere(request_id, conflict) from None
    try:
        # As it stands now that nobody else may move it.
        _awaiting_its_approver(record, operator)
        _may_decide(record, person)
        previous = record.approver_email
        assert record.decision_deadline is not None
        link = operator.link_for(record, person)
        expires = moment_words(record.decision_deadline)
        why = reassigned_to_you(previous)
        try:
            send_email(
                operator.settler.mailer,
                approval_request_email(record.handed_to(person), link, expires, why),
            )
        except _TELLING_FAILED as error:
            # A request never moves to someone who cannot be reached.
            raise OperatorRefusal(
                f"{person} could not be emailed ({error}): nothing was changed."
            ) from None
        entry = HistoryEntry(
            event=HistoryEvent.REASSIGNED,
            at=operator.clock(),
            from_approver=previous,
            to_approver=person,
            comment=reassigned_for_employee(person),
        )
        try:
            moved = store.follow_up(request_id, key, entry, handed_from=previous)
        except RequestConflictError as conflict:
            # Ended meanwhile (its deadline passed): the new approver's link says so.
            raise _held_elsewhere(request_id, conflict) from None
    finally:
        store.release_lease(request_id, key)
    try:
        _announce_reassigned(moved, previous, key, operator)
    except _TELLING_FAILED as error:
        raise PartlyDone(
            f"{request_id} is now with {person}, who was emailed their link, but telling "
            f"the others failed ({error}): tell {previous} and {moved.employee_email} yourself."
        ) from None
    return Reassigned(from_approver=previous, record=moved, link=link)


def _announce_reassigned(moved: LeaveRecord, previous: str, key: str, operator: Operator) -> None:
    wired = operator.settler
    wired.events.publish(
        EventType.REQUEST_REASSIGNED,
        follow_up_event_id(moved.request_id, key),
        {**event_fields(moved), "from_approver": previous},
    )
    notice = reassigned_away_email(moved, previous)
    send_notice_once(wired.mailer, wired.store, moved, notice_key(key, previous), notice)
    status_link = status_url(wired.settings.submit_url, moved.request_id)
    why = reassigned_for_employee(moved.approver_email)
    send_email(wired.mailer, handed_over_email(moved, why, status_link))
    emit_metric(Metric.REQUESTS_REASSIGNED)
    logger.info("request reassigned by an operator", extra={"request_id": moved.request_id})


def settle_request(request_id: str, operator: Operator) -> Settled:
    """End a request that has not ended as failed, as the settler does, then stop its
    execution if it still runs."""
    store = operator.settler.store
    record = _existing(request_id, operator)
    if not record.status.awaits_decision:
        raise OperatorRefusal(f"{request_id} is already {record.status.value}.")
    key = f"{SETTLE_KEY_PREFIX}{secrets.token_hex(6)}"
    try:
        record = store.take_lease(request_id, key, operator.clock())
    except RequestConflictError as conflict:
        raise _held_elsewhere(request_id, conflict) from None
    untold: Exception | None = None
    try:
        try:
            ended = settle(record, SETTLED_BY_AN_OPERATOR, operator.settler)
        except _TELLING_FAILED as error:
            # The write, or telling people after it, failed: which, the record says below.
            ended, untold = True, error
        if not ended:
            latest = store.get(request_id)
            where = latest.status.value if latest else "gone"
            raise OperatorRefusal(f"{request_id} is already {where}.")
    finally:
        store.release_lease(request_id, key)
    settled = store.get(request_id)
    assert settled is not None
    if untold is not None and settled.status is not LeaveStatus.FAILED:
        raise OperatorRefusal(f"{request_id} could not be settled ({untold}): nothing was changed.")
    try:
        stopped: bool | None = _stop(record.execution_name, operator.executions)
    except (ClientError, BotoCoreError):
        # The request is settled: the stop is reported, not raised. The execution, left
        # running, can only find the request ended and end without a word.
        logger.exception("the settled request's execution could not be stopped")
        stopped = None
    if untold is not None:
        # The write noted the request as owed its announcement (settling.py).
        raise PartlyDone(
            f"{request_id} is now failed, but telling its people failed ({untold}): the "
            "settler's sweep tells them on one of its next runs."
        )
    return Settled(record=settled, stopped=stopped)


def _stop(execution_name: str, executions: DurableExecutions) -> bool:
    """Stop the execution of that name if it still runs; whether it did."""
    found = executions.find(execution_name)
    if found is None or found.has_ended:
        return False
    executions.stop(found.arn, STOP_REASON)
    return True
