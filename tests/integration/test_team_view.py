"""An approver's team view and decisions in the app (issue #24): the decision page lists the
overlapping leave of the approver's own people and nobody else's; an approver (or the delegate
of one who is away) decides in the app through the link's path, so of an in-app decision and a
link decision, or an escalation, exactly one wins."""

import dataclasses
from typing import Any

import boto3
import pytest

from handlers import decision, submit, workflow
from handlers.domain.follow_ups import FollowUpPlan
from handlers.storage.leave_store import DynamoDbLeaveStore
from handlers.storage.table_schema import directory_item
from handlers.storage.team_reads import DynamoDbTeamReads
from handlers.submit_routes import wiring
from tests.integration.conftest import DEFAULT_APPROVER, LeaveApp
from tests.integration.test_decision_endpoint import RivalAroundFirstCallback
from tests.support.aws import REGION, Account
from tests.support.dates import from_today
from tests.support.faults import Fault, FaultyDependency
from tests.support.http_calls import HttpResponse, call, rest_api_event

MANAGER = DEFAULT_APPROVER
DIRECTOR = "director@email.com"
DEPUTY = "deputy@email.com"
EMPLOYEE = "employee@email.com"
# The manager's people, and someone in another approver's team (carol's).
COLLEAGUE = "colleague@email.com"
TEAMMATE = "teammate@email.com"
OUTSIDER = "outsider@email.com"
CAROL = "carol@email.com"

# A week, two months ahead (one approval); the team's leave around it.
REQUEST = {"start_date": from_today(60), "end_date": from_today(64), "reason": "Family visit"}
OVERLAPPING = {"start_date": from_today(63), "end_date": from_today(66), "reason": "Dentist"}
ALSO_OVERLAPPING = {"start_date": from_today(58), "end_date": from_today(60)}
ESCALATION_ONLY = FollowUpPlan(reminder_at=(), escalate_at=0.75)


def _join(app: LeaveApp, employee: str, approver: str) -> None:
    item = {k: {"S": v} for k, v in directory_item(employee, approver).items()}
    boto3.client("dynamodb", region_name=REGION).put_item(
        TableName=app.account.table_name, Item=item
    )


def _submit(app: LeaveApp, employee: str, dates: dict[str, str]) -> str:
    answer = app.submit({**dates, "employee_email": employee})
    assert answer.status == 202, answer.body
    request_id: str = answer.json()["request_id"]
    return request_id


def _approvals(app: LeaveApp, as_: str) -> HttpResponse:
    return call(submit.handler, "GET", "/approvals", via=rest_api_event, headers=app.signed_in(as_))


def _decide_in_app(
    app: LeaveApp, request_id: str, choice: str, as_: str, comment: str | None = None
) -> HttpResponse:
    body: dict[str, Any] = {"decision": choice}
    if comment is not None:
        body["comment"] = comment
    return call(
        submit.handler,
        "POST",
        f"/approvals/{request_id}",
        via=rest_api_event,
        headers=app.signed_in(as_),
        json=body,
    )


def _team(app: LeaveApp, with_approved: bool = True) -> dict[str, str]:
    """The manager's people with leave around REQUEST (a colleague off, approved; a teammate
    asking), and an outsider (carol's) asking for the same days; their requests' ids."""
    for person in (EMPLOYEE, COLLEAGUE, TEAMMATE):
        _join(app, person, MANAGER)
    _join(app, OUTSIDER, CAROL)
    ids = {}
    if with_approved:
        ids[COLLEAGUE] = _submit(app, COLLEAGUE, OVERLAPPING)
        assert app.decide(app.decision_link(ids[COLLEAGUE]), "approve").status == 200
        app.wait_until_final(ids[COLLEAGUE])
    ids[TEAMMATE] = _submit(app, TEAMMATE, ALSO_OVERLAPPING)
    ids[OUTSIDER] = _submit(app, OUTSIDER, REQUEST)
    return ids


def _shown(leave: list[dict[str, str]]) -> list[tuple[str, str, str]]:
    return [(one["employee_email"], one["start_date"], one["status"]) for one in leave]


def test_an_approver_sees_their_own_peoples_leave_and_decides_in_the_app_once(
    leave_app: LeaveApp,
) -> None:
    ids = _team(leave_app)
    request_id = _submit(leave_app, EMPLOYEE, REQUEST)

    # The link's page: who else among the manager's people is off or asking on these days.
    page = leave_app.open_link(leave_app.decision_link(request_id))
    assert page.status == 200
    team = page.body.split('id="team"', 1)[1].split("</section>", 1)[0]
    assert "Others in your team on these days" in team
    assert TEAMMATE in team
    assert "Asked for" in team
    assert COLLEAGUE in team
    assert "Off" in team
    assert team.index(TEAMMATE) < team.index(COLLEAGUE)  # by first day
    # Not the outsider's leave on the very same days, nor anyone else's reason, nor their
    # requests' ids.
    assert OUTSIDER not in page.body
    assert "Dentist" not in page.body
    assert not [i for i in ids.values() if i in page.body]

    # The app: the same, and everything else waiting for the manager, oldest first.
    view = _approvals(leave_app, MANAGER)
    assert view.status == 200
    listed = [w["request_id"] for w in view.json()["waiting"]]
    assert listed == [ids[TEAMMATE], request_id]
    waiting = view.json()["waiting"][-1]
    assert (waiting["request_id"], waiting["reason"]) == (request_id, "Family visit")
    assert waiting["standing_in_for"] is None
    assert _shown(waiting["overlapping"]) == [
        (TEAMMATE, ALSO_OVERLAPPING["start_date"], "pending"),
        (COLLEAGUE, OVERLAPPING["start_date"], "approved"),
    ]
    [team] = view.json()["teams"]
    assert team["approver_email"] == MANAGER
    assert {one["employee_email"] for one in team["leave"]} == {EMPLOYEE, COLLEAGUE, TEAMMATE}
    assert "Dentist" not in view.body

    # Not the approver: refused, with nothing of the request or the team in the answer.
    refused = _decide_in_app(leave_app, request_id, "approve", as_=COLLEAGUE)
    assert refused.status == 403
    assert COLLEAGUE not in refused.body
    assert EMPLOYEE not in refused.body
    assert _decide_in_app(leave_app, "no-such-request", "approve", as_=MANAGER).status == 404
    assert _approvals(leave_app, COLLEAGUE).json() == {"waiting": [], "teams": []}
    # Another approver sees their own people, none of the manager's.
    carols = _approvals(leave_app, CAROL)
    assert [w["employee_email"] for w in carols.json()["waiting"]] == [OUTSIDER]
    assert [t["approver_email"] for t in carols.json()["teams"]] == [CAROL]
    assert not [p for p in (EMPLOYEE, COLLEAGUE, TEAMMATE) if p in carols.body]

    decided = _decide_in_app(leave_app, request_id, "reject", as_=MANAGER, comment="Short week")
    assert decided.status == 200, decided.body
    assert decided.json() == {"request_id": request_id, "decision": "reject"}
    final = leave_app.wait_until_final(request_id)
    assert final["status"] == "rejected"
    assert [(h["event"], h.get("by"), h.get("comment")) for h in final["history"]] == [
        ("submitted", None, None),
        ("rejected", MANAGER, "Short week"),
    ]
    # Once: a retry of it is a success, the other choice a conflict; one outcome email.
    assert _decide_in_app(leave_app, request_id, "reject", as_=MANAGER).status == 200
    assert _decide_in_app(leave_app, request_id, "approve", as_=MANAGER).status == 409
    outcomes = [e for e in leave_app.emails_to(EMPLOYEE) if "rejected" in e.subject]
    assert len(outcomes) == 1
    assert request_id not in _approvals(leave_app, MANAGER).body


@pytest.mark.parametrize("link_first", [True, False], ids=["link-first", "app-first"])
def test_of_an_in_app_decision_and_a_link_decision_at_once_exactly_one_wins(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch, link_first: bool
) -> None:
    request_id = _submit(leave_app, EMPLOYEE, REQUEST)
    link = leave_app.decision_link(request_id)
    # The link's rejection comes at the racing moment: just before, or just after, the
    # in-app approval's callback goes out (its claim already taken).
    wired = wiring.app_decider()
    racing = RivalAroundFirstCallback(
        wired.decider.workflow,
        lambda: leave_app.decide(link, "reject", as_json=True),
        before=link_first,
    )
    held = dataclasses.replace(wired, decider=dataclasses.replace(wired.decider, workflow=racing))
    monkeypatch.setattr(wiring, "app_decider", lambda: held)

    in_app = _decide_in_app(leave_app, request_id, "approve", as_=MANAGER)

    assert racing.rival_response is not None
    by_link = racing.rival_response
    winner, loser = (by_link, in_app) if link_first else (in_app, by_link)
    assert (winner.status, loser.status) == (200, 409), (winner.body, loser.body)
    final = leave_app.wait_until_final(request_id)
    assert final["status"] == ("rejected" if link_first else "approved")
    assert [h["event"] for h in final["history"]] == ["submitted", final["status"]]
    assert len(leave_app.emails_to(EMPLOYEE)) == 2  # the receipt and one outcome


def _workflow_dynamodb(monkeypatch: pytest.MonkeyPatch) -> FaultyDependency:
    client = FaultyDependency(boto3.client("dynamodb", region_name=REGION))
    steps = dataclasses.replace(
        workflow.leave_steps(), store=DynamoDbLeaveStore(Account().table_name, client=client)
    )
    monkeypatch.setattr(workflow, "leave_steps", lambda: steps)
    return client


def _escalation_write(arguments: dict[str, Any]) -> bool:
    return "escalate" in str(arguments.get("ExpressionAttributeValues"))


@pytest.mark.parametrize("follow_ups", [ESCALATION_ONLY])
def test_an_in_app_decision_during_an_escalation_waits_then_finds_where_it_went(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The escalation took the request first (its lease): it holds it until it has told all.
    gate = _workflow_dynamodb(monkeypatch).hold("update_item", when=_escalation_write, after=True)
    request_id = _submit(leave_app, EMPLOYEE, REQUEST)
    gate.wait_reached()

    busy = _decide_in_app(leave_app, request_id, "approve", as_=MANAGER)
    assert busy.status == 503
    assert busy.headers["retry-after"]
    gate.release()

    leave_app.workflow.wait_for_step(request_id, "escalate")
    moved = _decide_in_app(leave_app, request_id, "approve", as_=MANAGER)
    assert moved.status == 409
    assert f"now with {DIRECTOR}" in moved.json()["message"]
    assert [w["request_id"] for w in _approvals(leave_app, DIRECTOR).json()["waiting"]] == [
        request_id
    ]
    assert _decide_in_app(leave_app, request_id, "approve", as_=DIRECTOR).status == 200
    final = leave_app.wait_until_final(request_id)
    assert (final["status"], final["history"][-1]["by"]) == ("approved", DIRECTOR)


@pytest.mark.parametrize("follow_ups", [ESCALATION_ONLY])
def test_an_in_app_decision_before_the_escalation_writes_wins_and_nobody_else_is_asked(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = _workflow_dynamodb(monkeypatch).hold("update_item", when=_escalation_write)
    request_id = _submit(leave_app, EMPLOYEE, REQUEST)
    gate.wait_reached()  # the escalation is due and about to take the request

    assert _decide_in_app(leave_app, request_id, "approve", as_=MANAGER).status == 200
    gate.release()

    final = leave_app.wait_until_final(request_id)
    assert (final["status"], final["history"][-1]["by"]) == ("approved", MANAGER)
    assert [h["event"] for h in final["history"]] == ["submitted", "approved"]
    assert leave_app.emails_to(DIRECTOR) == []


def test_a_delegate_sees_the_absent_approvers_team_and_decides_for_them_in_the_app(
    leave_app: LeaveApp,
) -> None:
    ids = _team(leave_app)
    request_id = _submit(leave_app, EMPLOYEE, REQUEST)
    manager_link = leave_app.decision_link(request_id)
    # The manager goes away after the request came to them: it is still theirs (the sweep
    # has not handed it over), and it is now the deputy's to decide.
    assert leave_app.away(MANAGER, DEPUTY).status == 200

    view = _approvals(leave_app, DEPUTY).json()
    assert [(w["request_id"], w["standing_in_for"]) for w in view["waiting"]] == [
        (ids[TEAMMATE], MANAGER),
        (request_id, MANAGER),
    ]
    overlapping = view["waiting"][-1]["overlapping"]
    assert {one["employee_email"] for one in overlapping} == {COLLEAGUE, TEAMMATE}
    assert [team["approver_email"] for team in view["teams"]] == [MANAGER]

    assert _decide_in_app(leave_app, request_id, "approve", as_=DEPUTY).status == 200
    final = leave_app.wait_until_final(request_id)
    assert [(h["event"], h.get("by"), h.get("to_approver")) for h in final["history"]] == [
        ("submitted", None, None),
        ("reassigned", None, DEPUTY),
        ("approved", DEPUTY, None),
    ]
    assert leave_app.decide(manager_link, "approve").status == 409

    # A request made while the manager is away goes to the deputy at once; its page shows
    # the manager's team too.
    later = _submit(leave_app, TEAMMATE, OVERLAPPING)
    page = leave_app.open_link(leave_app.decision_link(later, DEPUTY))
    team = page.body.split('id="team"', 1)[1].split("</section>", 1)[0]
    assert f"Others in {MANAGER}&#39;s team on these days" in team
    assert COLLEAGUE in team
    assert EMPLOYEE in team
    assert OUTSIDER not in page.body


def test_a_decision_page_whose_team_cannot_be_read_still_shows_the_request(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    _join(leave_app, EMPLOYEE, MANAGER)
    request_id = _submit(leave_app, EMPLOYEE, REQUEST)
    dynamodb = FaultyDependency(boto3.client("dynamodb", region_name=REGION))
    dynamodb.inject("batch_get_item", Fault.THROTTLE)
    reads = DynamoDbTeamReads(leave_app.account.table_name, client=dynamodb)
    monkeypatch.setattr(decision, "team_reads", lambda: reads)

    page = leave_app.open_link(leave_app.decision_link(request_id))

    assert page.status == 200
    assert 'name="decision" value="approve"' in page.body
    assert "could not be read just now: reload this page" in page.body
    assert dynamodb.injected == [("batch_get_item", Fault.THROTTLE)]
