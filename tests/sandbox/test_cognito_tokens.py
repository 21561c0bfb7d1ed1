"""The sandbox issuer's tokens are Cognito's: the claims the Amazon Cognito Developer Guide lists
("Understanding the identity (ID) token", "Understanding the access token"), the lifetimes the
app client's settings give, each kind signed by its own key, published at Cognito's paths; and
the submit function takes the ID token and refuses the access token."""

import dataclasses
import json
from typing import Any

import jwt
import pytest

from components.app_client import TokenValidity, employees_app_client
from handlers.gateways.token_verifier import TokenVerifier, UnauthenticatedError
from sandbox.http_server import Request
from sandbox.oidc_issuer import LocalIssuer
from tests.sandbox.sign_in_calls import (
    APP,
    CLIENT_ID,
    HOSTED,
    code_for,
    exchange,
    hosted_sign_in,
    tokens,
)

# Written out from the pages above (no `cognito:groups`: nobody here is in a group).
ID_TOKEN_CLAIMS = {
    "sub",
    "aud",
    "email",
    "email_verified",
    "token_use",
    "auth_time",
    "iss",
    "exp",
    "iat",
    "jti",
    "origin_jti",
    "event_id",
    "cognito:username",
    # OpenID Connect Core 3.1.3.6: the code flow's ID token may carry its access token's hash.
    "at_hash",
}
ACCESS_TOKEN_CLAIMS = {
    "sub",
    "iss",
    "version",
    "client_id",
    "origin_jti",
    "event_id",
    "token_use",
    "scope",
    "auth_time",
    "exp",
    "iat",
    "jti",
    "username",
}


def _claims(token: object) -> dict[str, object]:
    claims: dict[str, object] = jwt.decode(str(token), options={"verify_signature": False})
    return claims


def test_the_code_flow_gives_cognitos_id_and_access_tokens(issuer: LocalIssuer) -> None:
    sign_in = hosted_sign_in(issuer)
    body = tokens(exchange(sign_in, code_for(sign_in, nonce="n-1")))

    id_claims, access_claims = _claims(body["id_token"]), _claims(body["access_token"])

    assert set(id_claims) == ID_TOKEN_CLAIMS | {"nonce"}
    assert id_claims["nonce"] == "n-1"
    assert id_claims["token_use"] == "id"
    assert id_claims["aud"] == CLIENT_ID
    assert id_claims["email"] == "a@email.com"
    assert id_claims["email_verified"] is True
    # A pool whose user names are email addresses names each user by a UUID, their `sub`.
    assert id_claims["cognito:username"] == id_claims["sub"]
    assert id_claims["at_hash"] == issuer.at_hash(str(body["access_token"]))
    assert set(access_claims) == ACCESS_TOKEN_CLAIMS
    assert "aud" not in access_claims
    assert access_claims["token_use"] == "access"
    assert access_claims["client_id"] == CLIENT_ID
    assert access_claims["scope"] == "openid email"
    assert access_claims["username"] == id_claims["sub"]
    # One sign-in: the two tokens share its time and its ids, not their own.
    for shared in ("sub", "iss", "auth_time", "origin_jti", "event_id"):
        assert access_claims[shared] == id_claims[shared]
    assert access_claims["jti"] != id_claims["jti"]


def test_lifetimes_are_the_clients_validity_settings(issuer: LocalIssuer) -> None:
    client = dataclasses.replace(
        employees_app_client(APP),
        id_token_validity=TokenValidity(2, "hours"),
        access_token_validity=TokenValidity(15, "minutes"),
    )
    sign_in = hosted_sign_in(issuer, client)
    body = tokens(exchange(sign_in, code_for(sign_in)))

    id_claims, access_claims = _claims(body["id_token"]), _claims(body["access_token"])
    assert id_claims["exp"] == id_claims["iat"] + 7200  # type: ignore[operator]
    assert access_claims["exp"] == access_claims["iat"] + 900  # type: ignore[operator]
    assert body["expires_in"] == 900


def test_id_and_access_tokens_are_signed_with_keys_of_their_own(issuer: LocalIssuer) -> None:
    sign_in = hosted_sign_in(issuer)
    body = tokens(exchange(sign_in, code_for(sign_in)))

    published = {key["kid"] for key in issuer.jwks()["keys"]}
    id_kid = jwt.get_unverified_header(str(body["id_token"]))["kid"]
    access_kid = jwt.get_unverified_header(str(body["access_token"]))["kid"]
    assert id_kid != access_kid
    assert {id_kid, access_kid} == published


def _get(issuer: LocalIssuer, path: str) -> tuple[int, dict[str, Any]]:
    answer = issuer.handle(Request("GET", path, "", [], b"", "127.0.0.1"))
    body: dict[str, Any] = json.loads(answer.body)
    return answer.status, body


def test_discovery_and_keys_are_at_cognitos_paths(issuer: LocalIssuer, issuer_url: str) -> None:
    status, document = _get(issuer, "/oidc/.well-known/openid-configuration")

    assert status == 200
    assert document["issuer"] == issuer_url
    # Cognito's: the pool's keys under its issuer; the endpoints on its domain.
    assert document["jwks_uri"] == f"{issuer_url}/.well-known/jwks.json"
    assert document["authorization_endpoint"] == f"{HOSTED}/oauth2/authorize"
    assert document["token_endpoint"] == f"{HOSTED}/oauth2/token"
    assert document["code_challenge_methods_supported"] == ["S256"]
    status, keys = _get(issuer, "/oidc/.well-known/jwks.json")
    assert status == 200
    assert [key["kty"] for key in keys["keys"]] == ["RSA", "RSA"]
    assert _get(issuer, "/oidc/jwks.json")[0] == 404


def test_the_submit_function_takes_the_id_token_and_refuses_the_access_token(
    issuer: LocalIssuer, issuer_url: str
) -> None:
    sign_in = hosted_sign_in(issuer)
    body = tokens(exchange(sign_in, code_for(sign_in)))
    # As the function is configured on AWS: the issuer, the client, the keys found through
    # the discovery document.
    verifier = TokenVerifier(issuer_url, CLIENT_ID)

    assert verifier.verify(f"Bearer {body['id_token']}").email == "a@email.com"
    with pytest.raises(UnauthenticatedError, match="not an ID token"):
        verifier.verify(f"Bearer {body['access_token']}")
