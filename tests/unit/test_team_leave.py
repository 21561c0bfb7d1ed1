"""Whose team a request is decided for, and which of the team's leave an approver is shown."""

from datetime import UTC, date, datetime

from handlers.domain.calendar import CalendarEntry, EmployeeCalendar
from handlers.domain.leave_request import HistoryEntry, LeaveRecord
from handlers.domain.statuses import HistoryEvent, LeaveStatus
from handlers.domain.team_leave import TeamLeave, overlapping_leave, team_owner, upcoming_leave

AT = datetime(2026, 1, 2, tzinfo=UTC)


def _calendar(*entries: tuple[str, date, date, LeaveStatus]) -> EmployeeCalendar:
    return EmployeeCalendar(tuple(CalendarEntry(*entry) for entry in entries), version=1)


TEAM = {
    "ann@email.com": _calendar(
        ("a1", date(2026, 3, 1), date(2026, 3, 2), LeaveStatus.APPROVED),  # ends the day before
        ("a2", date(2026, 3, 3), date(2026, 3, 3), LeaveStatus.PENDING),  # the first day
    ),
    "bob@email.com": _calendar(
        ("b1", date(2026, 3, 7), date(2026, 3, 20), LeaveStatus.APPROVED),  # from the last day
        ("b2", date(2026, 3, 4), date(2026, 3, 5), LeaveStatus.REJECTED),  # no longer held
    ),
    "eve@email.com": _calendar(  # whose request it is
        ("e1", date(2026, 3, 3), date(2026, 3, 7), LeaveStatus.PENDING),
    ),
}


def test_the_overlap_is_every_held_day_touching_the_request_but_its_own_employees() -> None:
    shown = overlapping_leave(TEAM, date(2026, 3, 3), date(2026, 3, 7), besides="eve@email.com")

    assert shown == [
        TeamLeave("ann@email.com", date(2026, 3, 3), date(2026, 3, 3), LeaveStatus.PENDING),
        TeamLeave("bob@email.com", date(2026, 3, 7), date(2026, 3, 20), LeaveStatus.APPROVED),
    ]
    assert shown[1].public_view() == {
        "employee_email": "bob@email.com",
        "start_date": "2026-03-07",
        "end_date": "2026-03-20",
        "status": "approved",
    }


def test_upcoming_leave_is_what_has_not_ended_by_today() -> None:
    upcoming = upcoming_leave(TEAM, today=date(2026, 3, 3))

    assert [(one.employee_email, one.start) for one in upcoming] == [
        ("ann@email.com", date(2026, 3, 3)),
        ("eve@email.com", date(2026, 3, 3)),
        ("bob@email.com", date(2026, 3, 7)),
    ]


def _record(approver: str, *history: HistoryEntry) -> LeaveRecord:
    return LeaveRecord(
        request_id="r1",
        execution_name="r1-0",
        employee_email="eve@email.com",
        approver_email=approver,
        start_date=date(2026, 3, 3),
        end_date=date(2026, 3, 7),
        status=LeaveStatus.PENDING,
        submitted_at=AT,
        history=(HistoryEntry(event=HistoryEvent.SUBMITTED, at=AT), *history),
    )


def _moved(event: HistoryEvent, source: str, to: str) -> HistoryEntry:
    return HistoryEntry(event=event, at=AT, from_approver=source, to_approver=to)


def test_a_request_is_decided_for_the_team_of_whom_its_delegates_stand_in_for() -> None:
    assert team_owner(_record("boss@email.com")) == "boss@email.com"
    handed = _moved(HistoryEvent.REASSIGNED, "boss@email.com", "deputy@email.com")
    assert team_owner(_record("deputy@email.com", handed)) == "boss@email.com"
    # Handed on again by a delegate who is away too: still the first approver's team.
    again = _moved(HistoryEvent.REASSIGNED, "deputy@email.com", "third@email.com")
    assert team_owner(_record("third@email.com", handed, again)) == "boss@email.com"
    # Moved up by an escalation: the approver above decides for their own people.
    up = _moved(HistoryEvent.ESCALATED, "boss@email.com", "director@email.com")
    assert team_owner(_record("director@email.com", up)) == "director@email.com"
