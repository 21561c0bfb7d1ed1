"""The employees' app page: one document for every path a browser opens (`/` and
`/requests/{id}`); its script (`employee_app_script`) signs in and draws the page from the API.

The page holds no request data: it is the same for everyone, and a request is fetched by the
script with the employee's token, so `status_url` can open in a browser without giving
anything away.
"""

import json
from dataclasses import dataclass
from html import escape
from urllib.parse import urlsplit

from handlers.web.style import STYLE
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
    # `</` cannot end the data block early: JSON may write it as `<\/`.
    data = json.dumps(settings).replace("</", "<\\/")
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<title>Leave requests</title><link rel="icon" href="data:,"><style>{STYLE}</style>'
        "</head><body>"
        '<header class="bar"><div class="in"><strong>Leave requests</strong>'
        '<span id="who" class="muted"></span></div></header>'
        '<main id="main"><p class="muted">Loading…</p>'
        "<noscript>This page needs JavaScript to sign you in.</noscript></main>"
        f'<script type="application/json" id="config">{data}</script>'
        f'<script src="{escape(config.base_url + SCRIPT_PATH, quote=True)}" defer></script>'
        "</body></html>"
    )
