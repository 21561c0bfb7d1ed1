"""An approver's team and its leave: whose team a request is decided for, and who in it is off
(approved) or has asked (pending) for which days.

What an approver sees of their people's leave is who and when, and whether it is approved or
asked for: never its type, its reason or anyone's comment (those are the employee's and their
approver's to read on the request itself), nor the request's id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from handlers.domain.delegation import stood_in_for

if TYPE_CHECKING:
    from handlers.domain.calendar import EmployeeCalendar
    from handlers.domain.leave_request import LeaveRecord
    from handlers.domain.statuses import LeaveStatus


@dataclass(frozen=True)
class TeamLeave:
    """One stretch of a team member's leave, approved or asked for."""

    employee_email: str
    start: date
    end: date
    status: LeaveStatus

    def public_view(self) -> dict[str, str]:
        return {
            "employee_email": self.employee_email,
            "start_date": self.start.isoformat(),
            "end_date": self.end.isoformat(),
            "status": self.status.value,
        }


@dataclass(frozen=True)
class TeamOverlap:
    """The team's leave on a request's days, and whose team it is when not the deciding
    approver's own (the absent approver a delegate decides for)."""

    absent_approver: str | None
    leave: list[TeamLeave]


def team_owner(record: LeaveRecord) -> str:
    """Whose team a request waiting for a decision is decided for: its approver's, or, when a
    delegation handed it to them, the absent approver's (a delegate decides as the approver
    they stand in for). An approver asked because the request moved up (an escalation, a
    second approval) decides for their own team."""
    return stood_in_for(record, record.approver_email)[-1]


def _leave_of(calendars: Mapping[str, EmployeeCalendar]) -> Iterable[TeamLeave]:
    for employee, calendar in calendars.items():
        for entry in calendar.entries:
            if entry.status.blocks_dates:
                yield TeamLeave(employee, entry.start, entry.end, entry.status)


def _in_order(leave: Iterable[TeamLeave]) -> list[TeamLeave]:
    return sorted(leave, key=lambda one: (one.start, one.end, one.employee_email))


def overlapping_leave(
    calendars: Mapping[str, EmployeeCalendar], start: date, end: date, besides: str
) -> list[TeamLeave]:
    """The leave of the team (`calendars`, by employee) on any day from `start` to `end`,
    but for `besides` (the employee whose request it is), by first day."""
    return _in_order(
        one
        for one in _leave_of(calendars)
        if one.employee_email != besides and one.start <= end and start <= one.end
    )


def upcoming_leave(calendars: Mapping[str, EmployeeCalendar], today: date) -> list[TeamLeave]:
    """The team's leave that has not ended before `today`, by first day."""
    return _in_order(one for one in _leave_of(calendars) if one.end >= today)
