"""Every request ends, through the whole sandbox: broken executions are settled, and
overlapping submissions racing each other cannot double-book an employee."""

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.harness import APPROVER, SandboxClient, changed
from tests.support.dates import from_today

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("sandbox-flows")]


def _execution_of(sandbox: SandboxClient, request_id: str) -> str:
    listed = sandbox.lambda_client().list_durable_executions_by_function(
        FunctionName=sandbox.outputs["workflow_alias_arn"].rsplit(":", 1)[0]
    )
    (arn,) = [
        e["DurableExecutionArn"]
        for e in listed["DurableExecutions"]
        if e["DurableExecutionName"].startswith(f"{request_id}-")
    ]
    return str(arn)


def test_stopping_an_execution_settles_its_request_as_failed(
    flows_sandbox: SandboxClient,
) -> None:
    sandbox = flows_sandbox
    before = sandbox.figures()
    employee = "stopped@email.com"
    payload = {
        "employee_email": employee,
        "start_date": from_today(177),
        "end_date": from_today(179),
    }
    request_id, link = sandbox.submitted_for_approval(payload)

    sandbox.lambda_client().stop_durable_execution(
        DurableExecutionArn=_execution_of(sandbox, request_id)
    )

    record = sandbox.wait_until_final(request_id)
    assert record["status"] == "failed"
    assert [h["event"] for h in record["history"]] == ["submitted", "failed"]
    told = sandbox.wait_for_email(employee, request_id, "Leave request could not be processed")
    assert "submit it again" in told["text"]
    sandbox.wait_for_email(APPROVER, request_id, "No longer needs your decision")
    assert sandbox.decide(link, "approve").status == 410
    # Its dates are free again.
    again = sandbox.submit(payload, **{"Idempotency-Key": "after-stop"})
    assert again.status == 202
    sandbox.wait_for_email(APPROVER, again.json()["request_id"], "Leave to approve")
    # Receipt and approval twice, the failure to the employee and to the approver.
    sandbox.wait_for_figures(changed(before, submitted=2, failed=1, emails_sent=6), at_least=True)


def test_of_overlapping_submissions_sent_at_once_exactly_one_is_accepted(
    flows_sandbox: SandboxClient,
) -> None:
    sandbox = flows_sandbox
    before = sandbox.figures()
    employee = "eager@email.com"

    def submit(day: int) -> tuple[int, str]:
        answer = sandbox.submit(
            {
                "employee_email": employee,
                "start_date": from_today(207),
                "end_date": from_today(206 + day),
            },
            **{"Idempotency-Key": f"overlap-{day}"},
        )
        return answer.status, answer.body

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(submit, range(2, 10)))

    statuses = sorted(status for status, _ in answers)
    assert statuses == [202] + [409] * 7, answers
    accepted = next(body for status, body in answers if status == 202)
    refused = [json.loads(body) for status, body in answers if status == 409]
    # Each names the accepted request by its dates and where it stands, and gives its id.
    assert all(
        "overlaps your leave request from " in r["errors"][0]["problem"]
        and "which is waiting for a decision" in r["errors"][0]["problem"]
        and r["errors"][0]["request_id"] == json.loads(accepted)["request_id"]
        for r in refused
    )
    # The accepted request answers its status URL at once.
    request_id = json.loads(accepted)["request_id"]
    assert sandbox.status(request_id)["status"] == "pending"
    sandbox.wait_for_email(APPROVER, request_id, "Leave to approve")
    sandbox.wait_for_figures(
        changed(before, submitted=1, emails_sent=2, inputs_rejected=7), at_least=True
    )


def test_an_approval_and_a_rejection_sent_at_once_give_one_outcome(
    flows_sandbox: SandboxClient,
) -> None:
    sandbox = flows_sandbox
    before = sandbox.figures()
    employee = "contested@email.com"
    payload = {
        "employee_email": employee,
        "start_date": from_today(247),
        "end_date": from_today(248),
    }
    request_id, link = sandbox.submitted_for_approval(payload)

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = dict(
            zip(
                ("approve", "reject"),
                pool.map(lambda choice: sandbox.decide(link, choice), ("approve", "reject")),
                strict=True,
            )
        )

    assert sorted(a.status for a in answers.values()) == [200, 409], answers
    winner = next(choice for choice, answer in answers.items() if answer.status == 200)
    record = sandbox.wait_until_final(request_id)
    assert record["status"] == {"approve": "approved", "reject": "rejected"}[winner]
    outcome = {"approve": "Leave request approved", "reject": "Leave request rejected"}[winner]
    sandbox.wait_for_email(employee, request_id, outcome)
    assert len(sandbox.emails_about(request_id, employee)) == 2
    ended = {"approve": "approved", "reject": "rejected"}[winner]
    sandbox.wait_for_figures(
        changed(before, submitted=1, emails_sent=3, **{ended: 1}), at_least=True
    )
