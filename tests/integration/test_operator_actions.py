"""An operator's resend, reassign and settle (handlers/logic/operating.py), against the service
wired in process: what the approvers and the employee then see, and who wins each race (a gate
holds one side at the racing moment while the other runs)."""

import dataclasses
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner, Result

from handlers import decision, settler, workflow
from handlers.domain.follow_ups import FollowUpPlan
from handlers.gateways.mailer import SesMailer
from handlers.gateways.signing_key import signing_key
from handlers.logic import operating
from handlers.logic.operating import Operator, OperatorRefusal, PartlyDone
from handlers.logic.settling import sweep
from handlers.settings import WorkflowSettings, settler_settings
from handlers.storage.leave_store import DynamoDbLeaveStore
from handlers.submit_routes import wiring as submit_wiring
from handlers.web.wording import SETTLED_BY_AN_OPERATOR
from ops import cli
from tests.integration.conftest import DEFAULT_APPROVER, SEED_PAYLOAD, SWEEP_GRACE_SECONDS, LeaveApp
from tests.support.aws import REGION, Account
from tests.support.dates import from_today
from tests.support.durable import InProcessWorkflowService
from tests.support.faults import Fault, FaultyDependency, Gate, SimulatedCrash
from tests.support.operator_target import (
    FUNCTION_NAMES,
    InProcessDurableExecutions,
    deploy_functions,
    operator_target,
)
from tests.support.recorded_calls import CallRecorder

EMPLOYEE = SEED_PAYLOAD["employee_email"]
DIRECTOR = "director@email.com"
DEPUTY = "deputy@email.com"
LONG = SEED_PAYLOAD  # 11 days: two approvals with `second_approval_over` 10
SHORT = {**SEED_PAYLOAD, "start_date": from_today(60), "end_date": from_today(66)}
ESCALATION_ONLY = FollowUpPlan(reminder_at=(), escalate_at=0.75)


def _operator(store_client: Any = None, mail_client: Any = None) -> Operator:
    """The operator's wiring: the settler's, over the test's Lambda stand-in; its store's
    DynamoDB calls through `store_client`, its emails through `mail_client`, when a test
    holds or fails them."""
    wired = settler.settler()
    if store_client is not None:
        wired = dataclasses.replace(
            wired, store=DynamoDbLeaveStore(Account().table_name, client=store_client)
        )
    if mail_client is not None:
        wired = dataclasses.replace(
            wired, mailer=SesMailer(settler_settings().sender_email, client=mail_client)
        )
    key_parameter = settler_settings().signing_key_parameter
    runner = settler.settler().workflow
    assert isinstance(runner, InProcessWorkflowService)
    return Operator(
        settler=wired,
        executions=InProcessDurableExecutions(runner, FUNCTION_NAMES[WorkflowSettings]),
        signing_key=lambda: signing_key(key_parameter),
        allowed_domains=("email.com", "example.com"),
    )


def _holding(method: str, when: Callable[[dict[str, Any]], bool]) -> tuple[Operator, Gate]:
    """An operator whose next matching DynamoDB `method` call waits at a gate."""
    dynamodb = FaultyDependency(boto3.client("dynamodb", region_name=REGION))
    gate = dynamodb.hold(method, when=when)
    return _operator(dynamodb), gate


def _in_thread(work: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    """Run `work` in a thread; what it returned or raised, once joined."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(work())
        except Exception as error:  # handed to the test to assert on
            outcome.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _events(app: LeaveApp, request_id: str) -> list[tuple[str, str | None, str | None]]:
    history = app.status(request_id).json()["history"]
    return [(h["event"], h.get("from_approver"), h.get("to_approver")) for h in history]


def _subjects(app: LeaveApp, address: str) -> list[str]:
    return [e.subject.split(":")[0] for e in app.emails_to(address)]


def _decision_held_after_its_claim(monkeypatch: pytest.MonkeyPatch) -> Gate:
    """The decision function's next callback waits at a gate: its claim is written."""
    wired = decision.decider()
    callbacks = FaultyDependency(wired.workflow)
    gate = callbacks.hold("succeed_callback")
    held = dataclasses.replace(wired, workflow=callbacks)
    monkeypatch.setattr(decision, "decider", lambda: held)
    return gate


# -- resend ------------------------------------------------------------------------------------


def test_resend_sends_the_approver_the_same_link_which_still_decides(leave_app: LeaveApp) -> None:
    request_id = leave_app.submit(SHORT).json()["request_id"]
    link = leave_app.decision_link(request_id)

    resent = operating.resend(request_id, _operator())

    assert (resent.approver, resent.link) == (DEFAULT_APPROVER, link)
    again = leave_app.emails_to(DEFAULT_APPROVER)
    assert len(again) == 2
    assert link in again[1].text
    assert "sent again" in again[1].text
    assert leave_app.decide(link, "approve").status == 200
    assert leave_app.wait_until_final(request_id)["status"] == "approved"


def test_resend_refuses_a_request_nobody_decides_any_more(leave_app: LeaveApp) -> None:
    request_id = leave_app.submit(SHORT).json()["request_id"]
    assert leave_app.decide(leave_app.decision_link(request_id), "reject").status == 200
    leave_app.wait_until_final(request_id)

    with pytest.raises(OperatorRefusal, match=f"{request_id} is already rejected"):
        operating.resend(request_id, _operator())
    with pytest.raises(OperatorRefusal, match="No leave request has the id 'nope'"):
        operating.resend("nope", _operator())
    assert len(leave_app.emails_to(DEFAULT_APPROVER)) == 1


# -- reassign ------------------------------------------------------------------------------------


def test_a_reassigned_request_is_decided_through_the_new_link_and_the_old_one_says_it_moved(
    leave_app: LeaveApp,
) -> None:
    request_id = leave_app.submit(SHORT).json()["request_id"]
    old_link = leave_app.decision_link(request_id)

    moved = operating.reassign(request_id, " Deputy@Email.com ", _operator())

    assert (moved.from_approver, moved.record.approver_email) == (DEFAULT_APPROVER, DEPUTY)
    refused = leave_app.decide(old_link, "approve")
    assert refused.status == 409
    assert f"now with {DEPUTY}" in refused.body
    told = leave_app.wait_for_email(EMPLOYEE, lambda e: e.subject.startswith("Leave request now"))
    assert f"operators passed it to {DEPUTY}" in told.text
    assert _subjects(leave_app, DEFAULT_APPROVER) == [
        "Leave to approve",
        f"Passed to {DEPUTY}, no longer needs your decision",
    ]
    assert leave_app.decide(leave_app.decision_link(request_id, DEPUTY), "approve").status == 200
    record = leave_app.wait_until_final(request_id)
    assert (record["status"], record["history"][-1]["by"]) == ("approved", DEPUTY)
    assert _events(leave_app, request_id)[:2] == [
        ("submitted", None, None),
        ("reassigned", DEFAULT_APPROVER, DEPUTY),
    ]


@pytest.mark.parametrize("second_approval_over", [10])
def test_reassign_keeps_the_two_approval_rule_and_takes_only_people(leave_app: LeaveApp) -> None:
    request_id = leave_app.submit(LONG).json()["request_id"]
    assert leave_app.decide(leave_app.decision_link(request_id), "approve").status == 200
    leave_app.workflow.wait_for_step(request_id, "second-level")
    operator = _operator()

    refusals = {
        DEFAULT_APPROVER: "approved .*first level: its second approval must be someone else's",
        EMPLOYEE: "nobody approves their own leave",
        DIRECTOR: f"already with {DIRECTOR}",
        "not an address": "is not an address",
        "\u212aate@email.com": "not plain ASCII",
        "someone@elsewhere.org": "is not at email.com or example.com",
    }
    for to, why in refusals.items():
        with pytest.raises(OperatorRefusal, match=why):
            operating.reassign(request_id, to, operator)

    record = leave_app.status(request_id).json()
    assert (record["status"], record["approver_email"]) == ("pending", DIRECTOR)
    assert [e for e, _, _ in _events(leave_app, request_id)] == [
        "submitted",
        "approved_first_level",
    ]
    assert operating.reassign(request_id, DEPUTY, operator).record.approver_email == DEPUTY
    assert leave_app.decide(leave_app.decision_link(request_id, DEPUTY), "approve").status == 200
    assert leave_app.wait_until_final(request_id)["status"] == "approved"


def test_a_decision_claimed_before_the_reassign_wins_and_nothing_is_reassigned(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    request_id = leave_app.submit(SHORT).json()["request_id"]
    link = leave_app.decision_link(request_id)
    gate = _decision_held_after_its_claim(monkeypatch)
    deciding, answer = _in_thread(lambda: leave_app.decide(link, "approve"))
    gate.wait_reached()

    with pytest.raises(OperatorRefusal, match="being decided"):
        operating.reassign(request_id, DEPUTY, _operator())
    gate.release()
    deciding.join()

    assert answer[0].status == 200
    assert leave_app.wait_until_final(request_id)["status"] == "approved"
    assert leave_app.emails_to(DEPUTY) == []
    assert [e for e, _, _ in _events(leave_app, request_id)] == ["submitted", "approved"]


def test_a_decision_during_a_reassign_is_told_to_retry_then_that_the_request_moved(
    leave_app: LeaveApp,
) -> None:
    request_id = leave_app.submit(SHORT).json()["request_id"]
    link = leave_app.decision_link(request_id)
    operator, gate = _holding("update_item", lambda call: "reassigned" in str(call))
    reassigning, moved = _in_thread(lambda: operating.reassign(request_id, DEPUTY, operator))
    gate.wait_reached()  # its lease is taken, the new approver emailed; the move is next

    busy = leave_app.decide(link, "approve")
    assert busy.status == 503
    assert busy.headers["retry-after"]
    gate.release()
    reassigning.join()

    assert moved[0].record.approver_email == DEPUTY
    assert leave_app.decide(link, "approve").status == 409
    assert leave_app.decide(leave_app.decision_link(request_id, DEPUTY), "reject").status == 200
    assert leave_app.wait_until_final(request_id)["status"] == "rejected"


@pytest.mark.parametrize("follow_ups", [ESCALATION_ONLY])
def test_an_escalation_under_way_wins_over_a_reassign(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    dynamodb = FaultyDependency(boto3.client("dynamodb", region_name=REGION))
    steps = dataclasses.replace(
        workflow.leave_steps(), store=DynamoDbLeaveStore(Account().table_name, client=dynamodb)
    )
    monkeypatch.setattr(workflow, "leave_steps", lambda: steps)
    # Held once its lease is taken.
    gate = dynamodb.hold(
        "update_item",
        when=lambda call: "escalate" in str(call.get("ExpressionAttributeValues")),
        after=True,
    )
    request_id = leave_app.submit(SHORT).json()["request_id"]
    gate.wait_reached()

    with pytest.raises(OperatorRefusal, match="nothing was changed"):
        operating.reassign(request_id, DEPUTY, _operator())
    gate.release()

    leave_app.wait_for_email(
        EMPLOYEE, lambda e: e.subject.startswith(f"Leave request now with {DIRECTOR}")
    )
    assert leave_app.emails_to(DEPUTY) == []
    assert [e for e, _, _ in _events(leave_app, request_id)] == ["submitted", "escalated"]
    assert leave_app.decide(leave_app.decision_link(request_id, DIRECTOR), "approve").status == 200
    leave_app.wait_until_final(request_id)


@pytest.mark.parametrize("follow_ups", [ESCALATION_ONLY])
def test_a_reassign_under_way_wins_over_the_escalation(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    dynamodb = FaultyDependency(boto3.client("dynamodb", region_name=REGION))
    steps = dataclasses.replace(
        workflow.leave_steps(), store=DynamoDbLeaveStore(Account().table_name, client=dynamodb)
    )
    monkeypatch.setattr(workflow, "leave_steps", lambda: steps)
    # The escalation is due and about to take its lease...
    escalation = dynamodb.hold(
        "update_item", when=lambda call: "escalate" in str(call.get("ExpressionAttributeValues"))
    )
    request_id = leave_app.submit(SHORT).json()["request_id"]
    escalation.wait_reached()
    # ... when the reassign takes it, and is held before it moves the request.
    operator, moving = _holding("update_item", lambda call: "reassigned" in str(call))
    reassigning, moved = _in_thread(lambda: operating.reassign(request_id, DEPUTY, operator))
    moving.wait_reached()
    escalation.release()
    leave_app.workflow.wait_for_step(request_id, "escalate")  # it found the request held
    moving.release()
    reassigning.join()

    assert moved[0].record.approver_email == DEPUTY
    assert [e for e, _, _ in _events(leave_app, request_id)] == ["submitted", "reassigned"]
    assert leave_app.emails_to(DIRECTOR) == []
    assert leave_app.decide(leave_app.decision_link(request_id, DEPUTY), "approve").status == 200
    assert leave_app.wait_until_final(request_id)["status"] == "approved"


def _mail_failing(to: str) -> FaultyDependency:
    """SES, refusing the next email to `to` (a 5xx, after the client's retries)."""
    ses = FaultyDependency(boto3.client("ses", region_name=REGION))
    return ses.inject("send_raw_email", Fault.SERVER_ERROR, when=lambda call: to in str(call))


def test_a_new_approver_who_cannot_be_emailed_never_gets_the_request(
    leave_app: LeaveApp,
) -> None:
    request_id = leave_app.submit(SHORT).json()["request_id"]
    link = leave_app.decision_link(request_id)

    with pytest.raises(OperatorRefusal, match=f"{DEPUTY} could not be emailed .*nothing was"):
        operating.reassign(request_id, DEPUTY, _operator(mail_client=_mail_failing(DEPUTY)))

    record = leave_app.status(request_id).json()
    assert (record["approver_email"], len(record["history"])) == (DEFAULT_APPROVER, 1)
    # Its lease was let go: the approver decides at once.
    assert leave_app.decide(link, "approve").status == 200
    assert leave_app.wait_until_final(request_id)["status"] == "approved"


# -- settle --------------------------------------------------------------------------------------


def test_settle_ends_a_waiting_request_as_failed_stops_its_execution_and_tells_both(
    leave_app: LeaveApp,
) -> None:
    request_id = leave_app.submit(SHORT).json()["request_id"]
    link = leave_app.decision_link(request_id)

    settled = operating.settle_request(request_id, _operator())

    assert (settled.record.status.value, settled.stopped) == ("failed", True)
    assert leave_app.workflow.is_complete(request_id)
    closed = [e for e in leave_app.emails_to(EMPLOYEE) if "could not be processed" in e.subject]
    assert len(closed) == 1
    assert SETTLED_BY_AN_OPERATOR in closed[0].text
    assert _subjects(leave_app, DEFAULT_APPROVER) == [
        "Leave to approve",
        "No longer needs your decision",
    ]
    assert leave_app.decide(link, "approve").status == 410
    sent = len(leave_app.emails_to(EMPLOYEE))
    with pytest.raises(OperatorRefusal, match=f"^{request_id} is already failed.$"):
        operating.settle_request(request_id, _operator())
    assert len(leave_app.emails_to(EMPLOYEE)) == sent


def test_settle_refuses_a_final_request_and_writes_nothing(leave_app: LeaveApp) -> None:
    request_id = leave_app.submit(SHORT).json()["request_id"]
    assert leave_app.decide(leave_app.decision_link(request_id), "approve").status == 200
    before = leave_app.wait_until_final(request_id)
    sent = len(leave_app.emails_to(EMPLOYEE))

    with pytest.raises(OperatorRefusal, match=f"^{request_id} is already approved.$"):
        operating.settle_request(request_id, _operator())

    assert leave_app.status(request_id).json() == before
    assert len(leave_app.emails_to(EMPLOYEE)) == sent


def test_a_decision_claimed_before_the_settle_wins(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    request_id = leave_app.submit(SHORT).json()["request_id"]
    link = leave_app.decision_link(request_id)
    gate = _decision_held_after_its_claim(monkeypatch)
    deciding, answer = _in_thread(lambda: leave_app.decide(link, "approve"))
    gate.wait_reached()

    with pytest.raises(OperatorRefusal, match="being decided"):
        operating.settle_request(request_id, _operator())
    gate.release()
    deciding.join()

    assert answer[0].status == 200
    assert leave_app.wait_until_final(request_id)["status"] == "approved"
    assert not [e for e in leave_app.emails_to(EMPLOYEE) if "could not" in e.subject]


def test_a_decision_during_a_settle_is_told_to_retry_then_that_it_closed(
    leave_app: LeaveApp,
) -> None:
    request_id = leave_app.submit(SHORT).json()["request_id"]
    link = leave_app.decision_link(request_id)
    operator, gate = _holding("transact_write_items", lambda call: "failed" in str(call))
    settling_it, settled = _in_thread(lambda: operating.settle_request(request_id, operator))
    gate.wait_reached()  # its lease is taken, the write is next

    busy = leave_app.decide(link, "approve")
    assert busy.status == 503
    gate.release()
    settling_it.join()

    assert settled[0].record.status.value == "failed"
    assert leave_app.decide(link, "approve").status == 410
    assert leave_app.status(request_id).json()["status"] == "failed"


def _submit_whose_start_is_lost(leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch) -> str:
    """Submit dies after recording the request, before starting its workflow; its id."""
    wired = submit_wiring.submitter()
    dying = dataclasses.replace(
        wired, workflow=FaultyDependency(wired.workflow).inject("start", Fault.CRASH_BEFORE)
    )
    monkeypatch.setattr(submit_wiring, "submitter", lambda: dying)
    with pytest.raises(SimulatedCrash):
        leave_app.submit(SHORT)
    monkeypatch.setattr(submit_wiring, "submitter", lambda: wired)
    (lost,) = settler.settler().store.pending_submitted_before(datetime.now(UTC) + timedelta(1))
    return lost.request_id


@pytest.mark.parametrize("held", ["the sweep", "the operator"])
def test_a_settle_racing_the_sweep_ends_the_request_once(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch, held: str
) -> None:
    request_id = _submit_whose_start_is_lost(leave_app, monkeypatch)
    later = datetime.now(UTC) + timedelta(seconds=SWEEP_GRACE_SECONDS + 1)
    sweeper_db = FaultyDependency(boto3.client("dynamodb", region_name=REGION))
    operator_db = FaultyDependency(boto3.client("dynamodb", region_name=REGION))
    first_db = sweeper_db if held == "the sweep" else operator_db
    gate = first_db.hold("transact_write_items", when=lambda call: "failed" in str(call))
    sweeper = dataclasses.replace(
        settler.settler(),
        store=DynamoDbLeaveStore(Account().table_name, client=sweeper_db),
        clock=lambda: later,
    )
    operator = _operator(operator_db)

    def operate() -> Any:
        return operating.settle_request(request_id, operator)

    first, second = (
        (lambda: sweep(sweeper), operate)
        if held == "the sweep"
        else (operate, lambda: sweep(sweeper))
    )
    racing, first_outcome = _in_thread(first)
    gate.wait_reached()
    try:
        second_outcome: Any = second()
    except OperatorRefusal as refusal:
        second_outcome = refusal
    gate.release()
    racing.join()

    outcomes = {held: first_outcome[0], "other": second_outcome}
    swept = outcomes["the sweep" if held == "the sweep" else "other"]
    operated = outcomes["the operator" if held == "the operator" else "other"]
    # The one not held wins; the held one's write finds the request ended and tells nobody.
    if held == "the sweep":
        assert operated.record.status.value == "failed"
        assert swept.settled == 0
    else:
        assert swept.settled == 1
        assert isinstance(operated, OperatorRefusal)
        assert "already failed" in str(operated)
    closed = [e for e in leave_app.emails_to(EMPLOYEE) if "could not" in e.subject]
    assert len(closed) == 1


# -- the commands ------------------------------------------------------------------------------


def _leave_ops(app: LeaveApp, recorder: CallRecorder, *arguments: str) -> Result:
    """`leave-ops ARGUMENTS` on the test's account, as an operator types it; every AWS call it
    makes is checked against the operator policy (conftest's `aws_calls`)."""
    target, _ = operator_target(app.account, app.workflow, recorder)
    return CliRunner().invoke(cli.app, list(arguments), obj=target)


def test_the_commands_say_what_they_did_or_why_not_in_one_line(
    leave_app: LeaveApp, aws_calls: CallRecorder
) -> None:
    deploy_functions()
    request_id = leave_app.submit(SHORT).json()["request_id"]
    link = leave_app.decision_link(request_id)

    resent = _leave_ops(leave_app, aws_calls, "resend", request_id)
    assert (resent.exit_code, resent.stderr) == (0, "")
    assert resent.stdout.startswith(
        f"{request_id}: its approval request went to {DEFAULT_APPROVER}"
    )
    assert len(resent.stdout.strip().splitlines()) == 1
    assert link in leave_app.emails_to(DEFAULT_APPROVER)[-1].text

    for arguments, why in (
        (("settle", "nope"), "No leave request has the id 'nope'."),
        (("reassign", request_id, "--to", "nobody"), "--to 'nobody' is not an address"),
        (("reassign", request_id, "--to", EMPLOYEE), "nobody approves their own leave"),
        # The domains are the deployed submit function's: the service takes nobody else.
        (("reassign", request_id, "--to", "boss@elsewhere.org"), "is not at "),
    ):
        refused = _leave_ops(leave_app, aws_calls, *arguments)
        assert refused.exit_code == 1
        assert refused.stderr.startswith("leave-ops: ")
        assert why in refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1
        assert refused.stdout == ""

    moved = _leave_ops(leave_app, aws_calls, "reassign", request_id, "--to", DEPUTY)
    assert moved.exit_code == 0, moved.stderr
    assert f"{request_id} is now with {DEPUTY}" in moved.stdout
    settled = _leave_ops(leave_app, aws_calls, "settle", request_id)
    assert settled.exit_code == 0, settled.stderr
    assert "its execution was stopped" in settled.stdout
    again = _leave_ops(leave_app, aws_calls, "settle", request_id)
    assert (again.exit_code, again.stderr) == (1, f"leave-ops: {request_id} is already failed.\n")


def test_a_settle_whose_telling_fails_is_told_by_the_sweep_once(leave_app: LeaveApp) -> None:
    request_id = leave_app.submit(SHORT).json()["request_id"]
    leave_app.decision_link(request_id)
    failing = _operator(mail_client=_mail_failing(EMPLOYEE))

    with pytest.raises(PartlyDone, match="is now failed, but telling its people failed"):
        operating.settle_request(request_id, failing)

    assert leave_app.status(request_id).json()["status"] == "failed"
    assert leave_app.workflow.is_complete(request_id)  # stopped all the same
    assert not [e for e in leave_app.emails_to(EMPLOYEE) if "could not" in e.subject]
    later = datetime.now(UTC) + timedelta(seconds=SWEEP_GRACE_SECONDS + 1)
    assert sweep(dataclasses.replace(settler.settler(), clock=lambda: later)).announced == 1
    assert sweep(dataclasses.replace(settler.settler(), clock=lambda: later)).announced == 0
    told = [e for e in leave_app.emails_to(EMPLOYEE) if "could not" in e.subject]
    assert len(told) == 1
    assert SETTLED_BY_AN_OPERATOR in told[0].text
