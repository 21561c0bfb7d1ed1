"""What an employee may do to their own request, after it was submitted: find it, and be told
plainly why an action cannot be taken."""

from handlers.domain.leave_request import LeaveRecord
from handlers.storage.leave_store import LeaveStore


class ActionRefusedError(Exception):
    """The employee's action on their request cannot be taken; carries the HTTP status and
    what they are told (`retry_after`: seconds, when trying again shortly will do)."""

    def __init__(self, status_code: int, problem: str, retry_after: int | None = None) -> None:
        super().__init__(problem)
        self.status_code = status_code
        self.problem = problem
        self.retry_after = retry_after


def own_request(store: LeaveStore, request_id: str, employee: str) -> LeaveRecord:
    """The employee's own request, or 404: anyone else's is answered as if it did not exist."""
    record = store.get(request_id)
    if record is None or record.employee_email != employee:
        raise ActionRefusedError(404, f"There is no leave request {request_id} of yours.")
    return record
