"""Every business series on the dashboard is one the handlers really emit, dimensions and all;
and the figures it shows are the truth, whatever single crash or retry happened."""

import dataclasses
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest

from dashboards.leave_operations import DeployedNames, leave_operations_dashboard
from handlers import observability, pending_gauge, settings, settler, workflow
from handlers.domain.claims import SETTLER_FUNCTION_TIMEOUT_SECONDS
from handlers.domain.signals import METRICS_NAMESPACE, Metric
from handlers.domain.statuses import LeaveType
from handlers.logic import notifying
from handlers.storage.leave_store import DynamoDbLeaveStore
from handlers.submit_routes import wiring as submit_wiring
from sandbox.dashboard_widgets import read_dashboard, widgets_as_json
from tests.integration.conftest import (
    DEFAULT_APPROVER,
    SEED_PAYLOAD,
    LeaveApp,
    fail_in_workflow,
)
from tests.support.aws import REGION, Account, audited_events, stored_callback_id
from tests.support.dates import from_today
from tests.support.emf import emitted_metrics
from tests.support.events import scheduled_event, status_change
from tests.support.faults import CrashingHandler, Fault, FaultyDependency, SimulatedCrash
from tests.support.lambda_context import lambda_context

NAMES = DeployedNames("d", {"workflow": "w"}, "q", ("/aws/lambda/w",))


def _bad_inputs(app: LeaveApp, monkeypatch: pytest.MonkeyPatch) -> None:
    """One refusal of each reason."""
    app.submit({**SEED_PAYLOAD, "end_date": "nope"})
    app.submit({**SEED_PAYLOAD, "reason": "x" * 5000})
    app.submit({**SEED_PAYLOAD, "employee_email": "a@elsewhere.org"})
    app.submit({**SEED_PAYLOAD, "end_date": from_today(390)})
    app.submit({**SEED_PAYLOAD, "start_date": from_today(-30), "end_date": from_today(-29)})
    # Overlaps the first request of the test (30 to 31 days from today).
    app.submit({**SEED_PAYLOAD, "start_date": from_today(31), "end_date": from_today(32)})
    app.submit(SEED_PAYLOAD, headers={"Idempotency-Key": "k"})
    app.submit(
        {**SEED_PAYLOAD, "start_date": from_today(269), "end_date": from_today(269)},
        headers={"Idempotency-Key": "k"},
    )
    app.submit(SEED_PAYLOAD, headers={"authorization": ""})  # not signed in
    app.submit(SEED_PAYLOAD, as_="mallory@email.com")  # for someone else
    wired = submit_wiring.submitter()
    one_at_a_time = dataclasses.replace(
        wired, settings=wired.settings.model_copy(update={"max_pending_per_employee": 1})
    )
    monkeypatch.setattr(submit_wiring, "submitter", lambda: one_at_a_time)
    for month in (10, 11):  # the second is one too many
        app.submit(
            {
                **SEED_PAYLOAD,
                "employee_email": "keen@email.com",
                "start_date": from_today(30 * month),
                "end_date": from_today(30 * month + 1),
            }
        )
    busy = dataclasses.replace(
        wired, workflow=FaultyDependency(wired.workflow).inject("start", Fault.THROTTLE)
    )
    monkeypatch.setattr(submit_wiring, "submitter", lambda: busy)
    busy_answer = app.submit(
        {**SEED_PAYLOAD, "start_date": from_today(299), "end_date": from_today(299)}
    )
    assert busy_answer.status == 503, busy_answer.body
    no_annual_leave = {**wired.settings.allowances, LeaveType.ANNUAL: 0}
    spent = dataclasses.replace(
        wired, settings=wired.settings.model_copy(update={"allowances": no_annual_leave})
    )
    monkeypatch.setattr(submit_wiring, "submitter", lambda: spent)
    app.submit({**SEED_PAYLOAD, "start_date": from_today(199), "end_date": from_today(199)})
    alone = dataclasses.replace(
        wired, settings=wired.settings.model_copy(update={"default_approver": "solo@email.com"})
    )
    monkeypatch.setattr(submit_wiring, "submitter", lambda: alone)
    app.submit({**SEED_PAYLOAD, "employee_email": "solo@email.com"})
    # A day the company is closed: no working days.
    closed = date.fromisoformat(from_today(308))
    closing = dataclasses.replace(
        wired, settings=wired.settings.model_copy(update={"closure_days": frozenset({closed})})
    )
    monkeypatch.setattr(submit_wiring, "submitter", lambda: closing)
    answer = app.submit({**SEED_PAYLOAD, "start_date": str(closed), "end_date": str(closed)})
    assert answer.status == 422, answer.body


def _followed_up(app: LeaveApp, monkeypatch: pytest.MonkeyPatch) -> None:
    """One request reminded and escalated, one handed to a delegate."""
    steps = workflow.leave_steps()
    plan = {"reminder_at": (0.5,), "escalate_at": 0.75}
    following_up = dataclasses.replace(steps, settings=steps.settings.model_copy(update=plan))
    monkeypatch.setattr(workflow, "leave_steps", lambda: following_up)
    dates = {"start_date": from_today(149), "end_date": from_today(150)}
    escalated = app.submit({**SEED_PAYLOAD, **dates}).json()["request_id"]
    app.decision_link(escalated, "director@email.com")
    monkeypatch.setattr(workflow, "leave_steps", lambda: steps)
    handed = app.submit({**SEED_PAYLOAD, "employee_email": "away@email.com"}).json()["request_id"]
    app.decision_link(handed)
    assert app.away(DEFAULT_APPROVER, "deputy@email.com").status == 200
    assert settler.handler(scheduled_event(), lambda_context())["handed_over"] >= 1


def _taken_back(app: LeaveApp) -> None:
    """One request withdrawn, one approved leave cancelled."""
    taker = {**SEED_PAYLOAD, "employee_email": "taker@email.com"}
    withdrawn = app.submit(taker).json()["request_id"]
    app.decision_link(withdrawn)
    assert app.act(withdrawn, "withdraw", as_="taker@email.com").status in (200, 202)
    app.wait_until_final(withdrawn)
    later = {**taker, "start_date": from_today(600), "end_date": from_today(601)}
    cancelled = app.submit(later).json()["request_id"]
    assert app.decide(app.decision_link(cancelled), "approve").status == 200
    app.wait_until_final(cancelled)
    assert app.act(cancelled, "cancel", as_="taker@email.com").status == 200


def test_the_dashboard_reads_only_series_the_handlers_emitted(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = [
        leave_app.submit(
            {**SEED_PAYLOAD, "start_date": from_today(30 * m), "end_date": from_today(30 * m + 1)}
        ).json()["request_id"]
        for m in (1, 2, 3, 4)
    ]
    for request_id, choice in ((ids[0], "approve"), (ids[1], "reject")):
        answer = leave_app.decide(leave_app.decision_link(request_id), choice)
        assert answer.status == 200, (choice, answer.status, answer.body[:300])
    leave_app.decision_link(ids[2])
    callback_id = stored_callback_id(leave_app.account, ids[2])
    assert callback_id
    leave_app.workflow.time_out(ids[2], callback_id)
    leave_app.decision_link(ids[3])
    leave_app.stop_and_settle(ids[3])
    for name, value in settings.GaugeSettings.environment_for(
        table_name=leave_app.account.table_name
    ).items():
        monkeypatch.setenv(name, value)
    pending_gauge.pending_requests.cache_clear()
    settings.gauge_settings.cache_clear()
    pending_gauge.handler({}, lambda_context())
    wired_submitter = submit_wiring.submitter
    _bad_inputs(leave_app, monkeypatch)
    ended = [leave_app.wait_until_final(request_id)["status"] for request_id in ids]
    assert ended == ["approved", "rejected", "expired", "failed"]
    monkeypatch.setattr(submit_wiring, "submitter", wired_submitter)
    _taken_back(leave_app)
    _followed_up(leave_app, monkeypatch)
    pending_gauge.pending_requests.cache_clear()

    emitted = {(m.name, frozenset(m.dimensions)) for m in emitted_metrics(capsys.readouterr().out)}
    shown = {
        (s.name, frozenset(s.dimensions))
        for s in leave_operations_dashboard(NAMES).metric_series()
        if s.namespace == METRICS_NAMESPACE
    }
    assert shown - emitted == set()


@pytest.fixture
def workflow_handler(crashing_handler: CrashingHandler) -> Callable[..., Any]:
    return crashing_handler


def _measure(leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch) -> None:
    """One run of the pending gauge, as its schedule runs it."""
    environment = settings.GaugeSettings.environment_for(table_name=leave_app.account.table_name)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings.gauge_settings.cache_clear()
    pending_gauge.pending_requests.cache_clear()
    pending_gauge.handler({}, lambda_context())
    pending_gauge.pending_requests.cache_clear()


def _requests_by_outcome(printed: str) -> dict[str, float | None]:
    """The dashboard's "Requests by outcome", drawn by the sandbox's renderer from the metrics
    the handlers printed, as CloudWatch would receive them."""
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    for datum in emitted_metrics(printed):
        cloudwatch.put_metric_data(
            Namespace=datum.namespace, MetricData=[datum.as_put_metric_datum()]
        )
    logs = boto3.client("logs", region_name=REGION)
    shown = widgets_as_json(read_dashboard(cloudwatch, logs, datetime.now(UTC)))
    (outcomes,) = [w for w in shown if w["title"] == "Requests by outcome"]
    return {s["label"]: s["over_window"] for s in outcomes["series"]}


def _decided_events(leave_app: LeaveApp, request_id: str) -> set[str]:
    """The ids of the `Leave Request Decided` events published for the request."""
    return {
        e["detail"]["event_id"]
        for e in audited_events(leave_app.account)
        if e["detail-type"] == "Leave Request Decided" and e["detail"]["request_id"] == request_id
    }


def _settler_crashes_after_its_write(leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch) -> str:
    payload = {**SEED_PAYLOAD, "start_date": from_today(100), "end_date": from_today(101)}
    request_id: str = leave_app.submit(payload).json()["request_id"]
    leave_app.decision_link(request_id)
    leave_app.workflow.stop(request_id)
    event = status_change(leave_app.workflow.execution_name(request_id), "STOPPED")
    wired = settler.settler()
    dynamodb = FaultyDependency(boto3.client("dynamodb", region_name=REGION))
    dynamodb.inject("transact_write_items", Fault.CRASH_AFTER)
    crashing = dataclasses.replace(
        wired, store=DynamoDbLeaveStore(Account().table_name, client=dynamodb)
    )
    monkeypatch.setattr(settler, "settler", lambda: crashing)
    with pytest.raises(SimulatedCrash):
        settler.handler(event, lambda_context())
    # Lambda's retry of the event, once the crashed settler can no longer be running.
    later = dataclasses.replace(
        wired,
        clock=lambda: datetime.now(UTC) + timedelta(seconds=SETTLER_FUNCTION_TIMEOUT_SECONDS + 1),
    )
    monkeypatch.setattr(settler, "settler", lambda: later)
    settler.handler(event, lambda_context())
    return request_id


def _cancellation_retried(leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch) -> str:
    taker = {**SEED_PAYLOAD, "start_date": from_today(400), "end_date": from_today(401)}
    request_id: str = leave_app.submit(taker).json()["request_id"]
    assert leave_app.decide(leave_app.decision_link(request_id), "approve").status == 200
    leave_app.wait_until_final(request_id)
    wired = submit_wiring.canceller()
    dynamodb = FaultyDependency(boto3.client("dynamodb", region_name=REGION))
    # Dies once everything went out, before noting it did: its retry announces again.
    dynamodb.inject(
        "transact_write_items",
        Fault.CRASH_BEFORE,
        when=lambda call: "outcome_notified_at" in str(call),
    )
    crashing = dataclasses.replace(
        wired, store=DynamoDbLeaveStore(Account().table_name, client=dynamodb)
    )
    monkeypatch.setattr(submit_wiring, "canceller", lambda: crashing)
    employee = str(SEED_PAYLOAD["employee_email"])
    with pytest.raises(SimulatedCrash):
        leave_app.act(request_id, "cancel", as_=employee)
    monkeypatch.setattr(submit_wiring, "canceller", lambda: wired)
    assert leave_app.act(request_id, "cancel", as_=employee).status == 200
    return request_id


def _workflow_crashes_after_its_write(leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch) -> str:
    wired = workflow.leave_steps
    fail_in_workflow(
        monkeypatch, ("dynamodb", "transact_write_items", lambda _: True), Fault.CRASH_AFTER
    )
    payload = {**SEED_PAYLOAD, "start_date": from_today(120), "end_date": from_today(121)}
    request_id: str = leave_app.submit(payload).json()["request_id"]
    assert leave_app.decide(leave_app.decision_link(request_id), "approve").status == 200
    assert leave_app.wait_until_final(request_id)["status"] == "approved"
    monkeypatch.setattr(workflow, "leave_steps", wired)
    return request_id


def _workflow_cut_off_after_its_metric(leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch) -> str:
    emitted = observability.emit_metric
    cut_off: list[Metric] = []

    def then_crash(metric: Metric, *args: Any, **kwargs: Any) -> None:
        emitted(metric, *args, **kwargs)
        if metric is Metric.REQUESTS_REJECTED and not cut_off:
            cut_off.append(metric)
            raise SimulatedCrash("the invocation died after counting the outcome")

    monkeypatch.setattr(notifying, "emit_metric", then_crash)
    payload = {**SEED_PAYLOAD, "start_date": from_today(140), "end_date": from_today(141)}
    request_id: str = leave_app.submit(payload).json()["request_id"]
    assert leave_app.decide(leave_app.decision_link(request_id), "reject").status == 200
    assert leave_app.wait_until_final(request_id)["status"] == "rejected"
    monkeypatch.setattr(notifying, "emit_metric", emitted)
    assert cut_off
    return request_id


def test_each_outcome_counts_once_and_is_announced_whatever_crashed(
    leave_app: LeaveApp,
    monkeypatch: pytest.MonkeyPatch,
    crashing_handler: CrashingHandler,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _measure(leave_app, monkeypatch)
    failed = _settler_crashes_after_its_write(leave_app, monkeypatch)
    cancelled = _cancellation_retried(leave_app, monkeypatch)
    approved = _workflow_crashes_after_its_write(leave_app, monkeypatch)
    rejected = _workflow_cut_off_after_its_metric(leave_app, monkeypatch)
    _measure(leave_app, monkeypatch)

    assert crashing_handler.crashes == 2
    assert _requests_by_outcome(capsys.readouterr().out) == {
        "Submitted": 4,
        "Approved": 2,
        "Rejected": 1,
        "Expired": 0,
        "Failed": 1,
        "Withdrawn": 0,
        "Cancelled": 1,
    }
    # Each outcome's event went out (at least once), every copy with its one id.
    assert _decided_events(leave_app, failed) == {f"{failed}/request_decided/failed"}
    assert _decided_events(leave_app, cancelled) == {
        f"{cancelled}/request_decided/approved",
        f"{cancelled}/request_decided/cancelled",
    }
    assert _decided_events(leave_app, approved) == {f"{approved}/request_decided/approved"}
    assert _decided_events(leave_app, rejected) == {f"{rejected}/request_decided/rejected"}
