"""The approval rules under races and hand-overs (issue #22, rules 1, 2 and 5).

Each race holds one side at the racing moment (a gate at its first DynamoDB write) while the
other side runs, then lets it go: what the people involved then see is what is checked.
"""

import dataclasses
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from handlers import decision, settler, workflow
from handlers.domain.claims import CLAIM_SECONDS, LEASE_SECONDS
from handlers.domain.follow_ups import FollowUpPlan
from handlers.domain.leave_request import LeaveRecord
from handlers.storage.leave_store import DynamoDbLeaveStore
from handlers.storage.table_schema import directory_item
from sandbox.mailbox import ReceivedEmail
from tests.integration.conftest import DEFAULT_APPROVER, SEED_PAYLOAD, LeaveApp
from tests.support.aws import REGION, Account
from tests.support.dates import from_today
from tests.support.events import scheduled_event
from tests.support.faults import Fault, FaultyDependency, Gate, SimulatedCrash
from tests.support.lambda_context import lambda_context

EMPLOYEE = SEED_PAYLOAD["employee_email"]
DIRECTOR = "director@email.com"
DEPUTY = "deputy@email.com"
# 11 days: needs two approvals. A week: one.
LONG = SEED_PAYLOAD
SHORT = {**SEED_PAYLOAD, "start_date": from_today(60), "end_date": from_today(66)}
REMINDER_ONLY = FollowUpPlan(reminder_at=(0.5,), escalate_at=None)
ESCALATION_ONLY = FollowUpPlan(reminder_at=(), escalate_at=0.75)


@pytest.fixture
def second_approval_over() -> int | None:
    return 10


def _workflow_dynamodb(monkeypatch: pytest.MonkeyPatch) -> FaultyDependency:
    """The workflow's DynamoDB client, in front of which a test may hold a call."""
    client = FaultyDependency(boto3.client("dynamodb", region_name=REGION))
    steps = dataclasses.replace(
        workflow.leave_steps(), store=DynamoDbLeaveStore(Account().table_name, client=client)
    )
    monkeypatch.setattr(workflow, "leave_steps", lambda: steps)
    return client


def _first_write_of(key: str) -> Any:
    """Matches the first DynamoDB update that names the follow-up `key`."""
    return lambda arguments: key in str(arguments.get("ExpressionAttributeValues"))


def _events(app: LeaveApp, request_id: str) -> list[tuple[str, str | None, str | None]]:
    record = app.status(request_id).json()
    return [(h["event"], h.get("by"), h.get("to_approver")) for h in record["history"]]


def _is_escalation(email: ReceivedEmail) -> bool:
    return "in time, so it now comes to you" in email.text


# -- rule 2: once an approver saw 200, nothing more happens at that level ---------------------


@pytest.mark.parametrize("follow_ups", [REMINDER_ONLY])
def test_a_reminder_racing_a_rejection_is_never_sent(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = _workflow_dynamodb(monkeypatch).hold("update_item", when=_first_write_of("remind-1"))
    request_id = leave_app.submit(SHORT).json()["request_id"]
    gate.wait_reached()  # the reminder is due and about to write

    assert leave_app.decide(leave_app.decision_link(request_id), "reject").status == 200
    gate.release()

    assert leave_app.wait_until_final(request_id)["status"] == "rejected"
    subjects = [e.subject.split(":")[0] for e in leave_app.emails_to(DEFAULT_APPROVER)]
    assert subjects == ["Leave to approve"]
    assert [e for e, _, _ in _events(leave_app, request_id)] == ["submitted", "rejected"]


@pytest.mark.parametrize("follow_ups", [ESCALATION_ONLY])
def test_an_approval_racing_the_escalation_wins_and_still_needs_the_director(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Rules 1 and 2: the manager's accepted approval of long leave is one approval of two; the
    # escalation in flight tells the director nothing, and the director is asked to approve.
    gate = _workflow_dynamodb(monkeypatch).hold("update_item", when=_first_write_of("escalate"))
    request_id = leave_app.submit(LONG).json()["request_id"]
    gate.wait_reached()

    assert leave_app.decide(leave_app.decision_link(request_id), "approve").status == 200
    gate.release()

    asked = leave_app.wait_for_email(DIRECTOR, lambda e: request_id in e.text)
    assert "needs a second approval" in asked.text
    # The second level's own escalation falls due at once here (the runner skips waits), and
    # finds nobody above the director who has not had it.
    leave_app.workflow.wait_for_step(request_id, "second-escalate")
    assert leave_app.decide(leave_app.decision_link(request_id, DIRECTOR), "approve").status == 200
    record = leave_app.wait_until_final(request_id)
    assert record["status"] == "approved"
    assert record["approver_email"] == DIRECTOR
    assert _events(leave_app, request_id) == [
        ("submitted", None, None),
        ("approved_first_level", DEFAULT_APPROVER, DIRECTOR),
        ("approved", DIRECTOR, None),
    ]
    assert not [e for e in leave_app.emails_to(DIRECTOR) if _is_escalation(e)]
    told = [e.subject for e in leave_app.emails_to(EMPLOYEE)]
    assert not [s for s in told if "now with" in s and "second" in s.lower()]


@pytest.mark.parametrize("follow_ups", [ESCALATION_ONLY])
def test_a_decision_during_an_escalation_is_told_to_retry_then_where_the_request_went(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The escalation took the request first: it holds it until it has told everyone.
    gate = _workflow_dynamodb(monkeypatch).hold(
        "update_item", when=_first_write_of("escalate"), after=True
    )
    request_id = leave_app.submit(SHORT).json()["request_id"]
    gate.wait_reached()
    link = leave_app.decision_link(request_id)

    busy = leave_app.decide(link, "approve")
    assert busy.status == 503
    assert busy.headers["retry-after"]
    gate.release()

    leave_app.wait_for_email(EMPLOYEE, lambda e: e.subject.startswith("Leave request now with"))
    moved = leave_app.decide(link, "approve")
    assert moved.status == 409
    assert f"now with {DIRECTOR}" in moved.body
    assert leave_app.decide(leave_app.decision_link(request_id, DIRECTOR), "approve").status == 200
    record = leave_app.wait_until_final(request_id)
    assert (record["status"], record["history"][-1]["by"]) == ("approved", DIRECTOR)


def test_an_approval_racing_a_delegation_hand_over_keeps_the_request_with_its_approver(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    request_id = leave_app.submit(SHORT).json()["request_id"]
    link = leave_app.decision_link(request_id)
    assert leave_app.away(DEFAULT_APPROVER, DEPUTY).status == 200
    dynamodb = FaultyDependency(boto3.client("dynamodb", region_name=REGION))
    wired = dataclasses.replace(
        settler.hand_over(), store=DynamoDbLeaveStore(Account().table_name, client=dynamodb)
    )
    monkeypatch.setattr(settler, "hand_over", lambda: wired)
    gate = dynamodb.hold("update_item", when=_first_write_of("delegated-"))
    swept: dict[str, Any] = {}
    sweep = threading.Thread(
        target=lambda: swept.update(settler.handler(scheduled_event(), lambda_context()))
    )
    sweep.start()
    gate.wait_reached()

    assert leave_app.decide(link, "approve").status == 200
    gate.release()
    sweep.join()

    assert swept["handed_over"] == 0
    record = leave_app.wait_until_final(request_id)
    assert (record["status"], record["approver_email"]) == ("approved", DEFAULT_APPROVER)
    assert [e for e, _, _ in _events(leave_app, request_id)] == ["submitted", "approved"]
    assert leave_app.emails_to(DEPUTY) == []
    # The approved-by-me feed (the by_approver index) is the manager's, not the deputy's.
    steps = workflow.leave_steps()
    since = datetime(2026, 1, 1, tzinfo=UTC).date()
    assert [r.request_id for r in steps.store.approved_by(DEFAULT_APPROVER, since)] == [request_id]
    assert steps.store.approved_by(DEPUTY, since) == []


@pytest.mark.parametrize("follow_ups", [REMINDER_ONLY])
def test_a_claim_whose_callback_never_went_stops_holding_after_the_function_timeout(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = _workflow_dynamodb(monkeypatch).hold("update_item", when=_first_write_of("remind-1"))
    request_id = leave_app.submit(SHORT).json()["request_id"]
    link = leave_app.decision_link(request_id)
    gate.wait_reached()
    # The decision function claims the request, then dies before the callback, a function
    # timeout ago.
    wired = decision.decider()
    callbacks = FaultyDependency(wired.workflow).inject("succeed_callback", Fault.CRASH_BEFORE)
    long_ago = datetime.now(UTC) - timedelta(seconds=CLAIM_SECONDS + 1)
    crashing = dataclasses.replace(wired, workflow=callbacks, clock=lambda: long_ago)
    monkeypatch.setattr(decision, "decider", lambda: crashing)
    with pytest.raises(SimulatedCrash):
        leave_app.decide(link, "approve")
    gate.release()

    # The reminder went out: the dead claim held nothing back. The approver's retry decides.
    leave_app.wait_for_email(DEFAULT_APPROVER, lambda e: e.subject.startswith("Reminder"))
    monkeypatch.setattr(decision, "decider", lambda: wired)
    leave_app.workflow.wait_for_step(request_id, "remind-1")
    assert leave_app.decide(link, "approve").status == 200
    assert leave_app.wait_until_final(request_id)["status"] == "approved"


def test_a_lease_left_by_a_follow_up_that_died_holds_decisions_only_until_it_is_dead(
    leave_app: LeaveApp,
) -> None:
    request_id = leave_app.submit(SHORT).json()["request_id"]
    link = leave_app.decision_link(request_id)
    store = workflow.leave_steps().store
    # A reminder took the lease and its function died: a decision waits while it may run...
    store.take_lease(request_id, "remind-1", datetime.now(UTC))
    held = leave_app.decide(link, "approve")
    assert held.status == 503
    assert held.headers["retry-after"]
    # ... and not once it cannot be running any more.
    store.take_lease(
        request_id, "remind-1", datetime.now(UTC) - timedelta(seconds=LEASE_SECONDS + 1)
    )
    assert leave_app.decide(link, "approve").status == 200
    assert leave_app.wait_until_final(request_id)["status"] == "approved"


# -- rule 1: two approvals by two people, whatever hands the request on ----------------------


def test_a_delegates_approval_of_long_leave_goes_above_whom_they_stand_in_for(
    leave_app: LeaveApp,
) -> None:
    assert leave_app.away(DEFAULT_APPROVER, DEPUTY).status == 200
    request_id = leave_app.submit(LONG).json()["request_id"]
    assert leave_app.decide(leave_app.decision_link(request_id, DEPUTY), "approve").status == 200
    leave_app.workflow.wait_for_step(request_id, "second-level")

    waiting = leave_app.status(request_id).json()
    assert (waiting["status"], waiting["approver_email"]) == ("pending", DIRECTOR)
    assert leave_app.decide(leave_app.decision_link(request_id, DIRECTOR), "approve").status == 200
    assert leave_app.wait_until_final(request_id)["status"] == "approved"
    assert _events(leave_app, request_id) == [
        ("submitted", None, None),
        ("reassigned", None, DEPUTY),
        ("approved_first_level", DEPUTY, DIRECTOR),
        ("approved", DIRECTOR, None),
    ]


def test_a_second_approver_away_with_the_first_as_delegate_still_decides_themself(
    leave_app: LeaveApp,
) -> None:
    # The director hands their approvals to the manager: the manager's own approval of long
    # leave cannot be the second one too.
    assert leave_app.away(DIRECTOR, DEFAULT_APPROVER).status == 200
    request_id = leave_app.submit(LONG).json()["request_id"]
    assert leave_app.decide(leave_app.decision_link(request_id), "approve").status == 200
    leave_app.workflow.wait_for_step(request_id, "second-level")

    waiting = leave_app.status(request_id).json()
    assert (waiting["status"], waiting["approver_email"]) == ("pending", DIRECTOR)
    assert leave_app.decide(leave_app.decision_link(request_id, DIRECTOR), "approve").status == 200
    assert leave_app.wait_until_final(request_id)["status"] == "approved"


def test_a_hand_over_never_gives_the_second_level_to_who_approved_the_first(
    leave_app: LeaveApp,
) -> None:
    request_id = leave_app.submit(LONG).json()["request_id"]
    assert leave_app.decide(leave_app.decision_link(request_id), "approve").status == 200
    leave_app.workflow.wait_for_step(request_id, "second-level")
    assert leave_app.away(DIRECTOR, DEFAULT_APPROVER).status == 200

    assert settler.handler(scheduled_event(), lambda_context())["handed_over"] == 0
    record = leave_app.status(request_id).json()
    assert (record["status"], record["approver_email"]) == ("pending", DIRECTOR)
    assert [e.subject.split(":")[0] for e in leave_app.emails_to(DEFAULT_APPROVER)] == [
        "Leave to approve"
    ]
    assert leave_app.decide(leave_app.decision_link(request_id, DIRECTOR), "approve").status == 200
    assert leave_app.wait_until_final(request_id)["status"] == "approved"


# -- rule 5: deadlines, the second level's follow-ups, withdrawal between the levels ---------


def test_the_deadline_a_link_promises_is_never_later_than_the_callbacks(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch, approval_timeout: int
) -> None:
    # The step that emails the link runs late (a slow or retried invocation): 30 s after the
    # callback's timer started.
    late = dataclasses.replace(
        workflow.leave_steps(), clock=lambda: datetime.now(UTC) + timedelta(seconds=30)
    )
    monkeypatch.setattr(workflow, "leave_steps", lambda: late)
    request_id = leave_app.submit(SHORT).json()["request_id"]
    leave_app.decision_link(request_id)
    # The callback was created before the email went out: it expires after this.
    callback_expires_after = datetime.now(UTC) + timedelta(seconds=approval_timeout)

    record = leave_app.status(request_id).json()
    assert datetime.fromisoformat(record["decision_deadline"]) <= callback_expires_after
    assert leave_app.decide(leave_app.decision_link(request_id), "approve").status == 200
    leave_app.wait_until_final(request_id)


def test_a_decision_sent_again_before_the_workflow_recorded_it_is_told_to_retry_never_409(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The approver's answer was lost; they send it again while the workflow, which the first
    # one resumed, is about to record it.
    gate = _workflow_dynamodb(monkeypatch).hold(
        "transact_write_items", when=lambda call: "approved" in str(call)
    )
    request_id = leave_app.submit(SHORT).json()["request_id"]
    link = leave_app.decision_link(request_id)
    assert leave_app.decide(link, "approve").status == 200
    gate.wait_reached()

    again = leave_app.decide(link, "approve", as_json=True)
    assert again.status == 503, again.body
    assert again.headers["retry-after"]
    gate.release()

    assert leave_app.wait_until_final(request_id)["status"] == "approved"
    assert leave_app.decide(link, "approve", as_json=True).status == 200


class _FirstReadStale(DynamoDbLeaveStore):
    """A store whose first read of a request finds it as it stood earlier (`stale`)."""

    def __init__(self, table_name: str, stale: LeaveRecord) -> None:
        super().__init__(table_name)
        self._stale = [stale]

    def get(self, request_id: str) -> LeaveRecord | None:
        return self._stale.pop() if self._stale else super().get(request_id)


def test_a_decision_sent_again_as_the_workflow_records_it_is_a_success_never_409(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The approver's answer was lost. Their retry reads the request still pending, then the
    # workflow records their decision before the retry's claim reaches the table.
    request_id = leave_app.submit(SHORT).json()["request_id"]
    link = leave_app.decision_link(request_id)
    pending = DynamoDbLeaveStore(Account().table_name).get(request_id)
    assert pending is not None
    assert leave_app.decide(link, "approve").status == 200
    assert leave_app.wait_until_final(request_id)["status"] == "approved"
    racing = dataclasses.replace(
        decision.decider(), store=_FirstReadStale(Account().table_name, pending)
    )
    monkeypatch.setattr(decision, "decider", lambda: racing)

    again = leave_app.decide(link, "approve", as_json=True)

    assert again.status == 200, again.body
    assert again.json() == {"request_id": request_id, "decision": "approve"}


def test_a_withdrawal_between_the_two_levels_is_told_to_retry_never_409(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate: Gate = _workflow_dynamodb(monkeypatch).hold(
        "update_item", when=_first_write_of("second-level")
    )
    request_id = leave_app.submit(LONG).json()["request_id"]
    assert leave_app.decide(leave_app.decision_link(request_id), "approve").status == 200
    gate.wait_reached()  # the first callback is closed, the second not attached yet

    between = leave_app.act(request_id, "withdraw", as_=EMPLOYEE)
    assert between.status == 503
    assert between.headers["retry-after"]
    gate.release()

    leave_app.workflow.wait_for_step(request_id, "second-level")
    assert leave_app.act(request_id, "withdraw", as_=EMPLOYEE).status in (200, 202)
    assert leave_app.wait_until_final(request_id)["status"] == "withdrawn"


VP = "vp@email.com"
CEO = "ceo@email.com"


@pytest.mark.parametrize("follow_ups", [FollowUpPlan(reminder_at=(0.5,), escalate_at=0.75)])
def test_the_second_level_is_reminded_and_escalated_as_the_first(leave_app: LeaveApp) -> None:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    for employee, approver in ((DIRECTOR, VP), (VP, CEO)):
        item = {k: {"S": v} for k, v in directory_item(employee, approver).items()}
        dynamodb.put_item(TableName=leave_app.account.table_name, Item=item)
    request_id = leave_app.submit(LONG).json()["request_id"]
    # The runner skips waits: the manager is reminded and the request escalates at once. The
    # director's approval is then the first of two; the second is the VP's.
    leave_app.wait_for_email(
        EMPLOYEE, lambda e: e.subject.startswith(f"Leave request now with {DIRECTOR}")
    )
    assert leave_app.decide(leave_app.decision_link(request_id, DIRECTOR), "approve").status == 200

    # The VP is reminded, then it moves above them: never back to who approved.
    leave_app.wait_for_email(CEO, lambda e: request_id in e.text and _is_escalation(e))
    # The CEO is emailed before the request moves to them: until it has, a decision waits.
    leave_app.workflow.wait_for_step(request_id, "second-escalate")
    to_vp = [e.subject.split(":")[0] for e in leave_app.emails_to(VP)]
    # Once it has moved, the VP is told it no longer needs them.
    assert to_vp == ["Leave to approve", "Reminder", "Moved up, no longer needs your decision"]
    assert leave_app.decide(leave_app.decision_link(request_id, CEO), "approve").status == 200
    record = leave_app.wait_until_final(request_id)
    assert record["status"] == "approved"
    assert [
        (h["event"], h.get("by"), h.get("from_approver"), h.get("to_approver"))
        for h in record["history"]
    ] == [
        ("submitted", None, None, None),
        ("reminded", None, None, DEFAULT_APPROVER),
        ("escalated", None, DEFAULT_APPROVER, DIRECTOR),
        ("approved_first_level", DIRECTOR, DIRECTOR, VP),
        ("reminded", None, None, VP),
        ("escalated", None, VP, CEO),
        ("approved", CEO, None, None),
    ]
