"""Replays, retries and crashes: each side effect happens once, and the flow still completes."""

import dataclasses
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from handlers import workflow
from handlers.logic.leave_workflow import StepName
from tests.integration.conftest import DEFAULT_APPROVER, SEED_PAYLOAD, LeaveApp
from tests.support.aws import Account, sent_emails
from tests.support.faults import CountedHandler, FlakyMailer

EMPLOYEE = SEED_PAYLOAD["employee_email"]


def _approve(app: LeaveApp) -> str:
    request_id: str = app.submit(SEED_PAYLOAD).json()["request_id"]
    link = app.decision_link(request_id)
    # Decide only once the execution sleeps, so that the decision resumes it by a replay.
    app.workflow.wait_until_suspended(request_id)
    assert app.decide(link, "approve").status == 200
    assert app.wait_until_final(request_id)["status"] == "approved"
    return request_id


def _stored_items() -> list[dict[str, Any]]:
    client = boto3.client("dynamodb", region_name="us-east-2")
    items: list[dict[str, Any]] = client.scan(TableName=Account().table_name)["Items"]
    return items


@pytest.fixture
def counted_handler(request: pytest.FixtureRequest) -> CountedHandler:
    return CountedHandler(
        workflow.handler, crash_first=request.node.get_closest_marker("crash") is not None
    )


@pytest.fixture
def workflow_handler(counted_handler: CountedHandler) -> Callable[..., Any]:
    return counted_handler


def test_each_email_is_sent_once_although_the_workflow_replays(
    leave_app: LeaveApp, counted_handler: CountedHandler
) -> None:
    request_id = _approve(leave_app)
    result = leave_app.workflow.result(request_id)

    # The decision resumed the execution in a new invocation that replayed the steps before it.
    assert counted_handler.invocations >= 2
    for name in (StepName.TAKE_OVER, StepName.EMAIL_RECEIPT, StepName.RECORD_OUTCOME):
        assert result.get_step(name).attempt == 1
    assert sorted(e.to for e in sent_emails()) == sorted([EMPLOYEE, DEFAULT_APPROVER, EMPLOYEE])


def test_a_transient_email_failure_is_retried_and_the_flow_completes(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps = workflow.leave_steps()
    flaky = FlakyMailer(steps.mailer, lambda email: "received" in email.subject, failures=2)
    monkeypatch.setattr(workflow, "leave_steps", lambda: dataclasses.replace(steps, mailer=flaky))

    request_id = _approve(leave_app)

    assert flaky.failed == 2
    assert leave_app.workflow.result(request_id).get_step(StepName.EMAIL_RECEIPT).attempt == 3
    receipts = [e for e in leave_app.emails_to(EMPLOYEE) if "received" in e.subject]
    assert len(receipts) == 1


@pytest.mark.crash
def test_a_crash_after_a_checkpoint_does_not_repeat_the_checkpointed_steps(
    leave_app: LeaveApp, counted_handler: CountedHandler
) -> None:
    request_id = _approve(leave_app)

    assert counted_handler.crashes == 1
    assert counted_handler.invocations >= 2  # the crashed one, then the retry that replays it
    assert [e.subject.split(":")[0] for e in leave_app.emails_to(EMPLOYEE)] == [
        "Leave request received",
        "Leave request approved",
    ]
    assert len(leave_app.emails_to(DEFAULT_APPROVER)) == 1
    requests = [i for i in _stored_items() if i["pk"]["S"].startswith("REQUEST#")]
    assert [i["request_id"]["S"] for i in requests] == [request_id]
    assert requests[0]["status"]["S"] == "approved"
