"""What waits for an approver in the app: the requests they decide now, also those of an
approver who is away and whose requests now come to them, each with the overlapping leave of
the team it is decided for; and the upcoming leave of each team they decide for (their own, and
an absent approver's). Empty for someone who approves nobody.
"""

from dataclasses import dataclass
from datetime import date

from handlers.domain.delegation import Delegation
from handlers.domain.leave_request import LeaveRecord
from handlers.domain.team_leave import TeamLeave, team_owner, upcoming_leave
from handlers.logic.deciding_in_app import standing_in
from handlers.logic.refusals import Refusal, RefusalReason
from handlers.logic.team_view import TeamCalendars, for_whom
from handlers.storage.delegations import Delegations
from handlers.storage.team_reads import TeamReads, TeamUnavailableError
from handlers.web.wording import team_unavailable

# Seconds an approver is asked to wait when a team could not be read whole.
RETRY_AFTER_SECONDS = 5


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
    nobody. A Refusal (not now) when DynamoDB left some of it unread."""
    try:
        return _overview(caller, reads, delegations, today)
    except TeamUnavailableError:
        raise Refusal(
            RefusalReason.NOT_NOW, team_unavailable(), retry_after=RETRY_AFTER_SECONDS
        ) from None


def _overview(
    caller: str, reads: TeamReads, delegations: Delegations, today: date
) -> ApproverOverview:
    teams = TeamCalendars(reads)
    waiting = [
        WaitingRequest(record, for_whom(caller, record), teams.overlapping(record))
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
    # requests now come to them (once a delegation is over, only the overlapping leave of a
    # request still with them).
    absent = {a for a, delegates in chains.items() if delegates and delegates[-1] == caller}
    agendas = [
        TeamAgenda(approver, upcoming_leave(teams.of(approver), today))
        for approver in [caller, *sorted(absent - {caller})]
    ]
    return ApproverOverview(waiting, [agenda for agenda in agendas if agenda.leave])
