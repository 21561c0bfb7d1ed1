"""A request waiting on the workflow's code keeps that code across a change and a restart, as
an execution keeps its published version on AWS; a new request runs the new code.

The sandbox's workflow runs a copy of handlers/ in a temp dir (`--workflow-code`). A request
is submitted and waits; the sandbox stops; the copy's step is renamed (a change that breaks a
waiting execution replayed on it: the SDK refuses the replay); the sandbox restarts on the
same data dir, publishing version 2. The waiting request, replayed on version 1, is approved
and ends with one outcome email; a new request runs version 2's renamed step.
"""

import shutil
from pathlib import Path
from typing import Any

import pytest

from sandbox.functions import WORKFLOW
from tests.e2e.harness import APPROVER, PROJECT_ROOT, SandboxClient, SandboxProcess
from tests.support.dates import from_today

pytestmark = [pytest.mark.e2e]

EMPLOYEE = "versions@email.com"
WORKFLOW_MODULE = Path("handlers") / "logic" / "leave_workflow.py"
RENAMED_STEP = "ask-the-approver"


def _operations(client: SandboxClient, request_id: str) -> tuple[str, list[str]]:
    """The version the request's execution runs on, and the names in its history."""
    lambda_api: Any = client.lambda_client()
    listed = lambda_api.list_durable_executions_by_function(FunctionName=WORKFLOW)
    (execution,) = [
        e for e in listed["DurableExecutions"] if e["DurableExecutionName"].startswith(request_id)
    ]
    history = lambda_api.get_durable_execution_history(
        DurableExecutionArn=execution["DurableExecutionArn"]
    )
    names = [event.get("Name") for event in history["Events"] if event.get("Name")]
    return execution["FunctionArn"].rsplit(":", 1)[1], names


@pytest.mark.xdist_group("sandbox-versions")
def test_a_waiting_request_keeps_its_version_across_a_code_change_and_a_restart(
    tmp_path: Path,
) -> None:
    code = tmp_path / "code"
    shutil.copytree(
        PROJECT_ROOT / "handlers",
        code / "handlers",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    flags = ("--workflow-code", str(code))
    data_dir = tmp_path / "data"
    first = SandboxProcess(data_dir, approval_timeout=300, flags=flags)
    before = SandboxClient(first.start(), first)
    try:
        answer = before.submit(
            {"employee_email": EMPLOYEE, "start_date": from_today(300), "end_date": from_today(302)}
        )
        assert answer.status == 202, answer.body
        waiting = answer.json()["request_id"]
        link = before.decision_link(before.wait_for_email(APPROVER, waiting, "Leave to approve"))
    finally:
        assert first.stop() == 0, first.console()

    module = code / WORKFLOW_MODULE
    source = module.read_text()
    assert source.count('ASK_APPROVER = "ask-approver"') == 1
    module.write_text(source.replace('"ask-approver"', f'"{RENAMED_STEP}"'))

    second = SandboxProcess(data_dir, approval_timeout=300, port=first.port, flags=flags)
    after = SandboxClient(second.start(), second)
    after.remember(waiting, EMPLOYEE)
    try:
        lambda_api: Any = after.lambda_client()
        assert lambda_api.get_alias(FunctionName=WORKFLOW, Name="live")["FunctionVersion"] == "2"
        listed = lambda_api.list_versions_by_function(FunctionName=WORKFLOW)["Versions"]
        assert [v["Version"] for v in listed] == ["$LATEST", "1", "2"]

        decided = after.decide(link, "approve")
        assert decided.status == 200, decided.body
        assert after.wait_until_final(waiting)["status"] == "approved"
        after.wait_for_email(EMPLOYEE, waiting, "Leave request approved")
        outcomes = [m for m in after.emails_about(waiting, EMPLOYEE) if "approved" in m["subject"]]
        assert len(outcomes) == 1
        version, names = _operations(after, waiting)
        assert version == "1"
        assert "ask-approver" in names
        assert RENAMED_STEP not in names

        new = after.submit(
            {"employee_email": EMPLOYEE, "start_date": from_today(320), "end_date": from_today(321)}
        )
        assert new.status == 202, new.body
        new_id = new.json()["request_id"]
        after.wait_for_email(APPROVER, new_id, "Leave to approve")
        version, names = _operations(after, new_id)
        assert version == "2"
        assert RENAMED_STEP in names
        assert "ask-approver" not in names
    finally:
        assert second.stop() == 0, second.console()
