"""Every path of the workflow, run once each, its history written to tests/replay/histories.

Not collected with the suite (the file name does not start with `test_`): run through
`python -m tests.replay.record`, which names it. Each path says what happened in the
history's description; the replay check (tests/replay/test_replay_check.py) replays them.
"""

import os

import pytest

from handlers.domain.follow_ups import FollowUpPlan
from handlers.settings import WorkflowSettings
from tests.integration.conftest import SEED_PAYLOAD, LeaveApp
from tests.replay.history import HISTORIES, RecordingHandler
from tests.support.aws import stored_callback_id

EMPLOYEE = SEED_PAYLOAD["employee_email"]
DIRECTOR = "director@email.com"


def _settings() -> dict[str, str]:
    """The workflow's environment, as the fixtures set it."""
    names = [f.alias for f in WorkflowSettings.model_fields.values() if f.alias]
    return {name: os.environ[name] for name in names if name in os.environ}


def _record(
    app: LeaveApp, recorder: RecordingHandler, request_id: str, path: str, description: str
) -> None:
    app.wait_until_final(request_id)
    history = recorder.history(
        app.workflow.executions[request_id],
        path,
        description,
        app.workflow.payload(request_id),
        _settings(),
    )
    (HISTORIES / f"{path}.json").write_text(history.to_json())


def _submitted(app: LeaveApp) -> str:
    answer = app.submit(SEED_PAYLOAD)
    assert answer.status == 202, answer.body
    request_id: str = answer.json()["request_id"]
    return request_id


def test_decided(leave_app: LeaveApp, recorder: RecordingHandler) -> None:
    request_id = _submitted(leave_app)
    assert leave_app.decide(leave_app.decision_link(request_id), "approve").status == 200
    _record(leave_app, recorder, request_id, "decided", "asked, then approved")


def test_rejected(leave_app: LeaveApp, recorder: RecordingHandler) -> None:
    request_id = _submitted(leave_app)
    assert leave_app.decide(leave_app.decision_link(request_id), "reject").status == 200
    _record(leave_app, recorder, request_id, "rejected", "asked, then rejected")


def test_withdrawn(leave_app: LeaveApp, recorder: RecordingHandler) -> None:
    request_id = _submitted(leave_app)
    leave_app.decision_link(request_id)
    assert leave_app.act(request_id, "withdraw", as_=EMPLOYEE).status in (200, 202)
    _record(leave_app, recorder, request_id, "withdrawn", "asked, then withdrawn")


def test_expired(leave_app: LeaveApp, recorder: RecordingHandler) -> None:
    request_id = _submitted(leave_app)
    leave_app.decision_link(request_id)
    callback_id = stored_callback_id(leave_app.account, request_id)
    assert callback_id
    leave_app.workflow.time_out(request_id, callback_id)
    _record(leave_app, recorder, request_id, "expired", "asked, nobody decided: expired")


class TestReminded:
    @pytest.fixture
    def follow_ups(self) -> FollowUpPlan:
        return FollowUpPlan(reminder_at=(0.5,), escalate_at=None)

    def test_reminded(self, leave_app: LeaveApp, recorder: RecordingHandler) -> None:
        request_id = _submitted(leave_app)
        leave_app.wait_for_email(
            "manager@email.com", lambda e: e.subject.startswith("Reminder") and request_id in e.text
        )
        link = leave_app.decision_link(request_id)
        assert leave_app.decide(link, "approve").status == 200
        _record(leave_app, recorder, request_id, "reminded", "asked, reminded, then approved")


class TestEscalated:
    @pytest.fixture
    def follow_ups(self) -> FollowUpPlan:
        return FollowUpPlan(reminder_at=(0.5,), escalate_at=0.75)

    def test_escalated(self, leave_app: LeaveApp, recorder: RecordingHandler) -> None:
        request_id = _submitted(leave_app)
        leave_app.wait_for_email(
            EMPLOYEE, lambda e: e.subject.startswith(f"Leave request now with {DIRECTOR}")
        )
        link = leave_app.decision_link(request_id, approver=DIRECTOR)
        assert leave_app.decide(link, "approve").status == 200
        description = "asked, reminded, escalated to the approver's approver, who approved"
        _record(leave_app, recorder, request_id, "escalated", description)


class TestTwoLevels:
    @pytest.fixture
    def second_approval_over(self) -> int | None:
        return 10

    def test_two_levels(self, leave_app: LeaveApp, recorder: RecordingHandler) -> None:
        request_id = _submitted(leave_app)
        assert leave_app.decide(leave_app.decision_link(request_id), "approve").status == 200
        second = leave_app.decision_link(request_id, approver=DIRECTOR)
        assert leave_app.decide(second, "approve").status == 200
        description = "long leave: approved, then approved at the second level"
        _record(leave_app, recorder, request_id, "two-levels", description)
