"""Sign-in: the stack's own Cognito user pool by default, or the company's issuer, and the
submit function told which to trust."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from components.app_client import employees_app_client
from components.config import ExternalIdentityProvider, Mfa
from components.leave_service import LeaveService, LeaveServiceArgs
from components.naming import Naming
from handlers.settings import SubmitSettings
from tests.pulumi.mocks import ACCOUNT, REGION, Deployment, run
from tests.pulumi.support import NAMING, service_config, tiny_packages

SUBMIT = "leave-submit-function"


def deploy(directory: Path, **config: Any) -> Deployment:
    def program() -> dict[str, Any]:
        service = LeaveService(
            "leave",
            LeaveServiceArgs(
                config=service_config(**config), naming=NAMING, packages=tiny_packages(directory)
            ),
        )
        pool = service.sign_in.user_pool
        return {
            "user_pool_id": pool.id if pool else None,
            "client_id": service.sign_in.audience,
            "sign_in_url": service.sign_in.sign_in_url,
            "submit_url": service.submit_url,
        }

    return run(program)


def submit_settings(deployment: Deployment) -> SubmitSettings:
    variables = deployment.one("aws:lambda/function:Function", SUBMIT).inputs["environment"]
    return SubmitSettings.from_environment(variables["variables"])


@pytest.fixture(scope="module")
def cognito(tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    return deploy(tmp_path_factory.mktemp("packages"))


def test_by_default_employees_sign_in_with_the_stacks_user_pool(cognito: Deployment) -> None:
    pool = cognito.one("aws:cognito/userPool:UserPool").inputs
    assert pool["usernameAttributes"] == ["email"]
    assert pool["autoVerifiedAttributes"] == ["email"]
    # Nobody signs themself up: every address is one the company added.
    assert pool["adminCreateUserConfig"] == {"allowAdminCreateUserOnly": True}
    assert pool["deletionProtection"] == "ACTIVE"
    client = cognito.one("aws:cognito/userPoolClient:UserPoolClient").inputs
    assert client["generateSecret"] is False
    assert client["preventUserExistenceErrors"] == "ENABLED"


def test_the_hosted_sign_in_returns_people_to_the_employees_app_with_code_and_pkce(
    cognito: Deployment,
) -> None:
    client = cognito.one("aws:cognito/userPoolClient:UserPoolClient").inputs
    assert client["allowedOauthFlowsUserPoolClient"] is True
    # The authorization code flow only (no implicit tokens in URLs); a client without a secret
    # can use it only with PKCE.
    assert client["allowedOauthFlows"] == ["code"]
    assert client["allowedOauthScopes"] == ["openid", "email"]
    assert client["supportedIdentityProviders"] == ["COGNITO"]
    app = cognito.values["submit_url"]
    assert app.startswith("https://")
    assert app.endswith(".amazonaws.com/live/")
    assert client["callbackUrls"] == [app]
    assert client["logoutUrls"] == [app]
    domain = cognito.one("aws:cognito/userPoolDomain:UserPoolDomain").inputs
    assert domain["domain"] == f"leave-approvals-dev-{ACCOUNT}"
    assert domain["userPoolId"] == cognito.values["user_pool_id"]
    assert cognito.values["sign_in_url"] == (
        f"https://leave-approvals-dev-{ACCOUNT}.auth.{REGION}.amazoncognito.com"
    )


def test_the_client_is_created_from_the_one_definition_the_sandbox_enforces(
    cognito: Deployment,
) -> None:
    client = cognito.one("aws:cognito/userPoolClient:UserPoolClient").inputs
    settings = employees_app_client(cognito.values["submit_url"])

    assert client["callbackUrls"] == list(settings.callback_urls)
    assert client["allowedOauthScopes"] == list(settings.allowed_oauth_scopes)
    assert client["idTokenValidity"] == settings.id_token_validity.amount
    assert client["accessTokenValidity"] == settings.access_token_validity.amount
    assert client["refreshTokenValidity"] == settings.refresh_token_validity.amount
    assert client["tokenValidityUnits"] == {
        "idToken": settings.id_token_validity.unit,
        "accessToken": settings.access_token_validity.unit,
        "refreshToken": settings.refresh_token_validity.unit,
    }
    # Unset, as the settings say: Cognito's default read attributes apply, which the sandbox
    # applies too.
    assert settings.read_attributes is None
    assert "readAttributes" not in client


def test_a_stack_name_cognito_refuses_in_a_domain_fails_before_anything_is_created(
    tmp_path: Path,
) -> None:
    def program() -> None:
        LeaveService(
            "leave",
            LeaveServiceArgs(
                config=service_config(),
                naming=Naming("leave-approvals", "aws-prod"),
                packages=tiny_packages(tmp_path),
            ),
        )

    with pytest.raises(Exception, match="may not contain 'aws'"):
        run(program)


def test_the_submit_function_trusts_the_pools_id_tokens_for_its_client(
    cognito: Deployment,
) -> None:
    settings = submit_settings(cognito)
    pool_id = cognito.values["user_pool_id"]
    issuer = f"https://cognito-idp.{REGION}.amazonaws.com/{pool_id}"
    assert settings.oidc_issuer == issuer
    assert settings.oidc_audience == cognito.values["client_id"]
    assert settings.oidc_jwks_url == f"{issuer}/.well-known/jwks.json"
    assert settings.max_pending_per_employee == 5


def test_with_the_companys_issuer_no_user_pool_is_created(tmp_path: Path) -> None:
    external = ExternalIdentityProvider("https://login.example.com/oauth2/default", "0oa123")
    deployment = deploy(tmp_path, identity_provider=external, max_pending_per_employee=3)

    assert deployment.of_type("aws:cognito/userPool:UserPool") == []
    assert deployment.of_type("aws:cognito/userPoolClient:UserPoolClient") == []
    assert deployment.of_type("aws:cognito/userPoolDomain:UserPoolDomain") == []
    assert deployment.values["sign_in_url"] is None
    settings = submit_settings(deployment)
    assert settings.oidc_issuer == "https://login.example.com/oauth2/default"
    assert settings.oidc_audience == "0oa123"
    # Found through the issuer's discovery document at run time.
    assert settings.oidc_jwks_url is None
    assert settings.max_pending_per_employee == 3


def test_the_app_client_never_takes_a_plain_password(cognito: Deployment) -> None:
    client = cognito.one("aws:cognito/userPoolClient:UserPoolClient").inputs
    # The hosted sign-in's SRP (the password never leaves the browser) and refreshing a session;
    # no USER_PASSWORD_AUTH, which would take a password (and try guesses) from anyone.
    assert sorted(client["explicitAuthFlows"]) == [
        "ALLOW_REFRESH_TOKEN_AUTH",
        "ALLOW_USER_SRP_AUTH",
    ]


def test_by_default_employees_may_add_an_authenticator_app(cognito: Deployment) -> None:
    pool = cognito.one("aws:cognito/userPool:UserPool").inputs
    assert pool["mfaConfiguration"] == "OPTIONAL"
    assert pool["softwareTokenMfaConfiguration"] == {"enabled": True}
    # No SMS: no text messages to pay for, no role for Cognito to send them.
    assert "smsConfiguration" not in pool


@pytest.mark.parametrize(
    ("mfa", "cognito_mfa", "totp"),
    [(Mfa.REQUIRED, "ON", {"enabled": True}), (Mfa.OFF, "OFF", None)],
)
def test_the_mfa_setting_requires_a_second_factor_or_none(
    tmp_path: Path, mfa: Mfa, cognito_mfa: str, totp: dict[str, bool] | None
) -> None:
    pool = deploy(tmp_path, mfa=mfa).one("aws:cognito/userPool:UserPool").inputs
    assert pool["mfaConfiguration"] == cognito_mfa
    # Cognito refuses an MFA method with MFA off.
    assert pool.get("softwareTokenMfaConfiguration") == totp


def test_user_names_differing_only_in_case_are_one_account(cognito: Deployment) -> None:
    pool = cognito.one("aws:cognito/userPool:UserPool")
    assert pool.inputs["usernameConfiguration"] == {"caseSensitive": False}
    # Cognito cannot change it on a pool: the program says a change replaces the pool, and a
    # new pool takes over the hosted sign-in's domain prefix only once the old one let it go.
    assert cognito.options[pool.name].replace_on_changes == ["usernameConfiguration"]
    domain = cognito.one("aws:cognito/userPoolDomain:UserPoolDomain")
    assert cognito.options[domain.name].delete_before_replace is True
