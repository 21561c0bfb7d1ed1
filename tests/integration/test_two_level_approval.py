"""Long leave needs a second approval, by the first approver's own approver."""

import dataclasses
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from handlers import workflow
from handlers.domain.signals import EventType
from handlers.gateways.mailer import SesMailer
from handlers.logic.leave_workflow import UNREACHABLE_SECOND_APPROVER
from sandbox.mailbox import ReceivedEmail
from tests.integration.conftest import DEFAULT_APPROVER, SEED_PAYLOAD, LeaveApp, fail_in_workflow
from tests.support.aws import REGION, audited_events
from tests.support.dates import from_today
from tests.support.faults import CrashingHandler, Fault, RecipientRefusingSes

EMPLOYEE = SEED_PAYLOAD["employee_email"]
# The default approver's own approver in the tests' directory.
DIRECTOR = "director@email.com"
# 11 days: over the line. A week: under it.
LONG = SEED_PAYLOAD
SHORT = {**SEED_PAYLOAD, "start_date": from_today(86), "end_date": from_today(92)}


@pytest.fixture
def second_approval_over() -> int | None:
    return 10


def _first_approved(app: LeaveApp) -> tuple[str, str]:
    """Submit long leave and have the manager approve it: (request id, manager's link), once
    the hand-over to the director is done (the employee is told last)."""
    request_id = app.submit(LONG).json()["request_id"]
    link = app.decision_link(request_id)
    assert app.decide(link, "approve", comment="Fine by me").status == 200
    app.wait_for_email(DIRECTOR, lambda e: request_id in e.text)
    app.wait_for_email(
        EMPLOYEE, lambda e: request_id in e.text and e.subject.startswith("Leave request now")
    )
    return request_id, link


def _events(app: LeaveApp, request_id: str) -> list[tuple[str, str | None, str | None]]:
    record = app.status(request_id).json()
    return [(h["event"], h.get("by"), h.get("to_approver")) for h in record["history"]]


def test_long_leave_is_approved_by_both_levels(leave_app: LeaveApp) -> None:
    request_id, first_link = _first_approved(leave_app)

    asked = leave_app.emails_to(DIRECTOR)[-1]
    assert f"{DEFAULT_APPROVER} approved this leave" in asked.text
    told = leave_app.emails_to(EMPLOYEE)[-1]
    assert told.subject.startswith(f"Leave request now with {DIRECTOR}")
    again = leave_app.decide(first_link, "approve")
    assert again.status == 409
    assert "You approved this request" in again.body
    assert leave_app.status(request_id).json()["status"] == "pending"

    assert leave_app.decide(leave_app.decision_link(request_id, DIRECTOR), "approve").status == 200
    record = leave_app.wait_until_final(request_id)
    assert record["status"] == "approved"
    assert _events(leave_app, request_id) == [
        ("submitted", None, None),
        ("approved_first_level", DEFAULT_APPROVER, DIRECTOR),
        ("approved", DIRECTOR, None),
    ]
    assert record["history"][1]["comment"] == "Fine by me"
    assert leave_app.emails_to(EMPLOYEE)[-1].subject.startswith("Leave request approved")
    types = [e["detail-type"] for e in audited_events(leave_app.account)]
    assert types == [
        EventType.REQUEST_SUBMITTED,
        EventType.REQUEST_APPROVED_FIRST_LEVEL,
        EventType.REQUEST_DECIDED,
    ]


def test_the_second_approver_may_reject(leave_app: LeaveApp) -> None:
    request_id, _ = _first_approved(leave_app)
    link = leave_app.decision_link(request_id, DIRECTOR)
    assert leave_app.decide(link, "reject", comment="Not in Q1").status == 200
    record = leave_app.wait_until_final(request_id)
    assert record["status"] == "rejected"
    assert record["history"][-1]["by"] == DIRECTOR
    assert "Not in Q1" in leave_app.emails_to(EMPLOYEE)[-1].text


def test_a_rejection_at_the_first_level_ends_it(leave_app: LeaveApp) -> None:
    request_id = leave_app.submit(LONG).json()["request_id"]
    assert leave_app.decide(leave_app.decision_link(request_id), "reject").status == 200
    assert leave_app.wait_until_final(request_id)["status"] == "rejected"
    assert leave_app.emails_to(DIRECTOR) == []


def test_short_leave_and_leave_with_nobody_above_need_one_approval(leave_app: LeaveApp) -> None:
    short = leave_app.submit(SHORT).json()["request_id"]
    assert leave_app.decide(leave_app.decision_link(short), "approve").status == 200
    assert leave_app.wait_until_final(short)["status"] == "approved"
    # The manager's own long leave goes to the director, above whom is only the manager.
    own = leave_app.submit({**LONG, "employee_email": DEFAULT_APPROVER}).json()["request_id"]
    assert leave_app.decide(leave_app.decision_link(own, DIRECTOR), "approve").status == 200
    assert leave_app.wait_until_final(own)["status"] == "approved"
    # The history says why one approval sufficed.
    assert [e for e, _, _ in _events(leave_app, own)] == [
        "submitted",
        "one_approval_sufficed",
        "approved",
    ]
    note = leave_app.status(own).json()["history"][1]
    assert note["by"] == DIRECTOR
    assert f"nobody is above {DIRECTOR}" in note["comment"]
    assert leave_app.emails_to(DIRECTOR)[-1].subject.startswith("Leave to approve")
    assert len(leave_app.emails_to(DIRECTOR)) == 1


@pytest.mark.parametrize("approval_timeout", [6])
def test_long_leave_still_expires_at_its_one_deadline(leave_app: LeaveApp) -> None:
    request_id, _ = _first_approved(leave_app)
    record = leave_app.wait_until_final(request_id)
    assert record["status"] == "expired"
    assert [e for e, _, _ in _events(leave_app, request_id)] == [
        "submitted",
        "approved_first_level",
        "expired",
    ]


def test_long_leave_may_be_withdrawn_while_it_waits_for_the_second_approval(
    leave_app: LeaveApp,
) -> None:
    request_id, _ = _first_approved(leave_app)
    leave_app.workflow.wait_for_step(request_id, "second-level")
    assert leave_app.act(request_id, "withdraw", as_=EMPLOYEE).status in (200, 202)
    assert leave_app.wait_until_final(request_id)["status"] == "withdrawn"
    told = leave_app.emails_to(DIRECTOR)[-1]
    assert told.subject.startswith("Withdrawn, no longer needs your decision")


def _closed_after_first_approval(email: ReceivedEmail) -> bool:
    return email.subject.startswith("Closed after your approval")


def test_long_leave_closed_by_its_settler_tells_who_approved_it_and_who_had_it(
    leave_app: LeaveApp,
) -> None:
    request_id, _ = _first_approved(leave_app)
    leave_app.workflow.wait_for_step(request_id, "second-level")

    leave_app.stop_and_settle(request_id)

    assert leave_app.status(request_id).json()["status"] == "failed"
    (closed,) = [
        e for e in leave_app.emails_to(DEFAULT_APPROVER) if _closed_after_first_approval(e)
    ]
    assert "closed before its second approval: the leave is not booked" in closed.text
    told = leave_app.emails_to(DIRECTOR)[-1]
    assert told.subject.startswith("No longer needs your decision")
    assert "the link you were sent no longer works" in told.text


def test_long_leave_whose_second_approver_cannot_be_emailed_tells_who_approved_it(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps = workflow.leave_steps()
    refusing = RecipientRefusingSes(boto3.client("ses", region_name=REGION), DIRECTOR)
    mailer = SesMailer(steps.settings.sender_email, client=refusing)
    monkeypatch.setattr(workflow, "leave_steps", lambda: dataclasses.replace(steps, mailer=mailer))
    request_id = leave_app.submit(LONG).json()["request_id"]
    assert leave_app.decide(leave_app.decision_link(request_id), "approve").status == 200

    record = leave_app.wait_until_final(request_id)

    assert record["status"] == "failed"
    assert record["history"][-1]["comment"] == UNREACHABLE_SECOND_APPROVER
    closed = [e for e in leave_app.emails_to(DEFAULT_APPROVER) if _closed_after_first_approval(e)]
    assert len(closed) == 1
    assert leave_app.emails_to(DIRECTOR) == []


# -- the bad day: a fault at each call of the hand-over to the second approver ---------------

SECOND_LEVEL_CALLS: dict[str, tuple[str, str, Callable[[dict[str, Any]], bool]]] = {
    "hand-over": (
        "dynamodb",
        "update_item",
        lambda a: "second-level" in str(a.get("ExpressionAttributeValues")),
    ),
    "event": ("events", "put_events", lambda a: "First Level" in str(a)),
    "email-second-approver": (
        "ses",
        "send_raw_email",
        lambda a: a.get("Destinations") == [DIRECTOR],
    ),
    "email-employee": (
        "ses",
        "send_raw_email",
        lambda a: a.get("Destinations") == [EMPLOYEE] and b"now with" in a["RawMessage"]["Data"],
    ),
}


@pytest.fixture
def workflow_handler(crashing_handler: CrashingHandler) -> Callable[..., Any]:
    return crashing_handler


@pytest.mark.parametrize("fault", Fault.ALL)
@pytest.mark.parametrize("call", SECOND_LEVEL_CALLS)
def test_the_hand_over_to_the_second_approver_happens_once_whatever_fails(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch, call: str, fault: str
) -> None:
    faulty_client = fail_in_workflow(monkeypatch, SECOND_LEVEL_CALLS[call], fault)

    request_id, _ = _first_approved(leave_app)
    assert leave_app.decide(leave_app.decision_link(request_id, DIRECTOR), "approve").status == 200
    record = leave_app.wait_until_final(request_id)

    assert record["status"] == "approved"
    assert [e for e, _, _ in _events(leave_app, request_id)] == [
        "submitted",
        "approved_first_level",
        "approved",
    ]
    assert faulty_client.injected == [(SECOND_LEVEL_CALLS[call][1], fault)]
    # The step is retried whole: the move is found done, the event and the emails go again
    # from the one that failed; one that went out before a crash (or a lost answer) goes twice.
    asked_twice = call == "email-employee" or (
        call == "email-second-approver" and fault in Fault.TOOK_EFFECT_UNSEEN
    )
    asked = [e for e in leave_app.emails_to(DIRECTOR) if "needs a second approval" in e.text]
    told = [e for e in leave_app.emails_to(EMPLOYEE) if e.subject.startswith("Leave request now")]
    assert len(asked) == (2 if asked_twice else 1)
    assert len(told) == (2 if call == "email-employee" and fault in Fault.TOOK_EFFECT_UNSEEN else 1)
