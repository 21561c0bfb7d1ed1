"""Allowances as people meet them: what they have left (`GET /balance`), days held while a
request waits, taken when it is approved, given back once whichever way it ends otherwise, and
a request for more than is left refused with the days left, even when two race for the last.
"""

import dataclasses
import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest

from handlers import settler, submit
from handlers.domain.leave_request import LeaveRequest, LeaveSubmission
from handlers.logic.refusals import Refusal, RefusalReason
from handlers.logic.submission import submit_leave
from handlers.storage.leave_store import DynamoDbLeaveStore
from handlers.storage.refused_writes import OverAllowanceError
from handlers.storage.table_schema import balance_key, directory_entry
from handlers.submit_routes import wiring as submit_wiring
from tests.integration.conftest import SWEEP_GRACE_SECONDS, LeaveApp
from tests.support.aws import REGION
from tests.support.events import scheduled_event, status_change
from tests.support.faults import Fault, FaultyDependency, SimulatedCrash
from tests.support.http_calls import HttpResponse, call, rest_api_event
from tests.support.lambda_context import lambda_context

EMPLOYEE = "saver@email.com"
TODAY = datetime.now(UTC).date()
THIS_YEAR, NEXT_YEAR = TODAY.year, TODAY.year + 1


def _leave(month: int, first: int, last: int, **fields: str) -> dict[str, str]:
    """Annual leave of EMPLOYEE's next year, from day `first` to day `last` of `month`: always
    ahead, and within one year, whenever the tests run."""
    return {
        "employee_email": EMPLOYEE,
        "start_date": date(NEXT_YEAR, month, first).isoformat(),
        "end_date": date(NEXT_YEAR, month, last).isoformat(),
        **fields,
    }


def _balance_answer(app: LeaveApp, who: str = EMPLOYEE) -> HttpResponse:
    return call(submit.handler, "GET", "/balance", via=rest_api_event, headers=app.signed_in(who))


def _balance(
    app: LeaveApp, who: str = EMPLOYEE, year: int = NEXT_YEAR, leave_type: str = "annual"
) -> dict[str, Any]:
    answer = _balance_answer(app, who)
    assert answer.status == 200, answer.body
    balances: list[dict[str, Any]] = answer.json()["balances"]
    (found,) = [b for b in balances if (b["year"], b["leave_type"]) == (year, leave_type)]
    return found


def _held_taken_left(app: LeaveApp, **where: Any) -> tuple[int, int, int | None]:
    balance = _balance(app, **where)
    return balance["held"], balance["taken"], balance["left"]


def _submitted(app: LeaveApp, payload: dict[str, str], **kwargs: Any) -> str:
    answer = app.submit(payload, **kwargs)
    assert answer.status == 202, answer.body
    request_id: str = answer.json()["request_id"]
    return request_id


def _problems(response: HttpResponse) -> dict[str, str]:
    return {error["field"]: error["problem"] for error in response.json().get("errors", [])}


def _own_allowances(app: LeaveApp, employee: str, allowances: dict[str, int | None]) -> None:
    """Give `employee` allowances of their own in the directory, as the stack seeds them."""
    boto3.client("dynamodb", region_name=REGION).put_item(
        TableName=app.account.table_name, Item=directory_entry(employee, None, allowances)
    )


def _stored_booked(app: LeaveApp, employee: str, year: int) -> dict[str, int]:
    """The balance item's counters as stored."""
    item = boto3.client("dynamodb", region_name=REGION).get_item(
        TableName=app.account.table_name,
        Key={k: {"S": v} for k, v in balance_key(employee, year, "annual").items()},
        ConsistentRead=True,
    )["Item"]
    return {name: int(item.get(name, {"N": "0"})["N"]) for name in ("held", "taken", "booked")}


# -- reading it -------------------------------------------------------------------------------


def test_the_balance_shows_each_type_this_year_and_next_with_what_is_unlimited_said(
    leave_app: LeaveApp,
) -> None:
    answer = _balance_answer(leave_app)

    assert answer.status == 200, answer.body
    body = answer.json()
    assert body["years"] == [THIS_YEAR, NEXT_YEAR]
    assert len(body["balances"]) == 2 * 6
    annual = _balance(leave_app)
    assert annual == {
        "leave_type": "annual",
        "year": NEXT_YEAR,
        "allowance": 25,
        "unlimited": False,
        "taken": 0,
        "held": 0,
        "left": 25,
    }
    sick = _balance(leave_app, leave_type="sick")
    assert (sick["unlimited"], sick["allowance"], sick["left"]) == (True, None, None)


def test_the_balance_is_only_ever_the_signed_in_persons_own(leave_app: LeaveApp) -> None:
    _submitted(leave_app, _leave(3, 1, 5))

    assert _held_taken_left(leave_app) == (5, 0, 20)
    assert _held_taken_left(leave_app, who="someone@email.com") == (0, 0, 25)
    unsigned = call(submit.handler, "GET", "/balance", via=rest_api_event)
    assert unsigned.status == 401
    assert "balances" not in unsigned.body


# -- held, taken, given back ------------------------------------------------------------------


def test_a_waiting_request_holds_its_days_and_its_approval_takes_them(leave_app: LeaveApp) -> None:
    request_id = _submitted(leave_app, _leave(3, 1, 5))
    assert _held_taken_left(leave_app) == (5, 0, 20)

    assert leave_app.decide(leave_app.decision_link(request_id), "approve").status == 200
    assert leave_app.wait_until_final(request_id)["status"] == "approved"

    assert _held_taken_left(leave_app) == (0, 5, 20)
    assert _stored_booked(leave_app, EMPLOYEE, NEXT_YEAR) == {"held": 0, "taken": 5, "booked": 5}


def test_a_rejection_gives_the_days_back(leave_app: LeaveApp) -> None:
    request_id = _submitted(leave_app, _leave(3, 1, 5))

    assert leave_app.decide(leave_app.decision_link(request_id), "reject").status == 200
    assert leave_app.wait_until_final(request_id)["status"] == "rejected"

    assert _held_taken_left(leave_app) == (0, 0, 25)


@pytest.mark.parametrize("approval_timeout", [2])
def test_an_expired_request_gives_the_days_back(leave_app: LeaveApp) -> None:
    request_id = _submitted(leave_app, _leave(3, 1, 5))

    assert leave_app.wait_until_final(request_id)["status"] == "expired"

    assert _held_taken_left(leave_app) == (0, 0, 25)


def test_a_withdrawal_gives_the_days_back_once_however_often_it_is_asked(
    leave_app: LeaveApp,
) -> None:
    request_id = _submitted(leave_app, _leave(3, 1, 5))
    leave_app.decision_link(request_id)

    assert leave_app.act(request_id, "withdraw", EMPLOYEE).status in (200, 202)
    assert leave_app.wait_until_final(request_id)["status"] == "withdrawn"
    assert leave_app.act(request_id, "withdraw", EMPLOYEE).status in (200, 409)

    assert _stored_booked(leave_app, EMPLOYEE, NEXT_YEAR) == {"held": 0, "taken": 0, "booked": 0}


def test_cancelled_leave_gives_its_taken_days_back(leave_app: LeaveApp) -> None:
    request_id = _submitted(leave_app, _leave(3, 1, 5))
    assert leave_app.decide(leave_app.decision_link(request_id), "approve").status == 200
    leave_app.wait_until_final(request_id)

    assert leave_app.act(request_id, "cancel", EMPLOYEE).status == 200

    assert _held_taken_left(leave_app) == (0, 0, 25)


def test_a_broken_workflow_settled_twice_gives_the_days_back_once(leave_app: LeaveApp) -> None:
    request_id = _submitted(leave_app, _leave(3, 1, 5))
    leave_app.decision_link(request_id)

    leave_app.stop_and_settle(request_id)
    # Lambda delivers its status-change events at least once: the second finds it failed.
    again = status_change(leave_app.workflow.execution_name(request_id), "STOPPED")
    settler.handler({**again, "id": "delivered-again"}, lambda_context())

    assert leave_app.status(request_id).json()["status"] == "failed"
    assert _stored_booked(leave_app, EMPLOYEE, NEXT_YEAR) == {"held": 0, "taken": 0, "booked": 0}


def test_leave_across_new_year_holds_each_years_days_in_that_year(leave_app: LeaveApp) -> None:
    # From the last day of this year (today at the latest) to the second of the next.
    across = {
        "employee_email": EMPLOYEE,
        "start_date": date(THIS_YEAR, 12, 31).isoformat(),
        "end_date": date(NEXT_YEAR, 1, 2).isoformat(),
    }
    request_id = _submitted(leave_app, across)
    assert _held_taken_left(leave_app, year=THIS_YEAR) == (1, 0, 24)
    assert _held_taken_left(leave_app, year=NEXT_YEAR) == (2, 0, 23)

    assert leave_app.decide(leave_app.decision_link(request_id), "reject").status == 200
    leave_app.wait_until_final(request_id)

    assert _held_taken_left(leave_app, year=THIS_YEAR) == (0, 0, 25)
    assert _held_taken_left(leave_app, year=NEXT_YEAR) == (0, 0, 25)


# -- refused ----------------------------------------------------------------------------------


def test_a_request_over_what_is_left_is_refused_with_the_days_left_and_nothing_written(
    leave_app: LeaveApp,
) -> None:
    _submitted(leave_app, _leave(3, 1, 20))

    refused = leave_app.submit(_leave(4, 1, 10))

    assert refused.status == 422, refused.body
    assert _problems(refused) == {
        "end_date": f"the leave takes 10 days of your annual leave in {NEXT_YEAR}, and 5 days "
        "are left (25 a year: 0 taken, 20 waiting for a decision)"
    }
    assert len(leave_app.workflow.executions) == 1
    assert _stored_booked(leave_app, EMPLOYEE, NEXT_YEAR) == {"held": 20, "taken": 0, "booked": 20}
    # What is left may still be asked for.
    _submitted(leave_app, _leave(4, 1, 5))
    assert _held_taken_left(leave_app) == (25, 0, 0)


def test_a_persons_own_allowance_in_the_directory_is_the_one_that_counts(
    leave_app: LeaveApp,
) -> None:
    _own_allowances(leave_app, EMPLOYEE, {"annual": 30, "sick": 2, "unpaid": 0})
    assert _balance(leave_app)["allowance"] == 30
    _submitted(leave_app, _leave(3, 1, 30))

    sick = leave_app.submit(_leave(5, 1, 3, leave_type="sick"))
    unpaid = leave_app.submit(_leave(6, 1, 1, leave_type="unpaid"))

    assert sick.status == unpaid.status == 422
    assert "and 2 days are left (2 a year" in _problems(sick)["end_date"]
    assert _problems(unpaid) == {
        "leave_type": f"you have no unpaid leave in {NEXT_YEAR} (0 days left): choose another "
        "type of leave"
    }
    assert _held_taken_left(leave_app) == (30, 0, 0)


def test_a_type_without_a_limit_is_never_refused_and_still_counts(leave_app: LeaveApp) -> None:
    _own_allowances(leave_app, EMPLOYEE, {"annual": None})
    for month in (3, 4):
        _submitted(leave_app, _leave(month, 1, 30))

    balance = _balance(leave_app)
    assert (balance["unlimited"], balance["held"], balance["left"]) == (True, 60, None)


# -- racing -----------------------------------------------------------------------------------


def test_two_submissions_racing_for_the_last_days_are_never_both_accepted(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first reads the balance (4 days left), then is held at its transaction while the
    second takes the 4 days: released, the first must be refused, naming the days left."""
    _own_allowances(leave_app, EMPLOYEE, {"annual": 10})
    _submitted(leave_app, _leave(3, 1, 6))
    wired = submit_wiring.submitter()
    held_client = FaultyDependency(boto3.client("dynamodb", region_name=REGION))
    gate = held_client.hold("transact_write_items")
    held = dataclasses.replace(
        wired, store=DynamoDbLeaveStore(leave_app.account.table_name, client=held_client)
    )
    first_outcome: list[object] = []

    def first() -> None:
        # Called as the route calls it: the HTTP layer serves one event at a time in tests.
        try:
            first_outcome.append(
                submit_leave(LeaveSubmission.model_validate(_leave(4, 1, 4)), "first", held)
            )
        except Refusal as refusal:
            first_outcome.append(refusal)

    racing = threading.Thread(target=first)
    racing.start()
    gate.wait_reached()
    second = leave_app.submit(_leave(5, 1, 4), headers={"Idempotency-Key": "second"})
    gate.release()
    racing.join()

    assert second.status == 202, second.body
    (refusal,) = first_outcome
    assert isinstance(refusal, Refusal)
    assert (refusal.reason, refusal.field) == (RefusalReason.OVER_ALLOWANCE, "end_date")
    assert "and no days are left (10 a year: 0 taken, 10 waiting" in refusal.message
    assert len(leave_app.workflow.executions) == 2
    assert _stored_booked(leave_app, EMPLOYEE, NEXT_YEAR) == {"held": 10, "taken": 0, "booked": 10}
    assert _balance(leave_app)["left"] == 0


def test_the_balances_own_condition_refuses_days_booked_after_they_were_read(
    leave_app: LeaveApp,
) -> None:
    """Whatever books days between a submission's read and its write (here a writer that leaves
    the calendar alone, which a submission never does), the transaction's condition on the
    balance refuses the overdraft."""
    table = leave_app.account.table_name
    held_client = FaultyDependency(boto3.client("dynamodb", region_name=REGION))
    gate = held_client.hold("transact_write_items")
    store = DynamoDbLeaveStore(table, client=held_client)
    four_days = LeaveRequest.model_validate(
        {
            **_leave(4, 1, 4),
            "request_id": "lr-raced",
            "approver_email": "manager@email.com",
            "execution_name": "lr-raced-1",
            "days_by_year": {NEXT_YEAR: 4},
        }
    )
    outcome: list[object] = []

    def write() -> None:
        try:
            outcome.append(store.create_pending(four_days, datetime.now(UTC), 5, (), 10))
        except OverAllowanceError as refused:
            outcome.append(refused)

    writer = threading.Thread(target=write)
    writer.start()
    gate.wait_reached()
    boto3.client("dynamodb", region_name=REGION).update_item(
        TableName=table,
        Key={k: {"S": v} for k, v in balance_key(EMPLOYEE, NEXT_YEAR, "annual").items()},
        UpdateExpression="ADD taken :seven, booked :seven",
        ExpressionAttributeValues={":seven": {"N": "7"}},
    )
    gate.release()
    writer.join()

    (refused,) = outcome
    assert isinstance(refused, OverAllowanceError)
    assert (refused.balance.left, refused.asked) == (3, 4)
    assert leave_app.status("lr-raced", as_=EMPLOYEE).status == 404
    assert _stored_booked(leave_app, EMPLOYEE, NEXT_YEAR) == {"held": 0, "taken": 7, "booked": 7}


# -- a submission that dies between its record and its workflow -------------------------------


def _submitter_whose_start(fault: str) -> Any:
    wired = submit_wiring.submitter()
    return dataclasses.replace(
        wired, workflow=FaultyDependency(wired.workflow).inject("start", fault)
    )


def test_a_start_refused_undoes_the_request_and_gives_its_days_back(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    wired = submit_wiring.submitter()
    throttled = _submitter_whose_start(Fault.THROTTLE)
    monkeypatch.setattr(submit_wiring, "submitter", lambda: throttled)
    busy = leave_app.submit(_leave(3, 1, 5), headers={"Idempotency-Key": "k"})
    assert busy.status == 503, busy.body
    assert _stored_booked(leave_app, EMPLOYEE, NEXT_YEAR) == {"held": 0, "taken": 0, "booked": 0}

    monkeypatch.setattr(submit_wiring, "submitter", lambda: wired)
    _submitted(leave_app, _leave(3, 1, 5), headers={"Idempotency-Key": "k"})
    assert _held_taken_left(leave_app) == (5, 0, 20)


def test_a_submission_that_dies_after_its_record_holds_the_days_once_and_its_retry_adds_none(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    wired = submit_wiring.submitter()
    dying = _submitter_whose_start(Fault.CRASH_BEFORE)
    monkeypatch.setattr(submit_wiring, "submitter", lambda: dying)
    with pytest.raises(SimulatedCrash):
        leave_app.submit(_leave(3, 1, 5), headers={"Idempotency-Key": "k"})
    assert _held_taken_left(leave_app) == (5, 0, 20)

    monkeypatch.setattr(submit_wiring, "submitter", lambda: wired)
    _submitted(leave_app, _leave(3, 1, 5), headers={"Idempotency-Key": "k"})

    assert _stored_booked(leave_app, EMPLOYEE, NEXT_YEAR) == {"held": 5, "taken": 0, "booked": 5}


def test_a_submission_that_dies_after_its_record_and_is_never_retried_is_swept_and_given_back(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    dying = _submitter_whose_start(Fault.CRASH_BEFORE)
    monkeypatch.setattr(submit_wiring, "submitter", lambda: dying)
    with pytest.raises(SimulatedCrash):
        leave_app.submit(_leave(3, 1, 5))
    later = datetime.now(UTC) + timedelta(seconds=SWEEP_GRACE_SECONDS + 1)
    sweeper = dataclasses.replace(settler.settler(), clock=lambda: later)
    monkeypatch.setattr(settler, "settler", lambda: sweeper)

    swept = settler.handler(scheduled_event(), lambda_context())

    assert swept["settled"] == 1
    assert _stored_booked(leave_app, EMPLOYEE, NEXT_YEAR) == {"held": 0, "taken": 0, "booked": 0}
