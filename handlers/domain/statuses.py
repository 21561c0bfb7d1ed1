"""The states a leave request moves through, and the decisions that move it."""

from enum import StrEnum


class LeaveStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"

    @property
    def is_final(self) -> bool:
        return self is not LeaveStatus.PENDING


FINAL_STATUSES: tuple[LeaveStatus, ...] = tuple(s for s in LeaveStatus if s.is_final)
# Leave that still blocks the calendar: a new request may not overlap these.
BLOCKING_STATUSES: tuple[LeaveStatus, ...] = (LeaveStatus.PENDING, LeaveStatus.APPROVED)


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"

    @property
    def outcome(self) -> LeaveStatus:
        return LeaveStatus.APPROVED if self is Decision.APPROVE else LeaveStatus.REJECTED


class LeaveType(StrEnum):
    ANNUAL = "annual"
    SICK = "sick"
    UNPAID = "unpaid"
    PARENTAL = "parental"
    BEREAVEMENT = "bereavement"
    OTHER = "other"


class HistoryEvent(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
