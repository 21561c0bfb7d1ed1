"""The decision endpoint: only the approver's genuine, current link decides, and only once."""

import dataclasses
import time
from collections.abc import Callable
from typing import Any

import pytest

from handlers import decision
from handlers.domain.decision_token import DecisionToken, sign_token
from handlers.gateways.workflow_service import WorkflowService
from tests.integration.conftest import DEFAULT_APPROVER, SEED_PAYLOAD, LeaveApp
from tests.support.aws import Account
from tests.support.http_calls import HttpResponse, call, query_of

EMPLOYEE = SEED_PAYLOAD["employee_email"]


def _pending(app: LeaveApp) -> tuple[str, str]:
    request_id = app.submit(SEED_PAYLOAD).json()["request_id"]
    return request_id, app.decision_link(request_id)


def _link_for(token: DecisionToken, key: str = Account().signing_key) -> str:
    return f"https://decide/?token={sign_token(token, key.encode())}"


def _still_pending(app: LeaveApp, request_id: str) -> None:
    assert app.status(request_id).json()["status"] == "pending"
    assert len(app.emails_to(EMPLOYEE)) == 1


def test_opening_the_link_shows_the_request_and_changes_nothing(leave_app: LeaveApp) -> None:
    request_id, link = _pending(leave_app)

    for _ in range(2):  # mail scanners open links too
        page = leave_app.open_link(link)
        assert page.status == 200
        assert page.headers["content-type"].startswith("text/html")
        assert EMPLOYEE in page.body
        assert 'name="decision" value="approve"' in page.body
        assert page.headers["referrer-policy"] == "no-referrer"

    _still_pending(leave_app, request_id)


def test_a_rejection_from_the_page_is_confirmed_on_a_page_of_its_own(leave_app: LeaveApp) -> None:
    request_id, link = _pending(leave_app)
    token = query_of(link)["token"]
    first = {"token": token, "decision": "reject", "comment": "Team is short that week"}

    check = call(decision.handler, "POST", "/", form=first)

    # Nothing is decided yet: the page asks, keeping the comment, and offers a way back.
    assert check.status == 200
    assert "Reject this leave?" in check.body
    assert 'name="confirmed" value="yes"' in check.body
    assert "Team is short that week</textarea>" in check.body
    assert f'href="?token={token}"' in check.body
    _still_pending(leave_app, request_id)

    done = call(decision.handler, "POST", "/", form={**first, "confirmed": "yes"})

    assert done.status == 200
    assert "You rejected the leave" in done.body
    assert leave_app.wait_until_final(request_id)["status"] == "rejected"


def test_an_approval_needs_no_confirmation_and_says_what_happens_next(leave_app: LeaveApp) -> None:
    request_id, link = _pending(leave_app)

    approve = {"token": query_of(link)["token"], "decision": "approve"}
    done = call(decision.handler, "POST", "/", form=approve)

    assert done.status == 200
    assert "You approved the leave" in done.body
    assert "What happens next" in done.body
    assert leave_app.wait_until_final(request_id)["status"] == "approved"


def test_a_link_without_a_token_is_a_400_page(leave_app: LeaveApp) -> None:
    page = call(decision.handler, "GET", "/")
    assert page.status == 400
    assert "no token" in page.body


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda t: t[:-1] + ("B" if t.endswith("A") else "A"), id="altered-signature"),
        pytest.param(lambda t: "x" + t[1:], id="altered-payload"),
        pytest.param(lambda t: "not-a-token", id="forged"),
    ],
)
def test_a_forged_or_altered_link_is_a_403(
    leave_app: LeaveApp, tamper: Callable[[str], str]
) -> None:
    request_id, link = _pending(leave_app)
    token = tamper(query_of(link)["token"])

    assert call(decision.handler, "GET", "/", query={"token": token}).status == 403
    response = call(decision.handler, "POST", "/", form={"token": token, "decision": "approve"})

    assert response.status == 403
    assert "not valid" in response.body
    _still_pending(leave_app, request_id)


def test_a_link_signed_with_another_key_is_a_403(leave_app: LeaveApp) -> None:
    request_id, _ = _pending(leave_app)
    forged = _link_for(
        DecisionToken(request_id, DEFAULT_APPROVER, int(time.time()) + 600), "guessed"
    )

    assert leave_app.decide(forged, "approve").status == 403
    _still_pending(leave_app, request_id)


def test_a_genuine_link_for_someone_who_is_not_the_approver_is_a_403(leave_app: LeaveApp) -> None:
    request_id, _ = _pending(leave_app)
    other = _link_for(DecisionToken(request_id, EMPLOYEE, int(time.time()) + 600))

    response = leave_app.decide(other, "approve", as_json=True)

    assert response.status == 403
    assert "not for the approver" in response.json()["message"]
    _still_pending(leave_app, request_id)


def test_an_expired_link_is_a_410(leave_app: LeaveApp) -> None:
    request_id, _ = _pending(leave_app)
    stale = _link_for(DecisionToken(request_id, DEFAULT_APPROVER, int(time.time()) - 1))

    assert leave_app.open_link(stale).status == 410
    assert leave_app.decide(stale, "approve").status == 410
    _still_pending(leave_app, request_id)


def test_deciding_twice_is_a_409_that_names_the_first_decision(leave_app: LeaveApp) -> None:
    request_id, link = _pending(leave_app)
    assert leave_app.decide(link, "approve").status == 200
    leave_app.wait_until_final(request_id)

    again = leave_app.decide(link, "reject")

    assert again.status == 409
    # Their own decision: "by you".
    assert "already approved by you" in again.body
    assert leave_app.open_link(link).status == 409
    assert leave_app.status(request_id).json()["status"] == "approved"


def test_the_same_decision_sent_again_after_it_was_recorded_is_a_success(
    leave_app: LeaveApp,
) -> None:
    # An approver whose answer was lost tries again, after the workflow recorded the outcome.
    request_id, link = _pending(leave_app)
    assert leave_app.decide(link, "approve").status == 200
    leave_app.wait_until_final(request_id)

    again = leave_app.decide(link, "approve", as_json=True)

    assert again.status == 200, again.body
    assert again.json() == {"request_id": request_id, "decision": "approve"}
    assert leave_app.status(request_id).json()["status"] == "approved"
    assert len(leave_app.emails_to(SEED_PAYLOAD["employee_email"])) == 2


class RivalAroundFirstCallback:
    """Runs a rival decision just before, or just after, the first one's callback goes out.

    Those are the two orders two approvers racing can take: the callback API takes one result
    per callback, so whoever reaches it first wins, and the other is told it was decided. (A
    thread race cannot pin the order down; this does.)
    """

    def __init__(
        self, inner: WorkflowService, rival: Callable[[], HttpResponse], before: bool
    ) -> None:
        self._inner = inner
        self._rival: Callable[[], HttpResponse] | None = rival
        self._before = before
        self.rival_response: HttpResponse | None = None

    def _run_rival(self) -> None:
        if self._rival is not None:
            rival, self._rival = self._rival, None
            self.rival_response = rival()

    def _around(self, send: Callable[[], None]) -> None:
        if self._before:
            self._run_rival()
        send()
        self._run_rival()

    def start(self, execution_name: str, payload: dict[str, Any]) -> None:
        self._inner.start(execution_name, payload)

    def is_alive(self, execution_name: str) -> bool:
        return self._inner.is_alive(execution_name)

    def succeed_callback(self, callback_id: str, result: str) -> None:
        self._around(lambda: self._inner.succeed_callback(callback_id, result))

    def fail_callback(self, callback_id: str, error_type: str, message: str, data: str) -> None:
        self._around(lambda: self._inner.fail_callback(callback_id, error_type, message, data))


@pytest.mark.parametrize("rival_first", [True, False], ids=["rival-first", "rival-second"])
@pytest.mark.parametrize(("first", "rival"), [("approve", "reject"), ("reject", "approve")])
def test_of_two_racing_decisions_exactly_one_wins(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch, first: str, rival: str, rival_first: bool
) -> None:
    request_id, link = _pending(leave_app)
    wired = decision.decider()
    racing = RivalAroundFirstCallback(
        wired.workflow, lambda: leave_app.decide(link, rival, as_json=True), before=rival_first
    )
    monkeypatch.setattr(decision, "decider", lambda: dataclasses.replace(wired, workflow=racing))

    first_response = leave_app.decide(link, first, as_json=True)

    assert racing.rival_response is not None
    winner, loser = (rival, first) if rival_first else (first, rival)
    responses = {first: first_response, rival: racing.rival_response}
    assert (responses[winner].status, responses[loser].status) == (200, 409)
    final = leave_app.wait_until_final(request_id)
    assert final["status"] == {"approve": "approved", "reject": "rejected"}[winner]
    assert len(leave_app.emails_to(EMPLOYEE)) == 2


def test_a_json_decision_is_answered_in_json(leave_app: LeaveApp) -> None:
    request_id, link = _pending(leave_app)

    response = leave_app.decide(link, "reject", comment="  ", as_json=True)

    assert response.status == 200
    assert response.json() == {"request_id": request_id, "decision": "reject"}
    history = leave_app.wait_until_final(request_id)["history"]
    assert "comment" not in history[-1]


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"decision": "approve"}, "token"),
        ({"token": "abc.def", "decision": "maybe"}, "decision"),
        ({"token": "abc.def", "decision": "approve", "comment": "x" * 1001}, "comment"),
    ],
)
def test_a_malformed_decision_is_a_422_naming_the_field(
    leave_app: LeaveApp, form: dict[str, str], field: str
) -> None:
    response = call(decision.handler, "POST", "/", json=form)

    assert response.status == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_a_decision_body_that_is_not_json_is_a_400(leave_app: LeaveApp) -> None:
    response = call(
        decision.handler, "POST", "/", body="{", headers={"content-type": "application/json"}
    )
    assert response.status == 400


def test_a_link_sent_before_a_key_rotation_still_decides_during_it(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    request_id, link = _pending(leave_app)
    wired = decision.decider()
    old_key = wired.signing_keys()[0]
    new_key = b"the key after the rotation, 32 chars or more"
    without_previous = dataclasses.replace(wired, signing_keys=lambda: [new_key])
    monkeypatch.setattr(decision, "decider", lambda: without_previous)
    assert leave_app.open_link(link).status == 403

    rotating = dataclasses.replace(wired, signing_keys=lambda: [new_key, old_key])
    monkeypatch.setattr(decision, "decider", lambda: rotating)

    assert leave_app.decide(link, "approve").status == 200
    assert leave_app.wait_until_final(request_id)["status"] == "approved"


HSTS = "max-age=31536000; includeSubDomains"


def test_every_decision_answer_is_never_stored_and_keeps_browsers_on_https(
    leave_app: LeaveApp,
) -> None:
    request_id, link = _pending(leave_app)
    token = query_of(link)["token"]
    answers = {
        "the page": leave_app.open_link(link),
        "a 422": call(decision.handler, "POST", "/", json={"token": token}),
        "a 403": call(decision.handler, "GET", "/", query={"token": token + "x"}),
        "the decision's JSON": leave_app.decide(link, "approve", as_json=True),
        "a 404": call(decision.handler, "GET", "/elsewhere"),
    }
    for what, answer in answers.items():
        assert answer.headers.get("cache-control") == "no-store", what
        assert answer.headers.get("strict-transport-security") == HSTS, what
    assert answers["the decision's JSON"].json() == {
        "request_id": request_id,
        "decision": "approve",
    }

    # The sandbox's plain-HTTP front: no HSTS, which a browser would ignore there anyway.
    plain = call(
        decision.handler, "GET", "/", query={"token": token}, headers={"x-forwarded-proto": "http"}
    )
    assert plain.headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in plain.headers
