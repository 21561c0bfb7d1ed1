"""An approver who is away hands their approvals to a delegate: set, used, handed over, ended."""

import dataclasses
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import BotoCoreError, ClientError

from handlers import settler, submit
from handlers.domain.signals import EventType, Metric
from handlers.storage.leave_store import DynamoDbLeaveStore
from sandbox.mailbox import ReceivedEmail
from tests.integration.conftest import DEFAULT_APPROVER, SEED_PAYLOAD, LeaveApp
from tests.support.aws import REGION, audited_events
from tests.support.emf import metric_counts
from tests.support.events import scheduled_event
from tests.support.faults import Fault, FaultyDependency, SimulatedCrash
from tests.support.http_calls import HttpResponse, call, rest_api_event
from tests.support.lambda_context import lambda_context

EMPLOYEE = SEED_PAYLOAD["employee_email"]
DEPUTY = "deputy@email.com"
TODAY = datetime.now(UTC).date()


def _away(
    app: LeaveApp, approver: str = DEFAULT_APPROVER, to: str = DEPUTY, starts: date = TODAY
) -> HttpResponse:
    return app.away(approver, to, starts)


def _sweep() -> dict[str, Any]:
    result: dict[str, Any] = settler.handler(scheduled_event(), lambda_context())
    return result


def test_an_approver_sets_reads_and_ends_their_delegation(leave_app: LeaveApp) -> None:
    assert leave_app.delegation("GET", DEFAULT_APPROVER).json() == {"delegation": None}
    answer = _away(leave_app)
    assert answer.status == 200, answer.body
    shown = leave_app.delegation("GET", DEFAULT_APPROVER).json()["delegation"]
    assert shown | {"set_at": None} == {
        "approver_email": DEFAULT_APPROVER,
        "delegate_email": DEPUTY,
        "starts_on": TODAY.isoformat(),
        "ends_on": (TODAY + timedelta(days=5)).isoformat(),
        "set_at": None,
    }
    # Someone else's sign-in sees their own (none), never the approver's.
    assert leave_app.delegation("GET", EMPLOYEE).json() == {"delegation": None}

    assert leave_app.delegation("DELETE", DEFAULT_APPROVER).status == 200
    assert leave_app.delegation("GET", DEFAULT_APPROVER).json() == {"delegation": None}
    ended_twice = leave_app.delegation("DELETE", DEFAULT_APPROVER)
    assert ended_twice.status == 404
    assert "no delegation" in ended_twice.json()["message"]


@pytest.mark.parametrize(
    ("body", "status", "field", "problem"),
    [
        ({"delegate_email": DEFAULT_APPROVER}, 422, "delegate_email", "someone other than you"),
        ({"delegate_email": "x@elsewhere.org"}, 422, "delegate_email", "must be an address at"),
        ({"delegate_email": "dep uty@email.com"}, 422, "delegate_email", "invalid characters"),
        ({"ends_on": "2020-01-01", "starts_on": "2019-12-30"}, 422, "ends_on", "in the past"),
        ({"ends_on": "2020-01-01"}, 422, "ends_on", "must not be before starts_on"),
        ({"starts_on": "soon"}, 422, "starts_on", "YYYY-MM-DD"),
        ({"approver_email": EMPLOYEE}, 422, "approver_email", "is not a field"),
    ],
)
def test_a_delegation_that_makes_no_sense_is_refused_naming_the_field(
    leave_app: LeaveApp, body: dict[str, str], status: int, field: str, problem: str
) -> None:
    valid = {
        "delegate_email": DEPUTY,
        "starts_on": TODAY.isoformat(),
        "ends_on": (TODAY + timedelta(days=2)).isoformat(),
    }
    answer = leave_app.delegation("PUT", DEFAULT_APPROVER, valid | body)
    assert answer.status == status, answer.body
    (error,) = answer.json()["errors"]
    assert error["field"] == field
    assert problem in error["problem"]
    assert leave_app.delegation("GET", DEFAULT_APPROVER).json() == {"delegation": None}


def test_delegations_never_go_round_in_circles_and_need_a_sign_in(leave_app: LeaveApp) -> None:
    assert _away(leave_app).status == 200
    circle = _away(leave_app, approver=DEPUTY, to=DEFAULT_APPROVER)
    assert circle.status == 409
    assert "hands their approvals back to you" in circle.json()["errors"][0]["problem"]
    # Other days do not overlap: no circle.
    later = _away(leave_app, approver=DEPUTY, to=DEFAULT_APPROVER, starts=TODAY + timedelta(30))
    assert later.status == 200
    anonymous = call(submit.handler, "GET", "/delegation", via=rest_api_event)
    assert anonymous.status == 401


def test_a_request_made_while_the_approver_is_away_goes_to_their_delegate(
    leave_app: LeaveApp,
) -> None:
    assert _away(leave_app).status == 200
    request_id = leave_app.submit(SEED_PAYLOAD).json()["request_id"]

    asked = leave_app.wait_for_email(DEPUTY, lambda e: request_id in e.text)
    assert f"{DEFAULT_APPROVER} is away until" in asked.text
    assert "They handed their approvals to you." in asked.text
    assert leave_app.emails_to(DEFAULT_APPROVER) == []
    assert leave_app.decide(leave_app.decision_link(request_id, DEPUTY), "approve").status == 200

    record = leave_app.wait_until_final(request_id)
    assert record["status"] == "approved"
    assert record["history"][-1]["by"] == DEPUTY
    assert [
        (h["event"], h.get("from_approver"), h.get("to_approver")) for h in record["history"]
    ] == [
        ("submitted", None, None),
        ("reassigned", DEFAULT_APPROVER, DEPUTY),
        ("approved", None, None),
    ]
    # The approver who was away may still follow it.
    assert leave_app.status(request_id, as_=DEFAULT_APPROVER).status == 200


def test_a_delegate_never_decides_their_own_leave(leave_app: LeaveApp) -> None:
    assert _away(leave_app).status == 200
    own = {**SEED_PAYLOAD, "employee_email": DEPUTY}
    request_id = leave_app.submit(own).json()["request_id"]
    leave_app.decision_link(request_id, DEFAULT_APPROVER)
    record = leave_app.status(request_id).json()
    assert record["approver_email"] == DEFAULT_APPROVER
    assert [h["event"] for h in record["history"]] == ["submitted"]


def _is_handed_away(email: ReceivedEmail) -> bool:
    return email.subject.startswith(f"Handed to {DEPUTY}, no longer needs your decision")


def test_when_a_delegation_starts_the_waiting_requests_are_handed_over_once(
    leave_app: LeaveApp, capsys: pytest.CaptureFixture[str]
) -> None:
    request_id = leave_app.submit(SEED_PAYLOAD).json()["request_id"]
    first_link = leave_app.decision_link(request_id)
    future = _away(leave_app, starts=TODAY + timedelta(days=1))
    assert future.status == 200
    assert _sweep()["handed_over"] == 0, "a delegation that has not started hands nothing over"

    assert _away(leave_app).status == 200
    assert _sweep()["handed_over"] == 1
    assert _sweep()["handed_over"] == 0, "each delegation hands over once"

    record = leave_app.status(request_id).json()
    assert record["approver_email"] == DEPUTY
    assert record["history"][-1]["event"] == "reassigned"
    assert "is away until" in record["history"][-1]["comment"]
    told = leave_app.emails_to(EMPLOYEE)[-1]
    assert told.subject.startswith(f"Leave request now with {DEPUTY}")
    stale = leave_app.decide(first_link, "approve")
    assert stale.status == 409
    assert f"now with {DEPUTY}" in stale.body

    # The approver who is away is told, once, who decides it for them.
    (notice,) = [e for e in leave_app.emails_to(DEFAULT_APPROVER) if _is_handed_away(e)]
    assert f"{DEPUTY} decides the leave request from {EMPLOYEE} for you" in notice.text
    assert "the link you were sent no longer works" in notice.text

    deputy_link = leave_app.decision_link(request_id, DEPUTY)
    assert leave_app.decide(deputy_link, "reject").status == 200
    assert leave_app.wait_until_final(request_id)["status"] == "rejected"
    # The delegate's link, once more: their own decision is "by you", not by their address.
    again = leave_app.decide(deputy_link, "approve")
    assert again.status == 409
    assert "This request was already rejected by you." in again.body
    assert metric_counts(capsys.readouterr().out)[Metric.REQUESTS_REASSIGNED] == 1
    types = [e["detail-type"] for e in audited_events(leave_app.account)]
    assert types.count(EventType.REQUEST_REASSIGNED) == 1


@pytest.mark.parametrize("fault", Fault.ALL)
def test_a_hand_over_that_fails_midway_is_finished_by_the_next_sweep(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    request_id = leave_app.submit(SEED_PAYLOAD).json()["request_id"]
    leave_app.decision_link(request_id)
    assert _away(leave_app).status == 200
    client = FaultyDependency(boto3.client("dynamodb", region_name=REGION)).inject(
        "update_item", fault, when=lambda a: "follow_ups" in a["UpdateExpression"]
    )
    faulty = DynamoDbLeaveStore(leave_app.account.table_name, client=client)
    wired = settler.hand_over()
    monkeypatch.setattr(settler, "hand_over", lambda: dataclasses.replace(wired, store=faulty))

    with pytest.raises((SimulatedCrash, ClientError, BotoCoreError)):
        _sweep()
    _sweep()
    assert _sweep()["handed_over"] == 0

    record = leave_app.status(request_id).json()
    assert record["approver_email"] == DEPUTY
    assert [h["event"] for h in record["history"]].count("reassigned") == 1
    # The delegate is emailed before the request moves: again if it did not move the first
    # time. The employee is told, and the move announced, once: after a crash (or a lost
    # answer) just after the move too (the next sweep finds the request moved under the
    # delegation, and untold).
    moved_first_time = fault in Fault.TOOK_EFFECT_UNSEEN
    asked = [e for e in leave_app.emails_to(DEPUTY) if request_id in e.text]
    assert len(asked) == (1 if moved_first_time else 2)
    told = [e for e in leave_app.emails_to(EMPLOYEE) if e.subject.startswith("Leave request now")]
    assert len(told) == 1
    assert len([e for e in leave_app.emails_to(DEFAULT_APPROVER) if _is_handed_away(e)]) == 1
    types = [e["detail-type"] for e in audited_events(leave_app.account)]
    assert types.count(EventType.REQUEST_REASSIGNED) == 1
    assert leave_app.decide(leave_app.decision_link(request_id, DEPUTY), "approve").status == 200
    assert leave_app.wait_until_final(request_id)["status"] == "approved"
