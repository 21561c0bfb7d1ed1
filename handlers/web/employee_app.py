"""The employees' app page: one document for every path a browser opens (`/` and
`/requests/{id}`); its script (`static/employee_app.js`, served as `app.js`) signs in and draws
the page from the API. The page is `templates/page.html` around `templates/employee_app.html`.

The page holds no request data: it is the same for everyone, and a request is fetched by the
script with the employee's token, so `status_url` can open in a browser without giving
anything away.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from handlers.web.rendering import render, script_json, stylesheet
from handlers.web.wording import page_wording

SCRIPT_PATH = "app.js"


@dataclass(frozen=True)
class AppConfig:
    base_url: str  # the API's address, ending with `/`
    client_id: str
    authorization_endpoint: str
    token_endpoint: str


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def page_headers(config: AppConfig) -> dict[str, str]:
    """No inline script, no other origin but the issuer's token endpoint, never framed."""
    return {
        "Content-Security-Policy": (
            "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; "
            f"connect-src 'self' {_origin(config.token_endpoint)}; img-src 'self' data:; "
            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        ),
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
    }


def app_page(config: AppConfig) -> str:
    settings = {
        "base_url": config.base_url,
        "client_id": config.client_id,
        "authorization_endpoint": config.authorization_endpoint,
        "token_endpoint": config.token_endpoint,
        "wording": page_wording(),
    }
    body = render(
        "employee_app.html",
        settings=script_json(settings),
        script_url=config.base_url + SCRIPT_PATH,
    )
    return str(render("page.html", title="Leave requests", style=stylesheet(), who="", body=body))
