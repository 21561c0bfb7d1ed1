"""The settler ends what no workflow will: broken executions, lost starts; each exactly once."""

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from handlers import settler, submit
from handlers.domain.event_patterns import DURABLE_STATUS_DETAIL_TYPE, DURABLE_STATUS_SOURCE
from handlers.logic.settling import NEVER_FINISHED
from handlers.storage.leave_store import DynamoDbLeaveStore
from tests.integration.conftest import DEFAULT_APPROVER, SWEEP_GRACE_SECONDS, LeaveApp
from tests.support.aws import REGION, Account, audited_events
from tests.support.dates import from_today
from tests.support.events import scheduled_event, status_change
from tests.support.faults import Fault, FaultyDependency, SimulatedCrash
from tests.support.lambda_context import lambda_context

EMPLOYEE = "settle@email.com"
PAYLOAD = {"employee_email": EMPLOYEE, "start_date": from_today(156), "end_date": from_today(160)}


def test_the_example_event_is_the_one_the_settler_routes_by() -> None:
    event = status_change("lr-x-1", "STOPPED")
    assert (event["source"], event["detail-type"]) == (
        DURABLE_STATUS_SOURCE,
        DURABLE_STATUS_DETAIL_TYPE,
    )


def _settle(event: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = settler.handler(event, lambda_context())
    return result


@pytest.mark.parametrize("status", ["STOPPED", "FAILED", "TIMED_OUT"])
def test_a_broken_execution_ends_its_request_as_failed_and_tells_both(
    leave_app: LeaveApp, status: str
) -> None:
    request_id = leave_app.submit(PAYLOAD).json()["request_id"]
    link = leave_app.decision_link(request_id)
    leave_app.workflow.stop(request_id)
    name = leave_app.workflow.execution_name(request_id)

    assert _settle(status_change(name, status))["settled"] is True

    record = leave_app.status(request_id).json()
    assert record["status"] == "failed"
    assert [h["event"] for h in record["history"]] == ["submitted", "failed"]
    (told,) = [e for e in leave_app.emails_to(EMPLOYEE) if "could not be processed" in e.subject]
    assert "submit it again" in told.text
    assert [e.subject for e in leave_app.emails_to(DEFAULT_APPROVER)][-1].startswith(
        "No longer needs your decision"
    )
    assert leave_app.decide(link, "approve").status == 410
    (ended,) = [e for e in audited_events(leave_app.account) if e["detail"]["status"] == "failed"]
    assert ended["detail-type"] == "Leave Request Decided"
    assert ended["detail"]["event_id"] == f"{request_id}/request_decided/failed"
    # Its dates are free, and a second delivery of the event changes nothing.
    assert _settle(status_change(name, status))["settled"] is False
    assert leave_app.submit(PAYLOAD, headers={"Idempotency-Key": "again"}).status == 202
    assert len([e for e in leave_app.emails_to(EMPLOYEE) if "could not" in e.subject]) == 1


def test_a_decided_request_is_left_as_it_ended(leave_app: LeaveApp) -> None:
    request_id = leave_app.submit(PAYLOAD).json()["request_id"]
    assert leave_app.decide(leave_app.decision_link(request_id), "reject").status == 200
    leave_app.wait_until_final(request_id)
    name = leave_app.workflow.execution_name(request_id)

    assert _settle(status_change(name, "FAILED"))["settled"] is False
    assert leave_app.status(request_id).json()["status"] == "rejected"


def test_a_settler_that_dies_after_settling_tells_people_on_its_retry(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    request_id = leave_app.submit(PAYLOAD).json()["request_id"]
    leave_app.decision_link(request_id)
    leave_app.workflow.stop(request_id)
    name = leave_app.workflow.execution_name(request_id)
    wired = settler.settler()
    dynamodb = FaultyDependency(boto3.client("dynamodb", region_name=REGION))
    dynamodb.inject("transact_write_items", Fault.CRASH_AFTER)
    crashing = dataclasses.replace(
        wired, store=DynamoDbLeaveStore(Account().table_name, client=dynamodb)
    )
    monkeypatch.setattr(settler, "settler", lambda: crashing)

    with pytest.raises(SimulatedCrash):
        _settle(status_change(name, "STOPPED"))
    assert leave_app.status(request_id).json()["status"] == "failed"
    assert not [e for e in leave_app.emails_to(EMPLOYEE) if "could not" in e.subject]

    # EventBridge's retry of the invocation: both are told, once.
    assert _settle(status_change(name, "STOPPED"))["settled"] is True
    assert len([e for e in leave_app.emails_to(EMPLOYEE) if "could not" in e.subject]) == 1
    closed = [e for e in leave_app.emails_to(DEFAULT_APPROVER) if "No longer" in e.subject]
    assert len(closed) == 1
    assert _settle(status_change(name, "STOPPED"))["settled"] is False


def _later(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


def test_the_sweep_ends_a_request_whose_start_was_lost(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Submit dies after recording the request, before starting its workflow; nobody retries.
    wired = submit.submitter()
    dying = dataclasses.replace(
        wired, workflow=FaultyDependency(wired.workflow).inject("start", Fault.CRASH_BEFORE)
    )
    monkeypatch.setattr(submit, "submitter", lambda: dying)
    with pytest.raises(SimulatedCrash):
        leave_app.submit(PAYLOAD)
    monkeypatch.setattr(submit, "submitter", lambda: wired)
    running_id = leave_app.submit(
        {**PAYLOAD, "start_date": from_today(177), "end_date": from_today(177)}
    )
    leave_app.decision_link(running_id.json()["request_id"])
    wired_settler = settler.settler()

    # Within the grace period, nothing is looked at.
    soon = dataclasses.replace(wired_settler, clock=lambda: _later(SWEEP_GRACE_SECONDS / 2))
    monkeypatch.setattr(settler, "settler", lambda: soon)
    assert _settle(scheduled_event()) == {"looked_at": 0, "settled": 0, "handed_over": 0}

    later = dataclasses.replace(wired_settler, clock=lambda: _later(SWEEP_GRACE_SECONDS + 1))
    monkeypatch.setattr(settler, "settler", lambda: later)
    # The lost one is settled; the one whose workflow runs is not even looked at.
    assert _settle(scheduled_event()) == {"looked_at": 1, "settled": 1, "handed_over": 0}

    lost = [e for e in leave_app.emails_to(EMPLOYEE) if "could not be processed" in e.subject]
    assert len(lost) == 1
    assert NEVER_FINISHED in lost[0].text
    assert leave_app.status(running_id.json()["request_id"]).json()["status"] == "pending"
    assert _settle(scheduled_event()) == {"looked_at": 0, "settled": 0, "handed_over": 0}


def test_the_sweep_leaves_an_overdue_request_whose_execution_still_runs(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch, approval_timeout: int
) -> None:
    request_id = leave_app.submit(PAYLOAD).json()["request_id"]
    leave_app.decision_link(request_id)
    overdue = _later(approval_timeout + SWEEP_GRACE_SECONDS + 1)
    wired = dataclasses.replace(settler.settler(), clock=lambda: overdue)
    monkeypatch.setattr(settler, "settler", lambda: wired)

    assert _settle(scheduled_event()) == {"looked_at": 1, "settled": 0, "handed_over": 0}

    leave_app.workflow.stop(request_id)  # and its status-change event is lost
    assert _settle(scheduled_event()) == {"looked_at": 1, "settled": 1, "handed_over": 0}
    assert leave_app.status(request_id).json()["status"] == "failed"
