"""Through the whole sandbox, with a short approval time: the manager is reminded, the request
moves up to the director, the director decides, and the dashboard counts each step.

The follow-ups are due by design after a few seconds of the sandbox's real clock; the test
waits for each email as it arrives, never for a length of time.
"""

from collections.abc import Iterator

import pytest

from tests.e2e.harness import APPROVER, SandboxClient, changed, running_sandbox
from tests.support.dates import from_today

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("sandbox-follow-ups")]

DIRECTOR = "director@email.com"
# Reminded after 3 s, escalated after 6 s, expired after 60 s.
APPROVAL_TIMEOUT = 60


@pytest.fixture(scope="module")
def following_up_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxClient]:
    with running_sandbox(
        tmp_path_factory.mktemp("follow-ups") / "data",
        approval_timeout=APPROVAL_TIMEOUT,
        flags=("--reminder-at", "0.05", "--escalate-at", "0.1"),
    ) as sandbox:
        yield sandbox


def test_the_manager_is_reminded_then_the_director_decides(
    following_up_sandbox: SandboxClient,
) -> None:
    sandbox = following_up_sandbox
    before = sandbox.figures()
    employee = "waiting@email.com"
    payload = {
        "employee_email": employee,
        "start_date": from_today(240),
        "end_date": from_today(244),
    }
    request_id, first_link = sandbox.submitted_for_approval(payload)

    reminder = sandbox.wait_for_email(APPROVER, request_id, "Reminder: leave to approve")
    assert sandbox.decision_link(reminder) == first_link
    escalation = sandbox.wait_for_email(DIRECTOR, request_id, "Leave to approve")
    assert f"{APPROVER} has not decided this leave request in time" in escalation["text"]
    told = sandbox.wait_for_email(employee, request_id, f"Leave request now with {DIRECTOR}")
    assert f"{APPROVER} did not decide it in time" in told["text"]

    late = sandbox.decide(first_link, "approve", as_json=True)
    assert late.status == 409
    assert f"now with {DIRECTOR}" in late.json()["message"]
    assert sandbox.decide(sandbox.decision_link(escalation), "approve").status == 200

    record = sandbox.wait_until_final(request_id)
    assert record["status"] == "approved"
    assert [(h["event"], h.get("to_approver")) for h in record["history"]] == [
        ("submitted", None),
        ("reminded", APPROVER),
        ("escalated", DIRECTOR),
        ("approved", None),
    ]
    # The manager is told, once, that it moved up and their link no longer works.
    moved = sandbox.wait_for_email(APPROVER, request_id, "Moved up, no longer needs your decision")
    assert f"it moved up to {DIRECTOR}, who decides it now" in moved["text"]
    # Receipt, request, reminder, the director's request, the manager and the employee told,
    # the outcome.
    sandbox.wait_for_figures(
        changed(before, submitted=1, approved=1, reminders_sent=1, escalated=1, emails_sent=7)
    )
