"""Signing in through the sandbox's identity provider, checked by the submit function exactly
as the deployed stack checks Cognito's tokens."""

import json
from urllib.parse import urlencode

import pytest

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
    discovery = http("GET", url.rsplit("/", 1)[0] + "/.well-known/openid-configuration").json()
    assert discovery["issuer"] == url.rsplit("/", 1)[0]
    assert http("GET", discovery["jwks_uri"]).json()["keys"][0]["kty"] == "RSA"
