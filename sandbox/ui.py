"""The sandbox's home site on `--port`: where to go, the mailbox, the dashboard, and the
local identity provider."""

from sandbox.http_server import Handle, Request, Response
from sandbox.mailbox import Mailbox
from sandbox.oidc_issuer import PATH_PREFIX as ISSUER_PATH
from sandbox.oidc_issuer import LocalIssuer
from sandbox.pages import home_page, mailbox_json, mailbox_page, not_found_page


class HomeSite:
    def __init__(
        self,
        submit_url: str,
        decision_url: str,
        mailbox: Mailbox,
        dashboard: Handle,
        issuer: LocalIssuer,
    ) -> None:
        self._submit_url = submit_url
        self._decision_url = decision_url
        self._mailbox = mailbox
        self._issuer = issuer
        self._routes: dict[str, Handle] = {
            "/": self._home,
            "/mailbox": self._mail,
            "/dashboard": dashboard,
        }

    def handle(self, request: Request) -> Response:
        if request.path.startswith(ISSUER_PATH + "/"):
            return self._issuer.handle(request)
        route = self._routes.get(request.path.rstrip("/") or "/")
        if route is None or request.method not in ("GET", "HEAD"):
            return Response.html(not_found_page(), status=404)
        return route(request)

    def _home(self, request: Request) -> Response:
        return Response.html(
            home_page(self._submit_url, self._decision_url, self._issuer.token_url)
        )

    def _mail(self, request: Request) -> Response:
        to = request.query_params().get("to") or None
        emails = self._mailbox.emails()
        chosen = [e for e in emails if to is None or e.to.lower() == to.lower()]
        if request.wants_json():
            return Response.json(mailbox_json(chosen))
        return Response.html(mailbox_page(chosen, emails, to))
