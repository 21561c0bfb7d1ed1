"""The deploy window: while `pulumi up` runs, the new submit may be live before the alias moves,
so an execution an older workflow version runs can carry fields that version does not know.
The workflow leaves them out (LeaveRequest.from_workflow_input); people still cannot send
fields the API does not know."""

from typing import Any

import pytest

from handlers.domain.leave_request import LeaveRequest
from tests.integration.conftest import SEED_PAYLOAD, LeaveApp


def test_a_workflow_runs_a_request_a_newer_submit_started(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_sent = LeaveRequest.workflow_input

    def newer_input(request: LeaveRequest) -> dict[str, Any]:
        return {**as_sent(request), "approval_terms": {"timeout_seconds": 86_400}}

    monkeypatch.setattr(LeaveRequest, "workflow_input", newer_input)
    request_id = leave_app.submit(SEED_PAYLOAD).json()["request_id"]
    assert "approval_terms" in leave_app.workflow.payload(request_id)
    assert leave_app.decide(leave_app.decision_link(request_id), "approve").status == 200
    assert leave_app.wait_until_final(request_id)["status"] == "approved"
    assert leave_app.workflow.result(request_id).status.value == "SUCCEEDED"


def test_people_still_cannot_send_fields_the_api_does_not_know(leave_app: LeaveApp) -> None:
    refused = leave_app.submit({**SEED_PAYLOAD, "approval_terms": {"timeout_seconds": 1}})
    assert refused.status == 422
    assert "approval_terms" in refused.body
