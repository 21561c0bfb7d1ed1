"""What a refused caller is told, exactly: the status, the body, Retry-After, a page's heading.

One of each kind of refusal the use cases raise (a submission, a delegation, an action on
one's own request, a decision), through the real entry points: how a refusal is shaped into
an answer may change inside, what people and scripts read may not.
"""

import dataclasses
import re
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from handlers import decision, workflow
from handlers.storage.leave_store import DynamoDbLeaveStore
from tests.integration.conftest import DEFAULT_APPROVER, SEED_PAYLOAD, LeaveApp
from tests.support.aws import REGION, Account
from tests.support.dates import from_today
from tests.support.faults import Fault, FaultyDependency, Gate
from tests.support.http_calls import HttpResponse, call, query_of

EMPLOYEE = SEED_PAYLOAD["employee_email"]


def _answer(response: HttpResponse) -> tuple[int, Any, str | None]:
    return response.status, response.json(), response.headers.get("retry-after")


def _heading(page: HttpResponse) -> str:
    match = re.search(r"<h1>(.*?)</h1>", page.body)
    assert match, page.body
    return match.group(1)


# -- a submission --------------------------------------------------------------------------------


def test_a_submission_too_long_names_the_field(leave_app: LeaveApp) -> None:
    too_long = {**SEED_PAYLOAD, "start_date": from_today(40), "end_date": from_today(80)}

    assert _answer(leave_app.submit(too_long)) == (
        422,
        {
            "message": "The leave request was refused.",
            "errors": [
                {
                    "field": "end_date",
                    # Every day works in these tests: 41 working days.
                    "problem": (
                        "the leave takes 41 working days; the most one request may take is 30"
                    ),
                }
            ],
        },
        None,
    )


def test_a_submission_for_someone_else_is_forbidden(leave_app: LeaveApp) -> None:
    answer = leave_app.submit(SEED_PAYLOAD, as_="other@email.com")

    assert _answer(answer) == (
        403,
        {
            "message": "The leave request was refused.",
            "errors": [
                {
                    "field": "employee_email",
                    "problem": "you are signed in as other@email.com: you may ask leave for "
                    "yourself only",
                }
            ],
        },
        None,
    )


def test_an_unreadable_idempotency_key_is_a_400(leave_app: LeaveApp) -> None:
    answer = leave_app.submit(SEED_PAYLOAD, headers={"Idempotency-Key": "k" * 129})

    assert _answer(answer) == (
        400,
        {
            "message": "The leave request was refused.",
            "errors": [
                {"field": "Idempotency-Key", "problem": "must be 1 to 128 printable characters"}
            ],
        },
        None,
    )


def test_the_sixth_pending_request_is_told_without_a_field(leave_app: LeaveApp) -> None:
    for week in range(5):
        dates = {"start_date": from_today(40 + 7 * week), "end_date": from_today(41 + 7 * week)}
        assert leave_app.submit({**SEED_PAYLOAD, **dates}).status == 202
    sixth = {**SEED_PAYLOAD, "start_date": from_today(90), "end_date": from_today(91)}

    assert _answer(leave_app.submit(sixth)) == (
        429,
        {
            "message": "The leave request was refused: you already have 5 leave requests "
            "waiting for a decision, the most one person may have: wait until one is decided "
            "before asking for more."
        },
        None,
    )


# -- a delegation --------------------------------------------------------------------------------


def test_a_delegation_to_oneself_names_the_field(leave_app: LeaveApp) -> None:
    answer = leave_app.away(DEFAULT_APPROVER, DEFAULT_APPROVER)

    assert _answer(answer) == (
        422,
        {
            "message": "The delegation was refused.",
            "errors": [{"field": "delegate_email", "problem": "must be someone other than you"}],
        },
        None,
    )


def test_a_delegation_in_a_circle_is_a_conflict(leave_app: LeaveApp) -> None:
    assert leave_app.away("deputy@email.com", DEFAULT_APPROVER).status == 200

    answer = leave_app.away(DEFAULT_APPROVER, "deputy@email.com")

    status, body, retry = _answer(answer)
    assert (status, body["message"], retry) == (409, "The delegation was refused.", None)
    assert [error["field"] for error in body["errors"]] == ["delegate_email"]


# -- an action on one's own request ---------------------------------------------------------------


def test_someone_elses_request_is_not_found(leave_app: LeaveApp) -> None:
    request_id = leave_app.submit(SEED_PAYLOAD).json()["request_id"]

    answer = leave_app.act(request_id, "withdraw", as_="other@email.com")

    assert _answer(answer) == (
        404,
        {"message": f"There is no leave request {request_id} of yours."},
        None,
    )


def test_cancelling_a_pending_request_is_a_conflict(leave_app: LeaveApp) -> None:
    request_id = leave_app.submit(SEED_PAYLOAD).json()["request_id"]
    leave_app.decision_link(request_id)

    assert _answer(leave_app.act(request_id, "cancel", as_=EMPLOYEE)) == (
        409,
        {"message": "This request is not decided yet: withdraw it instead."},
        None,
    )


@pytest.fixture
def callback_held(leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    """The workflow held just before it attaches the approval callback to the record."""
    client = FaultyDependency(boto3.client("dynamodb", region_name=REGION))
    steps = dataclasses.replace(
        workflow.leave_steps(), store=DynamoDbLeaveStore(Account().table_name, client=client)
    )
    monkeypatch.setattr(workflow, "leave_steps", lambda: steps)
    gate = client.hold("update_item", when=lambda a: "callback" in a["UpdateExpression"])
    yield gate
    gate.release()


def test_withdrawing_before_the_approver_is_asked_is_told_when_to_retry(
    leave_app: LeaveApp, callback_held: Gate
) -> None:
    request_id = leave_app.submit(SEED_PAYLOAD).json()["request_id"]
    callback_held.wait_reached()

    assert _answer(leave_app.act(request_id, "withdraw", as_=EMPLOYEE)) == (
        503,
        {
            "message": "This request is still being sent to your approver: try again in a few "
            "seconds."
        },
        "5",
    )


# -- a decision ----------------------------------------------------------------------------------


def test_a_forged_link_is_refused_as_json_and_as_a_page(leave_app: LeaveApp) -> None:
    request_id = leave_app.submit(SEED_PAYLOAD).json()["request_id"]
    token = query_of(leave_app.decision_link(request_id))["token"] + "x"

    as_json = call(decision.handler, "POST", "/", json={"token": token, "decision": "approve"})
    page = call(decision.handler, "GET", "/", query={"token": token})

    status, body, retry = _answer(as_json)
    assert (status, retry) == (403, None)
    assert body["message"].startswith("This link is not valid: ")
    assert (page.status, _heading(page)) == (403, "Link not valid")


def test_a_decided_request_answers_who_decided_it(leave_app: LeaveApp) -> None:
    request_id = leave_app.submit(SEED_PAYLOAD).json()["request_id"]
    link = leave_app.decision_link(request_id)
    assert leave_app.decide(link, "reject").status == 200
    leave_app.wait_until_final(request_id)

    again = leave_app.decide(link, "approve", as_json=True)
    page = leave_app.open_link(link)

    assert _answer(again) == (
        409,
        {"message": "This request was already rejected by you."},
        None,
    )
    assert (page.status, _heading(page)) == (409, "Already decided")


def test_a_withdrawn_request_has_nothing_to_decide(leave_app: LeaveApp) -> None:
    request_id = leave_app.submit(SEED_PAYLOAD).json()["request_id"]
    link = leave_app.decision_link(request_id)
    assert leave_app.act(request_id, "withdraw", as_=EMPLOYEE).status in (200, 202)
    leave_app.wait_until_final(request_id)

    page = leave_app.open_link(link)

    assert (page.status, _heading(page)) == (409, "Nothing to decide")


def test_a_request_whose_workflow_broke_is_closed(leave_app: LeaveApp) -> None:
    request_id = leave_app.submit(SEED_PAYLOAD).json()["request_id"]
    link = leave_app.decision_link(request_id)
    leave_app.stop_and_settle(request_id)

    page = leave_app.open_link(link)
    as_json = leave_app.decide(link, "approve", as_json=True)

    assert (page.status, _heading(page)) == (410, "Request closed")
    assert _answer(as_json) == (
        410,
        {
            "message": "This request could not be processed and was closed: there is nothing "
            "to decide. Its employee was told to submit it again."
        },
        None,
    )


def test_a_decision_an_aws_call_failed_is_told_to_retry_in_30_seconds(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    request_id = leave_app.submit(SEED_PAYLOAD).json()["request_id"]
    link = leave_app.decision_link(request_id)
    wired = decision.decider()
    dynamodb = FaultyDependency(boto3.client("dynamodb", region_name=REGION))
    dynamodb.inject("get_item", Fault.THROTTLE, times=2)
    store = DynamoDbLeaveStore(Account().table_name, client=dynamodb)
    monkeypatch.setattr(decision, "decider", lambda: dataclasses.replace(wired, store=store))

    as_json = leave_app.decide(link, "approve", as_json=True)
    page = leave_app.open_link(link)

    assert _answer(as_json) == (
        503,
        {
            "message": "The service is busy: your decision was not recorded. Please try again "
            "in a minute."
        },
        "30",
    )
    assert (page.status, _heading(page), page.headers["retry-after"]) == (
        503,
        "Please try again",
        "30",
    )


@pytest.mark.parametrize("approval_timeout", [2])
def test_an_expired_request_is_too_late(leave_app: LeaveApp) -> None:
    request_id = leave_app.submit(SEED_PAYLOAD).json()["request_id"]
    link = leave_app.decision_link(request_id)
    leave_app.wait_until_final(request_id)

    page = leave_app.open_link(link)

    assert (page.status, _heading(page)) == (410, "Too late")
