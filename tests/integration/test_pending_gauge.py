"""The pending gauge measures the requests waiting now, and how long the oldest has waited."""

import dataclasses

import boto3
import pytest

from handlers import pending_gauge, settings
from handlers.storage.pending_requests import DynamoDbPendingRequests
from handlers.storage.table_schema import PENDING_SHARDS
from handlers.submit_routes import wiring as submit_wiring
from tests.integration.conftest import SEED_PAYLOAD, LeaveApp
from tests.support.dates import from_today
from tests.support.emf import emitted_metrics
from tests.support.faults import Fault, FaultyDependency
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
        {**SEED_PAYLOAD, "start_date": from_today(85), "end_date": from_today(86)}
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
    capsys.readouterr()
    assert pending_gauge.handler({}, lambda_context())["pending"] == 1
    # With the running totals of submissions and of each end, read from the same items.
    totals = {
        m.name: m.value
        for m in emitted_metrics(capsys.readouterr().out)
        if m.name.endswith("Total")
    }
    assert totals == {
        "RequestsSubmittedTotal": 2,
        "RequestsApprovedTotal": 1,
        "RequestsRejectedTotal": 0,
        "RequestsExpiredTotal": 0,
        "RequestsFailedTotal": 0,
        "RequestsWithdrawnTotal": 0,
        "RequestsCancelledTotal": 0,
    }


class CountingClient:
    """A DynamoDB client that counts the calls made through it."""

    def __init__(self, inner: object) -> None:
        self._inner = inner
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> object:
        self.calls.append(name)
        return getattr(self._inner, name)


def _measured_calls(table_name: str) -> tuple[int, int]:
    client = CountingClient(boto3.client("dynamodb", region_name="us-east-2"))
    summary = DynamoDbPendingRequests(table_name, client).summary()
    return summary.count, len(client.calls)


def test_the_gauge_reads_the_same_few_items_however_long_the_backlog(
    leave_app: LeaveApp,
) -> None:
    table = leave_app.account.table_name
    few: list[str] = []
    many: list[str] = []
    for index in range(24):
        body = {
            "employee_email": f"backlog{index}@email.com",
            "start_date": from_today(116),
            "end_date": from_today(116),
        }
        (few if index < 2 else many).append(leave_app.submit(body).json()["request_id"])
        if index == 1:
            at_two = _measured_calls(table)
    at_twenty_four = _measured_calls(table)

    assert at_two[0] == 2
    assert at_twenty_four[0] == 24
    # One batch read of the shards' counts and one query per shard, at 2 as at 24.
    assert at_two[1] == at_twenty_four[1] == 1 + PENDING_SHARDS


@pytest.mark.parametrize("ending", ["approve", "reject", "stop"])
def test_every_way_out_of_pending_takes_the_request_off_the_count(
    leave_app: LeaveApp, ending: str
) -> None:
    request_id = leave_app.submit(SEED_PAYLOAD).json()["request_id"]
    link = leave_app.decision_link(request_id)
    assert _measured_calls(leave_app.account.table_name)[0] == 1

    if ending == "stop":
        leave_app.stop_and_settle(request_id)
    else:
        leave_app.decide(link, ending)
        leave_app.wait_until_final(request_id)

    assert _measured_calls(leave_app.account.table_name)[0] == 0


def test_a_submission_undone_because_its_start_failed_is_not_counted(
    leave_app: LeaveApp,
    gauge: object,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    wired = submit_wiring.submitter()
    busy = dataclasses.replace(
        wired, workflow=FaultyDependency(wired.workflow).inject("start", Fault.THROTTLE)
    )
    monkeypatch.setattr(submit_wiring, "submitter", lambda: busy)
    assert leave_app.submit(SEED_PAYLOAD).status == 503
    monkeypatch.setattr(submit_wiring, "submitter", lambda: wired)
    leave_app.decision_link(leave_app.submit(SEED_PAYLOAD).json()["request_id"])
    capsys.readouterr()

    pending_gauge.handler({}, lambda_context())

    printed = {m.name: m.value for m in emitted_metrics(capsys.readouterr().out)}
    assert (printed["RequestsSubmittedTotal"], printed["PendingRequests"]) == (1, 1)
