"""The sandbox's hosted sign-in: what the user pool's domain
(`https://<prefix>.auth.<region>.amazoncognito.com`) is to the deployed stack, for the one app
client it serves. It enforces that client's settings (`components/app_client.py`, the same
definition the Cognito client is created from) as Cognito does, with Cognito's answers (Amazon
Cognito Developer Guide, "Authorize endpoint" and "Token endpoint"), so a setting or an app that
would lock employees out on AWS locks them out here too. Served by the home site:

    GET  /auth/oauth2/authorize      the authorization code flow: checks the request, shows a
                                     page to choose who signs in (the sandbox's stand-in for
                                     Cognito's login page), then sends the browser back to the
                                     callback URL with a one-time code, or with an error
    POST /auth/oauth2/token          the code (with its PKCE verifier) or a refresh token
                                     exchanged for tokens; refusals are Cognito's 400s
    GET  /token-for-scripts?email=   the sandbox's own sign-in for scripts and tests, outside
                                     Cognito's surface (never deployed: on AWS, people sign in at
                                     the hosted sign-in): {"token": "<ID token>"} for any
                                     address the service takes at an allowed domain

What Cognito does that its documentation leaves open is decided here as said where it is done.
Codes and refresh tokens live in memory: a restart signs everyone out of the refresh, not of
the ID tokens they hold.
"""

import base64
import hashlib
import json
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from components.app_client import AppClientSettings
from handlers.domain.person import NotAPersonError, person_address
from handlers.web.rendering import join
from sandbox.config import HOSTED_SIGN_IN_PATH
from sandbox.http_server import Request, Response
from sandbox.oidc_issuer import Authentication, LocalIssuer
from sandbox.pages import PAGES

# "The response returns a one time use code that is valid for five minutes" (Authorize endpoint).
CODE_LIFETIME_SECONDS = 300
# Each `response_type` and the OAuth flow (`AllowedOAuthFlows`) it needs (Authorize endpoint).
FLOW_OF_RESPONSE_TYPE = {"code": "code", "token": "implicit"}
GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")
# Scopes that add claims to the ID token, which "can only be requested if openid scope is also
# requested" (Authorize endpoint, `scope`).
SCOPES_NEEDING_OPENID = ("email", "phone", "profile")
# The attributes a scope gives access to, which the client must be able to read, or the token
# endpoint refuses with invalid_grant (Token endpoint: "App client doesn't have read access to
# all attributes in the requested scope", its example being `email` without `email_verified`).
SCOPE_ATTRIBUTES = {
    "email": ("email", "email_verified"),
    "phone": ("phone_number", "phone_number_verified"),
}
# The only `code_challenge_method` Cognito takes (Authorize endpoint).
PKCE_METHOD = "S256"
# The identity provider name of the user pool's own users (`SupportedIdentityProviders`).
USER_POOL_PROVIDER = "COGNITO"


class _Refused(Exception):
    """A request Cognito refuses: its OAuth error code, and for people, what is wrong."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description


@dataclass(frozen=True)
class UserDirectory:
    """The user pool's users, as the sandbox has them: anyone the service takes at an allowed
    domain. The sign-in page offers `people` (anyone else may type their address)."""

    allowed_domains: tuple[str, ...]
    people: tuple[str, ...] = ()

    def address_of(self, typed: str) -> str | None:
        """Whom `typed` signs in: only an address the service takes, at an allowed domain."""
        try:
            address = person_address(typed)
        except NotAPersonError:
            return None
        return address if address.partition("@")[2] in self.allowed_domains else None

    @property
    def hint(self) -> str:
        return f"Enter an address at {' or '.join(self.allowed_domains)}, in plain ASCII."


@dataclass(frozen=True)
class _Grant:
    """What a code stands for until it is exchanged (once) or expires."""

    who: Authentication
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    code_challenge: str | None
    nonce: str | None
    expires_at: float


@dataclass(frozen=True)
class _Session:
    """What a refresh token stands for until it expires."""

    who: Authentication
    client_id: str
    scopes: tuple[str, ...]
    expires_at: float


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _json(status: int, body: dict[str, Any], headers: list[tuple[str, str]]) -> Response:
    extra = [("Content-Type", "application/json"), ("Cache-Control", "no-store")]
    return Response(status, json.dumps(body).encode(), extra + headers)


def _redirect(redirect_uri: str, params: dict[str, str], **answer: str) -> Response:
    query = urlencode({**answer, **({"state": params["state"]} if "state" in params else {})})
    return Response(302, headers=[("Location", f"{redirect_uri}?{query}")])


@dataclass
class HostedSignIn:
    issuer: LocalIssuer
    client: AppClientSettings[str]
    users: UserDirectory
    _codes: dict[str, _Grant] = field(default_factory=dict)
    _sessions: dict[str, _Session] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def client_id(self) -> str:
        return self.issuer.audience

    def handle(self, request: Request) -> Response:
        path = request.path.removeprefix(HOSTED_SIGN_IN_PATH)
        if path == "/oauth2/token":
            return self._token_endpoint(request)
        if path == "/oauth2/authorize" and request.method in ("GET", "HEAD"):
            return self._authorize(request.query_params())
        return Response.json(json.dumps({"message": "Not found"}), status=404)

    # -- the authorize endpoint ---------------------------------------------------------------

    def _authorize(self, params: dict[str, str]) -> Response:
        # Only "if client_id and redirect_uri are valid" does Cognito send an error back to
        # the app; otherwise the browser stays on the sign-in domain's error page.
        if params.get("client_id") != self.client_id:
            return self._error_page("invalid_request", "client_id is not an app client here.")
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri not in self.client.callback_urls:
            return self._error_page(
                "redirect_mismatch", "redirect_uri is not one of the app client's callback URLs."
            )
        try:
            scopes = self._authorized_scopes(params)
        except _Refused as refused:
            return _redirect(redirect_uri, params, error=refused.error)
        if USER_POOL_PROVIDER not in self.client.supported_identity_providers:
            return self._error_page(
                "invalid_request", "The app client offers no sign-in to the user pool's users."
            )
        if params["response_type"] != "code":
            return self._error_page("implicit grant", "The sandbox signs in with codes only.", 501)
        typed = params.get("email", "")
        if not typed.strip():
            return Response.html(sign_in_page(None, params, self.users.people))
        email = self.users.address_of(typed)
        if email is None:
            page = sign_in_page(self.users.hint, params, self.users.people)
            return Response.html(page, status=422)
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = _Grant(
                self.issuer.sign_in(email),
                self.client_id,
                redirect_uri,
                scopes,
                params.get("code_challenge"),
                params.get("nonce"),
                self.issuer.clock() + CODE_LIFETIME_SECONDS,
            )
        return _redirect(redirect_uri, params, code=code)

    def _authorized_scopes(self, params: dict[str, str]) -> tuple[str, ...]:
        """The scopes a valid request is granted, or Cognito's refusal of it."""
        flow = FLOW_OF_RESPONSE_TYPE.get(params.get("response_type", ""))
        if flow is None:
            raise _Refused("invalid_request", "response_type must be code or token")
        if not self.client.allowed_oauth_flows_user_pool_client or (
            flow not in self.client.allowed_oauth_flows
        ):
            raise _Refused("unauthorized_client", f"the app client does not allow the {flow} flow")
        self._check_pkce(params)
        # "If the client doesn't request any scopes, the authentication server uses all scopes
        # that are associated with the client."
        scopes = tuple(params.get("scope", "").split()) or self.client.allowed_oauth_scopes
        unknown = [scope for scope in scopes if scope not in self.client.allowed_oauth_scopes]
        if unknown:
            raise _Refused("invalid_scope", f"the app client does not allow {' '.join(unknown)}")
        if "openid" not in scopes and any(s in scopes for s in SCOPES_NEEDING_OPENID):
            raise _Refused("invalid_scope", "email, phone and profile need openid")
        return scopes

    def _check_pkce(self, params: dict[str, str]) -> None:
        method, challenge = params.get("code_challenge_method"), params.get("code_challenge")
        if method is not None and method != PKCE_METHOD:
            raise _Refused("invalid_request", "code_challenge_method must be S256")
        if (method is None) != (challenge is None):
            raise _Refused("invalid_request", "code_challenge goes with code_challenge_method")
        if challenge is None and self.client.require_pkce:
            raise _Refused("invalid_request", "this client must send a PKCE code_challenge")

    def _error_page(self, error: str, problem: str, status: int = 400) -> Response:
        return Response.html(sign_in_page(f"{problem} ({error})", {}, ()), status=status)

    # -- the token endpoint -------------------------------------------------------------------

    def _cors(self, request: Request) -> list[tuple[str, str]]:
        """The app's pages exchange codes from their own origin, as they do with Cognito."""
        origin = request.header("origin")
        allowed = {f"{u.scheme}://{u.netloc}" for u in map(urlsplit, self.client.callback_urls)}
        if origin not in allowed:
            return []
        return [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]

    def _token_endpoint(self, request: Request) -> Response:
        cors = self._cors(request)
        if request.method == "OPTIONS":
            preflight = [
                ("Access-Control-Allow-Methods", "POST"),
                ("Access-Control-Allow-Headers", "content-type"),
            ]
            return Response(204 if cors else 403, headers=cors + preflight)
        if request.method != "POST":
            return _json(405, {"error": "invalid_request"}, cors)
        try:
            tokens = self._exchange(request)
        except _Refused as refused:
            # Every refusal is a 400 with its code (Token endpoint, "Examples of negative
            # responses"); the description is the sandbox's, for whoever reads it.
            body = {"error": refused.error, "error_description": refused.description}
            return _json(400, body, cors)
        return _json(200, tokens, cors)

    def _exchange(self, request: Request) -> dict[str, Any]:
        content_type = (request.header("content-type") or "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            raise _Refused("invalid_request", "send the form as application/x-www-form-urlencoded")
        form = dict(parse_qsl(request.body.decode(errors="replace")))
        grant_type = form.get("grant_type")
        if not grant_type:
            raise _Refused("invalid_request", "grant_type is required")
        if grant_type not in GRANT_TYPES:
            raise _Refused("unsupported_grant_type", f"{grant_type} is not a grant type here")
        if form.get("client_id") != self.client_id:
            raise _Refused("invalid_client", "client_id is not an app client here")
        if self.client.generate_secret:
            # A browser cannot keep a client secret: the sandbox's client is a public one.
            raise _Refused("invalid_client", "the app client has a secret, and none was sent")
        if grant_type == "authorization_code":
            return self._exchange_code(form)
        if grant_type == "refresh_token":
            return self._refresh(form)
        raise _Refused("unauthorized_client", "the app client does not allow client_credentials")

    def _exchange_code(self, form: dict[str, str]) -> dict[str, Any]:
        if "code" not in self.client.allowed_oauth_flows:
            raise _Refused("unauthorized_client", "the app client does not allow the code flow")
        if not form.get("code") or not form.get("redirect_uri"):
            raise _Refused("invalid_request", "code and redirect_uri are required")
        if form["redirect_uri"] not in self.client.callback_urls:
            # What Cognito answers a redirect_uri that is not a callback URL at all (seen, not
            # documented; an RFC 6749 server would say invalid_grant).
            raise _Refused("unauthorized_client", "redirect_uri is not a callback URL")
        with self._lock:
            # Spent by any exchange that names it, even a refused one: a code cannot be tried
            # again and again.
            grant = self._codes.pop(form["code"], None)
        if grant is None or grant.expires_at < self.issuer.clock():
            raise _Refused("invalid_grant", "the code is unknown, used or expired")
        if grant.client_id != form["client_id"] or grant.redirect_uri != form["redirect_uri"]:
            raise _Refused("invalid_grant", "the code was issued for another client or redirect")
        if grant.code_challenge is not None:
            verifier = form.get("code_verifier")
            if not verifier:
                raise _Refused(
                    "invalid_request", "the code was requested with PKCE: send its verifier"
                )
            if _s256(verifier) != grant.code_challenge:
                raise _Refused("invalid_grant", "the code_verifier does not match the challenge")
        return self._tokens(
            grant.who, grant.scopes, grant.nonce, with_refresh=self.client.refreshes
        )

    def _refresh(self, form: dict[str, str]) -> dict[str, Any]:
        if not self.client.refreshes:
            raise _Refused("unauthorized_client", "the app client does not allow refreshing")
        if not form.get("refresh_token"):
            raise _Refused("invalid_request", "refresh_token is required")
        with self._lock:
            session = self._sessions.get(form["refresh_token"])
        if (
            session is None
            or session.expires_at < self.issuer.clock()
            or session.client_id != form["client_id"]
        ):
            raise _Refused("invalid_grant", "the refresh token is unknown, expired or not yours")
        # No new refresh token: the client does not rotate them (Token endpoint: a refresh
        # token only with authorization_code).
        return self._tokens(session.who, session.scopes, None, with_refresh=False)

    def _attributes(self, who: Authentication) -> dict[str, Any]:
        """What the ID token says of the user: the attributes the client may read."""
        attributes = {"email": who.email, "email_verified": True}
        readable = self.client.readable_attributes
        return {name: value for name, value in attributes.items() if name in readable}

    def _tokens(
        self, who: Authentication, scopes: tuple[str, ...], nonce: str | None, with_refresh: bool
    ) -> dict[str, Any]:
        for scope in scopes:
            unreadable = set(SCOPE_ATTRIBUTES.get(scope, ())) - self.client.readable_attributes
            if unreadable:
                raise _Refused(
                    "invalid_grant", f"the app client cannot read {', '.join(sorted(unreadable))}"
                )
        access = self.issuer.access_token(who, scopes, self.client.access_token_validity.seconds)
        tokens: dict[str, Any] = {}
        # "An ID token is only returned if openid scope is requested."
        if "openid" in scopes:
            tokens["id_token"] = self.issuer.id_token(
                who,
                self.client.id_token_validity.seconds,
                self._attributes(who),
                nonce=nonce,
                at_hash=self.issuer.at_hash(access),
            )
        tokens["access_token"] = access
        if with_refresh:
            refresh = secrets.token_urlsafe(48)
            lifetime = self.client.refresh_token_validity.seconds
            with self._lock:
                self._sessions[refresh] = _Session(
                    who, self.client_id, scopes, self.issuer.clock() + lifetime
                )
            tokens["refresh_token"] = refresh
        tokens["expires_in"] = self.client.access_token_validity.seconds
        tokens["token_type"] = "Bearer"  # noqa: S105 (a scheme, not a secret)
        return tokens

    # -- the sandbox's sign-in for scripts ----------------------------------------------------

    def scripted_sign_in(self, request: Request) -> Response:
        """An ID token for `?email=`, as the app client would get at the hosted sign-in with
        every scope it allows (so the client's settings bite here too)."""
        if request.method not in ("GET", "HEAD"):
            return Response.json(json.dumps({"message": "Not found"}), status=404)
        email = self.users.address_of(request.query_params().get("email", ""))
        if email is None:
            return Response.json(json.dumps({"message": self.users.hint}), status=422)
        try:
            tokens = self._tokens(
                self.issuer.sign_in(email),
                self.client.allowed_oauth_scopes,
                None,
                with_refresh=False,
            )
        except _Refused as refused:
            return Response.json(json.dumps({"message": str(refused)}), status=400)
        if "id_token" not in tokens:
            message = "the app client does not allow openid: Cognito would give no ID token"
            return Response.json(json.dumps({"message": message}), status=400)
        return Response.json(json.dumps({"token": tokens["id_token"]}), Cache_Control="no-store")


def sign_in_page(problem: str | None, params: dict[str, str], people: tuple[str, ...]) -> str:
    """The sandbox's sign-in: choose someone from the directory, or type an address.
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
