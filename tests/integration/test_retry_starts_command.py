"""`leave-ops retry-starts` over the failed-start queue (moto's SQS, with the records Lambda's
on-failure destination writes): a request still waiting for its start is started again and
decided; one that ended or runs is left be; each handled record leaves the queue."""

import dataclasses
import json
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner, Result

from handlers.gateways.workflow_service import LambdaWorkflowService
from handlers.storage.leave_store import DynamoDbLeaveStore
from handlers.submit_routes import wiring as submit_wiring
from ops import cli
from ops.commands import actions
from tests.integration.conftest import DEFAULT_APPROVER, SEED_PAYLOAD, LeaveApp
from tests.support.aws import REGION, Account
from tests.support.dates import from_today
from tests.support.durable import InProcessWorkflowService
from tests.support.faults import Fault, FaultyDependency, SimulatedCrash
from tests.support.operator_target import deploy_functions, operator_target
from tests.support.recorded_calls import CallRecorder, unsent_lambda_client

LOST = {**SEED_PAYLOAD, "start_date": from_today(60), "end_date": from_today(62)}
DECIDED = {**SEED_PAYLOAD, "start_date": from_today(70), "end_date": from_today(72)}
RUNNING = {**SEED_PAYLOAD, "start_date": from_today(80), "end_date": from_today(82)}


def _destination_record(payload: dict[str, Any]) -> str:
    """What Lambda sends to an asynchronous invocation's on-failure destination."""
    return json.dumps(
        {
            "version": "1.0",
            "timestamp": "2026-12-07T02:00:00.000Z",
            "requestContext": {
                "requestId": "e4b46cbf-b738-4a68-9f2a-8a6c5a0bc2a4",
                "functionArn": "arn:aws:lambda:us-east-2:123456789012:function:workflow:live",
                "condition": "RetriesExhausted",
                "approximateInvokeCount": 3,
            },
            "requestPayload": payload,
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST"},
        }
    )


def _payload_of(request_id: str) -> dict[str, Any]:
    record = DynamoDbLeaveStore(Account().table_name).get(request_id)
    assert record is not None
    return record.request().workflow_input()


def _submit_whose_start_is_lost(leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch) -> str:
    """Submit records the request, then its start never runs (Lambda gave up on it)."""
    wired = submit_wiring.submitter()
    dying = dataclasses.replace(
        wired, workflow=FaultyDependency(wired.workflow).inject("start", Fault.CRASH_BEFORE)
    )
    monkeypatch.setattr(submit_wiring, "submitter", lambda: dying)
    with pytest.raises(SimulatedCrash):
        leave_app.submit(LOST)
    monkeypatch.setattr(submit_wiring, "submitter", lambda: wired)
    (lost,) = [
        r
        for r in DynamoDbLeaveStore(Account().table_name).requests_of(LOST["employee_email"], 10)
        if r.start_date.isoformat() == LOST["start_date"]
    ]
    return lost.request_id


# The runner's own start, before the call recorder wraps it (it records the start as the
# service's functions make it, by their settings: not as leave-ops makes it, by the alias).
_RUNNER_START = InProcessWorkflowService.start


class _StartsThroughTheAlias:
    """Lambda's invoke of the workflow's alias as leave-ops makes it (recorded, checked
    against the operator policy, never sent), served by the runner."""

    def __init__(self, workflow: InProcessWorkflowService, alias_arn: str) -> None:
        self._workflow = workflow
        self._lambda = LambdaWorkflowService(alias_arn, client=unsent_lambda_client())

    def start(self, execution_name: str, payload: dict[str, Any]) -> None:
        self._lambda.start(execution_name, payload)
        _RUNNER_START(self._workflow, execution_name, payload)


def _retry_starts(
    app: LeaveApp, recorder: CallRecorder, monkeypatch: pytest.MonkeyPatch, queue_url: str
) -> Result:
    deploy_functions()
    target, _ = operator_target(app.account, app.workflow, recorder)
    extra = {"workflow_alias_arn": app.account.workflow_function}
    if queue_url:
        extra["failed_start_queue_url"] = queue_url
    recorder.operator_outputs.update(extra)
    target = dataclasses.replace(target, outputs={**target.outputs, **extra})
    monkeypatch.setattr(
        actions,
        "workflow_starter",
        lambda target: _StartsThroughTheAlias(app.workflow, target.output("workflow_alias_arn")),
    )
    return CliRunner().invoke(cli.app, ["retry-starts"], obj=target)


def _left_in(queue_url: str) -> int:
    attributes = boto3.client("sqs", region_name=REGION).get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(n) for n in attributes.values())


def test_retry_starts_starts_what_still_waits_and_leaves_the_rest_be(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch, aws_calls: CallRecorder
) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    queue_url = sqs.create_queue(QueueName="leave-approvals-test-failed-starts")["QueueUrl"]
    lost = _submit_whose_start_is_lost(leave_app, monkeypatch)
    decided = leave_app.submit(DECIDED).json()["request_id"]
    assert leave_app.decide(leave_app.decision_link(decided), "approve").status == 200
    leave_app.wait_until_final(decided)
    running = leave_app.submit(RUNNING).json()["request_id"]
    leave_app.decision_link(running)
    for request_id in (lost, decided, running):
        sqs.send_message(
            QueueUrl=queue_url, MessageBody=_destination_record(_payload_of(request_id))
        )
    sqs.send_message(QueueUrl=queue_url, MessageBody="not a record")

    result = _retry_starts(leave_app, aws_calls, monkeypatch, queue_url)

    assert result.exit_code == 1  # one record is left for the operator to look at
    lines = result.stdout.strip().splitlines()
    assert f"{lost}: started again" in result.stdout
    assert f"{decided}: already ended (it is approved)" in result.stdout
    assert f"{running}: already running" in result.stdout
    assert "?: unreadable: left in the queue" in result.stdout
    assert lines[-1] == (
        "4 failed start(s): 1 started again, 1 already running, 1 already ended, "
        "1 unreadable: left in the queue; 3 deleted from the queue."
    )
    assert _left_in(queue_url) == 1
    # The lost request's approver is asked, and decides it.
    assert leave_app.decide(leave_app.decision_link(lost), "approve").status == 200
    assert leave_app.wait_until_final(lost)["status"] == "approved"
    assert len([e for e in leave_app.emails_to(DEFAULT_APPROVER) if lost in e.text]) == 1


def test_retrying_a_start_twice_starts_one_execution(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch, aws_calls: CallRecorder
) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    queue_url = sqs.create_queue(QueueName="leave-approvals-test-failed-starts")["QueueUrl"]
    lost = _submit_whose_start_is_lost(leave_app, monkeypatch)
    record = _destination_record(_payload_of(lost))
    # Lambda delivered the same failure twice (destinations are at least once).
    sqs.send_message(QueueUrl=queue_url, MessageBody=record)
    sqs.send_message(QueueUrl=queue_url, MessageBody=record)

    result = _retry_starts(leave_app, aws_calls, monkeypatch, queue_url)

    assert result.exit_code == 0, result.stdout
    assert "1 started again, 1 already running" in result.stdout
    assert _left_in(queue_url) == 0
    leave_app.decision_link(lost)
    assert len([e for e in leave_app.emails_to(DEFAULT_APPROVER) if lost in e.text]) == 1


def test_a_target_without_a_queue_says_so(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch, aws_calls: CallRecorder
) -> None:
    result = _retry_starts(leave_app, aws_calls, monkeypatch, "")
    assert result.exit_code == 1
    assert result.stderr.startswith("leave-ops: the test's account has no failed-start queue")
