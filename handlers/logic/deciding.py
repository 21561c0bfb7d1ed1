"""An approver's decision: checking their link, and resuming the waiting workflow exactly once."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from handlers.domain.decision_token import (
    DecisionToken,
    ExpiredTokenError,
    InvalidTokenError,
    verify_token,
)
from handlers.domain.leave_request import DecisionPayload, LeaveRecord
from handlers.domain.statuses import Decision, HistoryEvent, LeaveStatus
from handlers.gateways.workflow_service import (
    CallbackClosedError,
    WorkflowService,
    WorkflowUnavailableError,
)
from handlers.logic.refusals import Refusal, RefusalReason
from handlers.storage.leave_store import LeaveStore
from handlers.storage.refused_writes import FollowUpUnderwayError, RequestConflictError
from handlers.web.wording import moved_on_in_app

# The ErrorType a rejection carries into the workflow.
REJECTION_ERROR_TYPE = "LeaveRejected"
_EXPIRED = "This request has expired: it can no longer be decided."
_JUST_DECIDED = (
    "This request can no longer be decided here: reload the page in a moment to see where "
    "it stands."
)
# How long a decision whose callback was already closed waits for the workflow to record why.
AWAIT_FINAL_SECONDS = 3.0
_AWAIT_INTERVAL_SECONDS = 0.2
BUSY = "The service is busy: your decision was not recorded. Please try again in a minute."
_NOT_READY = "This request is still being set up: please try again in a minute."
BEING_RECORDED = (
    "A decision on this request is being recorded at this moment (perhaps yours, sent "
    "before): please try again in a minute to see where it stands."
)
_FOLLOW_UP_UNDERWAY = (
    "This request is being followed up (a reminder or a hand-over) at this very moment: your "
    "decision was not recorded. Please try again in a minute."
)


# Seconds an approver told "not now" is asked to wait (their page says "in a minute").
RETRY_AFTER_SECONDS = 30


def not_now(message: str, record: LeaveRecord | None = None) -> Refusal:
    """Nothing was decided, and the approver's retry may pass."""
    return Refusal(RefusalReason.NOT_NOW, message, retry_after=RETRY_AFTER_SECONDS, record=record)


@dataclass(frozen=True)
class Decider:
    store: LeaveStore
    workflow: WorkflowService
    # The keys links may be signed with: the current one, then the previous one during a
    # rotation.
    signing_keys: Callable[[], list[bytes]]
    clock: Callable[[], datetime]
    # Waits (a bounded few seconds) for a request to reach a final status; None if it did not.
    await_final: Callable[[str], LeaveRecord | None]


def open_request(
    token_text: str, decider: Decider, repeating: Decision | None = None
) -> tuple[DecisionToken, LeaveRecord]:
    """The request a link is for, if the link is genuine, its approver's, and still open; or
    already decided `repeating` by this approver (a retry whose first answer was lost)."""
    try:
        token = verify_token(token_text, decider.signing_keys(), decider.clock().timestamp())
    except InvalidTokenError as error:
        raise Refusal(RefusalReason.LINK_NOT_VALID, f"This link is not valid: {error}.") from None
    except ExpiredTokenError:
        raise Refusal(
            RefusalReason.EXPIRED, "This link has expired: the request can no longer be decided."
        ) from None
    return token, open_for(token.approver_email.lower(), token.request_id, decider, repeating)


def open_for(
    approver: str,
    request_id: str,
    decider: Decider,
    repeating: Decision | None = None,
    in_app: bool = False,
) -> LeaveRecord:
    """The request, if `approver` has it and it is still open; or already decided `repeating`
    by them. `in_app`: they decide in the app, not through a link of theirs."""
    record = decider.store.get(request_id)
    if record is None:
        raise Refusal(RefusalReason.NOT_FOUND, "This leave request does not exist.")
    if record.approver_email != approver:
        if approver not in record.former_approvers():
            raise Refusal(
                RefusalReason.NOT_YOURS, "This link is not for the approver of this request."
            )
        ensure_open(record, approver)
        if any(
            e.event is HistoryEvent.APPROVED_FIRST_LEVEL and e.by == approver
            for e in record.history
        ):
            raise Refusal(
                RefusalReason.AWAITS_SECOND_APPROVAL,
                f"You approved this request. Leave this long needs a second approval too: it "
                f"now waits for {record.approver_email}.",
                record=record,
            )
        moved_on = (
            moved_on_in_app(record.approver_email)
            if in_app
            else f"This request is now with {record.approver_email}, who decides it instead: "
            "your link no longer works."
        )
        raise Refusal(RefusalReason.MOVED_ON, moved_on, record=record)
    if repeating is not None and _decided_as(record, repeating, approver):
        return record
    ensure_open(record, approver)
    return record


def decide(
    token_text: str, decision: Decision, comment: str | None, decider: Decider
) -> tuple[DecisionPayload, LeaveRecord]:
    """Resume the waiting workflow with this decision, or raise why not.

    Before the callback, the decision claims the level it decides (see
    handlers/domain/claims.py): a follow-up (reminder, escalation, a delegation's hand-over)
    that has not started yet then does nothing, and one that is under way makes this answer
    503 + Retry-After (the approver's retry then finds where the request went). So once an
    approver saw 200, nobody else is asked, reminded or handed the request at that level.

    The callback API arbitrates between decisions: a callback completes once, so of two racing
    decisions the first to reach it wins and the other finds it closed. The claim is the only
    write before the callback, and the same approver may take it again, so nothing needs
    undoing after a throttle, a 5xx, a timeout or a crash: the approver's retry simply sends it
    again (a claim whose callback never went stops holding after the function's timeout). A
    retry of a decision that did get through (its answer was lost) finds the callback closed
    and the request decided their way: that is answered as a success, not a conflict.
    """
    token, record = open_request(token_text, decider, repeating=decision)
    return decide_as(token.approver_email.lower(), record, decision, comment, decider)


def decide_as(
    approver: str,
    record: LeaveRecord,
    decision: Decision,
    comment: str | None,
    decider: Decider,
    in_app: bool = False,
) -> tuple[DecisionPayload, LeaveRecord]:
    """`decide`, once `approver` (from their link, or signed in to the app: `in_app`) opened
    `record` (`open_for`, as they decide it)."""
    request_id = record.request_id
    now = decider.clock()
    claim = DecisionPayload(
        decision=decision,
        approver_email=approver,
        comment=comment or None,
        decided_at=now,
    )
    if not record.status.awaits_decision:
        return claim, record  # this approver's own decision, recorded before this retry
    if record.callback_id is None:
        raise not_now(_NOT_READY, record)
    approver = claim.approver_email
    try:
        decider.store.claim_decision(record.request_id, approver, record.callback_id, now)
    except FollowUpUnderwayError:
        raise not_now(_FOLLOW_UP_UNDERWAY, record) from None
    except RequestConflictError:
        # Moved on since it was read (escalated, handed over, decided): say where it is now,
        # unless it was decided this approver's way: a retry whose first answer was lost,
        # recorded by the workflow in between.
        latest = open_for(approver, request_id, decider, repeating=decision, in_app=in_app)
        if _decided_as(latest, decision, approver):
            return claim, latest
        if latest.status.awaits_decision and latest.approver_email == approver:
            # Still waiting for this approver: a follow-up wrote to it in between (a retried
            # hand-over step, a lease taken and let go). Nothing was decided: try again.
            raise not_now(_FOLLOW_UP_UNDERWAY, latest) from None
        raise Refusal(RefusalReason.ALREADY_DECIDED, _JUST_DECIDED, record=record) from None
    try:
        _resume(decider.workflow, record.callback_id, claim)
    except CallbackClosedError:
        return claim, _already_closed(record, claim, decider)
    except WorkflowUnavailableError:
        raise not_now(BUSY, record) from None
    decider.store.mark_claim_sent(record.request_id, approver, decider.clock())
    return claim, record


def _already_closed(record: LeaveRecord, claim: DecisionPayload, decider: Decider) -> LeaveRecord:
    """The callback took no more results: the request was decided, expired, or its execution
    ended. The workflow records why a moment after the callback closes, so wait for that; if
    it has not yet (a busy moment), nobody can say whose decision closed it: maybe this
    approver's own, sent before a lost answer. So the approver is asked to try again, never
    told someone else decided."""
    latest = decider.await_final(record.request_id)
    if latest is None:
        raise not_now(BEING_RECORDED, record)
    if _decided_as(latest, claim.decision, claim.approver_email):
        return latest
    ensure_open(latest, claim.approver_email)
    raise Refusal(RefusalReason.ALREADY_DECIDED, _JUST_DECIDED, record=latest)


def await_final(
    store: LeaveStore, request_id: str, sleep: Callable[[float], None] = time.sleep
) -> LeaveRecord | None:
    """The request once nobody can decide it any more (decided, expired, withdrawn, ...),
    reading for up to AWAIT_FINAL_SECONDS; else None."""
    for _ in range(int(AWAIT_FINAL_SECONDS / _AWAIT_INTERVAL_SECONDS)):
        record = store.get(request_id)
        if record is not None and not record.status.awaits_decision:
            return record
        sleep(_AWAIT_INTERVAL_SECONDS)
    return None


def _decided_as(record: LeaveRecord, decision: Decision, approver: str) -> bool:
    """Whether the request ended with this approver's `decision`."""
    return record.status is decision.outcome and _decided_by(record) == approver


def _decided_by(record: LeaveRecord) -> str | None:
    last = record.history[-1] if record.history else None
    return last.by if last else None


def _resume(workflow: WorkflowService, callback_id: str, claim: DecisionPayload) -> None:
    payload = claim.model_dump_json()
    if claim.decision is Decision.APPROVE:
        workflow.succeed_callback(callback_id, payload)
    else:
        workflow.fail_callback(
            callback_id, REJECTION_ERROR_TYPE, f"Rejected by {claim.approver_email}", payload
        )


_ENDED_BY_THE_EMPLOYEE = {
    LeaveStatus.WITHDRAWN: "Its employee withdrew this request: there is nothing to decide.",
    LeaveStatus.CANCELLED: "This leave was approved, then cancelled by its employee.",
}


def ensure_open(record: LeaveRecord, viewer: str) -> None:
    """Raise why nobody can decide `record` any more, as `viewer` (the approver whose link it
    is, or who decides in the app) is told it: a decision of their own (theirs as a delegate,
    too) is "by you"."""
    if record.status is LeaveStatus.EXPIRED:
        raise Refusal(RefusalReason.EXPIRED, _EXPIRED, record=record)
    if record.status is LeaveStatus.FAILED:
        raise Refusal(
            RefusalReason.CLOSED,
            "This request could not be processed and was closed: there is nothing to decide. "
            "Its employee was told to submit it again.",
            record=record,
        )
    if record.status in _ENDED_BY_THE_EMPLOYEE:
        raise Refusal(
            RefusalReason.ENDED_BY_EMPLOYEE, _ENDED_BY_THE_EMPLOYEE[record.status], record=record
        )
    if not record.status.awaits_decision:
        decider = _decided_by(record)
        by = f" by {'you' if decider == viewer else decider}" if decider else ""
        raise Refusal(
            RefusalReason.ALREADY_DECIDED,
            f"This request was already {record.status.value}{by}.",
            record=record,
        )
