"""What an approver sees of their team: who else among their people is off or has asked for
a request's days (its decision page, the app), read once a team however many requests show it.
What waits for them in the app: handlers/logic/approver_overview.py.

An approver's people are the employees whose directory entry names them; a delegate deciding
for an absent approver sees that approver's people. Nobody sees anyone else's leave: a team is
read by its approver's key, and its leave says who, when and whether approved, nothing more
(handlers/domain/team_leave.py).
"""

from dataclasses import dataclass, field

from handlers.domain.calendar import EmployeeCalendar
from handlers.domain.leave_request import LeaveRecord
from handlers.domain.team_leave import (
    TeamLeave,
    TeamOverlap,
    overlapping_leave,
    team_owner,
)
from handlers.storage.team_reads import TeamReads


@dataclass
class TeamCalendars:
    """Each team read once while one answer is put together."""

    reads: TeamReads
    calendars: dict[str, dict[str, EmployeeCalendar]] = field(default_factory=dict)

    def of(self, approver: str) -> dict[str, EmployeeCalendar]:
        """The calendars of `approver`'s people; TeamUnavailableError if they could not all
        be read."""
        if approver not in self.calendars:
            members = self.reads.members_of(approver)
            self.calendars[approver] = self.reads.calendars_of(members) if members else {}
        return self.calendars[approver]

    def overlapping(self, record: LeaveRecord) -> list[TeamLeave]:
        return overlapping_leave(
            self.of(team_owner(record)), record.start_date, record.end_date, record.employee_email
        )


def overlapping_team_leave(record: LeaveRecord, reads: TeamReads) -> TeamOverlap:
    """Who else in the team the request is decided for is off, or has asked to be, on any of
    its days."""
    return TeamOverlap(
        for_whom(record.approver_email, record), TeamCalendars(reads).overlapping(record)
    )


def for_whom(caller: str, record: LeaveRecord) -> str | None:
    """The absent approver whose team `caller` decides `record` for; None: their own."""
    owner = team_owner(record)
    return None if owner == caller else owner
