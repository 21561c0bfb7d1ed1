"""Calls to the sandbox's hosted sign-in as the employees' app makes them: the authorize
request's fixed parameters are read from the app's own script (handlers/web/static/
employee_app.js), so a change there reaches these tests."""

import base64
import dataclasses
import hashlib
import json
import re
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from components.app_client import AppClientSettings, employees_app_client
from handlers.gateways.token_verifier import TokenVerifier, UnauthenticatedError
from sandbox.config import HOSTED_SIGN_IN_PATH, ISSUER_PATH
from sandbox.hosted_sign_in import HostedSignIn, UserDirectory
from sandbox.http_server import LoopbackServer, Request, Response
from sandbox.oidc_issuer import LocalIssuer

PROJECT_ROOT = Path(__file__).resolve().parents[2]
APP_SCRIPT = PROJECT_ROOT / "handlers" / "web" / "static" / "employee_app.js"
ISSUER = f"http://127.0.0.1:8000{ISSUER_PATH}"
HOSTED = f"http://127.0.0.1:8000{HOSTED_SIGN_IN_PATH}"
APP = "http://127.0.0.1:8001/live/"
APP_ORIGIN = "http://127.0.0.1:8001"
CLIENT_ID = "client-1"
VERIFIER = "a-verifier-of-at-least-forty-three-characters-long-0123"
EMPLOYEE = "a@email.com"
FORM = "application/x-www-form-urlencoded"


class Clock:
    """The issuer's clock, moved on by the test (it starts at the real time, so tokens it
    signs verify)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def app_authorize_literals() -> dict[str, str]:
    """The authorize parameters the app's script writes as literals (its scope among them)."""
    script = APP_SCRIPT.read_text()
    call = re.search(r"new URLSearchParams\(\{\s*(response_type:.*?)\}\)", script, re.S)
    assert call, "the app's script no longer builds its authorize request as expected"
    return dict(re.findall(r"(\w+): '([^']*)'", call.group(1)))


def the_apps_request(**overrides: str | None) -> dict[str, str]:
    """The app's authorize request, with what it computes filled in; None drops a parameter."""
    params: dict[str, str | None] = {
        **app_authorize_literals(),
        "client_id": CLIENT_ID,
        "redirect_uri": APP,
        "state": "s-1",
        "code_challenge": challenge(VERIFIER),
        **overrides,
    }
    return {name: value for name, value in params.items() if value is not None}


def local_issuer(directory: Path, issuer_url: str = ISSUER) -> LocalIssuer:
    """The pool's issuer for the app client CLIENT_ID, its keys in `directory`, its clock one
    the test moves (loading keys takes a while: tests share an issuer, each with its clock)."""
    return LocalIssuer.in_directory(directory, issuer_url, CLIENT_ID, HOSTED, Clock())


def hosted_sign_in(
    issuer: LocalIssuer,
    client: AppClientSettings[str] | None = None,
    clock: Clock | None = None,
) -> HostedSignIn:
    """The sandbox's sign-in for `client` (by default the employees' app client at APP)."""
    return HostedSignIn(
        dataclasses.replace(issuer, clock=clock or Clock()),
        client or employees_app_client(APP),
        UserDirectory(("email.com",), (EMPLOYEE,)),
    )


def authorize(sign_in: HostedSignIn, **overrides: str | None) -> Response:
    query = urlencode(the_apps_request(**overrides))
    return sign_in.handle(Request("GET", "/auth/oauth2/authorize", query, [], b"", "127.0.0.1"))


def token_request(
    sign_in: HostedSignIn, form: dict[str, str | None], content_type: str = FORM
) -> Response:
    body = urlencode({name: value for name, value in form.items() if value is not None})
    headers = [("Origin", APP_ORIGIN), ("Content-Type", content_type)]
    request = Request("POST", "/auth/oauth2/token", "", headers, body.encode(), "127.0.0.1")
    return sign_in.handle(request)


def exchange(sign_in: HostedSignIn, code: str, /, **overrides: str | None) -> Response:
    """The app's code exchange (its script's form), `overrides` changing or dropping fields."""
    form: dict[str, str | None] = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": CLIENT_ID,
        "redirect_uri": APP,
        "code_verifier": VERIFIER,
        **overrides,
    }
    return token_request(sign_in, form)


def location(response: Response, where: str = APP) -> dict[str, str]:
    """The query the browser is sent back to the app with."""
    assert response.status == 302, response.body
    url = dict(response.headers)["Location"]
    assert url.startswith(where + "?"), url
    return dict(parse_qsl(urlsplit(url).query))


def code_for(sign_in: HostedSignIn, email: str = EMPLOYEE, **overrides: str | None) -> str:
    return location(authorize(sign_in, email=email, **overrides))["code"]


def refused(response: Response) -> str:
    """The OAuth error of a token endpoint's refusal, checked to be Cognito's 400 in JSON."""
    assert response.status == 400, response.body
    assert dict(response.headers)["Content-Type"] == "application/json"
    error: str = json.loads(response.body)["error"]
    return error


def tokens(response: Response) -> dict[str, object]:
    assert response.status == 200, response.body
    body: dict[str, object] = json.loads(response.body)
    return body


def the_apps_sign_in(sign_in: HostedSignIn, verifier: TokenVerifier, email: str) -> str:
    """What an employee signing in through the app meets, step by step as the browser takes
    them: who the submit function then takes them for, or where and how it failed."""
    page = authorize(sign_in)
    if page.status != 200:
        if page.status == 302:
            return f"back at the app with {location(page)['error']}"
        return f"sign-in page {page.status}: {page.body.decode()}"
    back = authorize(sign_in, email=email)
    if "error" in (answer := location(back)):
        return f"back at the app with {answer['error']}"
    exchanged = exchange(sign_in, answer["code"])
    if exchanged.status != 200:
        return f"token endpoint: {refused(exchanged)}"
    id_token = json.loads(exchanged.body).get("id_token")
    if id_token is None:
        return "token endpoint: no ID token"
    try:
        return verifier.verify(f"Bearer {id_token}").email
    except UnauthenticatedError as refusal:
        return f"submit function: {refusal.problem}"


@contextmanager
def served_issuer(directory: Path) -> Iterator[str]:
    """An issuer with `directory`'s keys on a loopback port, for the submit function's
    verifier to fetch its discovery document and keys from: its URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}{ISSUER_PATH}"
    issuer = LocalIssuer.in_directory(directory, url, CLIENT_ID, HOSTED)
    server = LoopbackServer("oidc", port, issuer.handle)
    server.start()
    try:
        yield url
    finally:
        server.stop()
