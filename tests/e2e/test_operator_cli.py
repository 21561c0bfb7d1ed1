"""`leave-ops`, as installed with the project, against a running sandbox (`--sandbox DIR`):
an operator finds a request, reads its story, stops its execution (the settler ends it as
failed) and hands HR a CSV."""

import csv
import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from sandbox.config import PREVIOUS_SIGNING_KEY_PARAMETER, SIGNING_KEY_PARAMETER
from tests.e2e.harness import (
    APPROVER,
    PROJECT_ROOT,
    WAIT_CAP_SECONDS,
    SandboxClient,
    SandboxProcess,
    running_sandbox,
    wait_for,
)
from tests.support.dates import from_today
from tests.support.installed_command import leave_ops_command

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("operator-cli")]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxClient]:
    with running_sandbox(tmp_path_factory.mktemp("operator") / "data", 600) as running:
        yield running


def leave_ops(sandbox: SandboxClient, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - the project's own command
        [str(leave_ops_command()), "--sandbox", str(sandbox.process.data_dir), *arguments],
        capture_output=True,
        text=True,
        check=False,
        timeout=WAIT_CAP_SECONDS,
        # Anywhere: the command is installed, not run from the project.
        cwd=PROJECT_ROOT.parent,
    )


def ok(sandbox: SandboxClient, *arguments: str) -> str:
    done = leave_ops(sandbox, *arguments)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout


def as_json(sandbox: SandboxClient, *arguments: str) -> Any:
    return json.loads(ok(sandbox, *arguments, "--json"))


def test_an_operator_finds_reads_and_stops_a_request(sandbox: SandboxClient) -> None:
    employee = "stuck@email.com"
    request_id, _ = sandbox.submitted_for_approval(
        {"employee_email": employee, "start_date": from_today(60), "end_date": from_today(61)}
    )

    waiting = as_json(sandbox, "list", "--approver", APPROVER)
    assert [(r["request_id"], r["employee"]) for r in waiting] == [(request_id, employee)]
    shown = as_json(sandbox, "show", request_id)
    assert shown["request"]["execution_status"] == "RUNNING"
    what = [(entry["source"], entry["what"]) for entry in shown["timeline"]]
    assert what[0] == ("request", "submitted")
    assert ("execution", "CallbackStarted") in what

    said = ok(sandbox, "stop", request_id)
    assert f"the settler ends request {request_id} as failed" in said
    assert sandbox.wait_until_final(request_id)["status"] == "failed"
    (row,) = as_json(sandbox, "list", "--employee", employee)
    assert row["status"] == "failed"
    shown = as_json(sandbox, "show", request_id)
    assert shown["request"]["execution_status"] == "STOPPED"
    assert ("execution", "ExecutionStopped") in [
        (e["source"], e["what"]) for e in shown["timeline"]
    ]
    assert ("request", "failed") in [(e["source"], e["what"]) for e in shown["timeline"]]

    again = leave_ops(sandbox, "stop", request_id)
    assert again.returncode == 1
    assert again.stderr == (
        f"leave-ops: the execution of request {request_id} has ended (STOPPED)\n"
    )


def test_a_paused_execution_acts_on_a_decision_only_once_resumed(sandbox: SandboxClient) -> None:
    employee = "paused@email.com"
    request_id, link = sandbox.submitted_for_approval(
        {"employee_email": employee, "start_date": from_today(70), "end_date": from_today(71)}
    )

    said = ok(sandbox, "pause", request_id)
    assert f"leave-ops resume {request_id}" in said
    assert as_json(sandbox, "show", request_id)["request"]["execution_status"] == "PAUSED"
    # The approver decides meanwhile: Lambda takes the callback, but invokes nothing.
    assert sandbox.decide(link, "approve").status == 200

    def callback_taken() -> bool:
        shown = as_json(sandbox, "show", request_id)
        return any(e["what"] == "CallbackSucceeded" for e in shown["timeline"])

    wait_for(callback_taken, WAIT_CAP_SECONDS, "the callback completes while paused")
    # Were it invoked, the workflow would end the request within moments of the callback.
    time.sleep(2)
    assert sandbox.status(request_id)["status"] == "pending"

    ok(sandbox, "resume", request_id)
    assert sandbox.wait_until_final(request_id)["status"] == "approved"
    assert as_json(sandbox, "show", request_id)["request"]["execution_status"] == "SUCCEEDED"


def test_hr_gets_the_decided_leave_of_a_range_as_csv(
    sandbox: SandboxClient, tmp_path: Path
) -> None:
    employee = "away@email.com"
    request_id, link = sandbox.submitted_for_approval(
        {"employee_email": employee, "start_date": from_today(90), "end_date": from_today(92)}
    )
    assert sandbox.decide(link, "approve").status == 200
    sandbox.wait_until_final(request_id)

    output = tmp_path / "away.csv"
    ok(sandbox, "export", "--from", from_today(91), "--to", from_today(91), "--output", str(output))
    rows = list(csv.DictReader(output.open()))
    assert [(r["employee"], r["status"], r["decided_by"], r["working_days"]) for r in rows] == [
        (employee, "approved", APPROVER, "3")
    ]


def test_the_settings_are_the_sandbox_functions_own(sandbox: SandboxClient) -> None:
    rows = as_json(sandbox, "settings")
    value = {(r["function"], r["setting"]): r["value"] for r in rows}
    # The harness's --approval-timeout, as the sandbox gave it to its functions.
    assert value[("workflow", "approval_timeout_seconds")] == 600
    assert value[("settler", "workflow_function")].endswith(
        ":function:leave-approvals-sandbox-workflow"
    )


def test_an_unknown_request_is_one_line(sandbox: SandboxClient) -> None:
    done = leave_ops(sandbox, "show", "lr-nobody")
    assert (done.returncode, done.stderr) == (1, "leave-ops: no request lr-nobody\n")


# -- the commands that change a request (ops/commands/actions.py) ------------------------------
# Their requests are the manager's own, so they wait for the director, never for APPROVER (the
# tests above list what waits for APPROVER).
MANAGER_SUBMITTING = APPROVER
DIRECTOR = "director@email.com"
DEPUTY = "deputy@email.com"


def _waiting_for_the_director(sandbox: SandboxClient, start: int) -> tuple[str, str]:
    answer = sandbox.submit(
        {
            "employee_email": MANAGER_SUBMITTING,
            "start_date": from_today(start),
            "end_date": from_today(start + 1),
        }
    )
    assert answer.status == 202, answer.body
    request_id: str = answer.json()["request_id"]
    email = sandbox.wait_for_email(DIRECTOR, request_id, "Leave to approve")
    return request_id, sandbox.decision_link(email)


def test_an_operator_resends_then_reassigns_and_the_new_approver_decides(
    sandbox: SandboxClient,
) -> None:
    request_id, old_link = _waiting_for_the_director(sandbox, 120)

    assert f"went to {DIRECTOR} again" in ok(sandbox, "resend", request_id)
    resent = wait_for(
        lambda: len(found := sandbox.emails_about(request_id, DIRECTOR)) == 2 and found,
        WAIT_CAP_SECONDS,
        "the approval request sent again",
    )
    assert sandbox.decision_link(resent[-1]) == old_link

    said = ok(sandbox, "reassign", request_id, "--to", DEPUTY)
    assert f"{request_id} is now with {DEPUTY}" in said
    moved = sandbox.decide(old_link, "approve")
    assert moved.status == 409
    assert f"now with {DEPUTY}" in moved.body
    new_link = sandbox.decision_link(sandbox.wait_for_email(DEPUTY, request_id, "Leave to approve"))
    assert sandbox.decide(new_link, "approve").status == 200
    record = sandbox.wait_until_final(request_id)
    assert (record["status"], record["history"][-1]["by"]) == ("approved", DEPUTY)


def test_an_operator_settles_a_stuck_request_once(sandbox: SandboxClient) -> None:
    request_id, link = _waiting_for_the_director(sandbox, 130)

    said = ok(sandbox, "settle", request_id)
    assert f"{request_id} is now failed" in said
    assert "its execution was stopped" in said
    assert sandbox.status(request_id)["status"] == "failed"
    sandbox.wait_for_email(MANAGER_SUBMITTING, request_id, "Leave request could not be processed")
    sandbox.wait_for_email(DIRECTOR, request_id, "No longer needs your decision")
    assert sandbox.decide(link, "approve").status == 410

    again = leave_ops(sandbox, "settle", request_id)
    assert (again.returncode, again.stderr) == (1, f"leave-ops: {request_id} is already failed.\n")


ROTATING = "rotating@email.com"


def test_a_rotated_key_keeps_the_links_already_sent_across_a_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = SandboxProcess(data_dir, approval_timeout=600)
    before = SandboxClient(first.start(), first)
    sent = before.submit(
        {"employee_email": ROTATING, "start_date": from_today(150), "end_date": from_today(151)}
    ).json()["request_id"]
    link = before.decision_link(before.wait_for_email(APPROVER, sent, "Leave to approve"))
    first_key = (data_dir / "signing-key").read_text().strip()

    assert "The link-signing key is rotated" in ok(before, "rotate-key")
    assert first.stop() == 0, first.console()

    second = SandboxProcess(data_dir, approval_timeout=600, port=first.port)
    after = SandboxClient(second.start(), second)
    after.remember(sent, ROTATING)
    try:
        ssm = boto3.client(
            "ssm",
            endpoint_url=after.outputs["aws_endpoint"],
            region_name="us-east-2",
            aws_access_key_id="sandbox",
            aws_secret_access_key="sandbox",
        )
        keys = {
            name: ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
            for name in (SIGNING_KEY_PARAMETER, PREVIOUS_SIGNING_KEY_PARAMETER)
        }
        # The restart kept the rotation: the key the data dir began with is the previous one.
        assert keys[PREVIOUS_SIGNING_KEY_PARAMETER] == first_key
        assert keys[SIGNING_KEY_PARAMETER] != first_key
        assert after.decide(link, "approve").status == 200
        assert after.wait_until_final(sent)["status"] == "approved"
    finally:
        assert second.stop() == 0, second.console()
