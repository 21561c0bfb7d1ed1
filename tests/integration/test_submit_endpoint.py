"""The submit endpoint: every bad input gets a clear 4xx naming the problem, and changes nothing."""

import dataclasses
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import boto3
import pytest

from handlers import submit
from handlers.storage.leave_store import DynamoDbLeaveStore
from handlers.submit_routes import wiring as submit_wiring
from handlers.web.wording import leave_dates
from tests.integration.conftest import SEED_PAYLOAD, SUBMIT_URL, LeaveApp
from tests.support.aws import sent_emails
from tests.support.dates import from_today
from tests.support.http_calls import HttpResponse, call, rest_api_event

EMPLOYEE = SEED_PAYLOAD["employee_email"]
VALID = {**SEED_PAYLOAD, "reason": "Family visit", "leave_type": "annual"}


def _without(field: str) -> dict[str, Any]:
    return {k: v for k, v in VALID.items() if k != field}


def _problems(response: HttpResponse) -> dict[str, str]:
    body = response.json()
    assert body["message"]
    return {error["field"]: error["problem"] for error in body.get("errors", [])}


def _assert_nothing_happened(app: LeaveApp) -> None:
    assert app.workflow.executions == {}
    assert sent_emails() == []


BAD_BODIES = [
    pytest.param(
        {**VALID, "reason": "x" * 501},
        422,
        "reason",
        "must be at most 500 characters",
        id="reason-too-long",
    ),
    pytest.param(
        {**VALID, "leave_type": "holiday"},
        422,
        "leave_type",
        "must be one of annual, sick, unpaid, parental, bereavement, other",
        id="unknown-leave-type",
    ),
    pytest.param(_without("start_date"), 422, "start_date", "is required", id="missing-start"),
    pytest.param(
        {**VALID, "start_date": 20260110}, 422, "start_date", "YYYY-MM-DD", id="number-date"
    ),
    pytest.param(
        {**VALID, "start_date": "10/01/2026"}, 422, "start_date", "YYYY-MM-DD", id="us-date"
    ),
    pytest.param(
        {**VALID, "end_date": "2026-02-30"},
        422,
        "end_date",
        "not a date on the calendar",
        id="impossible-date",
    ),
    pytest.param(
        {**VALID, "end_date": from_today(34)},
        422,
        "end_date",
        "must not be before start_date",
        id="end-before-start",
    ),
    pytest.param(
        {**VALID, "employee_email": "employee.email.com"},
        422,
        "employee_email",
        "must be an email address",
        id="bad-email",
    ),
    pytest.param(
        {**VALID, "employee_email": "bob@other.org"},
        422,
        "employee_email",
        "email.com or example.com",
        id="foreign-domain",
    ),
    pytest.param(
        {**VALID, "end_date": from_today(94)},
        422,
        "end_date",
        "most one request may take is 30",
        id="too-long",
    ),
    pytest.param(
        {**VALID, "leave_type": "sabbatical"}, 422, "leave_type", "annual", id="unknown-type"
    ),
    pytest.param({**VALID, "reason": "x" * 501}, 422, "reason", "500", id="long-reason"),
    pytest.param(
        {**VALID, "approver": "me@email.com"}, 422, "approver", "not a field", id="unknown-field"
    ),
    pytest.param(["not", "an", "object"], 422, "body", "JSON object", id="array-body"),
]


@pytest.mark.parametrize(("body", "status", "field", "problem"), BAD_BODIES)
def test_a_bad_request_is_refused_with_the_field_and_the_problem(
    leave_app: LeaveApp, body: Any, status: int, field: str, problem: str
) -> None:
    response = leave_app.submit(body)

    assert response.status == status, response.body
    assert problem in _problems(response)[field]
    _assert_nothing_happened(leave_app)


def test_without_a_token_an_invalid_form_is_a_401_that_tells_nothing_about_it(
    leave_app: LeaveApp,
) -> None:
    backwards = {"start_date": from_today(45), "end_date": from_today(35), "reason": "x" * 600}
    response = call(submit.handler, "POST", "/", via=rest_api_event, json=backwards)
    assert response.status == 401
    assert "errors" not in response.json()
    _assert_nothing_happened(leave_app)


def test_a_body_that_is_not_json_is_a_400(leave_app: LeaveApp) -> None:
    response = call(
        submit.handler,
        "POST",
        "/",
        via=rest_api_event,
        body="start_date=2026-01-10",
        headers=leave_app.signed_in(
            SEED_PAYLOAD["employee_email"], {"content-type": "application/json"}
        ),
    )
    assert response.status == 400
    assert _problems(response) == {"body": "must be a JSON object"}
    _assert_nothing_happened(leave_app)


def test_an_oversized_body_is_a_413(leave_app: LeaveApp) -> None:
    response = leave_app.submit({**VALID, "reason": "x" * 5000})
    assert response.status == 413
    assert "4096 bytes" in response.json()["message"]
    _assert_nothing_happened(leave_app)


def test_an_employee_who_is_their_own_only_approver_is_refused(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    response = leave_app.submit({**VALID, "employee_email": "manager@example.com"})
    assert response.status == 202  # the default approver is someone else
    response = leave_app.submit({**VALID, "employee_email": "manager@email.com"})
    assert response.status == 202  # the directory gives the default approver their own approver

    wired = submit_wiring.submitter()
    settings = wired.settings.model_copy(update={"default_approver": "solo@email.com"})
    lonely = dataclasses.replace(wired, settings=settings)
    monkeypatch.setattr(submit_wiring, "submitter", lambda: lonely)
    response = leave_app.submit({**VALID, "employee_email": "solo@email.com"})
    assert response.status == 422
    assert "no approver other than yourself" in _problems(response)["employee_email"]


def test_a_request_overlapping_pending_leave_is_a_409(leave_app: LeaveApp) -> None:
    first = leave_app.submit(VALID)
    assert first.status == 202
    leave_app.decision_link(first.json()["request_id"])  # recorded and waiting

    overlapping = leave_app.submit(
        {**VALID, "start_date": from_today(40), "end_date": from_today(50)}
    )

    assert overlapping.status == 409
    # The other request in words (its dates, where it stands), and its id for the app's link.
    held = (date.fromisoformat(VALID["start_date"]), date.fromisoformat(VALID["end_date"]))
    (problem,) = overlapping.json()["errors"]
    assert problem == {
        "field": "start_date",
        "problem": (
            f"overlaps your leave request {leave_dates(*held)}, which is "
            "waiting for a decision: choose other dates, or withdraw or cancel that one first"
        ),
        "request_id": first.json()["request_id"],
    }
    assert len(leave_app.workflow.executions) == 1
    adjacent = leave_app.submit({**VALID, "start_date": from_today(46), "end_date": from_today(47)})
    assert adjacent.status == 202


def test_a_retry_with_the_same_idempotency_key_returns_the_same_request(
    leave_app: LeaveApp,
) -> None:
    headers = {"Idempotency-Key": "retry-me-1"}
    first = leave_app.submit(VALID, headers=headers)
    leave_app.decision_link(first.json()["request_id"])
    again = leave_app.submit(VALID, headers=headers)

    assert first.status == again.status == 202
    assert again.json()["request_id"] == first.json()["request_id"]
    assert len(leave_app.workflow.executions) == 1
    assert len(leave_app.emails_to(VALID["employee_email"])) == 1


def test_a_retry_of_the_same_body_before_it_is_recorded_starts_nothing_new(
    leave_app: LeaveApp,
) -> None:
    responses = [leave_app.submit(VALID) for _ in range(3)]

    assert {r.json()["request_id"] for r in responses} == {responses[0].json()["request_id"]}
    assert len(leave_app.workflow.executions) == 1
    leave_app.decision_link(responses[0].json()["request_id"])
    assert len(leave_app.emails_to(VALID["employee_email"])) == 1


def test_reusing_an_idempotency_key_for_another_request_is_a_409(leave_app: LeaveApp) -> None:
    headers = {"Idempotency-Key": "key-2"}
    assert leave_app.submit(VALID, headers=headers).status == 202
    other = leave_app.submit(
        {**VALID, "start_date": from_today(146), "end_date": from_today(147)}, headers=headers
    )

    assert other.status == 409
    assert "already used" in _problems(other)["Idempotency-Key"]
    assert len(leave_app.workflow.executions) == 1


def test_the_status_endpoint_shows_the_request_and_its_history(leave_app: LeaveApp) -> None:
    submitted = leave_app.submit(VALID).json()
    leave_app.decision_link(submitted["request_id"])

    status = leave_app.status(submitted["request_id"])

    assert status.status == 200
    record = status.json()
    # Where the employee reached the API, stage included: the address the emails link to too.
    assert submitted["status_url"] == f"{SUBMIT_URL}requests/{submitted['request_id']}"
    assert record | {"submitted_at": None, "history": None, "decision_deadline": None} == {
        **VALID,
        "request_id": submitted["request_id"],
        "approver_email": "manager@email.com",
        "status": "pending",
        # Counted at submission, in working days (every day works in these tests).
        "days": 11,
        "working_days": 11,
        "calendar_days": 11,
        "submitted_at": None,
        "history": None,
        # Set once the approver is asked: until when they may decide.
        "decision_deadline": None,
    }
    assert [entry["event"] for entry in record["history"]] == ["submitted"]


def test_unknown_requests_and_routes_are_404s_in_json(leave_app: LeaveApp) -> None:
    missing = leave_app.status("lr-doesnotexist")
    assert missing.status == 404
    assert "lr-doesnotexist" in missing.json()["message"]
    no_route = call(submit.handler, "DELETE", "/", via=rest_api_event)
    assert no_route.status == 404
    assert "POST /" in no_route.json()["message"]


class RivalBeforeTransaction:
    """A DynamoDB client whose first transaction runs a rival submission just before it goes
    out: after this submission read the calendar, before it wrote to it. (A thread race
    cannot pin that window down; this does.)"""

    def __init__(self, inner: Any, rival: Callable[[], HttpResponse]) -> None:
        self._inner = inner
        self._rival: Callable[[], HttpResponse] | None = rival
        self.rival_response: HttpResponse | None = None

    def transact_write_items(self, **request: Any) -> Any:
        if self._rival is not None:
            rival, self._rival = self._rival, None
            self.rival_response = rival()
        return self._inner.transact_write_items(**request)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@pytest.mark.parametrize("rival_first", [True, False], ids=["rival-first", "rival-second"])
def test_of_two_overlapping_submissions_racing_exactly_one_is_accepted(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch, rival_first: bool
) -> None:
    rival_body = {**VALID, "start_date": from_today(40), "end_date": from_today(50)}

    def submit_rival() -> HttpResponse:
        return leave_app.submit(rival_body, headers={"Idempotency-Key": "rival"})

    racing_client = RivalBeforeTransaction(
        boto3.client("dynamodb", region_name="us-east-2"), submit_rival
    )
    if rival_first:
        # The rival's whole submission runs inside this one's window: the rival goes through
        # (its own transaction finds the client already used), this one must not.
        wired = submit_wiring.submitter()
        store = DynamoDbLeaveStore(leave_app.account.table_name, client=racing_client)
        monkeypatch.setattr(
            submit_wiring, "submitter", lambda: dataclasses.replace(wired, store=store)
        )
        first = leave_app.submit(VALID, headers={"Idempotency-Key": "first"})
    else:
        first = leave_app.submit(VALID, headers={"Idempotency-Key": "first"})
        racing_client.rival_response = submit_rival()

    rival = racing_client.rival_response
    assert rival is not None
    winner, loser = (rival, first) if rival_first else (first, rival)
    assert (winner.status, loser.status) == (202, 409)
    assert loser.json()["errors"][0]["request_id"] == winner.json()["request_id"]
    assert len(leave_app.workflow.executions) == 1


def test_an_id_longer_than_any_request_is_a_404_without_a_lookup(leave_app: LeaveApp) -> None:
    answer = leave_app.status("lr-" + "x" * 200)
    assert answer.status == 404
    assert "There is no leave request" in answer.json()["message"]


# The service's clock, driven: a Wednesday.
TODAY = date(2027, 3, 10)


def _on(monkeypatch: pytest.MonkeyPatch, today: date) -> None:
    """Run submit as if it were `today` (noon UTC)."""
    wired = submit_wiring.submitter()
    noon = datetime.combine(today, time(12), UTC)
    monkeypatch.setattr(
        submit_wiring, "submitter", lambda: dataclasses.replace(wired, clock=lambda: noon)
    )


def _leave(start: int, end: int, leave_type: str = "annual") -> dict[str, str]:
    """Leave from `start` to `end` days after TODAY (before it, if negative)."""
    return {
        **VALID,
        "leave_type": leave_type,
        "start_date": from_today(start, TODAY),
        "end_date": from_today(end, TODAY),
    }


@pytest.mark.parametrize(
    ("body", "field", "problem"),
    [
        pytest.param(_leave(-1, 0), "start_date", "must not be in the past for annual leave"),
        pytest.param(
            _leave(-8, -6, "sick"), "start_date", "must not be more than 7 days ago for sick leave"
        ),
        pytest.param(
            {**VALID, "start_date": "0001-01-01", "end_date": "0001-01-01"},
            "start_date",
            "must not be in the past for annual leave",
            id="year-1",
        ),
        pytest.param(
            _leave(729, 731),
            "end_date",
            "must be within 730 days from today (on or before 2029-03-09)",
        ),
        pytest.param(
            {**VALID, "start_date": "9999-12-31", "end_date": "9999-12-31"},
            "end_date",
            "must be within 730 days from today",
            id="year-9999",
        ),
    ],
)
def test_leave_too_far_back_or_ahead_is_refused_naming_the_date(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch, body: Any, field: str, problem: str
) -> None:
    _on(monkeypatch, TODAY)

    response = leave_app.submit(body)

    assert response.status == 422, response.body
    problems = _problems(response)
    assert list(problems) == [field]
    assert problem in problems[field]
    _assert_nothing_happened(leave_app)


def test_leave_from_today_sick_leave_a_week_back_and_leave_two_years_ahead_are_taken(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    _on(monkeypatch, TODAY)

    for body in (_leave(0, 1), _leave(-7, -5, "sick"), _leave(726, 730)):
        response = leave_app.submit(body)
        assert response.status == 202, (body, response.body)


def test_a_retry_after_midnight_finds_the_request_its_dates_were_checked_for(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = {"Idempotency-Key": "sick-since-last-week"}
    sick = _leave(-7, 0, "sick")
    _on(monkeypatch, TODAY)
    first = leave_app.submit(sick, headers=headers)
    leave_app.decision_link(first.json()["request_id"])

    _on(monkeypatch, TODAY + timedelta(days=1))
    again = leave_app.submit(sick, headers=headers)
    fresh = leave_app.submit(sick, headers={"Idempotency-Key": "another"})

    assert first.status == again.status == 202, again.body
    assert again.json()["request_id"] == first.json()["request_id"]
    assert fresh.status == 422
    assert "7 days ago for sick leave" in _problems(fresh)["start_date"]
    assert len(leave_app.workflow.executions) == 1
