"""Signing in through the sandbox's identity provider, checked by the submit function exactly
as the deployed stack checks Cognito's tokens."""

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import jwt
import pytest

from sandbox.config import HOSTED_SIGN_IN_PATH
from sandbox.oidc_issuer import LocalIssuer
from tests.e2e.harness import APPROVER, SandboxClient, changed, employee_api, http
from tests.support.dates import from_today

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("sandbox-flows")]

PAYLOAD = {
    "employee_email": "signed@email.com",
    "start_date": from_today(303),
    "end_date": from_today(304),
}


def _post(sandbox: SandboxClient, headers: dict[str, str]) -> tuple[int, dict[str, str], str]:
    answer = employee_api(
        "POST",
        sandbox.outputs["submit_url"],
        json.dumps(PAYLOAD).encode(),
        {"Content-Type": "application/json", **headers},
    )
    return answer.status, answer.headers, answer.body


def test_only_a_signed_in_employee_submits_for_themself(flows_sandbox: SandboxClient) -> None:
    sandbox = flows_sandbox
    before = sandbox.figures()
    status, headers, _ = _post(sandbox, {})
    assert status == 401
    assert headers["www-authenticate"] == 'Bearer realm="leave-approvals"'

    forged = sandbox.token(PAYLOAD["employee_email"])[:-4] + "AAAA"
    status, headers, _ = _post(sandbox, {"Authorization": f"Bearer {forged}"})
    assert status == 401
    assert 'error="invalid_token"' in headers["www-authenticate"]

    someone = sandbox.token("mallory@email.com")
    status, _, body = _post(sandbox, {"Authorization": f"Bearer {someone}"})
    assert status == 403
    assert "signed in as mallory@email.com" in body

    answer = sandbox.submit(PAYLOAD)
    assert answer.status == 202, answer.body
    request_id = answer.json()["request_id"]
    sandbox.wait_for_email(APPROVER, request_id, "Leave to approve")
    assert sandbox.status(request_id)["employee_email"] == PAYLOAD["employee_email"]
    assert sandbox.status(request_id, as_=APPROVER)["status"] == "pending"
    stranger = employee_api(
        "GET",
        f"{sandbox.outputs['submit_url']}requests/{request_id}",
        headers={"Authorization": f"Bearer {someone}"},
    )
    assert stranger.status == 404
    # Its metrics (three refusals, a submission, two emails) land before the next test's figures.
    sandbox.wait_for_figures(
        changed(before, submitted=1, emails_sent=2, inputs_rejected=3), at_least=True
    )


def test_the_sandbox_signs_in_only_addresses_at_allowed_domains(
    flows_sandbox: SandboxClient,
) -> None:
    url = flows_sandbox.outputs["token_url"]
    refused = http("GET", f"{url}?{urlencode({'email': 'eve@elsewhere.org'})}")
    assert refused.status == 422
    assert "email.com" in refused.json()["message"]
    for lookalike in ("\u212aent@email.com", "kent@email.com\r\nBcc: all@email.com"):
        answer = http("GET", f"{url}?{urlencode({'email': lookalike})}")
        assert answer.status == 422, answer.body
    signed = jwt.decode(flows_sandbox.token("kent@email.com"), options={"verify_signature": False})
    issuer = signed["iss"]
    discovery = http("GET", f"{issuer}/.well-known/openid-configuration").json()
    assert discovery["issuer"] == issuer
    # Where Cognito publishes a pool's keys, and where the submit function is told to look.
    assert discovery["jwks_uri"] == f"{issuer}/.well-known/jwks.json"
    assert http("GET", discovery["jwks_uri"]).json()["keys"][0]["kty"] == "RSA"


def test_its_tokens_are_cognitos_id_tokens(flows_sandbox: SandboxClient) -> None:
    claims = jwt.decode(flows_sandbox.token("kent@email.com"), options={"verify_signature": False})

    assert claims["token_use"] == "id"
    assert claims["email_verified"] is True
    assert claims["cognito:username"] == claims["sub"]
    assert {"aud", "auth_time", "iss", "exp", "iat", "jti", "origin_jti", "event_id"} <= (
        claims.keys()
    )


def _signed_by_the_sandbox(
    sandbox: SandboxClient, claims_for: Callable[[str], dict[str, Any]]
) -> str:
    """A token the sandbox's issuer signed with claims `claims_for` (given our client id): what an
    identity provider that let people choose their address, or mixed up its tokens, issues."""
    genuine = jwt.decode(sandbox.token("kent@email.com"), options={"verify_signature": False})
    hosted_sign_in = sandbox.home_url.rstrip("/") + HOSTED_SIGN_IN_PATH
    issuer = LocalIssuer.in_directory(
        sandbox.process.data_dir, genuine["iss"], genuine["aud"], hosted_sign_in
    )
    return issuer.token("kent@email.com", **claims_for(genuine["aud"]))


@pytest.mark.parametrize(
    ("claims_for", "problem"),
    [
        pytest.param(
            lambda _: {"email": "\u212aent@email.com"}, "not plain ASCII", id="kelvin-sign"
        ),
        pytest.param(
            lambda _: {"email": "kent@email.com\r\nBcc: x@email.com"}, "control", id="CRLF"
        ),
        pytest.param(lambda _: {"token_use": "access"}, "not an ID token", id="access-token"),
        pytest.param(
            lambda client: {"aud": [client, "another-app"]}, "(azp)", id="aud-list-without-azp"
        ),
    ],
)
def test_a_signed_token_that_could_pass_for_someone_else_is_a_401(
    flows_sandbox: SandboxClient, claims_for: Callable[[str], dict[str, Any]], problem: str
) -> None:
    hostile = {"Authorization": f"Bearer {_signed_by_the_sandbox(flows_sandbox, claims_for)}"}

    for path in ("requests", "calendar"):
        answer = employee_api("GET", flows_sandbox.outputs["submit_url"] + path, headers=hostile)
        assert answer.status == 401, answer.body
        assert problem in answer.headers["www-authenticate"]
