"""The employees' app: its page (to a browser, at `/` and at a request's status URL) and its
script. The page holds no request data; it signs in and reads the API itself."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from handlers.http_responses import error_response
from handlers.settings import submit_settings
from handlers.submit_routes import wiring
from handlers.web.employee_app import SCRIPT_PATH, AppConfig, app_page, page_headers
from handlers.web.employee_app_script import SCRIPT

router = Router()


def nothing_here() -> Response[str]:
    """The answer to a path (or a method) the endpoint does not serve."""
    return error_response(
        404,
        "Nothing here: POST / to submit, GET /requests/{id} to follow one, "
        "GET or PUT /delegation to hand your approvals over while you are away.",
    )


def the_app() -> Response[str]:
    settings = submit_settings()
    endpoints = wiring.verifier().sign_in_endpoints()
    config = AppConfig(
        base_url=wiring.base_url(),
        client_id=settings.oidc_audience,
        authorization_endpoint=endpoints.authorization,
        token_endpoint=endpoints.token,
    )
    return Response(
        status_code=200,
        content_type="text/html; charset=utf-8",
        body=app_page(config),
        headers=page_headers(config),
    )


@router.get("/")
def home() -> Response[str]:
    if not wiring.wants_page(router.current_event):
        return nothing_here()
    return the_app()


@router.get(f"/{SCRIPT_PATH}")
def app_script() -> Response[str]:
    return Response(
        status_code=200,
        content_type="text/javascript; charset=utf-8",
        body=SCRIPT,
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )
