"""A Cognito app client setting that would lock every employee out on AWS locks them out of the
sandbox too, and the same way. The client's settings are one definition
(`components/app_client.py`), read by the stack's Cognito client and by the sandbox's hosted
sign-in; the employees' app signs in here with its script's own request, as it does there."""

import dataclasses
from pathlib import Path

import pytest

from components.app_client import TokenValidity, employees_app_client
from handlers.gateways.token_verifier import TokenVerifier
from sandbox.config import SandboxConfig
from sandbox.oidc_issuer import LocalIssuer
from sandbox.stack import hosted_sign_in as sandbox_sign_in
from tests.sandbox.sign_in_calls import (
    APP,
    CLIENT_ID,
    app_authorize_literals,
    hosted_sign_in,
    the_apps_sign_in,
)

EMPLOYEE = "kent@email.com"


@pytest.fixture(scope="module")
def verifier(issuer_url: str) -> TokenVerifier:
    """The submit function's verifier, configured as on AWS."""
    return TokenVerifier(issuer_url, CLIENT_ID)


def test_the_sandbox_signs_in_for_the_client_the_stack_creates(tmp_path: Path) -> None:
    config = SandboxConfig(port=8000, data_dir=tmp_path)

    assert sandbox_sign_in(config, tmp_path).client == employees_app_client(config.submit_url)


def test_as_deployed_the_app_signs_its_employees_in(
    issuer: LocalIssuer, verifier: TokenVerifier
) -> None:
    # What the app asks for, from its script: the code flow with PKCE, for who the person is.
    assert app_authorize_literals() == {
        "response_type": "code",
        "scope": "openid email",
        "code_challenge_method": "S256",
    }

    assert the_apps_sign_in(hosted_sign_in(issuer), verifier, EMPLOYEE) == EMPLOYEE


@pytest.mark.parametrize(
    ("change", "failure"),
    [
        # No ID token without openid; the app asks for it, and Cognito refuses a scope the
        # client does not allow.
        pytest.param(
            {"allowed_oauth_scopes": ("email",)},
            "back at the app with invalid_scope",
            id="openid-dropped",
        ),
        pytest.param(
            {"allowed_oauth_scopes": ("openid",)},
            "back at the app with invalid_scope",
            id="email-dropped",
        ),
        # A callback URL that is not the app's: Cognito does not send the browser back.
        pytest.param(
            {"callback_urls": ("https://elsewhere.example.com/live/",)},
            "(redirect_mismatch)",
            id="callback-elsewhere",
        ),
        pytest.param(
            {"callback_urls": (APP.rstrip("/"),)}, "(redirect_mismatch)", id="callback-no-slash"
        ),
        pytest.param(
            {"allowed_oauth_flows": ("implicit",)},
            "back at the app with unauthorized_client",
            id="implicit-only",
        ),
        pytest.param(
            {"supported_identity_providers": ("Google",)},
            "sign-in page 400",
            id="no-cognito-users",
        ),
        # Read attributes set without email: the app's email scope cannot be honoured.
        pytest.param(
            {"read_attributes": ("name", "email_verified")},
            "token endpoint: invalid_grant",
            id="email-unreadable",
        ),
        pytest.param(
            {"generate_secret": True}, "token endpoint: invalid_client", id="client-secret"
        ),
        pytest.param(
            {"explicit_auth_flows": ("ALLOW_USER_SRP_AUTH",), "allowed_oauth_flows": ()},
            "back at the app with unauthorized_client",
            id="no-oauth-flow",
        ),
    ],
)
def test_a_setting_that_locks_employees_out_on_aws_locks_them_out_here(
    issuer: LocalIssuer, verifier: TokenVerifier, change: dict[str, object], failure: str
) -> None:
    client = dataclasses.replace(employees_app_client(APP), **change)  # type: ignore[arg-type]

    outcome = the_apps_sign_in(hosted_sign_in(issuer, client), verifier, EMPLOYEE)

    assert failure in outcome, outcome


def test_a_setting_that_only_changes_how_long_tokens_last_still_signs_in(
    issuer: LocalIssuer, verifier: TokenVerifier
) -> None:
    client = dataclasses.replace(
        employees_app_client(APP),
        id_token_validity=TokenValidity(8, "hours"),
        read_attributes=("email", "email_verified"),
    )

    assert the_apps_sign_in(hosted_sign_in(issuer, client), verifier, EMPLOYEE) == EMPLOYEE
