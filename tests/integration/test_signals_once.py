"""Business metrics and domain events: exactly once per request, whatever replays or retries."""

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from handlers import workflow
from handlers.domain.signals import EVENT_SOURCE, METRICS_NAMESPACE, EventType, Metric
from tests.integration.conftest import SEED_PAYLOAD, LeaveApp
from tests.support.aws import audited_events
from tests.support.emf import emitted_metrics, metric_counts
from tests.support.faults import CountedHandler, FlakyMailer, FlakyPublisher


@pytest.fixture
def counted_handler() -> CountedHandler:
    return CountedHandler(workflow.handler, crash_first=True)


@pytest.fixture
def workflow_handler(counted_handler: CountedHandler) -> Callable[..., Any]:
    return counted_handler


def _decide(app: LeaveApp, choice: str) -> str:
    request_id: str = app.submit(SEED_PAYLOAD).json()["request_id"]
    assert app.decide(app.decision_link(request_id), choice).status == 200
    app.wait_until_final(request_id)
    return request_id


def test_a_crashed_replayed_and_retried_request_counts_once(
    leave_app: LeaveApp,
    counted_handler: CountedHandler,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    steps = workflow.leave_steps()
    flaky = dataclasses.replace(
        steps,
        mailer=FlakyMailer(steps.mailer, lambda email: "approved" in email.subject),
        events=FlakyPublisher(steps.events, EventType.REQUEST_DECIDED),
    )
    monkeypatch.setattr(workflow, "leave_steps", lambda: flaky)

    request_id = _decide(leave_app, "approve")

    assert counted_handler.crashes == 1
    counts = metric_counts(capsys.readouterr().out)
    assert counts == {
        Metric.REQUESTS_SUBMITTED: 1,
        Metric.REQUESTS_APPROVED: 1,
        Metric.DECISION_LATENCY: 1,
        Metric.EMAILS_SENT: 3,
    }
    events = audited_events(leave_app.account)
    assert [(e["detail-type"], e["detail"]["status"]) for e in events] == [
        (EventType.REQUEST_SUBMITTED, "pending"),
        (EventType.REQUEST_DECIDED, "approved"),
    ]
    assert {e["source"] for e in events} == {EVENT_SOURCE}
    assert {e["detail"]["request_id"] for e in events} == {request_id}


def test_metrics_carry_the_namespace_and_service_the_dashboards_read(
    leave_app: LeaveApp, capsys: pytest.CaptureFixture[str]
) -> None:
    _decide(leave_app, "reject")

    metrics = emitted_metrics(capsys.readouterr().out)
    assert {m.namespace for m in metrics} == {METRICS_NAMESPACE}
    assert {m.dimensions for m in metrics} == {(("service", "leave-approvals"),)}
    assert Metric.REQUESTS_REJECTED in {m.name for m in metrics}
    decided = audited_events(leave_app.account)[-1]["detail"]
    assert decided["status"] == "rejected"
    assert "comment" not in decided  # free text stays out of the event stream
    assert "reason" not in decided
