"""An approver's decision in the employees' app: whether the signed-in caller may decide the
request, then the decision itself through the link's own path (handlers/logic/deciding.py:
the same claim of the level, the same callback, so of any two decisions, wherever they come
from, exactly one wins, and a follow-up under way makes either wait).

Who the caller is comes from their verified ID token, never from what they send. They may
decide a request they have now, or one still with an approver who is away and whose requests
now come to them (`standing_in`). That one is first handed over to them as the
settler's sweep would hand it over when the delegation starts (under the delegation's key,
holding its lease while it moves, so a decision or another follow-up racing it is never
lost): the history then says who decided for whom, and a second approval still goes above
the absent approver. The sweep, finding it handed over, announces the hand-over if the
request is still waiting then.
"""

from dataclasses import dataclass
from datetime import date, datetime

from handlers.domain.delegation import Delegation
from handlers.domain.leave_request import DecisionPayload, LeaveRecord
from handlers.domain.statuses import Decision
from handlers.logic.deciding import (
    BEING_RECORDED,
    Decider,
    decide_as,
    ensure_open,
    not_now,
    open_for,
)
from handlers.logic.delegating import decider_for
from handlers.logic.refusals import Refusal, RefusalReason
from handlers.storage.delegations import Delegations
from handlers.storage.refused_writes import RequestConflictError
from handlers.web.wording import moved_on_in_app, not_yours_in_app

_NOT_ASKED_YET = "This request is still being sent to its approver: please try again in a minute."
_EXPIRED = "This request has expired: it can no longer be decided."


def standing_in(
    caller: str, record: LeaveRecord, delegations: Delegations, today: date
) -> Delegation | None:
    """The delegation through which `caller` decides `record` for its absent approver while
    it is still with them (not yet handed over); None if they do not. As the hand-over would:
    never the employee's own leave, never the second approval of who gave the first."""
    if caller in (record.approver_email, record.employee_email):
        return None
    decider, delegation = decider_for(
        record.approver_email, record.employee_email, today, delegations
    )
    if decider != caller or caller in record.approvers_so_far():
        return None
    return delegation


@dataclass(frozen=True)
class AppDecider:
    decider: Decider
    delegations: Delegations


def decide_in_app(
    caller: str,
    request_id: str,
    decision: Decision,
    comment: str | None,
    app: AppDecider,
) -> tuple[DecisionPayload, LeaveRecord]:
    """Decide the request as `caller`, or raise why not (a Refusal: 404 no such request, 403
    not theirs, 409 decided or moved on, 410 expired, 503 a follow-up or decision under way)."""
    decider = app.decider
    record = decider.store.get(request_id)
    if record is None:
        raise Refusal(RefusalReason.NOT_FOUND, "This leave request does not exist.")
    now = decider.clock()
    if record.approver_email != caller:
        delegation = standing_in(caller, record, app.delegations, now.date())
        if delegation is not None:
            ensure_open(record, caller)
            _ensure_in_time(record, now)
            record = _hand_over(caller, record, delegation, decider, now)
        elif caller not in record.former_approvers():
            raise Refusal(RefusalReason.NOT_YOURS, not_yours_in_app())
    record = open_for(caller, request_id, decider, repeating=decision, in_app=True)
    _ensure_in_time(record, now)
    return decide_as(caller, record, decision, comment, decider, in_app=True)


def _ensure_in_time(record: LeaveRecord, now: datetime) -> None:
    """A link expires with its request's deadline; the app says the same of a request still
    waiting once it has passed, before the workflow has recorded the expiry."""
    deadline = record.decision_deadline
    if record.status.awaits_decision and deadline is not None and deadline <= now:
        raise Refusal(RefusalReason.EXPIRED, _EXPIRED, record=record)


def _hand_over(
    caller: str, record: LeaveRecord, delegation: Delegation, decider: Decider, now: datetime
) -> LeaveRecord:
    """Move the absent approver's request to `caller`, as the sweep would: under the
    delegation's key and lease, only while it is still the absent approver's and nobody
    claimed it. The request as it then stands (the caller's)."""
    if record.decision_deadline is None or record.callback_id is None:
        raise not_now(_NOT_ASKED_YET, record)
    store, key = decider.store, delegation.key
    try:
        held = store.take_lease(record.request_id, key, now)
    except RequestConflictError as conflict:
        # Decided, or claimed by its approver's decision, or held by another follow-up.
        latest = conflict.record or record
        ensure_open(latest, caller)
        raise not_now(BEING_RECORDED, latest) from None
    try:
        if held.approver_email != delegation.approver_email:
            ensure_open(held, caller)
            raise Refusal(RefusalReason.MOVED_ON, moved_on_in_app(held.approver_email), record=held)
        entry = delegation.handed_over_entry(held.approver_email, caller, now)
        try:
            return store.follow_up(
                record.request_id, key, entry, handed_from=delegation.approver_email
            )
        except RequestConflictError as conflict:
            latest = conflict.record or held
            ensure_open(latest, caller)
            raise not_now(BEING_RECORDED, latest) from None
    finally:
        store.release_lease(record.request_id, key)
