"""The whole flow through the real entry points: approve, reject, expire."""

import pytest

from tests.integration.conftest import DEFAULT_APPROVER, SEED_PAYLOAD, LeaveApp
from tests.support.aws import stored_callback_id

EMPLOYEE = SEED_PAYLOAD["employee_email"]


def _submit(app: LeaveApp) -> str:
    response = app.submit(SEED_PAYLOAD)
    assert response.status == 202, response.body
    assert response.json()["status"] == "pending"
    request_id: str = response.json()["request_id"]
    return request_id


def test_the_seed_payload_is_approved_through_the_emailed_link(leave_app: LeaveApp) -> None:
    request_id = _submit(leave_app)
    link = leave_app.decision_link(request_id)

    page = leave_app.open_link(link)
    assert page.status == 200
    assert "Approve" in page.body
    assert "Reject" in page.body
    assert EMPLOYEE in page.body

    decided = leave_app.decide(link, "approve", comment="Enjoy the break")
    assert decided.status == 200, decided.body
    assert "You approved" in decided.body

    record = leave_app.wait_until_final(request_id)
    assert record["status"] == "approved"
    assert [h["event"] for h in record["history"]] == ["submitted", "approved"]
    assert record["history"][1]["by"] == DEFAULT_APPROVER
    assert record["history"][1]["comment"] == "Enjoy the break"
    assert "callback_id" not in record

    to_employee = leave_app.emails_to(EMPLOYEE)
    assert [e.subject.split(":")[0] for e in to_employee] == [
        "Leave request received",
        "Leave request approved",
    ]
    assert "Enjoy the break" in to_employee[1].text
    assert "Enjoy the break" in to_employee[1].html
    assert len(leave_app.emails_to(DEFAULT_APPROVER)) == 1


def test_a_rejection_completes_the_request_and_tells_the_employee(leave_app: LeaveApp) -> None:
    request_id = _submit(leave_app)
    link = leave_app.decision_link(request_id)

    decided = leave_app.decide(link, "reject", comment="Team offsite that week")
    assert decided.status == 200, decided.body

    record = leave_app.wait_until_final(request_id)
    assert record["status"] == "rejected"
    assert record["history"][-1] | {"at": None} == {
        "event": "rejected",
        "at": None,
        "by": DEFAULT_APPROVER,
        "comment": "Team offsite that week",
    }
    final = leave_app.emails_to(EMPLOYEE)[-1]
    assert final.subject.startswith("Leave request rejected")
    assert "Team offsite that week" in final.text
    assert leave_app.workflow.result(request_id).result == (
        f'{{"request_id": "{request_id}", "status": "rejected"}}'
    )


@pytest.mark.parametrize("approval_timeout", [2])
def test_a_request_nobody_decides_expires(leave_app: LeaveApp) -> None:
    request_id = _submit(leave_app)
    link = leave_app.decision_link(request_id)

    record = leave_app.wait_until_final(request_id)
    assert record["status"] == "expired"
    assert [h["event"] for h in record["history"]] == ["submitted", "expired"]
    final = leave_app.emails_to(EMPLOYEE)[-1]
    assert final.subject.startswith("Leave request expired")

    too_late = leave_app.decide(link, "approve")
    assert too_late.status == 410
    assert leave_app.status(request_id).json()["status"] == "expired"
    assert len(leave_app.emails_to(EMPLOYEE)) == 2


def test_a_failure_sent_by_something_else_still_rejects_with_its_message(
    leave_app: LeaveApp,
) -> None:
    request_id = _submit(leave_app)
    leave_app.decision_link(request_id)
    callback_id = stored_callback_id(leave_app.account, request_id)
    assert callback_id

    leave_app.workflow.fail_callback(callback_id, "OperatorStop", "Cancelled by HR", "")

    record = leave_app.wait_until_final(request_id)
    assert record["status"] == "rejected"
    assert record["history"][-1]["comment"] == "Cancelled by HR"
    assert "by" not in record["history"][-1]
