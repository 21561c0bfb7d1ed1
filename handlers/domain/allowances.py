"""How many days of each leave type a person has a year, and what a request does to them.

An allowance is days a calendar year (January to December), by leave type; a type without one
has no limit (`None`), and its days are still counted. The stack sets one table for everyone
(`DEFAULT_ALLOWANCES` until it says otherwise) and the directory may give a person their own
figure for some types. A request counts its days against the year each day falls in
(`days_by_year`): a request from 28 December to 3 January takes 4 days of one year and 3 of the
next.

Where a request stands says where its days are (`counter_of`): waiting for a decision, it holds
them; approved, it has taken them; in any other status it has given them back. Every status
move moves its days from one counter to the other (`counter_moves`), in the same write as the
move itself (handlers/storage/balances.py).
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from handlers.domain.statuses import LeaveStatus, LeaveType

# A year has at most 366 days: an allowance above that limits nothing.
MAX_ALLOWANCE_DAYS = 366
# Written for a type without a limit (in stack config, the functions' settings, the directory).
NO_LIMIT = "none"
# Types not named here have no limit.
DEFAULT_ALLOWANCES: Mapping[LeaveType, int] = MappingProxyType({LeaveType.ANNUAL: 25})

# Days a year of each type: None for a type without a limit.
AllowanceTable = Mapping[LeaveType, int | None]


def _leave_type(name: object) -> LeaveType:
    try:
        return LeaveType(str(name).strip().lower())
    except ValueError:
        known = ", ".join(t.value for t in LeaveType)
        raise ValueError(f"names {name!r}, which is not a leave type ({known})") from None


def _days_a_year(value: object, leave_type: LeaveType) -> int | None:
    if value is None or (isinstance(value, str) and value.strip().lower() == NO_LIMIT):
        return None
    problem = (
        f"for {leave_type.value} leave must be a whole number of days from 0 to "
        f"{MAX_ALLOWANCE_DAYS}, or {NO_LIMIT} (no limit)"
    )
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError(f"{problem}, not {value!r}")
    try:
        days = int(str(int(value) if isinstance(value, float) else value).strip())
    except ValueError:
        raise ValueError(f"{problem}, not {value!r}") from None
    if not 0 <= days <= MAX_ALLOWANCE_DAYS:
        raise ValueError(f"{problem}, not {days}")
    return days


def parse_allowance_overrides(value: object) -> dict[LeaveType, int | None]:
    """The types a table names, with their days a year (None: no limit).

    Written as `annual=30,sick=none` or as a mapping of leave types to days (or `none`).
    """
    if value is None:
        return {}
    pairs: Iterable[tuple[object, object]]
    if isinstance(value, str):
        parts = [part.partition("=") for part in value.split(",") if part.strip()]
        if any(not sign for _, sign, _ in parts):
            raise ValueError(
                f"must map leave types to days a year, like annual=25,sick=none, not {value!r}"
            )
        pairs = [(name, days) for name, _, days in parts]
    elif isinstance(value, Mapping):
        pairs = value.items()
    else:
        raise ValueError(f"must map leave types to days a year (or {NO_LIMIT}), not {value!r}")
    table: dict[LeaveType, int | None] = {}
    for name, days in pairs:
        leave_type = _leave_type(name)
        table[leave_type] = _days_a_year(days, leave_type)
    return table


def parse_allowances(value: object) -> dict[LeaveType, int | None]:
    """Days a year of every leave type: the types `value` leaves out keep their defaults
    (`DEFAULT_ALLOWANCES`; the types it does not name have no limit)."""
    defaults: dict[LeaveType, int | None] = {t: DEFAULT_ALLOWANCES.get(t) for t in LeaveType}
    return defaults | parse_allowance_overrides(value)


def allowance_settings(table: AllowanceTable) -> str:
    """A table as the functions' setting: every type, `annual=25,sick=none,...`."""
    return ",".join(
        f"{leave_type.value}={NO_LIMIT if table.get(leave_type) is None else table[leave_type]}"
        for leave_type in LeaveType
    )


def allowances_of(defaults: AllowanceTable, own: AllowanceTable) -> dict[LeaveType, int | None]:
    """A person's allowances: their own where the directory gives them one, else the stack's."""
    return {leave_type: own.get(leave_type, defaults.get(leave_type)) for leave_type in LeaveType}


def days_by_year(start: date, end: date, count: Callable[[date, date], int]) -> dict[int, int]:
    """The days of leave from `start` to `end` (both included) in each year they fall in, as
    `count` counts the days of a stretch within one year; years with none are left out."""
    days: dict[int, int] = {}
    for year in range(start.year, end.year + 1):
        counted = count(max(start, date(year, 1, 1)), min(end, date(year, 12, 31)))
        if counted:
            days[year] = counted
    return days


class Counter(StrEnum):
    """Where a request's days are on its employee's balance."""

    HELD = "held"  # waiting for a decision
    TAKEN = "taken"  # approved


def counter_of(status: LeaveStatus | None) -> Counter | None:
    """Where the days of a request standing in `status` are (None: given back, or never
    recorded)."""
    if status is None:
        return None
    if status.awaits_decision:
        return Counter.HELD
    if status.blocks_dates:
        return Counter.TAKEN
    return None


def counter_moves(
    before: LeaveStatus | None, after: LeaveStatus | None, days: int
) -> dict[Counter, int]:
    """What a move from `before` to `after` (None: not recorded) does to the counters, for a
    request of `days` days in one year."""
    moves: dict[Counter, int] = {}
    given_up, gained = counter_of(before), counter_of(after)
    if given_up is not None:
        moves[given_up] = moves.get(given_up, 0) - days
    if gained is not None:
        moves[gained] = moves.get(gained, 0) + days
    return {counter: delta for counter, delta in moves.items() if delta}


@dataclass(frozen=True)
class Booked:
    """The days a person's requests of one type hold and have taken in one year."""

    held: int = 0
    taken: int = 0


@dataclass(frozen=True)
class Balance:
    """One person's days of one leave type in one year."""

    leave_type: LeaveType
    year: int
    allowance: int | None  # None: no limit
    held: int = 0
    taken: int = 0

    @classmethod
    def of(
        cls, leave_type: LeaveType, year: int, allowance: int | None, booked: Booked
    ) -> "Balance":
        return cls(leave_type, year, allowance, booked.held, booked.taken)

    @property
    def booked(self) -> int:
        return self.held + self.taken

    @property
    def left(self) -> int | None:
        """Days still free (None: no limit). Never below 0: an allowance lowered below what
        was booked leaves nothing, and takes nothing back."""
        if self.allowance is None:
            return None
        return max(0, self.allowance - self.booked)

    def fits(self, days: int) -> bool:
        return self.allowance is None or self.booked + days <= self.allowance

    def public_view(self) -> dict[str, Any]:
        return {
            "leave_type": self.leave_type.value,
            "year": self.year,
            "allowance": self.allowance,
            "unlimited": self.allowance is None,
            "taken": self.taken,
            "held": self.held,
            "left": self.left,
        }
