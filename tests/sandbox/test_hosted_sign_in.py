"""The sandbox's hosted sign-in refuses what Cognito refuses, with Cognito's answers (Amazon
Cognito Developer Guide, "Authorize endpoint" and "Token endpoint"): errors go back to the app
only for a known client and a registered callback URL; the token endpoint's are 400s naming
Cognito's error code."""

import dataclasses
import json
from urllib.parse import urlencode

import jwt
import pytest

from components.app_client import AppClientSettings, employees_app_client
from sandbox.hosted_sign_in import CODE_LIFETIME_SECONDS, HostedSignIn
from sandbox.http_server import Request
from sandbox.oidc_issuer import LocalIssuer
from tests.sandbox.sign_in_calls import (
    APP,
    APP_ORIGIN,
    CLIENT_ID,
    EMPLOYEE,
    Clock,
    authorize,
    code_for,
    exchange,
    hosted_sign_in,
    local_issuer,
    location,
    refused,
    token_request,
    tokens,
)

ELSEWHERE = "https://elsewhere.example.com/live/"


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> LocalIssuer:
    return local_issuer(tmp_path_factory.mktemp("keys"))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sign_in(issuer: LocalIssuer, clock: Clock) -> HostedSignIn:
    return hosted_sign_in(issuer, clock=clock)


def _with(issuer: LocalIssuer, **changes: object) -> HostedSignIn:
    client: AppClientSettings[str] = dataclasses.replace(
        employees_app_client(APP),
        **changes,  # type: ignore[arg-type]
    )
    return hosted_sign_in(issuer, client)


def test_the_app_signs_in_with_a_code_and_its_verifier(sign_in: HostedSignIn) -> None:
    page = authorize(sign_in)
    assert page.status == 200
    assert b'value="a@email.com"' in page.body

    back = location(authorize(sign_in, email="A@email.com"))
    assert back["state"] == "s-1"
    answer = exchange(sign_in, back["code"])

    body = tokens(answer)
    assert ("Access-Control-Allow-Origin", APP_ORIGIN) in answer.headers
    assert list(body) == ["id_token", "access_token", "refresh_token", "expires_in", "token_type"]
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    claims = jwt.decode(str(body["id_token"]), options={"verify_signature": False})
    assert claims["email"] == "a@email.com"


# -- the authorize endpoint -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        pytest.param({"client_id": "another-client"}, b"(invalid_request)", id="unknown-client"),
        pytest.param({"client_id": None}, b"(invalid_request)", id="no-client"),
        pytest.param({"redirect_uri": ELSEWHERE}, b"(redirect_mismatch)", id="another-site"),
        # Exactly one of the callback URLs: Cognito compares them as strings.
        pytest.param({"redirect_uri": APP.rstrip("/")}, b"(redirect_mismatch)", id="no-slash"),
        pytest.param({"redirect_uri": None}, b"(redirect_mismatch)", id="no-redirect"),
    ],
)
def test_an_unknown_client_or_callback_stays_on_the_sign_in_domain(
    sign_in: HostedSignIn, overrides: dict[str, str | None], problem: bytes
) -> None:
    answer = authorize(sign_in, email=EMPLOYEE, **overrides)

    assert answer.status == 400
    assert "Location" not in dict(answer.headers)
    assert problem in answer.body


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        pytest.param({"response_type": None}, "invalid_request", id="no-response-type"),
        pytest.param({"response_type": "id_token"}, "invalid_request", id="bad-response-type"),
        # The implicit grant: Cognito knows it, this client does not allow it.
        pytest.param({"response_type": "token"}, "unauthorized_client", id="implicit"),
        pytest.param({"scope": "openid profile"}, "invalid_scope", id="scope-not-allowed"),
        pytest.param({"scope": "openid made-up"}, "invalid_scope", id="unknown-scope"),
        pytest.param({"scope": "email"}, "invalid_scope", id="email-without-openid"),
        pytest.param({"code_challenge_method": "plain"}, "invalid_request", id="plain-pkce"),
        pytest.param({"code_challenge_method": None}, "invalid_request", id="challenge-alone"),
        pytest.param({"code_challenge": None}, "invalid_request", id="method-alone"),
        pytest.param(
            {"code_challenge": None, "code_challenge_method": None},
            "invalid_request",
            id="no-pkce",
        ),
    ],
)
def test_a_bad_request_from_a_known_client_goes_back_to_it_with_cognitos_error(
    sign_in: HostedSignIn, overrides: dict[str, str | None], error: str
) -> None:
    back = location(authorize(sign_in, email=EMPLOYEE, **overrides))

    assert back == {"error": error, "state": "s-1"}


def test_without_pkce_cognito_gives_a_public_client_a_code_the_project_does_not(
    issuer: LocalIssuer,
) -> None:
    # Cognito asks no challenge of a public client, and then no verifier; the project's
    # `require_pkce` refuses such a request (see the previous test).
    lenient = _with(issuer, require_pkce=False)
    code = code_for(lenient, code_challenge=None, code_challenge_method=None)

    assert tokens(exchange(lenient, code, code_verifier=None))["id_token"]


def test_without_a_scope_the_client_gets_every_scope_it_allows(sign_in: HostedSignIn) -> None:
    code = code_for(sign_in, scope=None)

    access = str(tokens(exchange(sign_in, code))["access_token"])
    assert jwt.decode(access, options={"verify_signature": False})["scope"] == "openid email"


def test_a_client_closed_to_the_pools_own_users_signs_nobody_in(issuer: LocalIssuer) -> None:
    federated_only = _with(issuer, supported_identity_providers=("Google",))

    answer = authorize(federated_only, email=EMPLOYEE)

    assert answer.status == 400
    assert "Location" not in dict(answer.headers)


# -- the token endpoint -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("form", "error"),
    [
        pytest.param({"grant_type": None}, "invalid_request", id="no-grant-type"),
        pytest.param({"grant_type": "password"}, "unsupported_grant_type", id="password"),
        pytest.param(
            {"grant_type": "client_credentials"}, "unauthorized_client", id="client-credentials"
        ),
        pytest.param({"client_id": "another-client"}, "invalid_client", id="unknown-client"),
        pytest.param({"client_id": None}, "invalid_client", id="no-client"),
        pytest.param({"code": None}, "invalid_request", id="no-code"),
        pytest.param({"redirect_uri": None}, "invalid_request", id="no-redirect"),
        # Not a callback URL at all: what Cognito answers is unauthorized_client.
        pytest.param({"redirect_uri": ELSEWHERE}, "unauthorized_client", id="other-redirect"),
        pytest.param({"code_verifier": None}, "invalid_request", id="no-verifier"),
        pytest.param({"code_verifier": "someone-elses-verifier"}, "invalid_grant", id="wrong"),
    ],
)
def test_a_bad_exchange_is_cognitos_400_with_its_error(
    sign_in: HostedSignIn, form: dict[str, str | None], error: str
) -> None:
    code = code_for(sign_in)

    assert refused(exchange(sign_in, code, **form)) == error


def test_a_code_works_once_and_any_exchange_naming_it_spends_it(sign_in: HostedSignIn) -> None:
    code = code_for(sign_in)
    assert refused(exchange(sign_in, code, code_verifier="someone-elses-verifier")) == (
        "invalid_grant"
    )
    assert refused(exchange(sign_in, code)) == "invalid_grant"

    fresh = code_for(sign_in)
    tokens(exchange(sign_in, fresh))
    assert refused(exchange(sign_in, fresh)) == "invalid_grant"
    assert refused(exchange(sign_in, "never-issued")) == "invalid_grant"


def test_a_code_lasts_five_minutes(sign_in: HostedSignIn, clock: Clock) -> None:
    assert CODE_LIFETIME_SECONDS == 300
    in_time, late = code_for(sign_in), code_for(sign_in)

    clock.now += 299
    tokens(exchange(sign_in, in_time))
    clock.now += 2
    assert refused(exchange(sign_in, late)) == "invalid_grant"


def test_a_code_is_for_the_callback_it_was_issued_for(issuer: LocalIssuer) -> None:
    two_callbacks = _with(issuer, callback_urls=(APP, ELSEWHERE))
    code = code_for(two_callbacks)

    assert refused(exchange(two_callbacks, code, redirect_uri=ELSEWHERE)) == "invalid_grant"


def test_the_form_must_be_url_encoded(sign_in: HostedSignIn) -> None:
    form: dict[str, str | None] = {"grant_type": "authorization_code", "client_id": CLIENT_ID}
    as_json = token_request(sign_in, form, content_type="application/json")

    assert refused(as_json) == "invalid_request"


def test_a_client_with_a_secret_is_not_one_a_browser_can_use(issuer: LocalIssuer) -> None:
    confidential = _with(issuer, generate_secret=True)
    code = code_for(confidential)

    assert refused(exchange(confidential, code)) == "invalid_client"


def test_a_client_that_cannot_read_email_verified_is_refused_the_email_scope(
    issuer: LocalIssuer,
) -> None:
    # Token endpoint, invalid_grant: the client cannot read every attribute of a scope it asked.
    half_readable = _with(issuer, read_attributes=("email",))
    code = code_for(half_readable)

    assert refused(exchange(half_readable, code)) == "invalid_grant"


def test_only_get_reaches_authorize_and_only_post_exchanges(sign_in: HostedSignIn) -> None:
    get_token = sign_in.handle(Request("GET", "/auth/oauth2/token", "", [], b"", "127.0.0.1"))
    post_authorize = sign_in.handle(
        Request("POST", "/auth/oauth2/authorize", urlencode({"a": "b"}), [], b"", "127.0.0.1")
    )

    assert get_token.status == 405
    assert json.loads(get_token.body)["error"] == "invalid_request"
    assert post_authorize.status == 404


# -- refreshing -------------------------------------------------------------------------------


def _refresh(sign_in: HostedSignIn, refresh_token: str, **form: str | None) -> dict[str, object]:
    request: dict[str, str | None] = {
        "grant_type": "refresh_token",
        "client_id": CLIENT_ID,
        "refresh_token": refresh_token,
        **form,
    }
    return tokens(token_request(sign_in, request))


def test_a_refresh_gives_new_tokens_of_the_same_sign_in_and_no_new_refresh_token(
    sign_in: HostedSignIn, clock: Clock
) -> None:
    first = tokens(exchange(sign_in, code_for(sign_in)))
    clock.now += 600

    again = _refresh(sign_in, str(first["refresh_token"]))

    assert "refresh_token" not in again
    before = jwt.decode(str(first["id_token"]), options={"verify_signature": False})
    after = jwt.decode(str(again["id_token"]), options={"verify_signature": False})
    assert after["auth_time"] == before["auth_time"]
    assert after["origin_jti"] == before["origin_jti"]
    assert after["iat"] == before["iat"] + 600
    assert after["jti"] != before["jti"]


def test_a_refresh_token_that_is_not_one_is_refused(sign_in: HostedSignIn, clock: Clock) -> None:
    form: dict[str, str | None] = {"grant_type": "refresh_token", "client_id": CLIENT_ID}
    first = tokens(exchange(sign_in, code_for(sign_in)))

    assert refused(token_request(sign_in, form)) == "invalid_request"
    assert refused(token_request(sign_in, {**form, "refresh_token": "made-up"})) == (
        "invalid_grant"
    )
    clock.now += 30 * 86_400 + 1
    expired = {**form, "refresh_token": str(first["refresh_token"])}
    assert refused(token_request(sign_in, expired)) == "invalid_grant"


def test_a_client_that_may_not_refresh_gets_no_refresh_token(issuer: LocalIssuer) -> None:
    no_refresh = _with(issuer, explicit_auth_flows=("ALLOW_USER_SRP_AUTH",))

    body = tokens(exchange(no_refresh, code_for(no_refresh)))
    form: dict[str, str | None] = {
        "grant_type": "refresh_token",
        "client_id": CLIENT_ID,
        "refresh_token": "any",
    }

    assert "refresh_token" not in body
    assert refused(token_request(no_refresh, form)) == "unauthorized_client"
