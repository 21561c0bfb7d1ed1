"""Through the whole sandbox: long leave is approved by the manager, then by the director; a
rejection at either level ends it."""

from collections.abc import Iterator

import pytest

from tests.e2e.harness import APPROVER, SandboxClient, running_sandbox
from tests.support.dates import from_today

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("sandbox-two-level")]

DIRECTOR = "director@email.com"


@pytest.fixture(scope="module")
def two_level_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxClient]:
    with running_sandbox(
        tmp_path_factory.mktemp("two-level") / "data",
        approval_timeout=600,
        flags=("--second-approval-over", "10"),
    ) as sandbox:
        yield sandbox


def _long_leave(employee: str, starts_in: int) -> dict[str, str]:
    """Fourteen days, the first `starts_in` days from today."""
    return {
        "employee_email": employee,
        "start_date": from_today(starts_in),
        "end_date": from_today(starts_in + 13),
    }


@pytest.mark.parametrize(("second", "outcome"), [("approve", "approved"), ("reject", "rejected")])
def test_long_leave_goes_to_the_director_once_the_manager_approves(
    two_level_sandbox: SandboxClient, second: str, outcome: str
) -> None:
    sandbox = two_level_sandbox
    employee = f"long-{second}@email.com"
    request_id, first_link = sandbox.submitted_for_approval(_long_leave(employee, 572))
    first = sandbox.decide(first_link, "approve")
    assert first.status == 200
    # The manager is told a second approval follows theirs, not that the dates are booked.
    assert "Approved: a second approval follows" in first.body
    assert "The dates are booked" not in first.body

    asked = sandbox.wait_for_email(DIRECTOR, request_id, "Leave to approve")
    assert f"{APPROVER} approved this leave" in asked["text"]
    sandbox.wait_for_email(employee, request_id, f"Leave request now with {DIRECTOR}")
    waiting = sandbox.status(request_id)
    assert (waiting["status"], waiting["approver_email"]) == ("pending", DIRECTOR)
    assert sandbox.decide(first_link, "approve").status == 409

    assert sandbox.decide(sandbox.decision_link(asked), second).status == 200
    record = sandbox.wait_until_final(request_id)
    assert record["status"] == outcome
    assert [(h["event"], h.get("by")) for h in record["history"]] == [
        ("submitted", None),
        ("approved_first_level", APPROVER),
        (outcome, DIRECTOR),
    ]
    sandbox.wait_for_email(employee, request_id, f"Leave request {outcome}")


def test_a_rejection_by_the_manager_ends_long_leave(two_level_sandbox: SandboxClient) -> None:
    sandbox = two_level_sandbox
    request_id, link = sandbox.submitted_for_approval(_long_leave("long-no@email.com", 634))
    assert sandbox.decide(link, "reject").status == 200
    assert sandbox.wait_until_final(request_id)["status"] == "rejected"
    assert sandbox.emails_about(request_id, DIRECTOR) == []
