"""The fault matrix: for each AWS call of submit, of the decision endpoint and of every
workflow step, a throttle, a 5xx, a crash just before and just after the call, and a timeout
(no connection; or the call took effect and its answer never came).

Whatever is injected, the request ends the way its people decided, exactly once: one final
status, the dates held once, one outcome email (or, where a crash comes after the email went
out, the documented at-least-once second copy), and a client or approver who retries succeeds.
"""

import dataclasses
import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from handlers import decision
from handlers.logic.deciding import BEING_RECORDED
from handlers.storage.leave_store import DynamoDbLeaveStore
from handlers.storage.pending_requests import DynamoDbPendingRequests
from handlers.submit_routes import wiring as submit_wiring
from tests.integration.conftest import DEFAULT_APPROVER, LeaveApp, fail_in_workflow
from tests.support.aws import REGION, Account
from tests.support.dates import from_today
from tests.support.faults import CrashingHandler, Fault, FaultyDependency, SimulatedCrash
from tests.support.http_calls import HttpResponse

EMPLOYEE = "matrix@email.com"
PAYLOAD = {"employee_email": EMPLOYEE, "start_date": from_today(86), "end_date": from_today(90)}
# A client or approver gives up after this many tries: every fault here is one call's worth.
TRIES = 3


def _until_answered(
    send: Callable[[], HttpResponse], recorded: Callable[[], object] = lambda: None
) -> list[int]:
    """Send until a 2xx, as a client retrying after a 503 or a dropped connection would. A
    decision told that one is being recorded is sent again once `recorded` says it is (the
    approver's "try again in a minute"), not against a clock."""
    statuses = []
    for _ in range(TRIES):
        try:
            answer = send()
        except SimulatedCrash:
            statuses.append(502)  # the Function URL's answer when the function dies
            continue
        statuses.append(answer.status)
        if answer.status < 300:
            return statuses
        assert answer.status == 503, answer.body
        assert answer.headers["retry-after"]
        if json.loads(answer.body)["message"] == BEING_RECORDED:
            recorded()
    raise AssertionError(f"never answered: {statuses}")


def _approved_once(app: LeaveApp, request_id: str, outcome_emails: int = 1) -> None:
    record = app.wait_until_final(request_id)
    assert record["status"] == "approved"
    assert [h["event"] for h in record["history"]] == ["submitted", "approved"]
    outcomes = [e for e in app.emails_to(EMPLOYEE) if e.subject.startswith("Leave request appr")]
    assert len(outcomes) == outcome_emails
    # Counted out of pending exactly once, whatever was retried.
    pending = DynamoDbPendingRequests(
        Account().table_name, boto3.client("dynamodb", region_name=REGION)
    )
    assert pending.summary().count == 0
    # The approved dates are held once: an overlapping request is refused.
    clash = app.submit({**PAYLOAD, "end_date": from_today(86)}, headers={"Idempotency-Key": "x"})
    assert clash.status == 409


def _only_request(app: LeaveApp) -> str:
    (request_id,) = app.workflow.executions
    return request_id


# -- submit --------------------------------------------------------------------------------------

SUBMIT_CALLS = {
    "read-request": ("dynamodb", "get_item", lambda a: "REQUEST#" in str(a.get("Key"))),
    "record": ("dynamodb", "transact_write_items", lambda a: "Put" in str(a)),
    "start": ("workflow", "start", lambda a: True),
}


@pytest.mark.parametrize("fault", Fault.ALL)
@pytest.mark.parametrize("call", SUBMIT_CALLS)
def test_submit_survives_a_fault_at_each_call(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch, call: str, fault: str
) -> None:
    service, method, when = SUBMIT_CALLS[call]
    wired = submit_wiring.submitter()
    dynamodb = FaultyDependency(boto3.client("dynamodb", region_name=REGION))
    starts = FaultyDependency(wired.workflow)
    (dynamodb if service == "dynamodb" else starts).inject(method, fault, when=when)
    faulty = dataclasses.replace(
        wired, store=DynamoDbLeaveStore(Account().table_name, client=dynamodb), workflow=starts
    )
    monkeypatch.setattr(submit_wiring, "submitter", lambda: faulty)

    statuses = _until_answered(
        lambda: leave_app.submit(PAYLOAD, headers={"Idempotency-Key": "matrix"})
    )

    if call == "start" and fault == Fault.READ_TIMEOUT:
        # The start went through: if the execution took the request over before submit
        # looked, the request stands and the first answer is already 202.
        assert statuses in ([202], [503, 202]), statuses
    else:
        # One refusal or lost answer, then the retry is accepted.
        assert statuses[1:] == [202], statuses
    request_id = _only_request(leave_app)
    link = leave_app.decision_link(request_id)
    assert leave_app.decide(link, "approve").status == 200
    _approved_once(leave_app, request_id)
    receipts = [
        e for e in leave_app.emails_to(EMPLOYEE) if e.subject.startswith("Leave request re")
    ]
    assert len(receipts) == 1


# -- the decision endpoint ---------------------------------------------------------------------

DECISION_CALLS: dict[str, tuple[str, str, Callable[[dict[str, Any]], bool]]] = {
    "read-request": ("dynamodb", "get_item", lambda a: True),
    "claim": ("dynamodb", "update_item", lambda a: "claimed_by =" in a["UpdateExpression"]),
    "callback": ("workflow", "succeed_callback", lambda a: True),
    "mark-claim-sent": (
        "dynamodb",
        "update_item",
        lambda a: a["UpdateExpression"].startswith("SET claim_sent_at"),
    ),
}


@pytest.mark.parametrize("fault", Fault.ALL)
@pytest.mark.parametrize("call", DECISION_CALLS)
def test_a_decision_survives_a_fault_at_each_call(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch, call: str, fault: str
) -> None:
    request_id = leave_app.submit(PAYLOAD).json()["request_id"]
    link = leave_app.decision_link(request_id)
    service, method, when = DECISION_CALLS[call]
    wired = decision.decider()
    dynamodb = FaultyDependency(boto3.client("dynamodb", region_name=REGION))
    callbacks = FaultyDependency(wired.workflow)
    (dynamodb if service == "dynamodb" else callbacks).inject(method, fault, when=when)
    store = DynamoDbLeaveStore(Account().table_name, client=dynamodb)
    faulty = dataclasses.replace(wired, store=store, workflow=callbacks)
    monkeypatch.setattr(decision, "decider", lambda: faulty)

    statuses = _until_answered(
        lambda: leave_app.decide(link, "approve", as_json=True),
        recorded=lambda: leave_app.wait_until_final(request_id),
    )

    if call == "mark-claim-sent" and fault in (*Fault.REFUSALS, *Fault.TIMEOUTS):
        # The decision went through; marking its claim is best effort (it expires instead).
        assert statuses == [200]
    elif call == "mark-claim-sent" or (fault in Fault.TOOK_EFFECT_UNSEEN and call == "callback"):
        # A retry of a decision that got through before the crash (a crash before the mark
        # comes after the callback) is a success, or, while the workflow has not recorded it
        # yet (a busy machine: it waits a few seconds only), "being recorded, try again":
        # never a 409.
        assert statuses[1:] in ([200], [503, 200]), statuses
    else:
        assert statuses[1:] == [200], statuses
    _approved_once(leave_app, request_id)


# -- every workflow step -----------------------------------------------------------------------


def _is_approval_email(arguments: dict[str, Any]) -> bool:
    return arguments.get("Destinations") == [DEFAULT_APPROVER]


WORKFLOW_CALLS: dict[str, tuple[str, str, Callable[[dict[str, Any]], bool]]] = {
    "take-over": ("dynamodb", "update_item", lambda a: "#started" in a["UpdateExpression"]),
    "take-over-event": ("events", "put_events", lambda a: "Submitted" in str(a)),
    "email-receipt": ("ses", "send_raw_email", lambda a: a.get("Destinations") == [EMPLOYEE]),
    "attach-callback": ("dynamodb", "update_item", lambda a: "callback" in a["UpdateExpression"]),
    # The link's key, read from SSM as the approver's email is written (found by chaos mode: an
    # SSM 5xx came wrapped by Powertools, was not retried, and failed the request).
    "signing-key": ("ssm", "get_parameter", lambda a: True),
    "email-approver": ("ses", "send_raw_email", _is_approval_email),
    "record-outcome": ("dynamodb", "transact_write_items", lambda a: True),
    "outcome-event": ("events", "put_events", lambda a: "Decided" in str(a)),
    "email-outcome": (
        "ses",
        "send_raw_email",
        lambda a: a.get("Destinations") == [EMPLOYEE] and b"approved" in a["RawMessage"]["Data"],
    ),
}


@pytest.fixture
def workflow_handler(crashing_handler: CrashingHandler) -> Callable[..., Any]:
    return crashing_handler


@pytest.mark.parametrize("fault", Fault.ALL)
@pytest.mark.parametrize("call", WORKFLOW_CALLS)
def test_the_workflow_survives_a_fault_at_each_step(
    leave_app: LeaveApp,
    monkeypatch: pytest.MonkeyPatch,
    crashing_handler: CrashingHandler,
    call: str,
    fault: str,
) -> None:
    faulty_client = fail_in_workflow(monkeypatch, WORKFLOW_CALLS[call], fault)

    request_id = leave_app.submit(PAYLOAD).json()["request_id"]
    link = leave_app.decision_link(request_id)
    assert leave_app.decide(link, "approve").status == 200

    duplicate_outcome = call == "email-outcome" and fault in Fault.TOOK_EFFECT_UNSEEN
    _approved_once(leave_app, request_id, outcome_emails=2 if duplicate_outcome else 1)
    assert faulty_client.injected == [(WORKFLOW_CALLS[call][1], fault)]
    assert crashing_handler.crashes == (
        1 if fault in (Fault.CRASH_BEFORE, Fault.CRASH_AFTER) else 0
    )
