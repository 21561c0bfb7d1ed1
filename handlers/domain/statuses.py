"""The life of a leave request: its statuses, the moves allowed between them, and the decisions.

`TRANSITIONS` is the one declaration of the state machine. The store writes a move only if
`TRANSITIONS` allows it from where the request stands, and only while it still stands there (a
conditional write); whether a status still holds the employee's dates comes from
`BLOCKING_STATUSES`, and leaving pending takes the request off the pending count.
"""

from enum import StrEnum


class LeaveStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    # The workflow's execution broke (failed, timed out, was stopped, or never started):
    # nobody can decide the request any more.
    FAILED = "failed"
    # Its employee took it back before anyone decided it.
    WITHDRAWN = "withdrawn"
    # Approved, then called off by its employee before its first day.
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        """Nothing can happen to it any more."""
        return not TRANSITIONS[self]

    @property
    def blocks_dates(self) -> bool:
        return self in BLOCKING_STATUSES

    @property
    def awaits_decision(self) -> bool:
        """An approver can still decide it: it may be reminded, escalated or reassigned."""
        return Decision.APPROVE.outcome in TRANSITIONS[self]


TRANSITIONS: dict[LeaveStatus, frozenset[LeaveStatus]] = {
    LeaveStatus.PENDING: frozenset(
        {
            LeaveStatus.APPROVED,
            LeaveStatus.REJECTED,
            LeaveStatus.EXPIRED,
            LeaveStatus.FAILED,
            LeaveStatus.WITHDRAWN,
        }
    ),
    LeaveStatus.APPROVED: frozenset({LeaveStatus.CANCELLED}),
    LeaveStatus.REJECTED: frozenset(),
    LeaveStatus.EXPIRED: frozenset(),
    LeaveStatus.FAILED: frozenset(),
    LeaveStatus.WITHDRAWN: frozenset(),
    LeaveStatus.CANCELLED: frozenset(),
}


FINAL_STATUSES: tuple[LeaveStatus, ...] = tuple(s for s in LeaveStatus if s.is_final)
# Leave that still holds the calendar: a new request may not overlap these.
BLOCKING_STATUSES: tuple[LeaveStatus, ...] = (LeaveStatus.PENDING, LeaveStatus.APPROVED)


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"

    @property
    def outcome(self) -> LeaveStatus:
        return LeaveStatus.APPROVED if self is Decision.APPROVE else LeaveStatus.REJECTED


# Requests an approver can still decide.
AWAITING_DECISION: tuple[LeaveStatus, ...] = tuple(s for s in LeaveStatus if s.awaits_decision)


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
    FAILED = "failed"
    # While it waits: its approver was reminded; it moved up to the approver's own approver;
    # it moved to someone its approver delegated to.
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"
    # Long leave: approved by the first approver, now with the second.
    APPROVED_FIRST_LEVEL = "approved_first_level"
    # Long leave approved at the first level with nobody above to give the second approval.
    ONE_APPROVAL_SUFFICED = "one_approval_sufficed"
    REMINDED = "reminded"
    ESCALATED = "escalated"
    REASSIGNED = "reassigned"
