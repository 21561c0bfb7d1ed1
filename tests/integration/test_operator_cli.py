"""`leave-ops`'s reading commands and its execution controls against the service in process:
what an operator sees (rows, a timeline, a CSV, one clear line when something is wrong), and
every AWS call each command makes checked against the stack's `operator_policy` (conftest's
`aws_calls`)."""

import csv
import dataclasses
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from handlers import settler
from handlers.domain.statuses import LeaveStatus
from ops.cli import app
from ops.target import Target
from tests.integration.conftest import DEFAULT_APPROVER, LeaveApp
from tests.support.dates import from_today
from tests.support.deployed_permissions import deployed_program, unauthorised_calls
from tests.support.events import status_change
from tests.support.lambda_context import lambda_context
from tests.support.operator_target import (
    InProcessDurableExecutions,
    deploy_functions,
    operator_target,
)
from tests.support.recorded_calls import CallRecorder

ALICE = "alice@email.com"  # her approver is carol@email.com (conftest's DIRECTORY)
BOB = "bob@email.com"  # the default approver's


class Operator:
    """Runs `leave-ops` against the test's service, as an operator types it."""

    def __init__(self, target: Target, executions: InProcessDurableExecutions) -> None:
        self.target = target
        self.executions = executions

    def run(self, *arguments: str) -> Result:
        return CliRunner().invoke(app, list(arguments), obj=self.target)

    def ok(self, *arguments: str) -> str:
        result = self.run(*arguments)
        assert result.exit_code == 0, (result.output, result.stderr)
        return result.stdout

    def rows(self, *arguments: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = json.loads(self.ok(*arguments, "--json"))
        return found


@pytest.fixture
def operator(leave_app: LeaveApp, aws_calls: CallRecorder) -> Operator:
    deploy_functions()
    target, executions = operator_target(leave_app.account, leave_app.workflow, aws_calls)
    return Operator(target, executions)


def submit(leave_app: LeaveApp, employee: str, first: int, last: int) -> str:
    body = {"start_date": from_today(first), "end_date": from_today(last)}
    answer = leave_app.submit(body, as_=employee)
    assert answer.status in (201, 202), answer.body
    request_id: str = answer.json()["request_id"]
    return request_id


def waiting(leave_app: LeaveApp, request_id: str, approver: str) -> str:
    """The request's decision link, once its approver was asked."""
    return leave_app.decision_link(request_id, approver)


def test_list_finds_requests_by_approver_employee_status_and_age(
    leave_app: LeaveApp, operator: Operator
) -> None:
    alices = submit(leave_app, ALICE, 30, 32)
    bobs = submit(leave_app, BOB, 40, 41)
    waiting(leave_app, alices, "carol@email.com")
    waiting(leave_app, bobs, DEFAULT_APPROVER)

    by_carol = operator.rows("list", "--approver", "carol@email.com")
    assert [(r["request_id"], r["waiting_for"]) for r in by_carol] == [(alices, "carol@email.com")]
    assert [r["request_id"] for r in operator.rows("list", "--employee", BOB)] == [bobs]
    pending = operator.rows("list", "--status", "pending")
    assert {r["request_id"] for r in pending} == {alices, bobs}
    assert operator.rows("list", "--status", "pending", "--older-than", "1h") == []
    assert operator.rows("list", "--status", "approved") == []
    overlapping = operator.rows("list", "--from", from_today(41), "--to", from_today(60))
    assert [r["request_id"] for r in overlapping] == [bobs]

    table = operator.ok("list", "--employee", ALICE)
    assert alices in table
    assert "pending" in table
    assert "carol@email.com" in table


def test_show_tells_the_request_and_its_execution_as_one_timeline(
    leave_app: LeaveApp, operator: Operator
) -> None:
    request_id = submit(leave_app, BOB, 30, 31)
    leave_app.decide(waiting(leave_app, request_id, DEFAULT_APPROVER), "approve", "enjoy")
    leave_app.wait_until_final(request_id)

    shown = json.loads(operator.ok("show", request_id, "--json"))
    assert shown["request"]["status"] == "approved"
    assert shown["request"]["execution_status"] == "SUCCEEDED"
    timeline = [(entry["source"], entry["what"]) for entry in shown["timeline"]]
    assert timeline[0] == ("request", "submitted")
    assert ("execution", "ExecutionStarted") in timeline
    assert ("execution", "CallbackSucceeded") in timeline
    assert timeline.index(("request", "submitted")) < timeline.index(
        ("execution", "CallbackStarted")
    )
    assert timeline.index(("execution", "CallbackStarted")) < timeline.index(
        ("request", "approved")
    )
    moments = [entry["at"] for entry in shown["timeline"]]
    assert moments == sorted(moments)
    approved = next(e for e in shown["timeline"] if e["what"] == "approved")
    assert DEFAULT_APPROVER in approved["detail"]
    assert "enjoy" in approved["detail"]

    table = operator.ok("show", request_id)
    assert "ExecutionSucceeded" in table
    assert "approved" in table


def test_export_writes_hr_a_csv_of_the_leave_in_a_range(
    leave_app: LeaveApp, operator: Operator, tmp_path: Path
) -> None:
    approved = submit(leave_app, BOB, 30, 32)
    leave_app.decide(waiting(leave_app, approved, DEFAULT_APPROVER), "approve")
    leave_app.wait_until_final(approved)
    later = submit(leave_app, ALICE, 50, 52)
    waiting(leave_app, later, "carol@email.com")

    output = tmp_path / "leave.csv"
    said = operator.ok(
        "export", "--from", from_today(31), "--to", from_today(40), "--output", str(output)
    )
    assert "1 requests written" in said
    rows = list(csv.DictReader(output.open()))
    assert len(rows) == 1
    assert rows[0] | {"decided_at": None} == {
        "employee": BOB,
        "type": "annual",
        "first_day": from_today(30),
        "last_day": from_today(32),
        "working_days": "3",
        "status": "approved",
        "decided_by": DEFAULT_APPROVER,
        "decided_at": None,
        "request_id": approved,
    }
    assert rows[0]["decided_at"]

    everything = list(
        csv.DictReader(
            io.StringIO(operator.ok("export", "--from", from_today(0), "--to", from_today(90)))
        )
    )
    # By employee, then by first day.
    assert [(r["request_id"], r["status"]) for r in everything] == [
        (later, "pending"),
        (approved, "approved"),
    ]


def test_stop_ends_the_request_failed_through_the_settler(
    leave_app: LeaveApp, operator: Operator
) -> None:
    request_id = submit(leave_app, BOB, 30, 31)
    waiting(leave_app, request_id, DEFAULT_APPROVER)

    said = operator.ok("stop", request_id)
    assert f"the settler ends request {request_id} as failed" in said
    leave_app.workflow.result(request_id)
    # Lambda's status-change event reaches the settler (on AWS, through the Settler's rule).
    event = status_change(leave_app.workflow.execution_name(request_id), "STOPPED")
    settler.handler(event, lambda_context())

    (row,) = operator.rows("list", "--employee", BOB)
    assert row["status"] == LeaveStatus.FAILED.value
    again = operator.run("stop", request_id)
    assert again.exit_code == 1
    assert again.stderr.strip() == (
        f"leave-ops: the execution of request {request_id} has ended (STOPPED)"
    )


def test_settings_are_the_deployed_functions_own(operator: Operator) -> None:
    rows = operator.rows("settings")
    value = {(r["function"], r["setting"]): r["value"] for r in rows}
    # conftest's approval_timeout, as the functions were deployed with it.
    assert value[("workflow", "approval_timeout_seconds")] == 60
    assert value[("settler", "sweep_grace_seconds")] == 900
    assert value[("decision", "table_name")] == "leave-requests"


def test_pause_and_resume_reach_the_execution(leave_app: LeaveApp, operator: Operator) -> None:
    request_id = submit(leave_app, BOB, 30, 31)
    waiting(leave_app, request_id, DEFAULT_APPROVER)

    assert "resume" in operator.ok("pause", request_id)
    assert (
        json.loads(operator.ok("show", request_id, "--json"))["request"]["execution_status"]
        == "PAUSED"
    )
    operator.ok("resume", request_id)
    assert (
        json.loads(operator.ok("show", request_id, "--json"))["request"]["execution_status"]
        == "RUNNING"
    )


@pytest.mark.parametrize(
    ("arguments", "line"),
    [
        (("show", "lr-nobody"), "no request lr-nobody"),
        (("stop", "lr-nobody"), "no request lr-nobody"),
        (("list", "--older-than", "soon"), "--older-than 'soon': write a length like"),
        (("list", "--from", "2027-02-30"), "--from '2027-02-30': write a date as YYYY-MM-DD"),
        (
            ("export", "--from", "2027-03-01", "--to", "2027-02-01"),
            "--to 2027-02-01 is before --from 2027-03-01",
        ),
    ],
)
def test_what_cannot_be_done_is_one_line_and_exit_code_1(
    operator: Operator, arguments: tuple[str, ...], line: str
) -> None:
    result = operator.run(*arguments)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"leave-ops: {line}")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.output


def test_without_a_sandbox_it_says_how_to_start_one(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--sandbox", str(tmp_path / "none"), "list"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"leave-ops: no sandbox at {tmp_path / 'none'}: start one with `make sandbox`\n"
    )


def test_an_operator_call_the_policy_does_not_allow_fails_the_check(
    leave_app: LeaveApp, operator: Operator, aws_calls: CallRecorder
) -> None:
    request_id = submit(leave_app, BOB, 30, 31)
    waiting(leave_app, request_id, DEFAULT_APPROVER)
    operator.ok("show", request_id)
    operator.ok("list", "--approver", DEFAULT_APPROVER)
    operator.ok("settings")

    service = deployed_program()
    made = {call.name for call in aws_calls.calls if service.caller_of(call) is service.operator}
    assert {
        "lambda.GetFunctionConfiguration",
        "dynamodb.GetItem",
        "dynamodb.Query",
        "dynamodb.BatchGetItem",
        "lambda.ListDurableExecutionsByFunction",
        "lambda.GetDurableExecutionHistory",
    } <= made
    assert service.operator is not None
    policy = service.operator.policies[0]
    policy["Statement"] = [s for s in policy["Statement"] if s["Sid"] != "FindRequests"]
    without = dataclasses.replace(
        service,
        operator=dataclasses.replace(service.operator, policies_json=json.dumps([policy])),
    )
    refused = unauthorised_calls(aws_calls, os.environ, without)
    assert refused, "the operator's queries passed without the statement that allows them"
    assert all(line.startswith(str(service.operator)) for line in refused), refused
    assert any("dynamodb:Query" in line and "index/by_waiting_approver" in line for line in refused)
    assert unauthorised_calls(aws_calls, os.environ, service) == []
