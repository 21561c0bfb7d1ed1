"""Who is calling: the person named by a verified OpenID Connect ID token.

The employee endpoints trust no name a caller gives: the caller sends the ID token their
identity provider issued (`Authorization: Bearer <token>`), and the token's signature is checked
against the issuer's published keys (its JWKS), along with its issuer, its expiry, that it is an
ID token (Cognito's `token_use` is `id`; a token from the stack's own Cognito pool must say so),
that it is for our app client (`aud`; a list of audiences also needs `azp` to name our client,
OpenID Connect Core 3.1.3.7), and its email address. PyJWT checks the signature and the time;
its JWKS client fetches and caches the keys.

A person is their verified email address, not the provider's subject (`iss` + `sub`): the
approver directory, the approval chain, the emails and every stored record name people by
address. So the email claim is taken only when `email_verified` is true and the address is
one plain-ASCII spelling that cannot pass for someone else's (`handlers.domain.person`): a
lookalike such as the Kelvin sign, or a claim carrying CR/LF, is refused, never folded.

Verified in the function rather than by an API Gateway authorizer: the same code checks tokens
in the local sandbox (against its local issuer) as on AWS (against Cognito, or any OIDC issuer
the stack is configured with), and a REST API's own authorizers know only Cognito user pools.
"""

import json
import re
import urllib.request
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import jwt

from handlers.domain.person import NotAPersonError, person_address

# Asymmetric algorithms only: a token signed with a shared secret, or not at all (`alg: none`),
# is refused whatever its header says.
ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512"]
# Clock skew allowed between the issuer and Lambda.
LEEWAY_SECONDS = 30
DISCOVERY_PATH = "/.well-known/openid-configuration"
FETCH_TIMEOUT_SECONDS = 5
# A Cognito user pool's issuer URL: its tokens always say what they are for (`token_use`).
COGNITO_ISSUER = re.compile(r"https://cognito-idp\.[a-z0-9-]+\.amazonaws\.com/[\w-]+")
# Cognito's `token_use` of an ID token (an access token says "access").
ID_USE = "id"


class UnauthenticatedError(Exception):
    """No token, or one that proves nothing: the caller must sign in (again)."""

    def __init__(self, problem: str, token_given: bool = True) -> None:
        super().__init__(problem)
        self.problem = problem
        # RFC 6750: a request with no token gets a challenge without an error code.
        self.token_given = token_given


class IdentityProviderUnavailableError(Exception):
    """The issuer's keys could not be fetched: nothing is wrong with the caller's token."""


@dataclass(frozen=True)
class Caller:
    email: str


@dataclass(frozen=True)
class SignInEndpoints:
    """Where a browser signs people in with the authorization code flow (from discovery)."""

    authorization: str
    token: str


def bearer_token(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise UnauthenticatedError(
            "send the ID token you signed in with (Authorization: Bearer <token>)",
            token_given=False,
        )
    return token.strip()


class TokenVerifier:
    def __init__(self, issuer: str, audience: str, jwks_url: str | None = None) -> None:
        self._issuer = issuer
        self._audience = audience
        self._jwks_url = jwks_url

    @cached_property
    def _keys(self) -> jwt.PyJWKClient:
        # Keys are cached for the life of the execution environment; a token signed with a key
        # the cache does not know makes the client fetch the set again (key rotation).
        return jwt.PyJWKClient(
            self._jwks_url or self._discovered_jwks_url(),
            cache_keys=True,
            lifespan=3600,
            timeout=FETCH_TIMEOUT_SECONDS,
        )

    @cached_property
    def _discovery(self) -> dict[str, Any]:
        """The issuer's discovery document, fetched once per environment (a failure is not
        kept: the next call tries again)."""
        url = self._issuer.rstrip("/") + DISCOVERY_PATH
        try:
            with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_SECONDS) as answer:  # noqa: S310
                document = json.loads(answer.read())
        except (OSError, ValueError) as error:
            raise IdentityProviderUnavailableError(f"{url}: {error}") from error
        if not isinstance(document, dict):
            raise IdentityProviderUnavailableError(f"{url}: not a discovery document")
        return document

    def _discovered(self, name: str) -> str:
        value = self._discovery.get(name)
        if not isinstance(value, str) or not value:
            raise IdentityProviderUnavailableError(f"the issuer's discovery names no {name}")
        return value

    def _discovered_jwks_url(self) -> str:
        return self._discovered("jwks_uri")

    def sign_in_endpoints(self) -> SignInEndpoints:
        return SignInEndpoints(
            self._discovered("authorization_endpoint"), self._discovered("token_endpoint")
        )

    def verify(self, authorization: str | None) -> Caller:
        """The caller the bearer token proves, or UnauthenticatedError saying what is wrong."""
        token = bearer_token(authorization)
        try:
            key = self._keys.get_signing_key_from_jwt(token)
        except jwt.PyJWKClientConnectionError as error:
            raise IdentityProviderUnavailableError(str(error)) from error
        except (jwt.PyJWKClientError, jwt.DecodeError):
            raise UnauthenticatedError("the token is not signed by a key of our issuer") from None
        try:
            # The audience is checked below, after `token_use`: an access token has none, and
            # its caller is better told what they sent.
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=ALGORITHMS,
                issuer=self._issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "sub"], "verify_aud": False},
            )
        except jwt.ExpiredSignatureError:
            raise UnauthenticatedError("the token has expired: sign in again") from None
        except jwt.InvalidIssuerError:
            raise UnauthenticatedError("the token was issued by another issuer") from None
        except jwt.PyJWTError:
            raise UnauthenticatedError("the token is not valid") from None
        self._check_id_token(claims)
        self._check_audience(claims)
        return Caller(email=_person_of(claims))

    def _check_id_token(self, claims: dict[str, Any]) -> None:
        token_use = claims.get("token_use")
        if token_use is None and not COGNITO_ISSUER.fullmatch(self._issuer.rstrip("/")):
            return
        if token_use != ID_USE:
            raise UnauthenticatedError(
                "this is not an ID token (an access token?): send the ID token you signed in with"
            )

    def _check_audience(self, claims: dict[str, Any]) -> None:
        audience = claims.get("aud")
        audiences = [audience] if isinstance(audience, str) else audience
        if not isinstance(audiences, list) or self._audience not in audiences:
            raise UnauthenticatedError("the token was issued for another application")
        authorized_party = claims.get("azp")
        if isinstance(audience, list) and authorized_party is None:
            raise UnauthenticatedError(
                "the token is for several applications and names none as its holder (azp)"
            )
        if authorized_party is not None and authorized_party != self._audience:
            raise UnauthenticatedError("the token was given to another application (azp)")


def _person_of(claims: dict[str, Any]) -> str:
    email = claims.get("email")
    if not isinstance(email, str):
        raise UnauthenticatedError("the token names no email address")
    if claims.get("email_verified") not in (True, "true"):
        raise UnauthenticatedError("the token's email address is not verified")
    try:
        return person_address(email)
    except NotAPersonError as refused:
        raise UnauthenticatedError(
            f"the token's email address cannot name a person: {refused.problem}"
        ) from None
