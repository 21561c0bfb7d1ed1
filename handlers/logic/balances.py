"""What a person has left of each leave type: their allowances (the stack's, or their own from
the directory) against the days their requests hold and have taken (`GET /balance`), and the
refusal of a request that asks more than is left."""

from collections.abc import Mapping
from datetime import date
from typing import Protocol

from handlers.domain.allowances import (
    AllowanceTable,
    Balance,
    Booked,
    allowances_of,
)
from handlers.domain.statuses import LeaveType
from handlers.logic.approval_chain import ApproverDirectory
from handlers.logic.refusals import Refusal, RefusalReason
from handlers.storage.refused_writes import OverAllowanceError


class AllowanceDirectory(Protocol):
    def allowances_of(self, employee_email: str) -> Mapping[LeaveType, int | None]: ...


class PeopleDirectory(ApproverDirectory, AllowanceDirectory, Protocol):
    """The directory as submit reads it: each person's approver, and their own allowances."""


class BookedDays(Protocol):
    def booked_of(
        self, employee_email: str, first_year: int, last_year: int
    ) -> dict[tuple[int, LeaveType], Booked]: ...


def allowance_for(
    employee_email: str,
    leave_type: LeaveType,
    defaults: AllowanceTable,
    directory: AllowanceDirectory,
) -> int | None:
    """The employee's days a year of `leave_type` (None: no limit)."""
    return allowances_of(defaults, directory.allowances_of(employee_email))[leave_type]


def balances_of(
    employee_email: str,
    years: range,
    defaults: AllowanceTable,
    directory: AllowanceDirectory,
    store: BookedDays,
) -> list[Balance]:
    """The employee's balance of every leave type in each of `years`, by year then type."""
    own = allowances_of(defaults, directory.allowances_of(employee_email))
    booked = store.booked_of(employee_email, years[0], years[-1])
    return [
        Balance.of(leave_type, year, own[leave_type], booked.get((year, leave_type), Booked()))
        for year in years
        for leave_type in LeaveType
    ]


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"


def over_allowance(refused: OverAllowanceError, last_day: date) -> Refusal:
    """The refusal of a request that asks more days of a year than its type has left: about its
    type when the type has no days that year at all, else about its dates (its last day, or
    its first when the year short of days is the first of two)."""
    balance, asked = refused.balance, refused.asked
    kind = f"{balance.leave_type.value} leave"
    if not balance.allowance:
        return Refusal(
            RefusalReason.OVER_ALLOWANCE,
            f"you have no {kind} in {balance.year} (0 days left): choose another type of leave",
            field="leave_type",
        )
    left = balance.left or 0
    return Refusal(
        RefusalReason.OVER_ALLOWANCE,
        f"the leave takes {_days(asked)} of your {kind} in {balance.year}, and "
        f"{_days(left) if left else 'no days'} {'is' if left == 1 else 'are'} left "
        f"({balance.allowance} a year: {balance.taken} taken, {balance.held} waiting for a "
        "decision)",
        field="end_date" if balance.year == last_day.year else "start_date",
    )
