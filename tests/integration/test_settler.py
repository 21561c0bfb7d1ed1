"""The settler ends what no workflow will: broken executions, lost starts; each exactly once."""

import dataclasses
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from handlers import settler, workflow
from handlers.domain.claims import SETTLER_FUNCTION_TIMEOUT_SECONDS
from handlers.domain.event_patterns import DURABLE_STATUS_DETAIL_TYPE, DURABLE_STATUS_SOURCE
from handlers.domain.statuses import LeaveStatus
from handlers.gateways.workflow_service import LambdaWorkflowService
from handlers.logic import settling
from handlers.logic.leave_workflow import Verdict
from handlers.logic.settling import NEVER_FINISHED
from handlers.storage.leave_store import DynamoDbLeaveStore
from handlers.submit_routes import wiring as submit_wiring
from tests.integration.conftest import DEFAULT_APPROVER, SWEEP_GRACE_SECONDS, LeaveApp
from tests.support.aws import REGION, Account, audited_events
from tests.support.dates import from_today
from tests.support.events import scheduled_event, status_change
from tests.support.faults import Fault, FaultyDependency, Gate, SimulatedCrash
from tests.support.lambda_context import lambda_context

EMPLOYEE = "settle@email.com"
PAYLOAD = {"employee_email": EMPLOYEE, "start_date": from_today(156), "end_date": from_today(160)}


def _submit_whose_start_is_lost(leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch) -> None:
    """Submit dies after recording the request, before starting its workflow; nobody retries."""
    wired = submit_wiring.submitter()
    dying = dataclasses.replace(
        wired, workflow=FaultyDependency(wired.workflow).inject("start", Fault.CRASH_BEFORE)
    )
    monkeypatch.setattr(submit_wiring, "submitter", lambda: dying)
    with pytest.raises(SimulatedCrash):
        leave_app.submit(PAYLOAD)


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
    crashing = _settler_through(dynamodb)
    monkeypatch.setattr(settler, "settler", lambda: crashing)

    with pytest.raises(SimulatedCrash):
        _settle(status_change(name, "STOPPED"))
    assert leave_app.status(request_id).json()["status"] == "failed"
    assert not [e for e in leave_app.emails_to(EMPLOYEE) if "could not" in e.subject]

    # A retry while the settler that wrote it might still be running (telling people as it
    # looks) leaves the telling to it...
    monkeypatch.setattr(settler, "settler", lambda: wired)
    assert _settle(status_change(name, "STOPPED"))["settled"] is False
    assert not [e for e in leave_app.emails_to(EMPLOYEE) if "could not" in e.subject]

    # ... EventBridge's retry once it cannot be: both are told, once.
    later = dataclasses.replace(wired, clock=lambda: _later(SETTLER_FUNCTION_TIMEOUT_SECONDS + 1))
    monkeypatch.setattr(settler, "settler", lambda: later)
    assert _settle(status_change(name, "STOPPED"))["settled"] is True
    assert len([e for e in leave_app.emails_to(EMPLOYEE) if "could not" in e.subject]) == 1
    closed = [e for e in leave_app.emails_to(DEFAULT_APPROVER) if "No longer" in e.subject]
    assert len(closed) == 1
    assert _settle(status_change(name, "STOPPED"))["settled"] is False


def _settler_through(dynamodb: FaultyDependency, **changes: Any) -> settling.Settler:
    """The wired settler, its store's DynamoDB calls going through `dynamodb`."""
    store = DynamoDbLeaveStore(Account().table_name, client=dynamodb)
    return dataclasses.replace(settler.settler(), store=store, **changes)


def _settler_holding(method: str, **hold: Any) -> tuple[settling.Settler, Gate]:
    """A settler whose next DynamoDB `method` call waits at a gate."""
    dynamodb = FaultyDependency(boto3.client("dynamodb", region_name=REGION))
    gate = dynamodb.hold(method, **hold)
    return _settler_through(dynamodb), gate


@pytest.mark.parametrize(
    "held_at",
    ["its write (both read it pending)", "its telling (after its write held)"],
)
def test_two_settlers_racing_for_one_request_tell_people_once(
    leave_app: LeaveApp, held_at: str
) -> None:
    """An event's settler and a sweep's (or two deliveries of one event) settle one request at
    the same moment: one of them ends it and tells the employee and the approver; the other
    tells nobody."""
    request_id = leave_app.submit(PAYLOAD).json()["request_id"]
    leave_app.decision_link(request_id)
    leave_app.workflow.stop(request_id)
    name = leave_app.workflow.execution_name(request_id)
    if held_at.startswith("its write"):
        first, gate = _settler_holding("transact_write_items")
    else:
        first, gate = _settler_holding(
            "transact_write_items", when=lambda call: "outcome_notified_at" in str(call)
        )
    settled: list[bool] = []
    racing = threading.Thread(
        target=lambda: settled.append(settling.settle_broken_execution(name, "STOPPED", first))
    )
    racing.start()
    gate.wait_reached()
    other = settling.settle_broken_execution(name, "STOPPED", settler.settler())
    gate.release()
    racing.join()

    assert sorted([*settled, other]) == [False, True]
    assert leave_app.status(request_id).json()["status"] == "failed"
    assert len([e for e in leave_app.emails_to(EMPLOYEE) if "could not" in e.subject]) == 1
    closed = [e for e in leave_app.emails_to(DEFAULT_APPROVER) if "No longer" in e.subject]
    assert len(closed) == 1


def _later(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


def test_the_sweep_ends_a_request_whose_start_was_lost(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    wired = submit_wiring.submitter()
    _submit_whose_start_is_lost(leave_app, monkeypatch)
    monkeypatch.setattr(submit_wiring, "submitter", lambda: wired)
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


def _subjects(address: str) -> list[str]:
    return [e.subject for e in LeaveApp.emails_to(address)]


def test_a_sweep_racing_a_late_start_leaves_the_request_to_its_workflow(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    _submit_whose_start_is_lost(leave_app, monkeypatch)
    store = DynamoDbLeaveStore(Account().table_name)
    (lost,) = store.pending_submitted_before(_later(1))
    # The sweep has found it unclaimed with no execution alive, and is about to settle it...
    sweeper_db = FaultyDependency(boto3.client("dynamodb", region_name=REGION))
    settle_write = sweeper_db.hold("transact_write_items")
    sweeper = _settler_through(sweeper_db, clock=lambda: _later(SWEEP_GRACE_SECONDS + 1))
    monkeypatch.setattr(settler, "settler", lambda: sweeper)
    swept: list[dict[str, Any]] = []
    sweep = threading.Thread(target=lambda: swept.append(_settle(scheduled_event())))
    sweep.start()
    settle_write.wait_reached()
    # ... when Lambda runs the start late: the workflow takes the request over and emails the
    # receipt, and is held just before it attaches the approver's callback.
    workflow_db = FaultyDependency(boto3.client("dynamodb", region_name=REGION))
    attach = workflow_db.hold(
        "update_item", when=lambda call: "callback_id" in call.get("UpdateExpression", "")
    )
    steps = workflow.leave_steps()
    held = dataclasses.replace(
        steps, store=DynamoDbLeaveStore(Account().table_name, client=workflow_db)
    )
    monkeypatch.setattr(workflow, "leave_steps", lambda: held)
    leave_app.workflow.start(lost.execution_name, lost.request().model_dump(mode="json"))
    attach.wait_reached()

    settle_write.release()
    sweep.join()
    attach.release()

    assert swept == [{"looked_at": 1, "settled": 0, "handed_over": 0}]
    link = leave_app.decision_link(lost.request_id)
    assert leave_app.decide(link, "approve").status == 200
    assert leave_app.wait_until_final(lost.request_id)["status"] == "approved"
    told = _subjects(EMPLOYEE)
    assert [s.split(":")[0] for s in told] == ["Leave request received", "Leave request approved"]


class _ListsExecutions:
    """Lambda's ListDurableExecutionsByFunction, answering one execution in `status` (and
    honouring the Statuses filter, as Lambda does)."""

    def __init__(self, execution_name: str, status: str) -> None:
        self._execution = {"DurableExecutionName": execution_name, "Status": status}

    def _page(self, **request: Any) -> dict[str, Any]:
        wanted = request.get("Statuses")
        shown = wanted is None or self._execution["Status"] in wanted
        return {"DurableExecutions": [self._execution] if shown else []}

    def list_durable_executions_by_function(self, **request: Any) -> dict[str, Any]:
        return self._page(**request)

    def get_paginator(self, operation: str) -> Any:
        assert operation == "list_durable_executions_by_function"
        lister = self

        class Pages:
            def paginate(self, **request: Any) -> list[dict[str, Any]]:
                return [lister._page(**request)]

        return Pages()


@pytest.mark.parametrize("status", ["PAUSED", "PAUSING", "RUNNING"])
def test_the_sweep_leaves_a_request_whose_execution_is_paused_or_running(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch, approval_timeout: int, status: str
) -> None:
    request_id = leave_app.submit(PAYLOAD).json()["request_id"]
    leave_app.decision_link(request_id)
    name = leave_app.workflow.execution_name(request_id)
    lambda_api = _ListsExecutions(name, status)
    overdue = dataclasses.replace(
        settler.settler(),
        workflow=LambdaWorkflowService("leave-workflow", client=lambda_api),
        clock=lambda: _later(approval_timeout + SWEEP_GRACE_SECONDS + 1),
    )
    monkeypatch.setattr(settler, "settler", lambda: overdue)

    assert _settle(scheduled_event()) == {"looked_at": 1, "settled": 0, "handed_over": 0}
    assert leave_app.status(request_id).json()["status"] == "pending"
    assert not [s for s in _subjects(EMPLOYEE) if "could not" in s]

    lambda_api._execution["Status"] = "STOPPED"
    assert _settle(scheduled_event()) == {"looked_at": 1, "settled": 1, "handed_over": 0}


def test_a_workflow_that_finds_its_request_ended_by_the_settler_tells_nobody(
    leave_app: LeaveApp,
) -> None:
    request_id = leave_app.submit(PAYLOAD).json()["request_id"]
    leave_app.decision_link(request_id)
    leave_app.stop_and_settle(request_id)
    record = DynamoDbLeaveStore(Account().table_name).get(request_id)
    assert record is not None
    events_before = len(audited_events(leave_app.account))
    emails_before = _subjects(EMPLOYEE)

    # The same end (failed), written by someone else: not this workflow's own earlier write.
    recorded = workflow.leave_steps().record_outcome(
        record.request(),
        record.submitted_at.isoformat(),
        Verdict(LeaveStatus.FAILED, note="The approver could not be reached."),
    )

    assert recorded is None
    assert len(audited_events(leave_app.account)) == events_before
    assert _subjects(EMPLOYEE) == emails_before


def test_a_sweep_that_dies_after_settling_a_lost_start_is_followed_by_one_that_tells(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    _submit_whose_start_is_lost(leave_app, monkeypatch)
    wired = settler.settler()
    dynamodb = FaultyDependency(boto3.client("dynamodb", region_name=REGION))
    dynamodb.inject("transact_write_items", Fault.CRASH_AFTER)
    at = _later(SWEEP_GRACE_SECONDS + 1)
    crashing = _settler_through(dynamodb, clock=lambda: at)
    monkeypatch.setattr(settler, "settler", lambda: crashing)
    with pytest.raises(SimulatedCrash):
        _settle(scheduled_event())
    assert not [s for s in _subjects(EMPLOYEE) if "could not" in s]

    # The next sweep no longer finds it pending, but finds it owed its announcement.
    next_sweep = dataclasses.replace(wired, clock=lambda: at + timedelta(seconds=900 * 2))
    monkeypatch.setattr(settler, "settler", lambda: next_sweep)
    assert _settle(scheduled_event()) == {"looked_at": 0, "settled": 0, "handed_over": 0}
    assert len([s for s in _subjects(EMPLOYEE) if "could not" in s]) == 1
    failed = [e for e in audited_events(leave_app.account) if e["detail"]["status"] == "failed"]
    assert [e["detail"]["event_id"].rsplit("/", 1)[1] for e in failed] == ["failed"]
    _settle(scheduled_event())
    assert len([s for s in _subjects(EMPLOYEE) if "could not" in s]) == 1


def test_a_lowered_approval_timeout_leaves_the_sweep_to_each_requests_own_deadline(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch, approval_timeout: int
) -> None:
    """A deploy lowered approvalTimeoutSeconds while a request waited: its execution keeps the
    version it started on, and the deadline its approver was given. The sweep looks at it
    only once that deadline (not the new timeout) is past by the grace period."""
    request_id = leave_app.submit(PAYLOAD).json()["request_id"]
    leave_app.decision_link(request_id)
    lowered = approval_timeout // 6
    wired = settler.settler()
    after_the_deploy = dataclasses.replace(
        wired, settings=wired.settings.model_copy(update={"approval_timeout_seconds": lowered})
    )

    def sweep_at(seconds: float) -> dict[str, Any]:
        swept = dataclasses.replace(after_the_deploy, clock=lambda: _later(seconds))
        monkeypatch.setattr(settler, "settler", lambda: swept)
        return _settle(scheduled_event())

    past_the_new_timeout = sweep_at(lowered + SWEEP_GRACE_SECONDS + 1)
    assert past_the_new_timeout == {"looked_at": 0, "settled": 0, "handed_over": 0}
    past_its_own_deadline = sweep_at(approval_timeout + SWEEP_GRACE_SECONDS + 1)
    # Looked at, and left to its execution, which still runs.
    assert past_its_own_deadline == {"looked_at": 1, "settled": 0, "handed_over": 0}
    assert leave_app.status(request_id).json()["status"] == "pending"
