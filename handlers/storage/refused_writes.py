"""Why a write to a leave request was refused: what the store's callers catch and answer."""

from datetime import datetime

from handlers.domain.allowances import Balance
from handlers.domain.calendar import CalendarEntry
from handlers.domain.leave_request import LeaveRecord


class RequestConflictError(RuntimeError):
    """A write lost to the request's current state (already decided, another request, ...)."""

    def __init__(self, message: str, record: LeaveRecord | None = None) -> None:
        super().__init__(message)
        self.record = record


class RequestExistsError(RequestConflictError):
    """A request with this id is already recorded (`record`)."""


class OverlapError(RuntimeError):
    """The employee already holds some of these dates (`clash`)."""

    def __init__(self, clash: CalendarEntry) -> None:
        super().__init__(f"overlaps {clash.request_id}")
        self.clash = clash


class TooManyPendingError(RuntimeError):
    """The employee already has `pending` requests waiting, the most allowed."""

    def __init__(self, pending: int) -> None:
        super().__init__(f"{pending} pending")
        self.pending = pending


class OverAllowanceError(RuntimeError):
    """The request asks `asked` days of `balance`'s year, more than are left of it."""

    def __init__(self, balance: Balance, asked: int) -> None:
        super().__init__(f"{asked} days asked, {balance.left} left in {balance.year}")
        self.balance = balance
        self.asked = asked


class CalendarBusyError(RuntimeError):
    """The employee's calendar kept changing under us: the caller should retry later."""


class FollowUpUnderwayError(RuntimeError):
    """A follow-up holds the request's lease (until `until`): a decision must wait for it."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"a follow-up holds the request until {until.isoformat()}")
        self.until = until
