"""How far from today a leave request's dates may lie.

Its first day may be at most so many days back, by leave type: sick leave is often reported
once it has begun, annual leave is asked for ahead. Its last day may be at most so many days
ahead: a request for the year 9999 is a typo, and would stay in both people's calendars for good.
"today" is the service's clock in UTC.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import MappingProxyType

from handlers.domain.statuses import LeaveType

# The ranges each setting takes, declared once for the stack's config and the functions' settings.
MAX_PAST_DAYS_LIMIT = 366
MIN_FUTURE_DAYS = 1
MAX_FUTURE_DAYS_LIMIT = 3660
DEFAULT_MAX_FUTURE_DAYS = 730
# Leave types not named here may not start before today.
DEFAULT_MAX_PAST_DAYS: Mapping[LeaveType, int] = MappingProxyType({LeaveType.SICK: 7})


def _days_back(value: object, prefix: str) -> int:
    problem = f"{prefix}must be a whole number of days from 0 to {MAX_PAST_DAYS_LIMIT}"
    if isinstance(value, bool):
        raise ValueError(f"{problem}, not {value!r}")
    try:
        days = int(str(value).strip())
    except ValueError:
        raise ValueError(f"{problem}, not {value!r}") from None
    if not 0 <= days <= MAX_PAST_DAYS_LIMIT:
        raise ValueError(f"{problem}, not {days}")
    return days


def _leave_type(name: object) -> LeaveType:
    try:
        return LeaveType(str(name).strip().lower())
    except ValueError:
        known = ", ".join(t.value for t in LeaveType)
        raise ValueError(f"names {name!r}, which is not a leave type ({known})") from None


def parse_max_past_days(value: object) -> dict[LeaveType, int]:
    """Days back a request may start, for every leave type.

    Written as one number (every type), as `sick=7,bereavement=3`, or as a mapping of leave
    types to days; the types it leaves out keep their defaults (sick 7, the others 0).
    """
    days = {leave_type: DEFAULT_MAX_PAST_DAYS.get(leave_type, 0) for leave_type in LeaveType}
    if value is None:
        return days
    if isinstance(value, int | float) or (isinstance(value, str) and "=" not in value):
        every = _days_back(value, "")
        return dict.fromkeys(LeaveType, every)
    pairs: Iterable[tuple[object, object]]
    if isinstance(value, str):
        parts = [part.partition("=") for part in value.split(",") if part.strip()]
        pairs = [(name, number) for name, _, number in parts]
    elif isinstance(value, Mapping):
        pairs = value.items()
    else:
        raise ValueError(f"must be a number of days, or leave types mapped to days, not {value!r}")
    for name, number in pairs:
        leave_type = _leave_type(name)
        days[leave_type] = _days_back(number, f"for {leave_type.value} leave ")
    return days


def parse_max_future_days(value: object) -> int:
    problem = f"must be a whole number of days from {MIN_FUTURE_DAYS} to {MAX_FUTURE_DAYS_LIMIT}"
    try:
        days = int(str(value).strip())
    except ValueError:
        raise ValueError(f"{problem}, not {value!r}") from None
    if not MIN_FUTURE_DAYS <= days <= MAX_FUTURE_DAYS_LIMIT:
        raise ValueError(f"{problem}, not {days}")
    return days


@dataclass(frozen=True)
class DateProblem:
    field: str
    problem: str


@dataclass(frozen=True)
class DateLimits:
    """How many days back a request of each leave type may start, and how far ahead any ends."""

    max_past_days: Mapping[LeaveType, int] = field(
        default_factory=lambda: parse_max_past_days(None)
    )
    max_future_days: int = DEFAULT_MAX_FUTURE_DAYS

    def past_days_for(self, leave_type: LeaveType) -> int:
        return self.max_past_days.get(leave_type, 0)

    def problem_with(
        self, start: date, end: date, leave_type: LeaveType, today: date
    ) -> DateProblem | None:
        """What is wrong with these dates today, in words the employee understands."""
        days_back = self.past_days_for(leave_type)
        if start < today - timedelta(days=days_back):
            if days_back == 0:
                problem = f"must not be in the past for {leave_type.value} leave"
            else:
                unit = "day" if days_back == 1 else "days"
                problem = (
                    f"must not be more than {days_back} {unit} ago for {leave_type.value} leave"
                )
            return DateProblem("start_date", problem)
        last_day = today + timedelta(days=self.max_future_days)
        if end > last_day:
            return DateProblem(
                "end_date",
                f"must be within {self.max_future_days} days from today "
                f"(on or before {last_day.isoformat()})",
            )
        return None

    def as_settings(self) -> dict[str, str]:
        """The limits as the submit function's settings (`max_past_days`, `max_future_days`)."""
        return {
            "max_past_days": ",".join(
                f"{leave_type.value}={self.past_days_for(leave_type)}" for leave_type in LeaveType
            ),
            "max_future_days": str(self.max_future_days),
        }
