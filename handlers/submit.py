"""Employees' endpoint (behind an API Gateway REST API): submit a leave request, follow it.

POST /                      submit; 202 with the request id and where to follow it
GET  /requests              the signed-in employee's requests, latest first
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

Paths are the stage's (`https://<api>/live/requests/...` arrives as `/requests/...`); the API
throttles before anything reaches this function.

Both need the caller's OpenID Connect ID token (`Authorization: Bearer ...`): the employee is
the token's, and a request is shown only to its employee and its approver (404 to anyone else,
so that nobody learns it exists).
"""

from datetime import UTC, datetime
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from handlers import loaded
from handlers.domain.delegation import DelegationForm
from handlers.domain.leave_request import LeaveForm, status_url
from handlers.domain.signals import (
    REJECTION_REASON_DIMENSION,
    SERVICE_NAME,
    Metric,
    RejectionReason,
)
from handlers.domain.statuses import LeaveStatus
from handlers.gateways.event_publisher import EventBridgePublisher
from handlers.gateways.mailer import SesMailer
from handlers.gateways.signing_key import signing_key
from handlers.gateways.token_verifier import (
    Caller,
    IdentityProviderUnavailableError,
    TokenVerifier,
    UnauthenticatedError,
)
from handlers.gateways.workflow_service import LambdaWorkflowService
from handlers.http_responses import (
    body_size,
    error_response,
    field_error,
    json_response,
    proxy_response,
    validation_errors,
    with_security_headers,
)
from handlers.logic.cancelling import Canceller, cancel
from handlers.logic.deciding import await_final
from handlers.logic.delegating import DelegationRefusedError, set_delegation
from handlers.logic.leave_feeds import feed_secret, leave_in_feed, replace_feed_secret
from handlers.logic.own_requests import ActionRefusedError
from handlers.logic.submission import (
    ServiceBusyError,
    SubmissionRefusedError,
    Submitter,
    check_idempotency_key,
    id_key_from,
    submission_by,
    submit_leave,
)
from handlers.logic.withdrawing import Withdrawer, withdraw
from handlers.observability import emit_metric, logger
from handlers.settings import submit_settings
from handlers.storage.approver_directory import DynamoDbApproverDirectory
from handlers.storage.delegations import DynamoDbDelegations
from handlers.storage.feed_secrets import DynamoDbFeedSecrets, FeedSecrets
from handlers.storage.leave_store import DynamoDbLeaveStore
from handlers.web.employee_app import SCRIPT_PATH, AppConfig, app_page, page_headers
from handlers.web.employee_app_script import SCRIPT
from handlers.web.leave_calendar import leave_calendar

# Each route checks its own input (the form after the caller: see `submit`), so Powertools'
# OpenAPI validation, a tenth of a second of imports, is never loaded.
app = APIGatewayRestResolver()

# What a feed's URL ends with, so calendar apps and people recognise it.
FEED_SUFFIX = ".ics"
# Longer than any request id: not looked up.
MAX_REQUEST_ID_LENGTH = 64


@cache
def submitter() -> Submitter:
    settings = submit_settings()
    return Submitter(
        settings=settings,
        store=DynamoDbLeaveStore(settings.table_name),
        directory=DynamoDbApproverDirectory(settings.table_name),
        delegations=DynamoDbDelegations(settings.table_name),
        workflow=LambdaWorkflowService(settings.workflow_function),
        clock=lambda: datetime.now(UTC),
        id_key=lambda: id_key_from(signing_key(settings.signing_key_parameter)),
    )


@cache
def withdrawer() -> Withdrawer:
    wired = submitter()
    return Withdrawer(
        store=wired.store,
        workflow=wired.workflow,
        clock=wired.clock,
        await_final=lambda request_id: await_final(wired.store, request_id),
    )


@cache
def canceller() -> Canceller:
    settings, wired = submit_settings(), submitter()
    return Canceller(
        store=wired.store,
        mailer=SesMailer(settings.sender_email),
        events=EventBridgePublisher(settings.event_bus_name),
        clock=wired.clock,
        status_link=lambda request_id: status_url(_base_url(), request_id),
    )


@cache
def verifier() -> TokenVerifier:
    settings = submit_settings()
    return TokenVerifier(settings.oidc_issuer, settings.oidc_audience, settings.oidc_jwks_url)


def _caller() -> Caller:
    return verifier().verify(app.current_event.headers.get("authorization"))


def _base_url() -> str:
    """Where this stage answers, ending with `/`: configured, never taken from the request's
    Host header."""
    return submit_settings().submit_url.rstrip("/") + "/"


def _wants_page() -> bool:
    return "text/html" in (app.current_event.headers.get("Accept") or "")


def _app_page() -> Response[str]:
    settings = submit_settings()
    endpoints = verifier().sign_in_endpoints()
    config = AppConfig(
        base_url=_base_url(),
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


@app.get("/")
def home() -> Response[str]:
    if not _wants_page():
        return _no_route(None)
    return _app_page()


@app.get(f"/{SCRIPT_PATH}")
def app_script() -> Response[str]:
    return Response(
        status_code=200,
        content_type="text/javascript; charset=utf-8",
        body=SCRIPT,
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )


# How many of an employee's requests the list shows (the latest by start date).
LISTED_REQUESTS = 50


@app.get("/requests")
def my_requests() -> Response[str]:
    caller = _caller()
    records = submitter().store.requests_of(caller.email, LISTED_REQUESTS)
    return json_response(200, {"requests": [record.public_view() for record in records]})


def _form() -> LeaveForm:
    """The body as a leave form, or the same refusal Powertools' validation gives."""
    try:
        return LeaveForm.model_validate_json(app.current_event.body or "")
    except ValidationError as invalid:
        errors = [{**error, "loc": ("body", *error["loc"])} for error in invalid.errors()]
        raise RequestValidationError(errors) from None


# Who is calling is checked before what they sent: a caller without a valid token learns
# nothing about the form, only that they must sign in.
@app.post("/")
def submit() -> Response[str]:
    caller = _caller()
    submission = submission_by(_form(), caller)
    idempotency_key = check_idempotency_key(app.current_event.headers.get("Idempotency-Key"))
    accepted = submit_leave(submission, idempotency_key, submitter())
    request_id = accepted.request.request_id
    status = accepted.existing.status if accepted.existing else LeaveStatus.PENDING
    logger.info(
        "leave request accepted",
        extra={"request_id": request_id, "repeat": bool(accepted.existing)},
    )
    return json_response(
        202,
        {
            "request_id": request_id,
            "status": status.value,
            "status_url": status_url(_base_url(), request_id),
        },
    )


@app.get("/requests/<request_id>")
def request_status(request_id: str) -> Response[str]:
    if _wants_page():
        return _app_page()
    caller = _caller()
    record = submitter().store.get(request_id) if len(request_id) <= MAX_REQUEST_ID_LENGTH else None
    concerned = {record.employee_email, record.approver_email} if record else set()
    if record is None or caller.email not in concerned | record.former_approvers():
        return error_response(404, f"There is no leave request {request_id} of yours.")
    return json_response(200, record.public_view())


@app.post("/requests/<request_id>/withdraw")
def withdraw_request(request_id: str) -> Response[str]:
    caller = _caller()
    record = withdraw(request_id, caller.email, withdrawer())
    if record is None:
        # Sent into the workflow, which records it a moment later.
        return json_response(202, {"request_id": request_id, "status": "withdrawing"})
    return json_response(200, record.public_view())


@app.post("/requests/<request_id>/cancel")
def cancel_leave(request_id: str) -> Response[str]:
    caller = _caller()
    return json_response(200, cancel(request_id, caller.email, canceller()).public_view())


@app.exception_handler(ActionRefusedError)
def _action_refused(error: ActionRefusedError) -> Response[str]:
    retry = {"Retry-After": str(error.retry_after)} if error.retry_after else None
    return error_response(error.status_code, error.problem, headers=retry)


def feed_secrets() -> FeedSecrets:
    return DynamoDbFeedSecrets(submit_settings().table_name)


def _feed_address(secret: str) -> Response[str]:
    return json_response(200, {"url": f"{_base_url()}calendar/{secret}{FEED_SUFFIX}"})


@app.get("/calendar")
def my_calendar_feed() -> Response[str]:
    caller = _caller()
    return _feed_address(feed_secret(caller.email, feed_secrets()))


@app.post("/calendar/rotate")
def new_calendar_feed_address() -> Response[str]:
    caller = _caller()
    secret = replace_feed_secret(caller.email, feed_secrets())
    logger.info("calendar feed address replaced")
    return _feed_address(secret)


@app.get("/calendar/<secret>")
def calendar_feed(secret: str) -> Response[str]:
    owner = feed_secrets().owner_of(secret.removesuffix(FEED_SUFFIX))
    if owner is None:
        return error_response(404, "There is no calendar here: copy its address from your page.")
    wired = submitter()
    now = wired.clock()
    feed = leave_calendar(owner, leave_in_feed(owner, wired.store, now.date()), now)
    return Response(
        status_code=200,
        content_type="text/calendar; charset=utf-8",
        body=feed.decode(),
        headers={"X-Content-Type-Options": "nosniff"},
    )


@app.get("/delegation")
def my_delegation() -> Response[str]:
    caller = _caller()
    delegation = submitter().delegations.of(caller.email)
    return json_response(200, {"delegation": delegation.public_view() if delegation else None})


@app.put("/delegation")
def delegate() -> Response[str]:
    caller = _caller()
    try:
        form = DelegationForm.model_validate_json(app.current_event.body or "")
    except ValidationError as invalid:
        status, errors = validation_errors(RequestValidationError(invalid.errors()))
        return error_response(status, "The delegation is not valid.", errors)
    wired = submitter()
    now = wired.clock()
    delegation = set_delegation(
        caller.email,
        form,
        now.date(),
        now,
        wired.delegations,
        wired.settings.allowed_email_domains,
    )
    logger.info("delegation set", extra={"starts_on": delegation.starts_on.isoformat()})
    return json_response(200, {"delegation": delegation.public_view()})


@app.delete("/delegation")
def end_delegation() -> Response[str]:
    caller = _caller()
    if not submitter().delegations.remove(caller.email):
        return error_response(404, "You have no delegation to end.")
    return json_response(200, {"delegation": None})


@app.exception_handler(DelegationRefusedError)
def _delegation_refused(error: DelegationRefusedError) -> Response[str]:
    errors = [field_error(error.field, error.problem)] if error.field else None
    return error_response(error.status_code, "The delegation was refused.", errors)


def _count_rejection(reason: RejectionReason) -> None:
    emit_metric(Metric.INPUTS_REJECTED, dimensions={REJECTION_REASON_DIMENSION: reason.value})


@app.exception_handler(RequestValidationError)
def _invalid(error: RequestValidationError) -> Response[str]:
    status, errors = validation_errors(error)
    _count_rejection(RejectionReason.INVALID_INPUT)
    return error_response(status, "The leave request is not valid.", errors)


@app.exception_handler(UnauthenticatedError)
def _unauthenticated(error: UnauthenticatedError) -> Response[str]:
    if app.current_event.http_method == "POST":
        _count_rejection(RejectionReason.UNAUTHENTICATED)
    challenge = f'Bearer realm="{SERVICE_NAME}"'
    if error.token_given:
        description = error.problem.replace('"', "'")
        challenge += f', error="invalid_token", error_description="{description}"'
    return error_response(
        401,
        f"Not signed in: {error.problem}.",
        headers={"WWW-Authenticate": challenge},
    )


@app.exception_handler(SubmissionRefusedError)
def _refused(error: SubmissionRefusedError) -> Response[str]:
    _count_rejection(error.reason)
    if error.field is None:
        return error_response(error.status_code, f"The leave request was refused: {error.problem}.")
    errors = [field_error(error.field, error.problem)]
    return error_response(error.status_code, "The leave request was refused.", errors)


# What a client is told when an AWS call failed (throttled, an outage, a timeout): nothing of
# the request was kept half-written, so retrying it (with the same Idempotency-Key) is safe.
RETRY_AFTER_SECONDS = 5


@app.exception_handler(
    [ServiceBusyError, IdentityProviderUnavailableError, ClientError, BotoCoreError]
)
def _busy(error: Exception) -> Response[str]:
    logger.exception("the request could not be served now", extra={"error": repr(error)})
    if app.current_event.http_method == "POST":
        _count_rejection(RejectionReason.UNAVAILABLE)
    return error_response(
        503,
        "The service is busy: please retry shortly.",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


@app.not_found
def _no_route(_: Exception | None) -> Response[str]:
    return error_response(
        404,
        "Nothing here: POST / to submit, GET /requests/{id} to follow one, "
        "GET or PUT /delegation to hand your approvals over while you are away.",
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = submit_settings()
    https = urlsplit(settings.submit_url).scheme == "https"
    if body_size(event) > settings.max_body_bytes:
        _count_rejection(RejectionReason.BODY_TOO_LARGE)
        message = f"The body is larger than {settings.max_body_bytes} bytes."
        return with_security_headers(proxy_response(413, {"message": message}), https)
    return with_security_headers(app.resolve(event, context), https)


loaded()
