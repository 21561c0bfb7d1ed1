"""Employees are who their sign-in says: tokens are checked, a request is private to the two
people it concerns, ids cannot be computed, and one person cannot flood the approvers."""

import base64
import dataclasses
import json
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from handlers import submit
from handlers.aws_clients import aws_client
from handlers.gateways.token_verifier import TokenVerifier
from handlers.submit_routes import wiring as submit_wiring
from sandbox.oidc_issuer import ID_KEY_ID
from tests.integration.conftest import DEFAULT_APPROVER, OIDC_AUDIENCE, SEED_PAYLOAD, LeaveApp
from tests.support.aws import sent_emails
from tests.support.dates import from_today
from tests.support.http_calls import HttpResponse, call, rest_api_event

EMPLOYEE = SEED_PAYLOAD["employee_email"]
KENT = "kent@email.com"
# The issuer URL of a Cognito user pool, whose tokens always carry `token_use`.
COGNITO_ISSUER = "https://cognito-idp.us-east-2.amazonaws.com/us-east-2_Leave1234"


def _refused_unsigned(response: HttpResponse, error: str | None) -> None:
    assert response.status == 401, response.body
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith('Bearer realm="leave-approvals"')
    assert (f'error="{error}"' in challenge) if error else ("error=" not in challenge)
    assert response.json()["message"].startswith("Not signed in: ")


def _with_token(app: LeaveApp, token: str) -> HttpResponse:
    return app.submit(SEED_PAYLOAD, headers={"authorization": f"Bearer {token}"})


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["email"] = "ceo@email.com"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def _unsigned(app: LeaveApp) -> str:
    claims = jwt.decode(app.issuer.token(EMPLOYEE), options={"verify_signature": False})
    # No key: PyJWT takes "" as none, for the "none" algorithm.
    return jwt.encode(claims, key="", algorithm="none", headers={"kid": ID_KEY_ID})


def _another_key() -> rsa.RSAPrivateKey:
    """A key of the right shape that our issuer never published."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_without_a_token_nothing_happens_and_the_caller_is_asked_to_sign_in(
    leave_app: LeaveApp,
) -> None:
    _refused_unsigned(leave_app.submit(SEED_PAYLOAD, headers={"authorization": ""}), None)
    _refused_unsigned(
        leave_app.submit(SEED_PAYLOAD, headers={"authorization": "Basic ZW1wbG95ZWU6"}), None
    )
    assert leave_app.workflow.executions == {}
    assert sent_emails() == []


@pytest.mark.parametrize(
    ("make_token", "problem"),
    [
        pytest.param(
            lambda app: app.issuer.token(EMPLOYEE, lifetime=-120), "expired", id="expired"
        ),
        pytest.param(_unsigned, "not valid", id="alg-none"),
        pytest.param(lambda app: _tampered(app.issuer.token(EMPLOYEE)), "not valid", id="altered"),
        pytest.param(
            lambda app: app.issuer.token(EMPLOYEE, aud="another-app"),
            "another application",
            id="wrong-audience",
        ),
        pytest.param(
            lambda app: app.issuer.token(EMPLOYEE, iss="https://evil.example.com"),
            "another issuer",
            id="wrong-issuer",
        ),
        pytest.param(
            lambda app: dataclasses.replace(app.issuer, key=_another_key()).token(EMPLOYEE),
            "not valid",
            id="someone-elses-key",
        ),
        pytest.param(
            lambda app: app.issuer.token(EMPLOYEE, email_verified=False),
            "not verified",
            id="unverified-email",
        ),
        pytest.param(lambda app: "not.a.jwt", "not signed", id="garbage"),
    ],
)
def test_a_token_that_proves_nothing_is_a_401_naming_why(
    leave_app: LeaveApp, make_token: Callable[[LeaveApp], str], problem: str
) -> None:
    answer = _with_token(leave_app, make_token(leave_app))

    _refused_unsigned(answer, "invalid_token")
    assert problem in answer.json()["message"]
    assert leave_app.workflow.executions == {}


def test_the_employee_is_the_tokens_and_may_go_unnamed(leave_app: LeaveApp) -> None:
    body = {k: v for k, v in SEED_PAYLOAD.items() if k != "employee_email"}
    answer = leave_app.submit(body, as_="alice@email.com")

    assert answer.status == 202, answer.body
    record = leave_app.status(answer.json()["request_id"], as_="alice@email.com").json()
    assert record["employee_email"] == "alice@email.com"
    assert record["approver_email"] == "carol@email.com"


def test_asking_leave_for_someone_else_is_a_403(leave_app: LeaveApp) -> None:
    answer = leave_app.submit(SEED_PAYLOAD, as_="mallory@email.com")

    assert answer.status == 403
    (error,) = answer.json()["errors"]
    assert error["field"] == "employee_email"
    assert "signed in as mallory@email.com" in error["problem"]
    assert leave_app.workflow.executions == {}


def test_a_request_is_seen_by_its_employee_and_its_approver_only(leave_app: LeaveApp) -> None:
    request_id = leave_app.submit(SEED_PAYLOAD).json()["request_id"]

    assert leave_app.status(request_id, as_=EMPLOYEE).status == 200
    assert leave_app.status(request_id, as_=DEFAULT_APPROVER).status == 200
    stranger = leave_app.status(request_id, as_="mallory@email.com")
    missing = leave_app.status("lr-" + "a" * 26, as_="mallory@email.com")
    # Not 403: a stranger cannot even learn that the request exists.
    assert (stranger.status, missing.status) == (404, 404)
    assert "approver" not in stranger.body
    unsigned = call(submit.handler, "GET", f"/requests/{request_id}", via=rest_api_event)
    _refused_unsigned(unsigned, None)


def test_request_ids_are_keyed_with_the_stacks_secret(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = {"Idempotency-Key": "same"}
    first = leave_app.submit(SEED_PAYLOAD, headers=dict(key)).json()["request_id"]
    wired = submit_wiring.submitter()
    other_secret = dataclasses.replace(wired, id_key=lambda: b"another stack's secret")
    monkeypatch.setattr(submit_wiring, "submitter", lambda: other_secret)
    moved = {**SEED_PAYLOAD, "start_date": from_today(66), "end_date": from_today(67)}
    # The same employee and key under another secret: another id (and so no key clash).
    second = leave_app.submit(moved, headers=dict(key))

    assert second.status == 202, second.body
    assert second.json()["request_id"] != first


def test_one_employee_may_have_five_requests_waiting_and_no_more(leave_app: LeaveApp) -> None:
    ids = []
    for month in range(1, 6):
        body = {
            **SEED_PAYLOAD,
            "start_date": from_today(30 * month),
            "end_date": from_today(30 * month + 1),
        }
        answer = leave_app.submit(body)
        assert answer.status == 202, answer.body
        ids.append(answer.json()["request_id"])

    sixth = leave_app.submit(
        {**SEED_PAYLOAD, "start_date": from_today(207), "end_date": from_today(207)}
    )

    assert sixth.status == 429
    assert "5 leave requests waiting for a decision" in sixth.json()["message"]
    leave_app.settle()
    assert leave_app.decide(leave_app.decision_link(ids[0]), "approve").status == 200
    leave_app.wait_until_final(ids[0])
    again = leave_app.submit(
        {**SEED_PAYLOAD, "start_date": from_today(207), "end_date": from_today(207)}
    )
    assert again.status == 202


def test_an_identity_provider_out_of_reach_is_a_503_not_a_401(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    unreachable = TokenVerifier(
        leave_app.issuer.issuer_url, leave_app.issuer.audience, "http://127.0.0.1:9/jwks.json"
    )
    monkeypatch.setattr(submit_wiring, "verifier", lambda: unreachable)

    answer = leave_app.submit(SEED_PAYLOAD)

    assert answer.status == 503
    assert answer.headers["retry-after"]


def _stored_items(app: LeaveApp) -> list[dict[str, object]]:
    items: list[dict[str, object]] = aws_client("dynamodb").scan(TableName=app.account.table_name)[
        "Items"
    ]
    return items


def _as_bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def _every_employee_call(token: str, request_id: str) -> list[HttpResponse]:
    """What a signed-in person may do with the API: submit, list, read, feed, delegate."""
    unnamed = {k: v for k, v in SEED_PAYLOAD.items() if k != "employee_email"}
    headers = _as_bearer(token)
    return [
        call(submit.handler, "POST", "/", via=rest_api_event, headers=headers, json=unnamed),
        call(submit.handler, "GET", "/requests", via=rest_api_event, headers=headers),
        call(submit.handler, "GET", f"/requests/{request_id}", via=rest_api_event, headers=headers),
        call(submit.handler, "GET", "/calendar", via=rest_api_event, headers=headers),
        call(submit.handler, "GET", "/delegation", via=rest_api_event, headers=headers),
        call(
            submit.handler,
            "POST",
            f"/requests/{request_id}/withdraw",
            via=rest_api_event,
            headers=headers,
        ),
    ]


@pytest.mark.parametrize(
    ("claims", "problem"),
    [
        pytest.param(
            {"email": "\u212aent@email.com"}, "not plain ASCII", id="kelvin-sign-lookalike"
        ),
        pytest.param(
            {"email": "\uff4bent@email.com"}, "not plain ASCII", id="full-width-lookalike"
        ),
        pytest.param(
            {"email": f"{KENT}\r\nBcc: everyone@email.com"},
            "control character",
            id="CRLF-in-the-claim",
        ),
        pytest.param({"email": f"{KENT}\n"}, "control character", id="trailing-LF"),
        pytest.param({"email_verified": False}, "not verified", id="email-not-verified"),
        pytest.param({"email_verified": "false"}, "not verified", id="email-verified-false-text"),
        pytest.param({"email_verified": None}, "not verified", id="email-verified-missing"),
        pytest.param(
            # Cognito's access token: no audience, no email, the client in `client_id`.
            {"token_use": "access", "aud": None, "email": None, "client_id": OIDC_AUDIENCE},
            "not an ID token",
            id="cognito-access-token",
        ),
        pytest.param({"token_use": "access"}, "not an ID token", id="access-token-with-an-email"),
        pytest.param(
            {"aud": [OIDC_AUDIENCE, "another-app"]},
            "names none as its holder (azp)",
            id="audience-list-without-azp",
        ),
        pytest.param(
            {"aud": [OIDC_AUDIENCE, "another-app"], "azp": "another-app"},
            "given to another application (azp)",
            id="audience-list-with-anothers-azp",
        ),
    ],
)
def test_a_token_that_could_pass_for_someone_else_gets_a_401_and_nothing_of_anyones(
    leave_app: LeaveApp, claims: dict[str, Any], problem: str
) -> None:
    unnamed = {k: v for k, v in SEED_PAYLOAD.items() if k != "employee_email"}
    kents = leave_app.submit({**unnamed, "reason": "knee surgery"}, as_=KENT)
    assert kents.status == 202, kents.body
    request_id = kents.json()["request_id"]
    leave_app.settle()
    stored, emails = _stored_items(leave_app), len(sent_emails())

    hostile = leave_app.issuer.token(KENT, **claims)
    answers = _every_employee_call(hostile, request_id)

    for answer in answers:
        _refused_unsigned(answer, "invalid_token")
        assert problem in answer.json()["message"]
        assert problem in answer.headers["www-authenticate"]
        assert "\r" not in answer.headers["www-authenticate"]
        assert "knee surgery" not in answer.body
        assert request_id not in answer.body
    assert _stored_items(leave_app) == stored
    assert len(leave_app.workflow.executions) == 1
    assert len(sent_emails()) == emails
    # Kent's own token still opens his request: only the impostor was turned away.
    assert leave_app.status(request_id, as_=KENT).json()["reason"] == "knee surgery"


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({"email_verified": "true"}, id="cognito-email-verified-text"),
        pytest.param({"aud": [OIDC_AUDIENCE, "another-app"], "azp": OIDC_AUDIENCE}, id="azp"),
        pytest.param({"azp": OIDC_AUDIENCE}, id="one-audience-and-its-azp"),
        pytest.param({"token_use": None}, id="another-idp-without-token-use"),
        pytest.param({"email": "Kent@Email.com"}, id="capitals"),
    ],
)
def test_a_genuine_id_token_is_its_verified_address(
    leave_app: LeaveApp, claims: dict[str, Any]
) -> None:
    token = leave_app.issuer.token(KENT, **claims)

    answer = call(submit.handler, "GET", "/requests", via=rest_api_event, headers=_as_bearer(token))

    assert answer.status == 200, answer.body
    body = {k: v for k, v in SEED_PAYLOAD.items() if k != "employee_email"}
    submitted = leave_app.submit(body, headers=_as_bearer(token))
    assert submitted.status == 202, submitted.body
    assert leave_app.status(submitted.json()["request_id"], as_=KENT).status == 200


def _cognito(app: LeaveApp, monkeypatch: pytest.MonkeyPatch) -> LeaveApp:
    """The same service signing people in at a Cognito user pool (its keys are the issuer's)."""
    pool = dataclasses.replace(app.issuer, issuer_url=COGNITO_ISSUER)
    verifier = TokenVerifier(COGNITO_ISSUER, pool.audience, app.issuer.jwks_url)
    monkeypatch.setattr(submit_wiring, "verifier", lambda: verifier)
    return dataclasses.replace(app, issuer=pool)


def test_a_cognito_token_must_say_it_is_an_id_token(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    cognito = _cognito(leave_app, monkeypatch)

    unmarked = _with_token(cognito, cognito.issuer.token(EMPLOYEE, token_use=None))
    marked = _with_token(cognito, cognito.issuer.token(EMPLOYEE))

    _refused_unsigned(unmarked, "invalid_token")
    assert "not an ID token" in unmarked.json()["message"]
    assert marked.status == 202, marked.body
    assert len(leave_app.workflow.executions) == 1
