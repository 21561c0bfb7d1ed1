"""Through the whole sandbox: an employee withdraws a request, races a withdrawal against an
approval, and cancels approved leave before (and fails to after) its first day."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.harness import APPROVER, SandboxClient, changed, http
from tests.support.dates import from_today

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("sandbox-flows")]

NEXT_MONTH = datetime.now(UTC).date() + timedelta(days=30)


def test_a_withdrawn_request_frees_its_dates_and_its_link_says_so(
    flows_sandbox: SandboxClient,
) -> None:
    sandbox = flows_sandbox
    before = sandbox.figures()
    employee = "changed-mind@email.com"
    payload = {
        "employee_email": employee,
        "start_date": from_today(275),
        "end_date": from_today(276),
    }
    request_id, link = sandbox.submitted_for_approval(payload)

    assert sandbox.act(request_id, "withdraw").status in (200, 202)
    record = sandbox.wait_until_final(request_id)
    assert record["status"] == "withdrawn"
    sandbox.wait_for_email(employee, request_id, "Leave request withdrawn")
    sandbox.wait_for_email(APPROVER, request_id, "Withdrawn, no longer needs your decision")
    late = sandbox.decide(link, "approve", as_json=True)
    assert late.status == 409
    assert "withdrew" in late.json()["message"]
    assert sandbox.submit(payload, **{"Idempotency-Key": "after-withdrawal"}).status == 202
    # Receipt and request twice, the withdrawal to both.
    sandbox.wait_for_figures(
        changed(before, submitted=2, withdrawn=1, emails_sent=6), at_least=True
    )


def test_a_withdrawal_racing_an_approval_has_one_outcome(flows_sandbox: SandboxClient) -> None:
    sandbox = flows_sandbox
    before = sandbox.figures()
    payload = {
        "employee_email": "racer@email.com",
        "start_date": from_today(282),
        "end_date": from_today(282),
    }
    request_id, link = sandbox.submitted_for_approval(payload)

    with ThreadPoolExecutor(max_workers=2) as pool:
        approving = pool.submit(sandbox.decide, link, "approve")
        withdrawing = pool.submit(sandbox.act, request_id, "withdraw")
        statuses = {"approve": approving.result().status, "withdraw": withdrawing.result().status}

    record = sandbox.wait_until_final(request_id)
    assert record["status"] in ("approved", "withdrawn")
    assert [h["event"] for h in record["history"]] == ["submitted", record["status"]]
    won = "approve" if record["status"] == "approved" else "withdraw"
    assert statuses[won] in (200, 202), statuses
    assert 409 in statuses.values(), statuses
    sandbox.wait_for_figures(changed(before, submitted=1), at_least=True)


def test_approved_leave_is_cancelled_before_its_first_day_not_after(
    flows_sandbox: SandboxClient,
) -> None:
    sandbox = flows_sandbox
    before = sandbox.figures()
    employee = "planner@email.com"
    ahead = {
        "employee_email": employee,
        "start_date": NEXT_MONTH.isoformat(),
        "end_date": (NEXT_MONTH + timedelta(days=1)).isoformat(),
    }
    # Sick leave that began yesterday: the service takes it, and it can no longer be cancelled.
    begun = {
        "employee_email": employee,
        "leave_type": "sick",
        "start_date": from_today(-1),
        "end_date": from_today(0),
    }
    feed = sandbox.calendar_feed(employee)
    for payload in (ahead, begun):
        request_id, link = sandbox.submitted_for_approval(payload)
        assert sandbox.decide(link, "approve").status == 200
        sandbox.wait_until_final(request_id)
        if payload is ahead:
            assert f"UID:{request_id}@" in http("GET", feed).body
        answer = sandbox.act(request_id, "cancel")
        if payload is ahead:
            assert answer.status == 200, answer.body
            assert answer.json()["status"] == "cancelled"
            sandbox.wait_for_email(APPROVER, request_id, "Leave cancelled")
            assert request_id not in http("GET", feed).body, "cancelled leave leaves the feed"
        else:
            assert answer.status == 409
            assert "it can no longer be cancelled here" in answer.json()["message"]
            assert sandbox.status(request_id)["status"] == "approved"
    sandbox.wait_for_figures(
        changed(before, submitted=2, approved=2, cancelled=1, emails_sent=8), at_least=True
    )
