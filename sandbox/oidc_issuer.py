"""A local OpenID Connect issuer: what Cognito (or the company's IdP) is to the deployed stack.

It publishes a discovery document and its signing keys (JWKS) and issues RS256 ID tokens, so the
submit function verifies tokens here exactly as it does on AWS. Served by the home site under
`/oidc` (the issuer URL is `http://127.0.0.1:N/oidc`):

    GET /oidc/.well-known/openid-configuration   discovery
    GET /oidc/jwks.json                          the public key
    GET /oidc/token?email=<address>              {"token": "<ID token>"}: the sandbox's sign-in,
                                                 for any address at an allowed domain (never
                                                 deployed: on AWS, people sign in at the IdP)

The private key is kept in the data dir, so tokens outlive a restart.
"""

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sandbox.http_server import Request, Response

PATH_PREFIX = "/oidc"
KEY_FILE = "oidc-signing-key.pem"
TOKEN_LIFETIME_SECONDS = 3600
_KEY_ID = "sandbox-1"


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


@dataclass
class LocalIssuer:
    issuer_url: str
    audience: str
    key: rsa.RSAPrivateKey
    allowed_domains: tuple[str, ...] = ()

    @classmethod
    def in_directory(
        cls, directory: Path, issuer_url: str, audience: str, allowed_domains: tuple[str, ...]
    ) -> "LocalIssuer":
        return cls(issuer_url, audience, _load_or_create_key(directory / KEY_FILE), allowed_domains)

    @property
    def jwks_url(self) -> str:
        return f"{self.issuer_url}/jwks.json"

    @property
    def token_url(self) -> str:
        return f"{self.issuer_url}/token"

    def token(self, email: str, lifetime: int = TOKEN_LIFETIME_SECONDS, **claims: Any) -> str:
        """An ID token for `email`, as an IdP issues one after sign-in; `claims` override."""
        now = int(time.time())
        body = {
            "iss": self.issuer_url,
            "aud": self.audience,
            "sub": str(uuid.uuid5(uuid.NAMESPACE_URL, email.lower())),
            "email": email.lower(),
            "email_verified": True,
            "token_use": "id",
            "iat": now,
            "exp": now + lifetime,
            **claims,
        }
        return jwt.encode(body, self.key, algorithm="RS256", headers={"kid": _KEY_ID})

    def jwks(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": _KEY_ID, "use": "sig", "alg": "RS256"}]}

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer_url,
            "jwks_uri": self.jwks_url,
            "id_token_signing_alg_values_supported": ["RS256"],
            "subject_types_supported": ["public"],
            "response_types_supported": ["id_token"],
        }

    def handle(self, request: Request) -> Response:
        path = request.path.removeprefix(PATH_PREFIX).rstrip("/")
        if path == "/.well-known/openid-configuration":
            return Response.json(json.dumps(self.discovery()))
        if path == "/jwks.json":
            return Response.json(json.dumps(self.jwks()))
        if path == "/token":
            return self._sign_in(request.query_params().get("email", ""))
        return Response.json(json.dumps({"message": "Not found"}), status=404)

    def _sign_in(self, email: str) -> Response:
        address = email.strip().lower()
        local, _, domain = address.partition("@")
        if not local or domain not in self.allowed_domains:
            problem = f"email must be an address at {' or '.join(self.allowed_domains)}"
            return Response.json(json.dumps({"message": problem}), status=422)
        return Response.json(json.dumps({"token": self.token(address)}), Cache_Control="no-store")
