"""Every day count counts working days: the count shown, maxLeaveDays (30 here) and the second
approval (over 10 working days here), Monday to Friday with one closure day. The dates are
chosen by weekday, weeks ahead of today."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from handlers.domain.leave_request import LeaveRequest, execution_name_for
from handlers.domain.working_days import WorkCalendar
from handlers.submit_routes import wiring as submit_wiring
from tests.integration.conftest import DEFAULT_APPROVER, LeaveApp
from tests.support.dates import monday_in

EMPLOYEE = "employee@email.com"
DIRECTOR = "director@email.com"
# A Monday the company is closed.
CLOSED = monday_in(20)


@pytest.fixture
def work_calendar() -> WorkCalendar:
    return WorkCalendar(closure_days=frozenset({CLOSED}))


@pytest.fixture
def second_approval_over() -> int | None:
    return 10


def _leave(start: date, end: date) -> dict[str, str]:
    return {"employee_email": EMPLOYEE, "start_date": str(start), "end_date": str(end)}


def _approved_by_manager(app: LeaveApp, payload: dict[str, str]) -> str:
    answer = app.submit(payload)
    assert answer.status == 202, answer.body
    request_id: str = answer.json()["request_id"]
    assert app.decide(app.decision_link(request_id), "approve").status == 200
    return request_id


def _problems(answer: Any) -> dict[str, str]:
    return {error["field"]: error["problem"] for error in answer.json()["errors"]}


def test_a_fortnight_of_ten_working_days_needs_one_approval_and_eleven_need_two(
    leave_app: LeaveApp,
) -> None:
    # Mon to Fri of the next week: 12 calendar days, which counted as they were needed two.
    fortnight = _approved_by_manager(leave_app, _leave(monday_in(3), monday_in(4) + timedelta(4)))
    record = leave_app.wait_until_final(fortnight)
    assert record["status"] == "approved"
    assert (record["days"], record["working_days"], record["calendar_days"]) == (10, 10, 12)
    assert leave_app.emails_to(DIRECTOR) == []
    receipt = leave_app.wait_for_email(EMPLOYEE, lambda e: fortnight in e.text)
    assert "10 working days, Mon " in receipt.text

    # To the Monday after: 11 working days, over the line.
    longer = _approved_by_manager(leave_app, _leave(monday_in(6), monday_in(8)))
    asked = leave_app.wait_for_email(DIRECTOR, lambda e: longer in e.text)
    assert "Leave longer than 10 working days needs a second approval: yours." in asked.text
    # The workflow decided from the count submit took, which its payload carries.
    assert leave_app.workflow.payload(longer)["working_days"] == 11


def test_a_request_of_no_working_days_is_refused_naming_its_dates(leave_app: LeaveApp) -> None:
    saturday = monday_in(3) - timedelta(days=2)
    weekend = leave_app.submit(_leave(saturday, saturday + timedelta(days=1)))
    assert weekend.status == 422
    assert weekend.json()["message"] == "The leave request was refused."
    problem = _problems(weekend)["start_date"]
    assert problem.startswith(f"Sat {saturday.day} ")
    assert "has no working days (weekends, public holidays and closure days do not count)" in (
        problem
    )
    # A closure day is no working day either; a weekend around it changes nothing.
    closed = leave_app.submit(_leave(CLOSED - timedelta(days=2), CLOSED))
    assert closed.status == 422
    assert "has no working days" in _problems(closed)["start_date"]
    # Nothing was recorded or started.
    assert leave_app.workflow.executions == {}
    assert submit_wiring.submitter().store.requests_of(EMPLOYEE, 10) == []


def test_max_leave_days_counts_working_days(leave_app: LeaveApp) -> None:
    # Six weeks, Mon to Fri: 40 calendar days, 30 working days, the most one request may take.
    # Unpaid leave has no allowance by default: only the length can refuse it.
    unpaid = {"leave_type": "unpaid"}
    six_weeks = leave_app.submit(_leave(monday_in(30), monday_in(35) + timedelta(days=4)) | unpaid)
    assert six_weeks.status == 202, six_weeks.body
    # One working day more: the Monday after a later six weeks.
    longer = leave_app.submit(_leave(monday_in(40), monday_in(46)) | unpaid)
    assert longer.status == 422
    assert _problems(longer) == {
        "end_date": "the leave takes 31 working days; the most one request may take is 30"
    }


def test_a_request_from_before_working_days_keeps_its_calendar_count(leave_app: LeaveApp) -> None:
    """A request recorded, and its execution started, before working days were counted has no
    count: it reads, and its workflow decides, in the calendar days it was submitted with."""
    request = LeaveRequest(
        employee_email=EMPLOYEE,
        start_date=monday_in(12),
        end_date=monday_in(13) + timedelta(days=4),
        request_id="lr-fromthedaysbeforeworkingdays",
        approver_email=DEFAULT_APPROVER,
        execution_name=execution_name_for("lr-fromthedaysbeforeworkingdays", "0"),
    )
    payload = request.workflow_input()
    assert "working_days" not in payload  # as such executions were started
    submit_wiring.submitter().store.create_pending(request, datetime.now(UTC), 5)
    leave_app.workflow.start(request.execution_name, payload)

    link = leave_app.decision_link(request.request_id)
    assert leave_app.decide(link, "approve").status == 200
    # 12 calendar days, over 10: a second approval, as when it was submitted.
    asked = leave_app.wait_for_email(DIRECTOR, lambda e: request.request_id in e.text)
    assert "Leave longer than 10 days needs a second approval" in asked.text
    shown = leave_app.status(request.request_id).json()
    assert (shown["days"], shown["calendar_days"]) == (12, 12)
    assert "working_days" not in shown
