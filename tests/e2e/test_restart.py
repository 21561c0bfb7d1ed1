"""A pending request survives a restart of the sandbox: it can still be approved, and one
nobody decides still expires on time.

moto replays its recorded requests and the durable emulator keeps executions in SQLite, both in
the data dir, so a stop and a start on the same data dir and port carry on where they were; the
emulator's timers are armed again, once the Lambda API answers, for the time each had left
(tests/sandbox/test_durable_emulator_restart.py holds the Lambda API down and drives the time).
"""

from pathlib import Path

import pytest

from tests.e2e.harness import APPROVER, SandboxClient, SandboxProcess, http
from tests.support.dates import from_today

# Each test starts sandboxes of its own: in groups of their own, they spread over the workers.
pytestmark = [pytest.mark.e2e]

EMPLOYEE = "restart@email.com"


@pytest.mark.xdist_group("sandbox-restart")
def test_a_pending_request_survives_a_restart_and_can_still_be_approved(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = SandboxProcess(data_dir, approval_timeout=300)
    before = SandboxClient(first.start(), first)
    answer = before.submit(
        {"employee_email": EMPLOYEE, "start_date": from_today(240), "end_date": from_today(244)}
    )
    assert answer.status == 202, answer.body
    request_id = answer.json()["request_id"]
    link = before.decision_link(before.wait_for_email(APPROVER, request_id, "Leave to approve"))
    # Another request is decided just before the stop: whether the stop cuts its execution off
    # mid-invocation or not, it ends approved after the restart (Lambda retries a cut-off one).
    just_decided = before.submit(
        {"employee_email": EMPLOYEE, "start_date": from_today(282), "end_date": from_today(283)}
    ).json()["request_id"]
    late_link = before.decision_link(
        before.wait_for_email(APPROVER, just_decided, "Leave to approve")
    )
    assert before.decide(late_link, "approve").status == 200
    assert first.stop() == 0
    assert not first.outputs_path.exists()

    second = SandboxProcess(data_dir, approval_timeout=300, port=first.port)
    after = SandboxClient(second.start(), second)
    after.remember(request_id, EMPLOYEE)
    after.remember(just_decided, EMPLOYEE)
    try:
        assert after.outputs == before.outputs
        assert after.status(request_id)["status"] == "pending"
        assert after.wait_until_final(just_decided)["status"] == "approved"
        assert http("GET", link).status == 200
        decided = after.decide(link, "approve")
        assert decided.status == 200, decided.body

        assert after.wait_until_final(request_id)["status"] == "approved"
        after.wait_for_email(EMPLOYEE, request_id, "Leave request approved")
        subjects = [m["subject"].split(":")[0] for m in after.emails_about(request_id, EMPLOYEE)]
        assert subjects == ["Leave request received", "Leave request approved"]
        after.wait_for_figures({"submitted": 2, "approved": 2, "pending": 0})
        # Three emails each (an email step cut off before its checkpoint goes again).
        after.wait_for_figures({"emails_sent": 6}, at_least=True)
    finally:
        assert second.stop() == 0, second.console()


# Enough to submit, see the approver's email and stop before it runs out, on a busy machine.
SHORT_APPROVAL_TIMEOUT = 30


@pytest.mark.xdist_group("sandbox-restart-expiry")
def test_a_request_pending_across_a_restart_expires_on_time(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = SandboxProcess(data_dir, approval_timeout=SHORT_APPROVAL_TIMEOUT)
    before = SandboxClient(first.start(), first)
    employee = "away@email.com"
    answer = before.submit(
        {"employee_email": employee, "start_date": from_today(275), "end_date": from_today(276)}
    )
    request_id = answer.json()["request_id"]
    link = before.decision_link(before.wait_for_email(APPROVER, request_id, "Leave to approve"))
    assert before.status(request_id)["status"] == "pending"
    assert first.stop() == 0

    # The restarted sandbox gives new approvals far longer: the expiry comes from the timer
    # the request's own wait was created with.
    second = SandboxProcess(data_dir, approval_timeout=300, port=first.port)
    after = SandboxClient(second.start(), second)
    after.remember(request_id, employee)
    try:
        record = after.wait_until_final(request_id)
        assert record["status"] == "expired"
        assert [h["event"] for h in record["history"]] == ["submitted", "expired"]
        after.wait_for_email(employee, request_id, "Leave request expired")
        assert after.decide(link, "approve").status == 410
        assert after.status(request_id)["status"] == "expired"
    finally:
        assert second.stop() == 0, second.console()
