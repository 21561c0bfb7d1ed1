"""What an approver sees of their team: on a request's decision page, who else among their
people is off or has asked for overlapping days; in the app, the requests waiting for them
(also as a delegate) and their team's upcoming leave.

An approver's people are the employees whose directory entry names them; a delegate deciding
for an absent approver sees that approver's people. Nobody sees anyone else's leave: a team is
read by its approver's key, and its leave says who, when and whether approved, nothing more
(handlers/domain/team_leave.py).
"""

from dataclasses import dataclass, field
from datetime import date

from handlers.domain.calendar import EmployeeCalendar
from handlers.domain.delegation import Delegation
from handlers.domain.leave_request import LeaveRecord
from handlers.domain.team_leave import (
    TeamLeave,
    TeamOverlap,
    overlapping_leave,
    team_owner,
    upcoming_leave,
)
from handlers.logic.delegating import decider_for
from handlers.logic.refusals import Refusal, RefusalReason
from handlers.storage.delegations import Delegations
from handlers.storage.team_reads import TeamReads, TeamUnavailableError
from handlers.web.wording import team_unavailable

# Seconds an approver is asked to wait when their team could not be read whole.
RETRY_AFTER_SECONDS = 5


@dataclass
class _Teams:
    """Each team read once while one answer is put together."""

    reads: TeamReads
    calendars: dict[str, dict[str, EmployeeCalendar]] = field(default_factory=dict)

    def of(self, approver: str) -> dict[str, EmployeeCalendar]:
        if approver not in self.calendars:
            try:
                members = self.reads.members_of(approver)
                self.calendars[approver] = self.reads.calendars_of(members) if members else {}
            except TeamUnavailableError:
                raise Refusal(
                    RefusalReason.NOT_NOW, team_unavailable(), retry_after=RETRY_AFTER_SECONDS
                ) from None
        return self.calendars[approver]

    def overlapping(self, record: LeaveRecord) -> list[TeamLeave]:
        return overlapping_leave(
            self.of(team_owner(record)), record.start_date, record.end_date, record.employee_email
        )


def overlapping_team_leave(record: LeaveRecord, reads: TeamReads) -> TeamOverlap:
    """Who else in the team the request is decided for is off, or has asked to be, on any of
    its days."""
    return TeamOverlap(_for_whom(record.approver_email, record), _Teams(reads).overlapping(record))


def standing_in(
    caller: str, record: LeaveRecord, delegations: Delegations, today: date
) -> Delegation | None:
    """The delegation through which `caller` decides `record` for its absent approver while
    it is still with them (not yet handed over); None if they do not. As the hand-over would:
    never the employee's own leave, never the second approval of who gave the first."""
    if caller in (record.approver_email, record.employee_email):
        return None
    decider, delegation = decider_for(
        record.approver_email, record.employee_email, today, delegations
    )
    if decider != caller or caller in record.approvers_so_far():
        return None
    return delegation


@dataclass(frozen=True)
class WaitingRequest:
    record: LeaveRecord
    # The absent approver the caller decides it for (a delegation), if any.
    standing_in_for: str | None
    overlapping: list[TeamLeave]


@dataclass(frozen=True)
class TeamAgenda:
    """An approver's people's leave that has not ended yet; `approver_email` is the caller
    or an absent approver they decide for."""

    approver_email: str
    leave: list[TeamLeave]


@dataclass(frozen=True)
class ApproverOverview:
    waiting: list[WaitingRequest]
    teams: list[TeamAgenda]


def _delegates_of(approver: str, covering: dict[str, Delegation]) -> list[str]:
    """Who `approver`'s requests go to today: their delegate, that delegate's own if they are
    away too, and so on (without the employee check of `decider_for`)."""
    chain = [approver]
    while (delegation := covering.get(chain[-1])) and delegation.delegate_email not in chain:
        chain.append(delegation.delegate_email)
    return chain[1:]


def approver_overview(
    caller: str, reads: TeamReads, delegations: Delegations, today: date
) -> ApproverOverview:
    """What the caller decides now, and the upcoming leave of the teams they decide for (their
    own, and that of every absent approver they stand in for). Empty for someone who approves
    nobody."""
    teams = _Teams(reads)
    waiting = [
        WaitingRequest(record, _for_whom(caller, record), teams.overlapping(record))
        for record in reads.waiting_for(caller)
    ]
    covering = {d.approver_email: d for d in delegations.all() if d.covers(today)}
    chains = {approver: _delegates_of(approver, covering) for approver in sorted(covering)}
    # Their requests may be the caller's to decide (each is checked as the hand-over would).
    for approver in (a for a, delegates in chains.items() if caller in delegates):
        for record in reads.waiting_for(approver):
            if standing_in(caller, record, delegations, today) is not None:
                waiting.append(
                    WaitingRequest(record, team_owner(record), teams.overlapping(record))
                )
    waiting.sort(key=lambda one: (one.record.submitted_at, one.record.request_id))
    # The teams the caller decides for today: their own, and each absent approver's whose
    # requests now come to them.
    absent = {a for a, delegates in chains.items() if delegates and delegates[-1] == caller}
    absent |= {one.standing_in_for for one in waiting if one.standing_in_for}
    agendas = [
        TeamAgenda(approver, upcoming_leave(teams.of(approver), today))
        for approver in [caller, *sorted(absent - {caller})]
    ]
    return ApproverOverview(waiting, [agenda for agenda in agendas if agenda.leave])


def _for_whom(caller: str, record: LeaveRecord) -> str | None:
    owner = team_owner(record)
    return None if owner == caller else owner
