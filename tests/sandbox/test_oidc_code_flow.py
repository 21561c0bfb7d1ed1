"""The sandbox issuer's authorization code flow with PKCE, as the employees' app uses it."""

import base64
import hashlib
import json
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import jwt
import pytest

from sandbox.http_server import Request, Response
from sandbox.oidc_issuer import LocalIssuer

ISSUER = "http://127.0.0.1:8000/oidc"
APP = "http://127.0.0.1:8001/live/"
APP_ORIGIN = "http://127.0.0.1:8001"
VERIFIER = "a-verifier-of-at-least-forty-three-characters-long-0123"


def challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@pytest.fixture
def issuer(tmp_path: Path) -> LocalIssuer:
    return LocalIssuer.in_directory(
        tmp_path, ISSUER, "client-1", ("email.com",), redirect_uris=(APP,), people=("a@email.com",)
    )


def authorize(issuer: LocalIssuer, **overrides: str) -> Response:
    params = {
        "response_type": "code",
        "client_id": "client-1",
        "redirect_uri": APP,
        "state": "s-1",
        "code_challenge": challenge(VERIFIER),
        "code_challenge_method": "S256",
        **overrides,
    }
    query = urlencode({k: v for k, v in params.items() if v})
    return issuer.handle(Request("GET", "/oidc/authorize", query, [], b"", "127.0.0.1"))


def exchange(issuer: LocalIssuer, code: str, verifier: str = VERIFIER) -> Response:
    form = urlencode(
        {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": "client-1",
            "redirect_uri": APP,
            "code_verifier": verifier,
        }
    ).encode()
    headers = [("Origin", APP_ORIGIN), ("Content-Type", "application/x-www-form-urlencoded")]
    return issuer.handle(Request("POST", "/oidc/oauth2/token", "", headers, form, "127.0.0.1"))


def location(response: Response) -> dict[str, str]:
    assert response.status == 302, response.body
    url = dict(response.headers)["Location"]
    assert url.startswith(APP + "?")
    return dict(parse_qsl(urlsplit(url).query))


def test_the_sign_in_page_offers_the_directory_then_redirects_with_a_code(
    issuer: LocalIssuer,
) -> None:
    page = authorize(issuer)
    assert page.status == 200
    assert b'value="a@email.com"' in page.body

    back = location(authorize(issuer, email="A@email.com"))
    assert back["state"] == "s-1"

    answer = exchange(issuer, back["code"])
    assert answer.status == 200
    assert ("Access-Control-Allow-Origin", APP_ORIGIN) in answer.headers
    token = json.loads(answer.body)["id_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["email"] == "a@email.com"
    assert claims["aud"] == "client-1"
    assert claims["iss"] == ISSUER


def test_a_code_needs_its_verifier_and_works_once(issuer: LocalIssuer) -> None:
    code = location(authorize(issuer, email="a@email.com"))["code"]
    assert exchange(issuer, code, verifier="someone-elses-verifier").status == 400
    # A failed exchange spends the code too: it cannot be tried again and again.
    assert exchange(issuer, code).status == 400

    fresh = location(authorize(issuer, email="a@email.com"))["code"]
    assert exchange(issuer, fresh).status == 200
    assert json.loads(exchange(issuer, fresh).body)["error"] == "invalid_grant"


def test_no_redirect_to_an_unregistered_address_or_for_another_client(
    issuer: LocalIssuer,
) -> None:
    for overrides in ({"redirect_uri": "https://evil.example/"}, {"client_id": "other"}):
        answer = authorize(issuer, email="a@email.com", **overrides)
        assert answer.status == 400
        assert "Location" not in dict(answer.headers)


def test_without_pkce_the_client_is_told_so(issuer: LocalIssuer) -> None:
    back = location(authorize(issuer, code_challenge=""))
    assert back == {"error": "invalid_request", "state": "s-1"}


def test_an_address_at_another_domain_is_refused_on_the_page(issuer: LocalIssuer) -> None:
    answer = authorize(issuer, email="eve@elsewhere.org")
    assert answer.status == 422
    assert b"Enter an address at email.com" in answer.body


def test_its_tokens_are_shaped_like_cognitos_id_tokens(issuer: LocalIssuer) -> None:
    code = location(authorize(issuer, email="a@email.com"))["code"]
    token = json.loads(exchange(issuer, code).body)["id_token"]

    claims = jwt.decode(token, issuer.key.public_key(), algorithms=["RS256"], audience="client-1")

    assert claims["token_use"] == "id"
    assert claims["email_verified"] is True
    # A pool whose usernames are email addresses names each user by their subject.
    assert claims["cognito:username"] == claims["sub"]
    assert claims["iss"] == ISSUER
    assert claims["iat"] - 5 <= claims["auth_time"] <= claims["iat"]


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param("\u212aent@email.com", id="kelvin-sign"),
        pytest.param("kent@email.com\r\nBcc: all@email.com", id="CRLF"),
        pytest.param("kent@email.com\n", id="trailing-LF"),
        pytest.param("kent smith@email.com", id="not-an-address"),
    ],
)
def test_it_signs_in_no_address_the_service_would_refuse(issuer: LocalIssuer, typed: str) -> None:
    page = authorize(issuer, email=typed)
    scripted = issuer.handle(
        Request("GET", "/oidc/token", urlencode({"email": typed}), [], b"", "127.0.0.1")
    )

    assert page.status == 422
    assert b"Enter an address at email.com, in plain ASCII." in page.body
    assert scripted.status == 422
    assert json.loads(scripted.body)["message"] == "Enter an address at email.com, in plain ASCII."


def test_the_scripted_sign_in_gives_the_lower_case_address(issuer: LocalIssuer) -> None:
    answer = issuer.handle(
        Request("GET", "/oidc/token", "email=Kent%40Email.com", [], b"", "127.0.0.1")
    )

    token = json.loads(answer.body)["token"]
    assert jwt.decode(token, options={"verify_signature": False})["email"] == "kent@email.com"


def test_discovery_names_the_code_flow(issuer: LocalIssuer) -> None:
    document = issuer.discovery()
    assert document["authorization_endpoint"] == f"{ISSUER}/authorize"
    assert document["token_endpoint"] == f"{ISSUER}/oauth2/token"
    assert document["code_challenge_methods_supported"] == ["S256"]
