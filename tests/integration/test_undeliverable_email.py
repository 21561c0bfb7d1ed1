"""Email SES refuses for good: no pointless retries, and no request left pending forever."""

import dataclasses

import boto3
import pytest

from handlers import workflow
from handlers.gateways.mailer import SesMailer
from handlers.logic.leave_workflow import UNREACHABLE_APPROVER, StepName
from tests.integration.conftest import DEFAULT_APPROVER, SEED_PAYLOAD, LeaveApp
from tests.support.faults import RecipientRefusingSes

EMPLOYEE = SEED_PAYLOAD["employee_email"]


def _refuse(monkeypatch: pytest.MonkeyPatch, address: str) -> RecipientRefusingSes:
    steps = workflow.leave_steps()
    client = RecipientRefusingSes(boto3.client("ses", region_name="us-east-2"), address)
    mailer = SesMailer(steps.settings.sender_email, client=client)
    monkeypatch.setattr(workflow, "leave_steps", lambda: dataclasses.replace(steps, mailer=mailer))
    return client


def test_a_refused_receipt_does_not_stop_the_approval(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    ses = _refuse(monkeypatch, EMPLOYEE)
    request_id = leave_app.submit(SEED_PAYLOAD).json()["request_id"]

    link = leave_app.decision_link(request_id)
    leave_app.decide(link, "approve")

    assert leave_app.wait_until_final(request_id)["status"] == "approved"
    assert leave_app.workflow.result(request_id).get_step(StepName.EMAIL_RECEIPT).attempt == 1
    assert ses.refusals == 2  # the receipt once, not retried; then the outcome once


def test_an_approver_who_cannot_be_emailed_ends_the_request(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    ses = _refuse(monkeypatch, DEFAULT_APPROVER)
    request_id = leave_app.submit(SEED_PAYLOAD).json()["request_id"]

    record = leave_app.wait_until_final(request_id)

    assert record["status"] == "failed"
    assert record["history"][-1]["comment"] == UNREACHABLE_APPROVER
    assert ses.refusals == 1
    final = leave_app.emails_to(EMPLOYEE)[-1]
    assert final.subject.startswith("Leave request could not be processed")
    assert UNREACHABLE_APPROVER in final.text
    # Nothing is left blocking the employee's calendar.
    assert leave_app.submit(SEED_PAYLOAD, headers={"Idempotency-Key": "again"}).status == 202
