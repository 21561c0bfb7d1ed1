"""What an employee may do to their own request, after it was submitted: find it, and be told
plainly why an action cannot be taken."""

from handlers.domain.leave_request import LeaveRecord
from handlers.logic.refusals import Refusal, RefusalReason
from handlers.storage.leave_store import LeaveStore


def own_request(store: LeaveStore, request_id: str, employee: str) -> LeaveRecord:
    """The employee's own request, else NOT_FOUND: anyone else's is refused as if it did not
    exist."""
    record = store.get(request_id)
    if record is None or record.employee_email != employee:
        raise Refusal(RefusalReason.NOT_FOUND, f"There is no leave request {request_id} of yours.")
    return record
