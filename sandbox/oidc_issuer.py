"""A local OpenID Connect issuer: what Cognito (or the company's IdP) is to the deployed stack.

It publishes a discovery document and its signing keys (JWKS) and issues RS256 ID tokens shaped
like a Cognito user pool's (`token_use: "id"`, `email_verified`, `cognito:username`, `auth_time`,
`aud` = the app client), so the submit function verifies tokens here exactly as it does on AWS.
Served by the home site under `/oidc` (the issuer URL is `http://127.0.0.1:N/oidc`):

    GET /oidc/.well-known/openid-configuration   discovery
    GET /oidc/jwks.json                          the public key
    GET /oidc/token?email=<address>              {"token": "<ID token>"}: the sandbox's sign-in,
                                                 for any address the service takes (plain
                                                 ASCII) at an allowed domain (never
                                                 deployed: on AWS, people sign in at the IdP)
    GET  /oidc/authorize                         the authorization code flow with PKCE, as the
    POST /oidc/oauth2/token                      employees' app uses Cognito's hosted sign-in:
                                                 a page to choose who signs in, a redirect
                                                 with a one-time code, the code exchanged
                                                 (with its verifier) for an ID token

The private key is kept in the data dir, so tokens outlive a restart; codes live in memory.
"""

import base64
import hashlib
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from handlers.domain.person import NotAPersonError, person_address
from handlers.web.rendering import join
from sandbox.http_server import Request, Response
from sandbox.pages import PAGES

PATH_PREFIX = "/oidc"
KEY_FILE = "oidc-signing-key.pem"
TOKEN_LIFETIME_SECONDS = 3600
CODE_LIFETIME_SECONDS = 300
_KEY_ID = "sandbox-1"


@dataclass(frozen=True)
class _Grant:
    """What a code stands for until it is exchanged (once) or expires."""

    email: str
    client_id: str
    redirect_uri: str
    code_challenge: str
    expires_at: float


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _json(status: int, body: dict[str, Any], headers: list[tuple[str, str]]) -> Response:
    extra = [("Content-Type", "application/json"), ("Cache-Control", "no-store")]
    return Response(status, json.dumps(body).encode(), extra + headers)


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
    # Where the code flow may send people back (the app client's callback URLs).
    redirect_uris: tuple[str, ...] = ()
    # Whom the sign-in page offers (anyone else at an allowed domain may type their address).
    people: tuple[str, ...] = ()
    _grants: dict[str, _Grant] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def in_directory(
        cls,
        directory: Path,
        issuer_url: str,
        audience: str,
        allowed_domains: tuple[str, ...],
        redirect_uris: tuple[str, ...] = (),
        people: tuple[str, ...] = (),
    ) -> "LocalIssuer":
        key = _load_or_create_key(directory / KEY_FILE)
        return cls(issuer_url, audience, key, allowed_domains, redirect_uris, people)

    @property
    def jwks_url(self) -> str:
        return f"{self.issuer_url}/jwks.json"

    @property
    def token_url(self) -> str:
        return f"{self.issuer_url}/token"

    def token(self, email: str, /, lifetime: int = TOKEN_LIFETIME_SECONDS, **claims: Any) -> str:
        """An ID token for `email`, as Cognito issues one after sign-in (a pool whose usernames
        are email addresses names each user by their `sub`); `claims` override, and a claim
        given as None is left out."""
        now = int(time.time())
        subject = str(uuid.uuid5(uuid.NAMESPACE_URL, email.lower()))
        body = {
            "iss": self.issuer_url,
            "aud": self.audience,
            "sub": subject,
            "cognito:username": subject,
            "email": email.lower(),
            "email_verified": True,
            "token_use": "id",
            "auth_time": now,
            "iat": now,
            "exp": now + lifetime,
            **claims,
        }
        present = {name: value for name, value in body.items() if value is not None}
        return jwt.encode(present, self.key, algorithm="RS256", headers={"kid": _KEY_ID})

    def jwks(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": _KEY_ID, "use": "sig", "alg": "RS256"}]}

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer_url,
            "jwks_uri": self.jwks_url,
            "id_token_signing_alg_values_supported": ["RS256"],
            "subject_types_supported": ["public"],
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "email"],
            "authorization_endpoint": f"{self.issuer_url}/authorize",
            "token_endpoint": f"{self.issuer_url}/oauth2/token",
        }

    def handle(self, request: Request) -> Response:
        path = request.path.removeprefix(PATH_PREFIX).rstrip("/")
        if path == "/oauth2/token":
            return self._exchange(request)
        if request.method not in ("GET", "HEAD"):
            return Response.json(json.dumps({"message": "Not found"}), status=404)
        if path == "/.well-known/openid-configuration":
            return Response.json(json.dumps(self.discovery()))
        if path == "/jwks.json":
            return Response.json(json.dumps(self.jwks()))
        if path == "/token":
            return self._sign_in(request.query_params().get("email", ""))
        if path == "/authorize":
            return self._authorize(request.query_params())
        return Response.json(json.dumps({"message": "Not found"}), status=404)

    def _signed_in_address(self, typed: str) -> str | None:
        """Whom `typed` signs in: only an address the service takes, at an allowed domain."""
        try:
            address = person_address(typed)
        except NotAPersonError:
            return None
        return address if address.partition("@")[2] in self.allowed_domains else None

    def _address_hint(self) -> str:
        return f"Enter an address at {' or '.join(self.allowed_domains)}, in plain ASCII."

    def _sign_in(self, email: str) -> Response:
        address = self._signed_in_address(email)
        if address is None:
            return Response.json(json.dumps({"message": self._address_hint()}), status=422)
        return Response.json(json.dumps({"token": self.token(address)}), Cache_Control="no-store")

    # -- the authorization code flow with PKCE ------------------------------------------------

    def _authorize(self, params: dict[str, str]) -> Response:
        redirect_uri = params.get("redirect_uri", "")
        if params.get("client_id") != self.audience or redirect_uri not in self.redirect_uris:
            # Never redirect to an address the client did not register.
            return Response.html(
                sign_in_page("This sign-in link is not for this service.", {}, ()), status=400
            )
        if (
            params.get("response_type") != "code"
            or params.get("code_challenge_method") != "S256"
            or not params.get("code_challenge")
        ):
            return self._redirect(redirect_uri, params, error="invalid_request")
        typed = params.get("email", "")
        if not typed.strip():
            return Response.html(sign_in_page(None, params, self.people))
        email = self._signed_in_address(typed)
        if email is None:
            page = sign_in_page(self._address_hint(), params, self.people)
            return Response.html(page, status=422)
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._grants[code] = _Grant(
                email,
                self.audience,
                redirect_uri,
                params["code_challenge"],
                time.monotonic() + CODE_LIFETIME_SECONDS,
            )
        return self._redirect(redirect_uri, params, code=code)

    @staticmethod
    def _redirect(redirect_uri: str, params: dict[str, str], **answer: str) -> Response:
        query = urlencode({**answer, **({"state": params["state"]} if "state" in params else {})})
        return Response(302, headers=[("Location", f"{redirect_uri}?{query}")])

    def _cors(self, request: Request) -> list[tuple[str, str]]:
        """The app's pages exchange codes from their own origin, as they do with Cognito."""
        origin = request.header("origin")
        allowed = {f"{u.scheme}://{u.netloc}" for u in map(urlsplit, self.redirect_uris)}
        if origin not in allowed:
            return []
        return [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]

    def _exchange(self, request: Request) -> Response:
        cors = self._cors(request)
        if request.method == "OPTIONS":
            preflight = [
                ("Access-Control-Allow-Methods", "POST"),
                ("Access-Control-Allow-Headers", "content-type"),
            ]
            return Response(204 if cors else 403, headers=cors + preflight)
        if request.method != "POST":
            return _json(405, {"error": "invalid_request"}, cors)
        form = dict(parse_qsl(request.body.decode(errors="replace")))
        with self._lock:
            grant = self._grants.pop(form.get("code", ""), None)
        if (
            form.get("grant_type") != "authorization_code"
            or grant is None
            or grant.expires_at < time.monotonic()
            or form.get("client_id") != grant.client_id
            or form.get("redirect_uri") != grant.redirect_uri
            or _s256(form.get("code_verifier", "")) != grant.code_challenge
        ):
            problem = "the code is unknown, used, expired or not yours"
            return _json(400, {"error": "invalid_grant", "error_description": problem}, cors)
        body = {
            "id_token": self.token(grant.email),
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME_SECONDS,
        }
        return _json(200, body, cors)


def sign_in_page(problem: str | None, params: dict[str, str], people: tuple[str, ...]) -> str:
    """The local issuer's sign-in: choose someone from the directory, or type an address.
    Its HTML is `templates/sign_in/`, its style `static/sign_in.css`."""
    hidden = join(
        PAGES.render("sign_in/hidden.html", name=k, value=v)
        for k, v in params.items()
        if k != "email"
    )
    forms = (
        PAGES.render(
            "sign_in/forms.html",
            hidden=hidden,
            people=join(PAGES.render("sign_in/person.html", address=p) for p in people),
        )
        if params
        else ""
    )
    page = PAGES.render(
        "sign_in/page.html",
        style=PAGES.static_markup("sign_in.css"),
        problem=PAGES.render("sign_in/problem.html", problem=problem) if problem else "",
        forms=forms,
    )
    return str(page)
