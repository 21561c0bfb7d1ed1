"""The pending gauge measures the requests waiting now, and how long the oldest has waited."""

import pytest

from handlers import pending_gauge, settings
from tests.integration.conftest import SEED_PAYLOAD, LeaveApp
from tests.support.emf import emitted_metrics
from tests.support.lambda_context import lambda_context


@pytest.fixture
def gauge(leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch) -> object:
    env = settings.GaugeSettings.environment_for(table_name=leave_app.account.table_name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings.gauge_settings.cache_clear()
    pending_gauge.pending_requests.cache_clear()
    yield pending_gauge.handler
    pending_gauge.pending_requests.cache_clear()


def test_the_gauge_counts_what_waits_and_ages_the_oldest(
    leave_app: LeaveApp, gauge: object, capsys: pytest.CaptureFixture[str]
) -> None:
    assert pending_gauge.handler({}, lambda_context()) == {
        "pending": 0,
        "oldest_pending_age_seconds": 0.0,
    }
    first = leave_app.submit(SEED_PAYLOAD).json()["request_id"]
    second = leave_app.submit(
        {**SEED_PAYLOAD, "start_date": "2026-03-01", "end_date": "2026-03-02"}
    )
    link = leave_app.decision_link(first)
    leave_app.decision_link(second.json()["request_id"])
    capsys.readouterr()

    figures = pending_gauge.handler({}, lambda_context())

    assert figures["pending"] == 2
    assert figures["oldest_pending_age_seconds"] > 0
    printed = {m.name: m.value for m in emitted_metrics(capsys.readouterr().out)}
    assert printed["PendingRequests"] == 2
    assert printed["OldestPendingAge"] == pytest.approx(
        figures["oldest_pending_age_seconds"], abs=1
    )

    leave_app.decide(link, "approve")
    leave_app.wait_until_final(first)
    assert pending_gauge.handler({}, lambda_context())["pending"] == 1
