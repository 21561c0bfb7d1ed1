"""Every business series on the dashboard is one the handlers really emit, dimensions and all."""

import dataclasses

import pytest

from dashboards.leave_operations import DeployedNames, leave_operations_dashboard
from handlers import pending_gauge, settings, settler, submit, workflow
from handlers.domain.signals import METRICS_NAMESPACE
from tests.integration.conftest import DEFAULT_APPROVER, SEED_PAYLOAD, LeaveApp
from tests.support.aws import stored_callback_id
from tests.support.dates import from_today
from tests.support.emf import emitted_metrics
from tests.support.events import scheduled_event
from tests.support.faults import Fault, FaultyDependency
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
    wired = submit.submitter()
    one_at_a_time = dataclasses.replace(
        wired, settings=wired.settings.model_copy(update={"max_pending_per_employee": 1})
    )
    monkeypatch.setattr(submit, "submitter", lambda: one_at_a_time)
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
    monkeypatch.setattr(submit, "submitter", lambda: busy)
    app.submit({**SEED_PAYLOAD, "start_date": from_today(299), "end_date": from_today(299)})  # 503
    alone = dataclasses.replace(
        wired, settings=wired.settings.model_copy(update={"default_approver": "solo@email.com"})
    )
    monkeypatch.setattr(submit, "submitter", lambda: alone)
    app.submit({**SEED_PAYLOAD, "employee_email": "solo@email.com"})


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
    wired_submitter = submit.submitter
    _bad_inputs(leave_app, monkeypatch)
    ended = [leave_app.wait_until_final(request_id)["status"] for request_id in ids]
    assert ended == ["approved", "rejected", "expired", "failed"]
    monkeypatch.setattr(submit, "submitter", wired_submitter)
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
