"""The three ways a request ends, driven over HTTP as a person would: submit, read the mail,
follow the link, decide (or wait); then the status endpoint, the final email and the dashboard."""

import json
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import APPROVER, OUTPUT_KEYS, SandboxClient, changed, http
from tests.support.dates import from_today

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("sandbox-flows")]

# The seed article's curl payload, exactly.
SEED_PAYLOAD = {
    "start_date": from_today(35),
    "end_date": from_today(45),
    "employee_email": "employee@email.com",
}


def _submitted(sandbox: SandboxClient, payload: dict[str, Any], **headers: str) -> str:
    answer = sandbox.submit(payload, **headers)
    assert answer.status == 202, answer.body
    body = answer.json()
    assert body["status"] == "pending"
    assert body["status_url"] == f"{sandbox.outputs['submit_url']}requests/{body['request_id']}"
    request_id: str = body["request_id"]
    return request_id


def _submitted_for_approval(
    sandbox: SandboxClient, employee: str, start: str, end: str
) -> tuple[str, str]:
    """Submit, then find the link in the approver's email: (request id, link)."""
    request_id = _submitted(
        sandbox, {"employee_email": employee, "start_date": start, "end_date": end}
    )
    email = sandbox.wait_for_email(APPROVER, request_id, "Leave to approve")
    return request_id, sandbox.decision_link(email)


def test_the_outputs_are_the_stacks_and_the_mailbox(flows_sandbox: SandboxClient) -> None:
    assert set(flows_sandbox.outputs) == OUTPUT_KEYS
    for name in ("submit_url", "decision_url", "dashboard_url", "mailbox_url"):
        assert flows_sandbox.outputs[name].startswith("http://127.0.0.1:")
    home = http("GET", flows_sandbox.home_url)
    assert home.status == 200
    assert flows_sandbox.outputs["submit_url"] in home.body


def test_the_seed_request_is_approved_through_the_link_in_the_approvers_email(
    flows_sandbox: SandboxClient,
) -> None:
    sandbox = flows_sandbox
    before = sandbox.figures()
    request_id = _submitted(sandbox, SEED_PAYLOAD)
    employee = SEED_PAYLOAD["employee_email"]

    sandbox.wait_for_email(employee, request_id, "Leave request received")
    link = sandbox.decision_link(sandbox.wait_for_email(APPROVER, request_id, "Leave to approve"))
    assert link.startswith(sandbox.outputs["decision_url"])
    page = http("GET", link)
    assert page.status == 200
    assert "Approve" in page.body
    assert "Reject" in page.body
    assert employee in page.body

    decided = sandbox.decide(link, "approve", comment="Enjoy the break")
    assert decided.status == 200, decided.body
    assert "You approved" in decided.body

    record = sandbox.wait_until_final(request_id)
    assert record["status"] == "approved"
    assert record["history"][-1]["by"] == APPROVER
    assert record["history"][-1]["comment"] == "Enjoy the break"
    final = sandbox.wait_for_email(employee, request_id, "Leave request approved")
    assert "Enjoy the break" in final["text"]
    assert final["html"]
    assert final["time"]
    subjects = [m["subject"].split(":")[0] for m in sandbox.emails_about(request_id, employee)]
    assert subjects == ["Leave request received", "Leave request approved"]
    sandbox.wait_for_figures(changed(before, submitted=1, approved=1, emails_sent=3))


def test_a_rejected_request_ends_rejected_and_the_employee_is_told(
    flows_sandbox: SandboxClient,
) -> None:
    sandbox = flows_sandbox
    employee = "rita@email.com"
    before = sandbox.figures()
    request_id, link = _submitted_for_approval(sandbox, employee, from_today(86), from_today(90))

    decided = sandbox.decide(link, "reject", comment="Team offsite that week", as_json=True)
    assert decided.status == 200, decided.body
    assert decided.json() == {"request_id": request_id, "decision": "reject"}

    record = sandbox.wait_until_final(request_id)
    assert record["status"] == "rejected"
    assert record["history"][-1]["comment"] == "Team offsite that week"
    final = sandbox.wait_for_email(employee, request_id, "Leave request rejected")
    assert "Team offsite that week" in final["text"]
    again = sandbox.decide(link, "approve")
    assert again.status == 409
    assert len(sandbox.emails_about(request_id, employee)) == 2
    sandbox.wait_for_figures(changed(before, submitted=1, rejected=1, emails_sent=3))


def test_racing_retries_of_one_submission_start_one_workflow(flows_sandbox: SandboxClient) -> None:
    """The local Lambda service keeps Lambda's rule: one execution name, one execution."""
    sandbox = flows_sandbox
    before = sandbox.figures()
    employee = "retry@email.com"
    payload = {
        "employee_email": employee,
        "start_date": from_today(149),
        "end_date": from_today(150),
    }
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(
            pool.map(lambda _: sandbox.submit(payload, **{"Idempotency-Key": "k-1"}), range(6))
        )
    assert {a.status for a in answers} == {202}, [a.body for a in answers]
    (request_id,) = {a.json()["request_id"] for a in answers}
    link = sandbox.decision_link(sandbox.wait_for_email(APPROVER, request_id, "Leave to approve"))
    assert sandbox.decide(link, "approve").status == 200
    sandbox.wait_until_final(request_id)
    sandbox.wait_for_email(employee, request_id, "Leave request approved")
    assert len(sandbox.emails_about(request_id, employee)) == 2
    assert len(sandbox.emails_about(request_id, APPROVER)) == 1

    other = sandbox.submit({**payload, "end_date": from_today(151)}, **{"Idempotency-Key": "k-1"})
    assert other.status == 409
    sandbox.wait_for_figures(
        changed(before, submitted=1, approved=1, emails_sent=3, inputs_rejected=1), at_least=True
    )


NEWCOMER = "newcomer@email.com"


def _readme_walkthrough() -> str:
    """The README's first shell block that submits leave: what a newcomer pastes."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", readme, flags=re.S)
    walkthrough: str = next(b for b in blocks if "token-for-scripts" in b and "POST" in b)
    return walkthrough


def test_a_newcomer_following_the_readme_ends_with_an_approved_request(
    flows_sandbox: SandboxClient,
) -> None:
    sandbox = flows_sandbox
    home = sandbox.home_url.rstrip("/")
    script = (
        _readme_walkthrough()
        # The README's sandbox runs on its default ports; this one on free ones.
        .replace("http://127.0.0.1:8001/live/", sandbox.outputs["submit_url"])
        .replace("http://127.0.0.1:8000", home)
        # Someone of their own, so that no other test's leave overlaps theirs.
        .replace("employee@email.com", NEWCOMER)
    )
    # The README's own commands, run as written (S603: that is the point of the test).
    ran = subprocess.run(  # noqa: S603
        ["/bin/bash", "-euo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    answer = json.loads(ran.stdout)
    assert answer["status"] == "pending", answer
    request_id = answer["request_id"]
    sandbox.remember(request_id, NEWCOMER)

    # Then, as the README says: the link in the manager's email, approve.
    link = sandbox.decision_link(sandbox.wait_for_email(APPROVER, request_id, "Leave to approve"))
    assert sandbox.decide(link, "approve").status == 200
    record = sandbox.wait_until_final(request_id)
    assert record["status"] == "approved"
    # Monday to Friday, ahead of today, decided by one approval.
    first, last = date.fromisoformat(record["start_date"]), date.fromisoformat(record["end_date"])
    assert first > date.today()
    assert (first.weekday(), (last - first).days) == (0, 4)
    assert [e["event"] for e in record["history"]].count("approved") == 1
