"""The sandbox's user pool issuer: what `https://cognito-idp.<region>.amazonaws.com/<pool id>` is
to the deployed stack. It publishes a discovery document and its signing keys, and signs the
tokens the hosted sign-in (`sandbox/hosted_sign_in.py`) hands out, shaped as Cognito's (Amazon
Cognito Developer Guide, "Understanding the identity (ID) token" and "... the access token"),
so the submit function verifies them here exactly as it does on AWS. Served by the home site
under `/oidc` (the issuer URL is `http://127.0.0.1:N/oidc`), at Cognito's paths:

    GET /oidc/.well-known/openid-configuration   discovery (it names the hosted sign-in's
                                                 authorize and token endpoints)
    GET /oidc/.well-known/jwks.json              the public keys

As Cognito does, it signs ID tokens and access tokens with different keys (their `kid`s differ).
The private keys are kept in the data dir, so tokens outlive a restart.
"""

import base64
import hashlib
import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sandbox.config import ISSUER_PATH
from sandbox.http_server import Request, Response

ID_KEY_FILE = "oidc-signing-key.pem"
ACCESS_KEY_FILE = "oidc-access-signing-key.pem"
ID_KEY_ID = "sandbox-id-1"
ACCESS_KEY_ID = "sandbox-access-1"
JWKS_PATH = "/.well-known/jwks.json"
DISCOVERY_PATH = "/.well-known/openid-configuration"
# Cognito's default lifetime of an ID token (CreateUserPoolClient, IdTokenValidity: one hour).
TOKEN_LIFETIME_SECONDS = 3600


def _load_or_create_key(path: Path) -> rsa.RSAPrivateKey:
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        return key
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)
    return key


def subject_of(email: str) -> str:
    """A user's `sub`: one UUID per address, the same across restarts. (A pool whose user
    names are email addresses names each user by such a UUID, their `cognito:username` too.)"""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, email.lower()))


@dataclass(frozen=True)
class Authentication:
    """One sign-in: who, when, and the ids every token from it carries (a refresh keeps them)."""

    email: str
    auth_time: int
    origin_jti: str = field(default_factory=lambda: str(uuid.uuid4()))
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def subject(self) -> str:
        return subject_of(self.email)


def _half_hash(token: str) -> str:
    """`at_hash` (OpenID Connect Core 3.1.3.6): the left half of the access token's SHA-256."""
    digest = hashlib.sha256(token.encode()).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode()


@dataclass
class LocalIssuer:
    issuer_url: str
    # The one app client the sandbox's pool has: the `aud` of its ID tokens.
    audience: str
    # The hosted sign-in's address (Cognito's discovery names its domain's endpoints).
    hosted_sign_in_url: str
    # Signs ID tokens; `access_key` signs access tokens.
    key: rsa.RSAPrivateKey
    access_key: rsa.RSAPrivateKey
    clock: Callable[[], float] = time.time

    @classmethod
    def in_directory(
        cls,
        directory: Path,
        issuer_url: str,
        audience: str,
        hosted_sign_in_url: str,
        clock: Callable[[], float] = time.time,
    ) -> "LocalIssuer":
        return cls(
            issuer_url,
            audience,
            hosted_sign_in_url,
            _load_or_create_key(directory / ID_KEY_FILE),
            _load_or_create_key(directory / ACCESS_KEY_FILE),
            clock,
        )

    @property
    def jwks_url(self) -> str:
        return f"{self.issuer_url}{JWKS_PATH}"

    def now(self) -> int:
        return int(self.clock())

    def sign_in(self, email: str) -> Authentication:
        return Authentication(email.lower(), self.now())

    def token(self, email: str, /, lifetime: int = TOKEN_LIFETIME_SECONDS, **claims: Any) -> str:
        """An ID token for `email` as the hosted sign-in gives one to the app client, for tests
        that need a token of some shape: `claims` override, and one given as None is left out."""
        attributes = {"email": email.lower(), "email_verified": True}
        return self.id_token(self.sign_in(email), lifetime, attributes, **claims)

    def id_token(
        self,
        who: Authentication,
        lifetime_seconds: int,
        attributes: Mapping[str, Any],
        /,
        **overrides: Any,
    ) -> str:
        """An ID token for `who`, carrying `attributes` (what the app client may read of them);
        `overrides` replace claims, and one given as None is left out. `nonce` and `at_hash` are
        overrides the hosted sign-in passes when they apply."""
        now = self.now()
        claims = {
            "sub": who.subject,
            "aud": self.audience,
            **attributes,
            "token_use": "id",
            "auth_time": who.auth_time,
            "iss": self.issuer_url,
            "cognito:username": who.subject,
            "exp": now + lifetime_seconds,
            "iat": now,
            "jti": str(uuid.uuid4()),
            "origin_jti": who.origin_jti,
            "event_id": who.event_id,
            **overrides,
        }
        return self._sign(claims, self.key, ID_KEY_ID)

    def access_token(
        self, who: Authentication, scopes: tuple[str, ...], lifetime_seconds: int
    ) -> str:
        """An access token: for the user pool's own APIs and the `userInfo` endpoint, never for
        the submit function (it has no `aud`; the function refuses it by its `token_use`)."""
        now = self.now()
        claims = {
            "sub": who.subject,
            "iss": self.issuer_url,
            "version": 2,
            "client_id": self.audience,
            "origin_jti": who.origin_jti,
            "event_id": who.event_id,
            "token_use": "access",
            "scope": " ".join(scopes),
            "auth_time": who.auth_time,
            "exp": now + lifetime_seconds,
            "iat": now,
            "jti": str(uuid.uuid4()),
            "username": who.subject,
        }
        return self._sign(claims, self.access_key, ACCESS_KEY_ID)

    @staticmethod
    def at_hash(access_token: str) -> str:
        return _half_hash(access_token)

    @staticmethod
    def _sign(claims: Mapping[str, Any], key: rsa.RSAPrivateKey, key_id: str) -> str:
        present = {name: value for name, value in claims.items() if value is not None}
        return jwt.encode(present, key, algorithm="RS256", headers={"kid": key_id})

    def jwks(self) -> dict[str, Any]:
        keys = []
        for key, key_id in ((self.key, ID_KEY_ID), (self.access_key, ACCESS_KEY_ID)):
            public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
            keys.append({**public, "kid": key_id, "use": "sig", "alg": "RS256"})
        return {"keys": keys}

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer_url,
            "jwks_uri": self.jwks_url,
            "authorization_endpoint": f"{self.hosted_sign_in_url}/oauth2/authorize",
            "token_endpoint": f"{self.hosted_sign_in_url}/oauth2/token",
            "id_token_signing_alg_values_supported": ["RS256"],
            "subject_types_supported": ["public"],
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "email", "phone", "profile"],
        }

    def handle(self, request: Request) -> Response:
        path = request.path.removeprefix(ISSUER_PATH)
        if request.method in ("GET", "HEAD"):
            if path == DISCOVERY_PATH:
                return Response.json(json.dumps(self.discovery()))
            if path == JWKS_PATH:
                return Response.json(json.dumps(self.jwks()))
        return Response.json(json.dumps({"message": "Not found"}), status=404)
