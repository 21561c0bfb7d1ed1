"""The check every integration test ends with (conftest's `aws_calls`) sees each function's
calls, and fails, naming the function, the call, the action and the ARN, when the deployed role
would not allow one."""

import os
import types
from collections.abc import Callable
from typing import Any

import pytest

from handlers.aws_clients import aws_client
from tests.integration.conftest import SEED_PAYLOAD, LeaveApp
from tests.support.aws import stored_employee
from tests.support.deployed_permissions import (
    DeployedService,
    deployed_program,
    unauthorised_calls,
)
from tests.support.recorded_calls import CallRecorder, recording

WORKFLOW = "handlers.workflow"
BUS = "arn:aws:events:us-east-2:123456789012:event-bus/leave-approvals-dev"


@pytest.fixture
def approved(leave_app: LeaveApp, aws_calls: CallRecorder) -> CallRecorder:
    """A request submitted, approved through its link, and ended: what every function did."""
    request_id = leave_app.submit(SEED_PAYLOAD).json()["request_id"]
    leave_app.decide(leave_app.decision_link(request_id), "approve")
    leave_app.wait_until_final(request_id)
    return aws_calls


def revoked(service: DeployedService, entry_point: str, action: str) -> DeployedService:
    """The service with `action` taken out of every statement of one function's role."""
    policies = service.functions[entry_point].policies
    for document in policies:
        statements = []
        for statement in document["Statement"]:
            statement["Action"] = [a for a in statement["Action"] if a != action]
            if statement["Action"]:
                statements.append(statement)
        document["Statement"] = statements
    return service.with_policies(entry_point, policies)


def narrowed(
    service: DeployedService, entry_point: str, action: str, resource: str
) -> DeployedService:
    """The service with every statement of one function's role that grants `action` moved onto
    `resource`."""
    policies = service.functions[entry_point].policies
    for document in policies:
        for statement in document["Statement"]:
            if action in statement["Action"]:
                statement["Resource"] = [resource]
    return service.with_policies(entry_point, policies)


def test_each_function_of_a_flow_is_seen_and_allowed_as_deployed(approved: CallRecorder) -> None:
    service = deployed_program()
    made: dict[str, set[str]] = {}
    for call in approved.calls:
        function = service.caller_of(call)
        if function is not None:
            made.setdefault(function.entry_point, set()).add(call.name)
    assert set(made) == {"handlers.submit", "handlers.decision", WORKFLOW}
    assert {"dynamodb.TransactWriteItems", "lambda.Invoke", "ssm.GetParameter"} <= made[
        "handlers.submit"
    ]
    assert {
        "dynamodb.UpdateItem",
        "ssm.GetParameter",
        "lambda.SendDurableExecutionCallbackSuccess",
    } <= made["handlers.decision"]
    assert {
        "events.PutEvents",
        "ses.SendRawEmail",
        "dynamodb.TransactWriteItems",
        "ssm.GetParameter",
        "lambda.CheckpointDurableExecution",
    } <= made[WORKFLOW]
    assert unauthorised_calls(approved, os.environ, service) == []


def test_without_the_workflows_put_events_grant_the_check_names_the_call(
    approved: CallRecorder,
) -> None:
    service = revoked(deployed_program(), WORKFLOW, "events:PutEvents")
    refused = unauthorised_calls(approved, os.environ, service)
    assert refused == [
        f"{WORKFLOW} (function leave-approvals-dev-workflow) calls events.PutEvents: its role "
        f"does not allow events:PutEvents on {BUS} (with events:source=leave.approvals, "
        f"events:detail-type={detail_type}): no statement allows it (implicit deny)"
        for detail_type in ("Leave Request Submitted", "Leave Request Decided")
    ]


def test_a_grant_on_another_table_does_not_cover_the_workflows_transaction(
    approved: CallRecorder,
) -> None:
    other = "arn:aws:dynamodb:us-east-2:123456789012:table/another-table"
    service = narrowed(deployed_program(), WORKFLOW, "dynamodb:UpdateItem", other)
    refused = "\n".join(unauthorised_calls(approved, os.environ, service))
    table = "arn:aws:dynamodb:us-east-2:123456789012:table/leave-table-0a1b2c3"
    assert (
        f"{WORKFLOW} (function leave-approvals-dev-workflow) calls dynamodb.TransactWriteItems: "
        f"its role does not allow dynamodb:UpdateItem on {table} "
        "(with dynamodb:EnclosingOperation=TransactWriteItems)"
    ) in refused


def test_a_deny_in_the_role_wins(approved: CallRecorder) -> None:
    service = deployed_program()
    deny = {"Sid": "NoMail", "Effect": "Deny", "Action": "ses:Send*", "Resource": "*"}
    policies = [*service.functions[WORKFLOW].policies, {"Statement": [deny]}]
    refused = unauthorised_calls(approved, os.environ, service.with_policies(WORKFLOW, policies))
    assert refused
    assert all("calls ses.SendRawEmail" in line for line in refused)
    assert all(line.endswith("explicitly denied by NoMail") for line in refused)


def called_from(module: str, call: Callable[[], Any]) -> Any:
    """Make `call` from a frame of `module`, as code under that module's handler would."""
    invoke = types.FunctionType((lambda inner: inner()).__code__, {"__name__": module})
    return invoke(call)


def test_a_call_nobody_wrote_out_fails_naming_it(leave_app: LeaveApp) -> None:
    # A recorder of its own, so the test's check is not failed by the call it makes on purpose.
    with recording(CallRecorder()) as recorder:
        dynamodb = aws_client("dynamodb")
        called_from(
            "handlers.submit",
            lambda: dynamodb.describe_table(TableName=leave_app.account.table_name),
        )
    assert [(call.callers, call.name) for call in recorder.calls] == [
        (("handlers.submit",), "dynamodb.DescribeTable")
    ]
    [refused] = unauthorised_calls(recorder, os.environ, deployed_program())
    assert refused.startswith(
        "handlers.submit (function leave-approvals-dev-submit) calls dynamodb.DescribeTable: "
        "dynamodb.DescribeTable: what AWS authorises it against is not written out"
    )


def test_the_tests_own_calls_are_no_functions(leave_app: LeaveApp, aws_calls: CallRecorder) -> None:
    stored_employee(leave_app.account, "lr-nobody")
    own = [call for call in aws_calls.calls if deployed_program().caller_of(call) is None]
    assert {"dynamodb.CreateTable", "ssm.PutParameter", "dynamodb.GetItem"} <= {c.name for c in own}
    assert not [call for call in aws_calls.calls if call.callers]
