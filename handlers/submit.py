"""Employees' endpoint (behind an API Gateway REST API): submit a leave request, follow it.

POST /                      submit; 202 with the request id and where to follow it
GET  /requests              the signed-in employee's requests, latest first
GET  /balance               the signed-in employee's days left of each leave type, this year
                            and next: allowance (null: no limit), taken, held, left
GET  /requests/{request_id} the request, its status and its history
GET  / and /requests/{id}   to a browser (Accept: text/html): the employees' app, which signs
                            in and shows the same through the API (`handlers.web`)
POST /requests/{id}/withdraw  the employee takes back a request nobody has decided yet
POST /requests/{id}/cancel    the employee calls off approved leave before its first day
GET|PUT|DELETE /delegation  an approver's delegation: who decides for them while they are away
GET  /calendar              the signed-in person's private calendar feed URL (made on first use)
POST /calendar/rotate       a new feed URL for them; the old one then answers 404
GET  /calendar/{secret}.ics the feed: their approved leave and the leave they approved (no
                            sign-in: calendar apps cannot; the URL is the secret)
GET  /approvals              what waits for the signed-in approver's decision (also as a
                            delegate), with their team's overlapping and upcoming leave
POST /approvals/{id}        their decision, as the email link would send it

Each concern's routes are a Powertools `Router` in handlers/submit_routes/ (pages,
leave_requests, balance, calendar_feeds, delegation, approvals), included here with the answers
every route shares (refusals, sign-in, an AWS call that failed, the size limit).

Paths are the stage's (`https://<api>/live/requests/...` arrives as `/requests/...`); the API
throttles before anything reaches this function.

Both need the caller's OpenID Connect ID token (`Authorization: Bearer ...`): the employee is
the token's, and a request is shown only to its employee and its approver (404 to anyone else,
so that nobody learns it exists).
"""

from typing import Any
from urllib.parse import urlsplit

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError

from handlers import loaded
from handlers.domain.signals import SERVICE_NAME, RejectionReason
from handlers.gateways.token_verifier import IdentityProviderUnavailableError, UnauthenticatedError
from handlers.http_responses import (
    body_size,
    error_response,
    exception_handler,
    proxy_response,
    refusal_response,
    validation_errors,
    with_security_headers,
)
from handlers.logic.refusals import Refusal
from handlers.logic.submission import ServiceBusyError
from handlers.observability import logger
from handlers.settings import submit_settings
from handlers.submit_routes import (
    approvals,
    balance,
    calendar_feeds,
    delegation,
    leave_requests,
    pages,
)
from handlers.submit_routes.rejections import count_rejection

# Each route checks its own input (the form after the caller: see `submit`), so Powertools'
# OpenAPI validation, a tenth of a second of imports, is never loaded.
app = APIGatewayRestResolver()
for concern in (pages, leave_requests, balance, calendar_feeds, delegation, approvals):
    app.include_router(concern.router)


@exception_handler(app, Refusal)
def _refused(refusal: Refusal) -> Response[str]:
    return refusal_response(refusal)


@exception_handler(app, RequestValidationError)
def _invalid(error: RequestValidationError) -> Response[str]:
    status, errors = validation_errors(error.errors())
    count_rejection(RejectionReason.INVALID_INPUT)
    return error_response(status, "The leave request is not valid.", errors)


@exception_handler(app, UnauthenticatedError)
def _unauthenticated(error: UnauthenticatedError) -> Response[str]:
    if app.current_event.http_method == "POST":
        count_rejection(RejectionReason.UNAUTHENTICATED)
    challenge = f'Bearer realm="{SERVICE_NAME}"'
    if error.token_given:
        description = error.problem.replace('"', "'")
        challenge += f', error="invalid_token", error_description="{description}"'
    return error_response(
        401,
        f"Not signed in: {error.problem}.",
        headers={"WWW-Authenticate": challenge},
    )


# What a client is told when an AWS call failed (throttled, an outage, a timeout): nothing of
# the request was kept half-written, so retrying it (with the same Idempotency-Key) is safe.
RETRY_AFTER_SECONDS = 5


@exception_handler(
    app, ServiceBusyError, IdentityProviderUnavailableError, ClientError, BotoCoreError
)
def _busy(error: Exception) -> Response[str]:
    logger.exception("the request could not be served now", extra={"error": repr(error)})
    if app.current_event.http_method == "POST":
        count_rejection(RejectionReason.UNAVAILABLE)
    return error_response(
        503,
        "The service is busy: please retry shortly.",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


@app.not_found
def _no_route(_: Exception) -> Response[str]:
    return pages.nothing_here()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = submit_settings()
    https = urlsplit(settings.submit_url).scheme == "https"
    if body_size(event) > settings.max_body_bytes:
        count_rejection(RejectionReason.BODY_TOO_LARGE)
        message = f"The body is larger than {settings.max_body_bytes} bytes."
        return with_security_headers(proxy_response(413, {"message": message}), https)
    return with_security_headers(app.resolve(event, context), https)


loaded()
