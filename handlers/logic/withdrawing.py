"""An employee takes back a request nobody has decided yet.

The workflow itself ends it: the withdrawal goes into the request's one approval callback, as
a decision would, so the callback lets exactly one of them through. A withdrawal racing an
approval either wins (the request is withdrawn, the approver's link answers 409) or finds the
callback closed and is told how the request ended. While the request is still pending it is
never told 409: between the two levels of long leave (the first callback closed, the second
not attached yet) it is told to retry (503 + Retry-After), and the retry goes into the second
level's callback.

A withdrawal takes no claim (handlers/domain/claims.py): it is not a decision at a level, and
a follow-up that races it is followed by the outcome's email to whoever then has the request
("withdrawn, no longer needs your decision"), so nobody is left believing they must decide. A
claim would only let a withdrawal hold an approver's decision back.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from handlers.domain.leave_request import LeaveRecord, Withdrawal
from handlers.domain.statuses import LeaveStatus
from handlers.gateways.workflow_service import (
    CallbackClosedError,
    WorkflowService,
    WorkflowUnavailableError,
)
from handlers.logic.own_requests import own_request
from handlers.logic.refusals import Refusal, RefusalReason
from handlers.storage.leave_store import LeaveStore

# The ErrorType a withdrawal carries into the workflow.
WITHDRAWAL_ERROR_TYPE = "LeaveWithdrawn"
# Seconds an employee is asked to wait: the approver is being asked, or the request is moving
# to its second level (a moment), or Lambda refused for a passing reason (longer).
RETRY_AFTER_SECONDS = 5
BUSY_RETRY_AFTER_SECONDS = 30


@dataclass(frozen=True)
class Withdrawer:
    store: LeaveStore
    workflow: WorkflowService
    clock: Callable[[], datetime]
    # Waits (a bounded few seconds) until nobody can decide the request; None if it did not.
    await_final: Callable[[str], LeaveRecord | None]


def withdraw(request_id: str, employee: str, withdrawer: Withdrawer) -> LeaveRecord | None:
    """Withdraw the employee's pending request: the record once withdrawn, or None when the
    workflow has not recorded it yet (it will, a moment later). Raises a Refusal."""
    record = own_request(withdrawer.store, request_id, employee)
    if record.status is LeaveStatus.WITHDRAWN:
        return record  # a retry of a withdrawal that went through
    _ensure_waiting(record)
    if record.callback_id is None:
        raise Refusal(
            RefusalReason.NOT_NOW,
            "This request is still being sent to your approver: try again in a few seconds.",
            retry_after=RETRY_AFTER_SECONDS,
        )
    withdrawal = Withdrawal(withdrawn_by=employee, withdrawn_at=withdrawer.clock())
    try:
        withdrawer.workflow.fail_callback(
            record.callback_id,
            WITHDRAWAL_ERROR_TYPE,
            f"Withdrawn by {employee}",
            withdrawal.model_dump_json(),
        )
    except CallbackClosedError:
        # Decided, expired or withdrawn a moment ago: say which, once it is recorded. Or,
        # for long leave, approved at the first level: the second is not attached yet.
        return _as_recorded(
            withdrawer.await_final(request_id) or withdrawer.store.get(request_id) or record
        )
    except WorkflowUnavailableError:
        raise Refusal(
            RefusalReason.NOT_NOW,
            "The service is busy: your request was not withdrawn. Try again shortly.",
            retry_after=BUSY_RETRY_AFTER_SECONDS,
        ) from None
    recorded = withdrawer.await_final(request_id)
    return None if recorded is None else _as_recorded(recorded)


def _as_recorded(latest: LeaveRecord) -> LeaveRecord:
    """The request as the workflow ended it: withdrawn, or whatever beat the withdrawal."""
    if latest.status is LeaveStatus.WITHDRAWN:
        return latest
    _ensure_waiting(latest)
    # Still waiting, its callback closed: between the two levels of long leave, the second
    # one is being attached. A moment later the withdrawal goes into that one.
    raise Refusal(
        RefusalReason.NOT_NOW,
        "This request is moving to its second approver: try again in a few seconds.",
        retry_after=RETRY_AFTER_SECONDS,
    )


def _ensure_waiting(record: LeaveRecord) -> None:
    if record.status.awaits_decision:
        return
    if record.status is LeaveStatus.APPROVED:
        raise Refusal(
            RefusalReason.CONFLICT,
            "This leave is already approved: cancel it instead, before its first day.",
        )
    raise Refusal(
        RefusalReason.CONFLICT,
        f"This request is already {record.status.value}: there is nothing to withdraw.",
    )
