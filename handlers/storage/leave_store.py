"""Leave requests and employees' calendars in DynamoDB: what the use cases ask of the store
(`LeaveStore`), and the one class that does it.

`DynamoDbLeaveStore` does one table's jobs, each in its own module: reading requests and
calendars (request_reads.py) and balances (balances.py); moving a request between statuses,
with its calendar, its days on the balances and its shard's counts in one transaction
(status_moves.py); the writes to a request while it waits, which change no status
(waiting_requests.py); and which notices went out (sent_notices.py). Why a write was refused:
refused_writes.py.
"""

from collections.abc import Iterator
from datetime import date, datetime
from typing import Protocol

from handlers.domain.allowances import Booked
from handlers.domain.calendar import EmployeeCalendar
from handlers.domain.leave_request import HistoryEntry, LeaveRecord, LeaveRequest, Outcome
from handlers.domain.statuses import LeaveType
from handlers.storage.sent_notices import SentNotices
from handlers.storage.status_moves import StatusMoves
from handlers.storage.waiting_requests import WaitingRequestWrites


class LeaveStore(Protocol):
    def get(self, request_id: str) -> LeaveRecord | None: ...

    def calendar(self, employee_email: str) -> EmployeeCalendar: ...

    def create_pending(
        self,
        request: LeaveRequest,
        submitted_at: datetime,
        max_pending: int,
        handed_over: tuple[HistoryEntry, ...] = (),
        allowance: int | None = None,
    ) -> LeaveRecord: ...

    def booked_of(
        self, employee_email: str, first_year: int, last_year: int
    ) -> dict[tuple[int, LeaveType], Booked]: ...

    def discard_unstarted(self, request: LeaveRequest) -> bool: ...

    def take_over(self, request: LeaveRequest, at: datetime) -> LeaveRecord | None: ...

    def attach_callback(
        self, request_id: str, callback_id: str, deadline: datetime
    ) -> LeaveRecord: ...

    def awaiting_decision_by_or_handed_on(
        self, approver_email: str, key: str
    ) -> Iterator[LeaveRecord]: ...

    def record_outcome(
        self,
        request_id: str,
        outcome: Outcome,
        ended_by: str,
        only_unclaimed: bool = False,
        owes_announcement: bool = False,
    ) -> None: ...

    def mark_notified(self, request_id: str, at: datetime) -> None: ...

    def mark_notice_sent(self, request_id: str, key: str) -> None: ...

    def owed_announcements(self) -> list[str]: ...

    def follow_up(
        self,
        request_id: str,
        key: str,
        entry: HistoryEntry,
        handed_from: str | None = None,
        callback_id: str | None = None,
        after_decision: bool = False,
    ) -> LeaveRecord: ...

    def claim_decision(
        self, request_id: str, approver_email: str, callback_id: str, at: datetime
    ) -> None: ...

    def mark_claim_sent(self, request_id: str, approver_email: str, at: datetime) -> None: ...

    def take_lease(self, request_id: str, key: str, at: datetime) -> LeaveRecord: ...

    def release_lease(self, request_id: str, key: str) -> None: ...

    def pending_submitted_before(self, cutoff: datetime) -> Iterator[LeaveRecord]: ...

    def requests_of(self, employee_email: str, limit: int) -> list[LeaveRecord]: ...

    def approved_by(self, approver_email: str, since: date) -> list[LeaveRecord]: ...


class DynamoDbLeaveStore(StatusMoves, WaitingRequestWrites, SentNotices):
    """The leave store on one DynamoDB table (table_schema.py)."""
