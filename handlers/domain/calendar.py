"""An employee's calendar of leave that holds their dates: pending and approved requests.

It is what makes double booking impossible. Submit reads it (consistently), checks the new
request against it, and writes the request and its calendar entry in one transaction that holds
only while the calendar is unchanged since it was read: of two overlapping submissions racing,
one commits and the other finds the first on its retry.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from handlers.domain.statuses import LeaveStatus

# Approved leave that ended longer ago than this leaves the calendar (see `stale_entries`).
KEPT_HISTORY = timedelta(days=366)


@dataclass(frozen=True)
class CalendarEntry:
    request_id: str
    start: date
    end: date
    status: LeaveStatus

    def overlaps(self, start: date, end: date) -> bool:
        return self.start <= end and start <= self.end


@dataclass(frozen=True)
class EmployeeCalendar:
    entries: tuple[CalendarEntry, ...] = ()
    # None while the employee has no calendar yet; bumped by every write that adds to it.
    version: int | None = None

    def first_clash(self, request_id: str, start: date, end: date) -> CalendarEntry | None:
        clashes = sorted(
            (e for e in self.entries if e.request_id != request_id and e.overlaps(start, end)),
            key=lambda entry: entry.start,
        )
        return clashes[0] if clashes else None

    @property
    def pending_count(self) -> int:
        return sum(entry.status is LeaveStatus.PENDING for entry in self.entries)

    def stale_entries(self, today: date) -> tuple[CalendarEntry, ...]:
        """Approved leave that ended over a year ago: dropped to keep the calendar small.
        (A request may be filed for past dates, so recent past leave must still clash.)"""
        cutoff = today - KEPT_HISTORY
        return tuple(e for e in self.entries if e.status is LeaveStatus.APPROVED and e.end < cutoff)
