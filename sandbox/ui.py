"""The sandbox's home site on `--port`: where to go, the mailbox, the dashboard, and the
user pool's stand-ins (its issuer and its hosted sign-in, `sandbox/oidc_issuer.py` and
`sandbox/hosted_sign_in.py`)."""

from sandbox.config import HOSTED_SIGN_IN_PATH, ISSUER_PATH, SCRIPTS_TOKEN_PATH
from sandbox.hosted_sign_in import HostedSignIn
from sandbox.http_server import Handle, Request, Response
from sandbox.mailbox import Mailbox
from sandbox.pages import home_page, mailbox_json, mailbox_page, not_found_page


class HomeSite:
    def __init__(
        self,
        submit_url: str,
        decision_url: str,
        mailbox: Mailbox,
        dashboard: Handle,
        sign_in: HostedSignIn,
        token_url: str,
    ) -> None:
        self._submit_url = submit_url
        self._decision_url = decision_url
        self._mailbox = mailbox
        self._token_url = token_url
        self._prefixes: dict[str, Handle] = {
            ISSUER_PATH + "/": sign_in.issuer.handle,
            HOSTED_SIGN_IN_PATH + "/": sign_in.handle,
        }
        self._routes: dict[str, Handle] = {
            "/": self._home,
            "/mailbox": self._mail,
            "/dashboard": dashboard,
            SCRIPTS_TOKEN_PATH: sign_in.scripted_sign_in,
        }

    def handle(self, request: Request) -> Response:
        for prefix, handle in self._prefixes.items():
            if request.path.startswith(prefix):
                return handle(request)
        route = self._routes.get(request.path.rstrip("/") or "/")
        if route is None or request.method not in ("GET", "HEAD"):
            return Response.html(not_found_page(), status=404)
        return route(request)

    def _home(self, request: Request) -> Response:
        return Response.html(home_page(self._submit_url, self._decision_url, self._token_url))

    def _mail(self, request: Request) -> Response:
        to = request.query_params().get("to") or None
        emails = self._mailbox.emails()
        chosen = [e for e in emails if to is None or e.to.lower() == to.lower()]
        if request.wants_json():
            return Response.json(mailbox_json(chosen))
        return Response.html(mailbox_page(chosen, emails, to))
