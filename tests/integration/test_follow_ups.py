"""No request waits on an absent approver: reminders and escalation, in the durable runner.

The runner skips durable waits, so each follow-up falls due as soon as the one before it is
done; the approval callback's own timeout still runs in real time.
"""

from collections.abc import Callable
from typing import Any

import pytest

from handlers import settler, workflow
from handlers.domain.follow_ups import FollowUpPlan
from handlers.domain.leave_request import LeaveRequest
from handlers.domain.signals import EventType, Metric
from sandbox.mailbox import ReceivedEmail
from tests.integration.conftest import DEFAULT_APPROVER, SEED_PAYLOAD, LeaveApp, fail_in_workflow
from tests.support.aws import audited_events
from tests.support.emf import metric_counts
from tests.support.events import scheduled_event
from tests.support.faults import CrashingHandler, Fault
from tests.support.lambda_context import lambda_context

EMPLOYEE = SEED_PAYLOAD["employee_email"]
# The default approver's own approver in the tests' directory.
DIRECTOR = "director@email.com"
DEPUTY = "deputy@email.com"


@pytest.fixture
def follow_ups() -> FollowUpPlan:
    return FollowUpPlan(reminder_at=(0.5,), escalate_at=0.75)


def _is_escalation(email: ReceivedEmail) -> bool:
    return "in time, so it now comes to you" in email.text


def _is_moved_up(email: ReceivedEmail) -> bool:
    return email.subject.startswith("Moved up, no longer needs your decision")


def _submit_and_wait_for_escalation(app: LeaveApp, to: str = DIRECTOR) -> str:
    response = app.submit(SEED_PAYLOAD)
    assert response.status == 202, response.body
    request_id: str = response.json()["request_id"]
    app.wait_for_email(to, lambda e: request_id in e.text and _is_escalation(e))
    app.wait_for_email(EMPLOYEE, lambda e: e.subject.startswith(f"Leave request now with {to}"))
    return request_id


def test_a_request_is_reminded_then_escalated_and_the_new_approver_decides(
    leave_app: LeaveApp, capsys: pytest.CaptureFixture[str]
) -> None:
    request_id = _submit_and_wait_for_escalation(leave_app)

    to_manager = leave_app.emails_to(DEFAULT_APPROVER)
    assert [e.subject.split(":")[0] for e in to_manager] == [
        "Leave to approve",
        "Reminder",
        "Moved up, no longer needs your decision",
    ]
    first_link = leave_app.decision_link(request_id)
    assert first_link in to_manager[1].text, "a reminder carries the very link first sent"
    # The manager is told where it went, and that their link no longer works.
    assert f"so it moved up to {DIRECTOR}, who decides it now" in to_manager[2].text
    assert "the link you were sent no longer works" in to_manager[2].text

    # The manager's link now says who has the request, and changes nothing.
    too_late = leave_app.decide(first_link, "approve")
    assert too_late.status == 409
    assert f"now with {DIRECTOR}" in too_late.body
    assert leave_app.open_link(first_link).status == 409

    director_link = leave_app.decision_link(request_id, approver=DIRECTOR)
    assert director_link != first_link
    assert leave_app.decide(director_link, "approve", comment="Covered").status == 200

    record = leave_app.wait_until_final(request_id)
    assert record["status"] == "approved"
    assert record["approver_email"] == DIRECTOR
    assert [
        (h["event"], h.get("from_approver"), h.get("to_approver")) for h in record["history"]
    ] == [
        ("submitted", None, None),
        ("reminded", None, DEFAULT_APPROVER),
        ("escalated", DEFAULT_APPROVER, DIRECTOR),
        ("approved", None, None),
    ]
    assert record["history"][-1]["by"] == DIRECTOR

    counts = metric_counts(capsys.readouterr().out)
    assert counts[Metric.REMINDERS_SENT] == 1
    assert counts[Metric.REQUESTS_ESCALATED] == 1
    assert [e["detail-type"] for e in audited_events(leave_app.account)] == [
        EventType.REQUEST_SUBMITTED,
        EventType.APPROVER_REMINDED,
        EventType.REQUEST_ESCALATED,
        EventType.REQUEST_DECIDED,
    ]
    final = leave_app.emails_to(EMPLOYEE)[-1]
    assert final.subject.startswith("Leave request approved")
    assert DIRECTOR in final.text


@pytest.mark.parametrize("approval_timeout", [8])
def test_an_escalated_request_nobody_decides_still_expires(leave_app: LeaveApp) -> None:
    request_id = _submit_and_wait_for_escalation(leave_app)

    record = leave_app.wait_until_final(request_id)
    assert record["status"] == "expired"
    assert [h["event"] for h in record["history"]] == [
        "submitted",
        "reminded",
        "escalated",
        "expired",
    ]
    assert leave_app.decide(leave_app.decision_link(request_id, DIRECTOR), "approve").status == 410
    assert leave_app.emails_to(EMPLOYEE)[-1].subject.startswith("Leave request expired")


def test_with_nobody_above_the_approver_the_request_stays_and_is_only_reminded(
    leave_app: LeaveApp,
) -> None:
    # The default approver's leave goes to the director, above whom there is only the
    # default approver: the employee themself, so nobody.
    payload = {**SEED_PAYLOAD, "employee_email": DEFAULT_APPROVER}
    request_id = leave_app.submit(payload).json()["request_id"]
    reminder = leave_app.wait_for_email(DIRECTOR, lambda e: e.subject.startswith("Reminder"))
    assert request_id in reminder.text
    leave_app.workflow.wait_for_step(request_id, "escalate")

    record = leave_app.status(request_id).json()
    assert record["approver_email"] == DIRECTOR
    assert [h["event"] for h in record["history"]] == ["submitted", "reminded"]
    assert leave_app.decide(leave_app.decision_link(request_id, DIRECTOR), "reject").status == 200
    assert leave_app.wait_until_final(request_id)["status"] == "rejected"


def test_a_follow_up_that_falls_due_after_the_decision_does_nothing(leave_app: LeaveApp) -> None:
    # Whichever of the decision and a follow-up's wait ends first wins the race; a follow-up
    # whose step runs anyway (the two ended together) finds the request decided.
    request_id = _submit_and_wait_for_escalation(leave_app)
    assert leave_app.decide(leave_app.decision_link(request_id, DIRECTOR), "approve").status == 200
    leave_app.wait_until_final(request_id)
    steps = workflow.leave_steps()
    request = LeaveRequest.model_validate(leave_app.workflow.payload(request_id))
    for follow_up in FollowUpPlan(reminder_at=(0.25, 0.5), escalate_at=0.75).schedule(60):
        assert steps.follow_up(request, follow_up, deadline=0) is None
    record = leave_app.status(request_id).json()
    assert [h["event"] for h in record["history"]][-1] == "approved"
    # The request, one reminder, and the notice that it moved up.
    assert len(leave_app.emails_to(DEFAULT_APPROVER)) == 3


def test_an_escalation_to_an_approver_who_is_away_goes_to_their_delegate(
    leave_app: LeaveApp,
) -> None:
    assert leave_app.away(DIRECTOR, DEPUTY).status == 200
    request_id = _submit_and_wait_for_escalation(leave_app, to=DEPUTY)

    record = leave_app.status(request_id).json()
    assert record["approver_email"] == DEPUTY
    assert record["history"][-1] | {"at": None} == {
        "event": "escalated",
        "at": None,
        "from_approver": DEFAULT_APPROVER,
        "to_approver": DEPUTY,
    }
    assert leave_app.emails_to(DIRECTOR) == []
    assert leave_app.decide(leave_app.decision_link(request_id, DEPUTY), "approve").status == 200
    assert leave_app.wait_until_final(request_id)["status"] == "approved"


def test_an_escalation_retried_after_a_hand_over_still_names_who_did_not_decide(
    leave_app: LeaveApp,
) -> None:
    # An escalation step retried after its write (a crash before its email) may find that the
    # request moved on since, to the new approver's delegate: it still says who let it wait.
    request_id = _submit_and_wait_for_escalation(leave_app)
    assert leave_app.away(DIRECTOR, DEPUTY).status == 200
    assert settler.handler(scheduled_event(), lambda_context())["handed_over"] == 1
    assert leave_app.status(request_id).json()["approver_email"] == DEPUTY

    request = LeaveRequest.model_validate(leave_app.workflow.payload(request_id))
    (escalation,) = FollowUpPlan(reminder_at=(), escalate_at=0.75).schedule(60)
    assert workflow.leave_steps().follow_up(request, escalation, deadline=0) == DEPUTY

    # The manager was told it moved up once: the retry found the notice noted as sent.
    assert len([e for e in leave_app.emails_to(DEFAULT_APPROVER) if _is_moved_up(e)]) == 1
    retold = leave_app.emails_to(EMPLOYEE)[-1]
    assert retold.subject.startswith(f"Leave request now with {DEPUTY}")
    assert f"{DEFAULT_APPROVER} did not decide it in time" in retold.text
    escalated = [
        e
        for e in audited_events(leave_app.account)
        if e["detail-type"] == EventType.REQUEST_ESCALATED
    ]
    assert [e["detail"]["from_approver"] for e in escalated] == [DEFAULT_APPROVER] * 2


# -- replay safety: a fault at each call of a follow-up --------------------------------------


def _writes_follow_up(arguments: dict[str, Any], key: str) -> bool:
    """The write that records the follow-up `key` (not the lease it takes first)."""
    values = arguments.get("ExpressionAttributeValues") or {}
    return ":entry" in values and key in str(values)


FOLLOW_UP_CALLS: dict[str, tuple[str, str, Callable[[dict[str, Any]], bool]]] = {
    "email-reminder": ("ses", "send_raw_email", lambda a: b"Reminder" in a["RawMessage"]["Data"]),
    "record-reminder": (
        "dynamodb",
        "update_item",
        lambda a: _writes_follow_up(a, "remind-1"),
    ),
    "reminder-event": ("events", "put_events", lambda a: "Reminded" in str(a)),
    "email-new-approver": ("ses", "send_raw_email", lambda a: a.get("Destinations") == [DIRECTOR]),
    "record-escalation": (
        "dynamodb",
        "update_item",
        lambda a: _writes_follow_up(a, "escalate"),
    ),
    "email-employee": (
        "ses",
        "send_raw_email",
        lambda a: a.get("Destinations") == [EMPLOYEE] and b"now with" in a["RawMessage"]["Data"],
    ),
    "escalation-event": ("events", "put_events", lambda a: "Escalated" in str(a)),
    "email-old-approver": (
        "ses",
        "send_raw_email",
        lambda a: (
            a.get("Destinations") == [DEFAULT_APPROVER] and b"Moved up" in a["RawMessage"]["Data"]
        ),
    ),
    "note-notice-sent": (
        "dynamodb",
        "update_item",
        lambda a: "notices_sent" in str(a.get("UpdateExpression")),
    ),
}


@pytest.fixture
def workflow_handler(crashing_handler: CrashingHandler) -> Callable[..., Any]:
    return crashing_handler


# The notice to the approver it left is tried with one fault that took effect unseen and one
# that did not (what tells its cases apart); every other call with every fault.
_NOTICE_CALLS = ("email-old-approver", "note-notice-sent")
FAULTED = [
    *(
        (call, fault)
        for call in FOLLOW_UP_CALLS
        if call not in _NOTICE_CALLS
        for fault in Fault.ALL
    ),
    *((call, fault) for call in _NOTICE_CALLS for fault in (Fault.SERVER_ERROR, Fault.CRASH_AFTER)),
]


@pytest.mark.parametrize(("call", "fault"), FAULTED)
def test_each_follow_up_happens_once_whatever_fails(
    leave_app: LeaveApp,
    monkeypatch: pytest.MonkeyPatch,
    crashing_handler: CrashingHandler,
    capsys: pytest.CaptureFixture[str],
    call: str,
    fault: str,
) -> None:
    faulty_client = fail_in_workflow(monkeypatch, FOLLOW_UP_CALLS[call], fault)

    # Emails are at least once: a crash (or a lost answer) just after one sends it again. So
    # does a failure to hand the request over, as the new approver is emailed first.
    resent = call if fault in Fault.TOOK_EFFECT_UNSEEN and call.startswith("email") else None
    if call == "record-escalation" and fault not in Fault.TOOK_EFFECT_UNSEEN:
        resent = "email-new-approver"
    # The notice to the manager is noted once sent: only a note that did not land sends it again.
    if call == "note-notice-sent" and fault not in Fault.TOOK_EFFECT_UNSEEN:
        resent = "email-old-approver"

    request_id = _submit_and_wait_for_escalation(leave_app)
    if resent == "email-employee":
        # The escalation is still under way (a decision now is told to retry) until it has
        # emailed the employee again: the director decides once it is done.
        leave_app.wait_for_email(
            EMPLOYEE,
            lambda e: (
                e.subject.startswith("Leave request now")
                and len([m for m in leave_app.emails_to(EMPLOYEE) if m.subject == e.subject]) > 1
            ),
        )
    # Likewise, the retry that tells the manager again runs before the director decides.
    leave_app.wait_for_email(
        DEFAULT_APPROVER,
        lambda e: (
            _is_moved_up(e)
            and len([m for m in leave_app.emails_to(DEFAULT_APPROVER) if _is_moved_up(m)])
            == (2 if resent == "email-old-approver" else 1)
        ),
    )
    # ... and the employee is told, once the manager was.
    leave_app.wait_for_email(EMPLOYEE, lambda e: e.subject.startswith("Leave request now"))
    assert leave_app.decide(leave_app.decision_link(request_id, DIRECTOR), "approve").status == 200

    record = leave_app.wait_until_final(request_id)
    assert [h["event"] for h in record["history"]] == [
        "submitted",
        "reminded",
        "escalated",
        "approved",
    ]
    assert faulty_client.injected == [(FOLLOW_UP_CALLS[call][1], fault)]
    reminders = [e for e in leave_app.emails_to(DEFAULT_APPROVER) if e.subject.startswith("Remi")]
    assert len(reminders) == (2 if resent == "email-reminder" else 1)
    asked = [e for e in leave_app.emails_to(DIRECTOR) if _is_escalation(e)]
    assert len(asked) == (2 if resent == "email-new-approver" else 1)
    told = [e for e in leave_app.emails_to(EMPLOYEE) if e.subject.startswith("Leave request now")]
    assert len(told) == (2 if resent == "email-employee" else 1)
    moved_up = [e for e in leave_app.emails_to(DEFAULT_APPROVER) if _is_moved_up(e)]
    assert len(moved_up) == (2 if resent == "email-old-approver" else 1)
    counts = metric_counts(capsys.readouterr().out)
    assert (counts[Metric.REMINDERS_SENT], counts[Metric.REQUESTS_ESCALATED]) == (1, 1)
    types = [e["detail-type"] for e in audited_events(leave_app.account)]
    assert types.count(EventType.APPROVER_REMINDED) >= 1
    assert types.count(EventType.REQUEST_ESCALATED) >= 1
