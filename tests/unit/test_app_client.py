"""The employees' app client, declared once for the Cognito client and the sandbox's hosted
sign-in: its values are Cognito's (botocore's cognito-idp model, read at test time), Cognito's
defaults are applied where it leaves a setting unset, and a setting Cognito would refuse is
refused with the rule it breaks."""

import dataclasses
import re
from collections.abc import Callable

import boto3
import pytest
from botocore.model import ServiceModel

from components.app_client import (
    AppClientSettingError,
    AppClientSettings,
    TokenValidity,
    employees_app_client,
)

APP = "https://abc123.execute-api.us-east-2.amazonaws.com/live/"
# The scopes Cognito reserves (Amazon Cognito Developer Guide, "Authorize endpoint", `scope`).
RESERVED_SCOPES = {"openid", "email", "phone", "profile", "aws.cognito.signin.user.admin"}


def _cognito_model() -> ServiceModel:
    return boto3.client("cognito-idp", region_name="us-east-2").meta.service_model


def _documentation(shape: str, member: str | None = None) -> str:
    found = _cognito_model().shape_for(shape)
    text = found.members[member].documentation if member else found.documentation
    return re.sub(r"<[^>]+>", "", str(text))


def _client(**changes: object) -> AppClientSettings[str]:
    return dataclasses.replace(employees_app_client(APP), **changes)  # type: ignore[arg-type]


def test_the_employees_client_names_only_what_cognito_knows() -> None:
    model = _cognito_model()
    client = employees_app_client(APP)

    assert set(client.allowed_oauth_flows) <= set(model.shape_for("OAuthFlowType").enum)
    assert set(client.explicit_auth_flows) <= set(model.shape_for("ExplicitAuthFlowsType").enum)
    units = set(model.shape_for("TimeUnitsType").enum)
    for validity in (
        client.id_token_validity,
        client.access_token_validity,
        client.refresh_token_validity,
    ):
        assert validity.unit in units
    assert set(client.allowed_oauth_scopes) <= RESERVED_SCOPES
    supported = _documentation("CreateUserPoolClientRequest", "SupportedIdentityProviders")
    for provider in client.supported_identity_providers:
        assert provider in supported


def test_the_employees_client_signs_in_with_a_code_back_to_the_app_only() -> None:
    client = employees_app_client(APP)

    assert client.callback_urls == (APP,)
    assert client.logout_urls == (APP,)
    assert client.allowed_oauth_flows == ("code",)
    assert client.allowed_oauth_scopes == ("openid", "email")
    assert client.generate_secret is False
    assert client.require_pkce is True
    assert client.refreshes is True
    assert client.id_token_validity.seconds == 3600
    assert client.refresh_token_validity.seconds == 30 * 86_400


def test_without_read_attributes_the_client_reads_what_cognito_allows_by_default() -> None:
    # Cognito's rule, as botocore's model states it today.
    rule = _documentation("CreateUserPoolClientRequest", "ReadAttributes")
    assert "When you don't specify the ReadAttributes" in rule
    for named in ("email_verified", "phone_number_verified", "standard attributes"):
        assert named in rule

    default = employees_app_client(APP)
    assert default.read_attributes is None
    assert {"email", "email_verified", "phone_number_verified", "name"} <= (
        default.readable_attributes
    )
    assert "custom:team" not in default.readable_attributes

    chosen = _client(read_attributes=("email",))
    assert chosen.readable_attributes == {"email"}


@pytest.mark.parametrize(
    ("validity", "seconds"),
    [
        (TokenValidity(60, "minutes"), 3600),
        (TokenValidity(1, "hours"), 3600),
        (TokenValidity(300, "seconds"), 300),
        (TokenValidity(1, "days"), 86_400),
    ],
)
def test_a_validity_is_its_amount_in_its_unit(validity: TokenValidity, seconds: int) -> None:
    assert validity.seconds == seconds


def test_the_validity_ranges_are_those_cognito_documents() -> None:
    units = _documentation("TokenValidityUnitsType")
    assert "five minutes to one day" in _documentation("TokenValidityUnitsType", "IdToken")
    assert "five minutes to one day" in _documentation("TokenValidityUnitsType", "AccessToken")
    assert "60 minutes to 10 years" in _documentation("TokenValidityUnitsType", "RefreshToken")
    assert "IdTokenValidity" in units

    # At each end of the documented range, accepted; a step beyond it, refused.
    _client(id_token_validity=TokenValidity(5, "minutes"))
    _client(access_token_validity=TokenValidity(1, "days"))
    _client(refresh_token_validity=TokenValidity(60, "minutes"))
    _client(refresh_token_validity=TokenValidity(3650, "days"))


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        pytest.param(
            lambda: _client(id_token_validity=TokenValidity(2, "days")),
            r"Cognito app client: ID token validity 2 days is outside 300 to 86400 seconds "
            r"\(CreateUserPoolClient, TokenValidityUnits\)",
            id="id-token-too-long",
        ),
        pytest.param(
            lambda: _client(access_token_validity=TokenValidity(4, "minutes")),
            r"access token validity 4 minutes is outside",
            id="access-token-too-short",
        ),
        pytest.param(
            lambda: _client(refresh_token_validity=TokenValidity(59, "minutes")),
            r"refresh token validity 59 minutes is outside",
            id="refresh-token-too-short",
        ),
        pytest.param(
            lambda: TokenValidity(1, "weeks"),
            r"Cognito app client: token validity unit 'weeks' is not one of .*TimeUnitsType",
            id="unknown-unit",
        ),
        pytest.param(
            lambda: _client(allowed_oauth_flows_user_pool_client=False),
            r"Cognito app client: .* need AllowedOAuthFlowsUserPoolClient true",
            id="oauth-without-its-switch",
        ),
    ],
)
def test_a_setting_cognito_would_refuse_is_refused_naming_its_rule(
    change: Callable[[], object], problem: str
) -> None:
    with pytest.raises(AppClientSettingError, match=problem):
        change()
