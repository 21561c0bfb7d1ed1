from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from handlers.domain.leave_request import LeaveRequest, LeaveSubmission
from handlers.logic.submission import request_id_for

SUBMISSION = LeaveSubmission.model_validate(
    {"employee_email": "Employee@Email.com", "start_date": "2026-01-10", "end_date": "2026-01-10"}
)
NOON = datetime(2026, 11, 22, 12, tzinfo=UTC)
SECRET = b"the stack's secret"


def test_a_single_day_counts_as_one_day_and_the_email_is_normalised() -> None:
    # A submission is not counted in working days yet: that happens once it is accepted.
    assert SUBMISSION.calendar_days == 1
    assert SUBMISSION.employee_email == "employee@email.com"
    assert SUBMISSION.leave_type == "annual"


def test_dates_must_be_iso_calendar_dates() -> None:
    with pytest.raises(ValidationError, match="YYYY-MM-DD"):
        LeaveSubmission.model_validate(
            {**SUBMISSION.model_dump(mode="json"), "start_date": "2026-1-1"}
        )


def test_the_same_submission_gets_the_same_id_within_the_window_only() -> None:
    first = request_id_for(SUBMISSION, None, NOON, 86_400, SECRET)
    assert request_id_for(SUBMISSION, None, NOON.replace(hour=13), 86_400, SECRET) == first
    assert request_id_for(SUBMISSION, None, NOON.replace(day=23), 86_400, SECRET) != first
    assert len(first) <= 64
    assert first.startswith("lr-")


def test_an_idempotency_key_decides_the_id_per_employee() -> None:
    keyed = request_id_for(SUBMISSION, "k1", NOON, 60, SECRET)
    assert request_id_for(SUBMISSION, "k1", NOON.replace(day=30), 60, SECRET) == keyed
    assert request_id_for(SUBMISSION, "k2", NOON, 60, SECRET) != keyed
    other = SUBMISSION.model_copy(update={"employee_email": "other@email.com"})
    assert request_id_for(other, "k1", NOON, 60, SECRET) != keyed


def test_an_id_cannot_be_computed_without_the_secret() -> None:
    """Whoever knows what a request says (employee, dates, key) still cannot find its id."""
    ours = request_id_for(SUBMISSION, "k1", NOON, 60, SECRET)
    assert request_id_for(SUBMISSION, "k1", NOON, 60, b"a guess") != ours
    assert len(ours) == len("lr-") + 26


def _request(**values: object) -> LeaveRequest:
    fields = {"request_id": "lr-1", "approver_email": "boss@email.com", "execution_name": "lr-1-a"}
    return LeaveRequest.model_validate({**SUBMISSION.model_dump(), **fields, **values})


def test_a_request_counts_the_working_days_it_was_given_at_submission() -> None:
    # Sat 10 to Tue 20 Jan 2026: 11 calendar days, 7 of them Monday to Friday.
    counted = _request(end_date="2026-01-20", working_days=7)
    assert (counted.days, counted.calendar_days) == (7, 11)
    assert counted.workflow_input()["working_days"] == 7


def test_a_request_from_before_working_days_counts_its_calendar_days_as_it_did() -> None:
    """An execution started before counts existed replays with the payload it was given: it
    must decide from the same days, and a repeated start must send the same payload."""
    old = _request(end_date="2026-01-20")
    assert old.days == 11
    assert "working_days" not in old.workflow_input()
    assert LeaveRequest.model_validate(old.workflow_input()) == old


def test_a_request_of_no_working_days_cannot_be_made() -> None:
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        _request(working_days=0)
