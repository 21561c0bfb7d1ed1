"""A workflow start Lambda accepted but could not make, on the sandbox: the employee is answered,
the request waits with no execution, its record lands in the failed-start queue, and `leave-ops
retry-starts` starts it (or, if the settler's sweep ended the request first, says so); either
way the record is deleted.

`--fail-starts 3` fails the three attempts (the first and Lambda's two retries) of the next
accepted start, as the durable service failing would.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.e2e.harness import (
    APPROVER,
    WAIT_CAP_SECONDS,
    SandboxClient,
    http,
    running_sandbox,
    wait_for,
)
from tests.e2e.test_operator_cli import ok
from tests.support.dates import from_today

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("failed-starts")]

FAIL_ONE_START = ("--fail-starts", "3")


def _sandbox(data_dir: Path, *flags: str) -> Iterator[SandboxClient]:
    with running_sandbox(data_dir, 600, (*FAIL_ONE_START, *flags)) as running:
        yield running


@pytest.fixture
def sweep_far_away(tmp_path: Path) -> Iterator[SandboxClient]:
    # Ticks a second apart: the queue's depth reaches the dashboard soon.
    yield from _sandbox(tmp_path / "data", "--sweep-grace", "3600", "--schedule-every", "1")


@pytest.fixture
def sweep_soon(tmp_path: Path) -> Iterator[SandboxClient]:
    yield from _sandbox(tmp_path / "data", "--sweep-grace", "1", "--schedule-every", "1")


def _queued(sandbox: SandboxClient) -> int:
    """The records in the failed-start queue, read as its depth (nothing is received)."""
    sqs: Any = boto3.client(
        "sqs",
        endpoint_url=sandbox.outputs["aws_endpoint"],
        region_name="us-east-2",
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
    )
    attributes = sqs.get_queue_attributes(
        QueueUrl=sandbox.outputs["failed_start_queue_url"],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(value) for value in attributes.values())


def _submitted(sandbox: SandboxClient, employee: str) -> str:
    answer = sandbox.submit(
        {"employee_email": employee, "start_date": from_today(40), "end_date": from_today(41)}
    )
    # Lambda accepted the start before making it: the employee is answered as usual.
    assert answer.status == 202, answer.body
    request_id: str = answer.json()["request_id"]
    wait_for(lambda: _queued(sandbox) == 1, WAIT_CAP_SECONDS, "the failed start's record")
    return request_id


def _dashboard_depth(sandbox: SandboxClient) -> float | None:
    """The failed-start queue's depth as the dashboard's widget shows it last."""
    answer = http("GET", sandbox.outputs["dashboard_url"], headers={"Accept": "application/json"})
    assert answer.status == 200, answer.body
    widgets = {w["title"]: w for w in answer.json()["widgets"]}
    (series,) = widgets["Starts that never ran (failed-start queue)"]["series"]
    latest: float | None = series["latest"]
    return latest


def _executions(sandbox: SandboxClient) -> list[dict[str, Any]]:
    listed = sandbox.lambda_client().list_durable_executions_by_function(
        FunctionName=sandbox.outputs["workflow_function_name"]
    )
    executions: list[dict[str, Any]] = listed["DurableExecutions"]
    return executions


def test_retry_starts_starts_a_request_lambda_could_not(sweep_far_away: SandboxClient) -> None:
    sandbox = sweep_far_away
    request_id = _submitted(sandbox, "unstarted@email.com")
    assert sandbox.status(request_id)["status"] == "pending"
    assert _executions(sandbox) == []
    assert sandbox.emails_about(request_id, APPROVER) == []
    wait_for(lambda: _dashboard_depth(sandbox) == 1, WAIT_CAP_SECONDS, "the dashboard's depth")

    said = ok(sandbox, "retry-starts")
    assert f"{request_id}: started again" in said
    assert "1 failed start(s): 1 started again; 1 deleted from the queue." in said
    sandbox.wait_for_email(APPROVER, request_id, "Leave to approve")
    assert [e["Status"] for e in _executions(sandbox)] == ["RUNNING"]
    assert _queued(sandbox) == 0
    wait_for(lambda: _dashboard_depth(sandbox) == 0, WAIT_CAP_SECONDS, "the depth back to 0")

    again = ok(sandbox, "retry-starts")
    assert "0 failed start(s): none; 0 deleted from the queue." in again
    assert len(_executions(sandbox)) == 1


def test_retry_starts_deletes_the_record_of_a_request_the_sweep_ended(
    sweep_soon: SandboxClient,
) -> None:
    sandbox = sweep_soon
    request_id = _submitted(sandbox, "swept@email.com")
    assert sandbox.wait_until_final(request_id)["status"] == "failed"

    said = ok(sandbox, "retry-starts")
    assert f"{request_id}: already ended (it is failed)" in said
    assert "1 failed start(s): 1 already ended; 1 deleted from the queue." in said
    assert _queued(sandbox) == 0
    assert _executions(sandbox) == []
