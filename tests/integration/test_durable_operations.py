"""The names and order of the workflow's durable operations, pinned.

An execution in flight replays its checkpointed operations by name and order: a deploy that
renames, reorders, adds or drops one breaks every request waiting on the old code. Whatever
the workflow's code looks like, these sequences stay as they are.
"""

from typing import Any

import pytest
from aws_durable_execution_sdk_python_testing.runner import ContextOperation, Operation

from handlers.domain.follow_ups import FollowUpPlan
from tests.integration.conftest import SEED_PAYLOAD, LeaveApp

EMPLOYEE = SEED_PAYLOAD["employee_email"]
DIRECTOR = "director@email.com"


# A follow-up's race: the decision's branch (which only reads the callback) and the wait's.
RACE = [("CONTEXT", "parallel-branch-0", []), ("CONTEXT", "parallel-branch-1", [("WAIT", None)])]


def _shape(operation: Operation) -> tuple[Any, ...]:
    """(type, name), and a context's own operations (a race's branches) after them."""
    shape: tuple[Any, ...] = (operation.operation_type.value, operation.name)
    if isinstance(operation, ContextOperation) and operation.operation_type.value == "CONTEXT":
        shape += ([_shape(child) for child in operation.child_operations],)
    return shape


def _operations(app: LeaveApp, request_id: str) -> list[tuple[Any, ...]]:
    """The execution's operations, in the order they were made."""
    return [_shape(operation) for operation in app.workflow.result(request_id).operations]


class TestFollowedUp:
    @pytest.fixture
    def follow_ups(self) -> FollowUpPlan:
        return FollowUpPlan(reminder_at=(0.5,), escalate_at=0.75)

    def test_reminded_escalated_then_approved(self, leave_app: LeaveApp) -> None:
        request_id = leave_app.submit(SEED_PAYLOAD).json()["request_id"]
        leave_app.wait_for_email(
            EMPLOYEE, lambda e: e.subject.startswith(f"Leave request now with {DIRECTOR}")
        )
        link = leave_app.decision_link(request_id, approver=DIRECTOR)
        assert leave_app.decide(link, "approve").status == 200
        assert leave_app.wait_until_final(request_id)["status"] == "approved"

        assert _operations(leave_app, request_id) == [
            ("STEP", "take-over"),
            ("STEP", "email-receipt"),
            ("CALLBACK", "approval"),
            ("STEP", "ask-approver"),
            ("CONTEXT", "remind-1-due", RACE),
            ("STEP", "remind-1"),
            ("CONTEXT", "escalate-due", RACE),
            ("STEP", "escalate"),
            ("STEP", "record-outcome"),
            ("STEP", "email-outcome"),
        ]


class TestTwoLevels:
    @pytest.fixture
    def second_approval_over(self) -> int | None:
        return 10

    def test_approved_at_both_levels(self, leave_app: LeaveApp) -> None:
        request_id = leave_app.submit(SEED_PAYLOAD).json()["request_id"]
        link = leave_app.decision_link(request_id)
        assert leave_app.decide(link, "approve").status == 200
        second_link = leave_app.decision_link(request_id, approver=DIRECTOR)
        assert leave_app.decide(second_link, "approve").status == 200
        assert leave_app.wait_until_final(request_id)["status"] == "approved"

        assert _operations(leave_app, request_id) == [
            ("STEP", "take-over"),
            ("STEP", "email-receipt"),
            ("CALLBACK", "approval"),
            ("STEP", "ask-approver"),
            ("CALLBACK", "second-approval"),
            ("STEP", "second-level"),
            ("STEP", "record-outcome"),
            ("STEP", "email-outcome"),
        ]


def test_rejected_before_any_follow_up(leave_app: LeaveApp) -> None:
    request_id = leave_app.submit(SEED_PAYLOAD).json()["request_id"]
    assert leave_app.decide(leave_app.decision_link(request_id), "reject").status == 200
    assert leave_app.wait_until_final(request_id)["status"] == "rejected"

    assert _operations(leave_app, request_id) == [
        ("STEP", "take-over"),
        ("STEP", "email-receipt"),
        ("CALLBACK", "approval"),
        ("STEP", "ask-approver"),
        ("STEP", "record-outcome"),
        ("STEP", "email-outcome"),
    ]
