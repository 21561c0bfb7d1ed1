"""An employee takes back a request nobody decided, or calls off approved leave before it starts."""

import dataclasses
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from handlers import settler, submit, workflow
from handlers.domain.date_style import day_words
from handlers.domain.signals import EventType, Metric
from handlers.gateways.event_publisher import EventBridgePublisher
from handlers.gateways.mailer import SesMailer
from handlers.logic.cancelling import Canceller
from handlers.storage.leave_store import DynamoDbLeaveStore
from handlers.submit_routes import wiring as submit_wiring
from tests.integration.conftest import (
    DEFAULT_APPROVER,
    SEED_PAYLOAD,
    SWEEP_GRACE_SECONDS,
    LeaveApp,
)
from tests.support.aws import REGION, Account, audited_events
from tests.support.dates import from_today
from tests.support.emf import metric_counts
from tests.support.events import scheduled_event
from tests.support.faults import CrashingHandler, Fault, FaultyDependency, SimulatedCrash
from tests.support.http_calls import HttpResponse, call, rest_api_event
from tests.support.lambda_context import lambda_context

EMPLOYEE = SEED_PAYLOAD["employee_email"]
TOMORROW = datetime.now(UTC).date() + timedelta(days=1)
FUTURE = {"start_date": TOMORROW.isoformat(), "end_date": (TOMORROW + timedelta(2)).isoformat()}


def _act(app: LeaveApp, request_id: str, verb: str, as_: str = EMPLOYEE) -> HttpResponse:
    return app.act(request_id, verb, as_)


def _asked(app: LeaveApp, payload: dict[str, Any] = SEED_PAYLOAD) -> tuple[str, str]:
    answer = app.submit(payload)
    assert answer.status == 202, answer.body
    request_id: str = answer.json()["request_id"]
    return request_id, app.decision_link(request_id)


def _subjects(app: LeaveApp, address: str, request_id: str) -> list[str]:
    return [e.subject.split(":")[0] for e in app.emails_to(address) if request_id in e.text]


def test_an_employee_withdraws_a_request_nobody_decided(
    leave_app: LeaveApp, capsys: pytest.CaptureFixture[str]
) -> None:
    request_id, link = _asked(leave_app)

    withdrawn = _act(leave_app, request_id, "withdraw")
    assert withdrawn.status in (200, 202), withdrawn.body
    record = leave_app.wait_until_final(request_id)
    assert record["status"] == "withdrawn"
    assert record["history"][-1] | {"at": None} == {
        "event": "withdrawn",
        "at": None,
        "by": EMPLOYEE,
    }

    assert _subjects(leave_app, EMPLOYEE, request_id)[-1] == "Leave request withdrawn"
    assert _subjects(leave_app, DEFAULT_APPROVER, request_id) == [
        "Leave to approve",
        "Withdrawn, no longer needs your decision",
    ]
    too_late = leave_app.decide(link, "approve")
    assert too_late.status == 409
    assert "withdrew this request" in too_late.body
    # The dates are free again.
    assert leave_app.submit(SEED_PAYLOAD, headers={"Idempotency-Key": "again"}).status == 202
    counts = metric_counts(capsys.readouterr().out)
    assert counts[Metric.REQUESTS_WITHDRAWN] == 1
    assert counts[Metric.DECISION_LATENCY] == 0


def test_only_the_employee_may_withdraw_and_only_while_nobody_decided(
    leave_app: LeaveApp,
) -> None:
    request_id, link = _asked(leave_app)
    assert _act(leave_app, request_id, "withdraw", as_="mallory@email.com").status == 404
    assert _act(leave_app, request_id, "withdraw", as_=DEFAULT_APPROVER).status == 404
    anonymous = call(submit.handler, "POST", f"/requests/{request_id}/withdraw", via=rest_api_event)
    assert anonymous.status == 401
    assert _act(leave_app, "lr-nothing", "withdraw").status == 404

    assert leave_app.decide(link, "approve").status == 200
    leave_app.wait_until_final(request_id)
    decided = _act(leave_app, request_id, "withdraw")
    assert decided.status == 409
    assert "cancel it instead" in decided.json()["message"]
    assert leave_app.status(request_id).json()["status"] == "approved"


def _race(app: LeaveApp, request_id: str, link: str) -> dict[str, HttpResponse]:
    """Approve and withdraw at the same moment; what each was answered."""
    together = threading.Barrier(2)
    answers: dict[str, HttpResponse] = {}

    def approve() -> None:
        together.wait(timeout=30)
        answers["approve"] = app.decide(link, "approve")

    def take_back() -> None:
        together.wait(timeout=30)
        answers["withdraw"] = _act(app, request_id, "withdraw")

    threads = [threading.Thread(target=approve), threading.Thread(target=take_back)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_a_withdrawal_racing_an_approval_ends_the_request_once(leave_app: LeaveApp) -> None:
    for month in range(2, 7):
        dates = {"start_date": from_today(30 * month), "end_date": from_today(30 * month + 1)}
        request_id, link = _asked(leave_app, {**SEED_PAYLOAD, **dates})
        answers = _race(leave_app, request_id, link)

        record = leave_app.wait_until_final(request_id)
        assert record["status"] in ("approved", "withdrawn")
        winner = "approve" if record["status"] == "approved" else "withdraw"
        loser = "withdraw" if winner == "approve" else "approve"
        said = {verb: (answer.status, answer.body[:300]) for verb, answer in answers.items()}
        assert answers[winner].status in (200, 202), said
        assert answers[loser].status == 409, said
        assert [h["event"] for h in record["history"]] == ["submitted", record["status"]]
        told = _subjects(leave_app, EMPLOYEE, request_id)
        assert told == ["Leave request received", f"Leave request {record['status']}"]


def test_approved_leave_is_cancelled_before_its_first_day_and_the_approver_is_told(
    leave_app: LeaveApp, capsys: pytest.CaptureFixture[str]
) -> None:
    request_id, link = _asked(leave_app, {**SEED_PAYLOAD, **FUTURE})
    assert leave_app.decide(link, "approve").status == 200
    leave_app.wait_until_final(request_id)

    cancelled = _act(leave_app, request_id, "cancel")
    assert cancelled.status == 200, cancelled.body
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["history"][-1]["by"] == EMPLOYEE
    assert _subjects(leave_app, DEFAULT_APPROVER, request_id)[-1] == "Leave cancelled"
    assert _subjects(leave_app, EMPLOYEE, request_id)[-1] == "Leave request cancelled"
    # Sent again (a lost answer), it answers the same and tells nobody twice.
    assert _act(leave_app, request_id, "cancel").status == 200
    assert _subjects(leave_app, DEFAULT_APPROVER, request_id).count("Leave cancelled") == 1
    again = leave_app.submit({**SEED_PAYLOAD, **FUTURE}, headers={"Idempotency-Key": "again"})
    assert again.status == 202, "the dates are free again"
    assert leave_app.decide(link, "approve").status == 409
    assert metric_counts(capsys.readouterr().out)[Metric.REQUESTS_CANCELLED] == 1


def test_leave_that_has_begun_or_is_not_approved_cannot_be_cancelled(leave_app: LeaveApp) -> None:
    # Sick leave may be asked for once it has begun (yesterday).
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    sick = {"start_date": yesterday.isoformat(), "end_date": from_today(0), "leave_type": "sick"}
    begun, link = _asked(leave_app, {**SEED_PAYLOAD, **sick})
    assert leave_app.decide(link, "approve").status == 200
    leave_app.wait_until_final(begun)
    late = _act(leave_app, begun, "cancel")
    assert late.status == 409
    assert f"This leave began on {day_words(yesterday)}" in late.json()["message"]

    waiting, _ = _asked(leave_app, {**SEED_PAYLOAD, **FUTURE})
    assert "withdraw it instead" in _act(leave_app, waiting, "cancel").json()["message"]
    assert _act(leave_app, waiting, "cancel", as_="mallory@email.com").status == 404
    assert leave_app.status(begun).json()["status"] == "approved"


# -- the bad day ------------------------------------------------------------------------------


@pytest.fixture
def workflow_handler(crashing_handler: CrashingHandler) -> Callable[..., Any]:
    return crashing_handler


def _faulty_ses(fault: str, to: str, subject: bytes) -> FaultyDependency:
    return FaultyDependency(boto3.client("ses", region_name=REGION)).inject(
        "send_raw_email",
        fault,
        when=lambda a: a.get("Destinations") == [to] and subject in a["RawMessage"]["Data"],
    )


@pytest.mark.parametrize("fault", Fault.ALL)
def test_a_withdrawal_tells_both_whatever_fails_while_telling(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    ses = _faulty_ses(fault, DEFAULT_APPROVER, b"Withdrawn")
    steps = workflow.leave_steps()
    faulty = dataclasses.replace(steps, mailer=SesMailer(Account().sender, client=ses))
    monkeypatch.setattr(workflow, "leave_steps", lambda: faulty)
    request_id, _ = _asked(leave_app)

    assert _act(leave_app, request_id, "withdraw").status in (200, 202)
    record = leave_app.wait_until_final(request_id)
    leave_app.workflow.result(request_id)

    assert [h["event"] for h in record["history"]] == ["submitted", "withdrawn"]
    assert ses.injected == [("send_raw_email", fault)]
    # The step that tells both is retried whole, but each email is noted as it goes: the
    # employee's, sent and noted first, does not go again (it did before chaos mode found it);
    # the approver's goes again only if it had gone out before the crash (or the lost answer).
    told = _subjects(leave_app, DEFAULT_APPROVER, request_id).count(
        "Withdrawn, no longer needs your decision"
    )
    assert told == (2 if fault in Fault.TOOK_EFFECT_UNSEEN else 1)
    assert _subjects(leave_app, EMPLOYEE, request_id).count("Leave request withdrawn") == 1


def _approved_leave(app: LeaveApp) -> str:
    """Leave approved, starting tomorrow: its request id."""
    request_id, link = _asked(app, {**SEED_PAYLOAD, **FUTURE})
    assert app.decide(link, "approve").status == 200
    app.wait_until_final(request_id)
    return request_id


def _cancel_failing_once_then_retried(
    app: LeaveApp, request_id: str, monkeypatch: pytest.MonkeyPatch, faulty: Canceller
) -> None:
    """The employee cancels through `faulty`, which fails once; they try again, and it holds."""
    monkeypatch.setattr(submit_wiring, "canceller", lambda: faulty)
    try:
        first = _act(app, request_id, "cancel").status
    except SimulatedCrash:
        first = 502  # the API's answer when the function dies
    assert first in (502, 503)
    assert _act(app, request_id, "cancel").status == 200
    assert app.status(request_id).json()["status"] == "cancelled"


@pytest.mark.parametrize("fault", Fault.ALL)
def test_a_cancellation_retried_after_a_failure_tells_the_approver(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    request_id = _approved_leave(leave_app)
    ses = _faulty_ses(fault, DEFAULT_APPROVER, b"cancelled the leave you approved")
    wired = submit_wiring.canceller()
    faulty = dataclasses.replace(wired, mailer=SesMailer(Account().sender, client=ses))

    _cancel_failing_once_then_retried(leave_app, request_id, monkeypatch, faulty)

    told = _subjects(leave_app, DEFAULT_APPROVER, request_id).count("Leave cancelled")
    assert told == (2 if fault in Fault.TOOK_EFFECT_UNSEEN else 1)
    assert _subjects(leave_app, EMPLOYEE, request_id).count("Leave request cancelled") == 1


@pytest.mark.parametrize("fault", Fault.ALL)
@pytest.mark.parametrize("at", ["write", "event"])
def test_a_cancellation_retried_after_a_failure_is_announced(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch, at: str, fault: str
) -> None:
    request_id = _approved_leave(leave_app)
    wired = submit_wiring.canceller()
    if at == "write":
        dynamodb = FaultyDependency(boto3.client("dynamodb", region_name=REGION))
        dynamodb.inject("transact_write_items", fault, when=lambda a: "cancelled" in str(a))
        store = DynamoDbLeaveStore(Account().table_name, client=dynamodb)
        faulty = dataclasses.replace(wired, store=store)
    else:
        events = FaultyDependency(boto3.client("events", region_name=REGION))
        events.inject("put_events", fault, when=lambda a: "cancelled" in str(a))
        faulty = dataclasses.replace(
            wired, events=EventBridgePublisher(Account().event_bus_name, client=events)
        )

    _cancel_failing_once_then_retried(leave_app, request_id, monkeypatch, faulty)

    cancelled = [
        e["detail"]["event_id"]
        for e in audited_events(leave_app.account)
        if e["detail-type"] == EventType.REQUEST_DECIDED and e["detail"]["status"] == "cancelled"
    ]
    # At least once, and every copy the same event.
    assert len(set(cancelled)) == 1
    assert len(cancelled) == (2 if at == "event" and fault in Fault.TOOK_EFFECT_UNSEEN else 1)
    assert _subjects(leave_app, EMPLOYEE, request_id).count("Leave request cancelled") == 1


def test_a_cancellation_that_died_after_its_write_is_announced_by_the_sweep(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    request_id = _approved_leave(leave_app)
    wired = submit_wiring.canceller()
    dynamodb = FaultyDependency(boto3.client("dynamodb", region_name=REGION))
    dynamodb.inject("transact_write_items", Fault.CRASH_AFTER, when=lambda a: "cancelled" in str(a))
    monkeypatch.setattr(
        submit_wiring,
        "canceller",
        lambda: dataclasses.replace(
            wired, store=DynamoDbLeaveStore(Account().table_name, client=dynamodb)
        ),
    )
    with pytest.raises(SimulatedCrash):
        _act(leave_app, request_id, "cancel")
    # The employee closes the page and never sends it again. Within the grace period the
    # sweep leaves it to its writer; after it, the sweep announces and tells, once.
    sweeper = settler.settler()
    for seconds, told in ((SWEEP_GRACE_SECONDS / 2, 0), (SWEEP_GRACE_SECONDS + 1, 1), (2e6, 1)):
        later = datetime.now(UTC) + timedelta(seconds=seconds)
        monkeypatch.setattr(
            settler, "settler", lambda at=later: dataclasses.replace(sweeper, clock=lambda: at)
        )
        settler.handler(scheduled_event(), lambda_context())
        assert _subjects(leave_app, DEFAULT_APPROVER, request_id).count("Leave cancelled") == told
        assert _subjects(leave_app, EMPLOYEE, request_id).count("Leave request cancelled") == told

    assert leave_app.status(request_id).json()["status"] == "cancelled"
    cancelled = [
        e["detail"]["event_id"]
        for e in audited_events(leave_app.account)
        if e["detail-type"] == EventType.REQUEST_DECIDED and e["detail"]["status"] == "cancelled"
    ]
    assert cancelled == [f"{request_id}/request_decided/cancelled"]
