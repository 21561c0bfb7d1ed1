"""Approvers' endpoint (a Function URL): the page behind the email link, and the decision.

GET  /?token=...  shows the request, who else in the team is off or has asked for any of its
                  days, and Approve / Reject buttons; never changes anything, because mail
                  scanners open links
POST /            token, decision (approve | reject), optional comment; as a form or JSON
                  (a form's rejection first gets a page to confirm it: `confirmed=yes`)
"""

import json
from datetime import UTC, datetime
from functools import cache
from typing import Annotated, Any
from urllib.parse import parse_qsl

from aws_lambda_powertools.event_handler import LambdaFunctionUrlResolver, Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from handlers import loaded
from handlers.domain.statuses import Decision
from handlers.gateways.signing_key import signing_key
from handlers.gateways.workflow_service import LambdaWorkflowService
from handlers.http_responses import (
    REFUSAL_STATUS,
    error_response,
    exception_handler,
    field_error,
    json_response,
    over_https,
    refusal_response,
    retry_after,
    validation_errors,
    with_security_headers,
)
from handlers.logic.deciding import BUSY, Decider, await_final, decide, not_now, open_request
from handlers.logic.refusals import Refusal, RefusalReason
from handlers.logic.team_view import overlapping_team_leave
from handlers.observability import logger
from handlers.settings import decision_settings
from handlers.storage.leave_store import DynamoDbLeaveStore
from handlers.storage.team_reads import DynamoDbTeamReads, TeamReads, TeamUnavailableError
from handlers.web import decision_pages as pages

app = LambdaFunctionUrlResolver()


@cache
def decider() -> Decider:
    settings = decision_settings()
    store = DynamoDbLeaveStore(settings.table_name)
    return Decider(
        store=store,
        workflow=LambdaWorkflowService(),
        signing_keys=lambda: [
            signing_key(name)
            for name in (settings.signing_key_parameter, settings.previous_signing_key_parameter)
            if name
        ],
        clock=lambda: datetime.now(UTC),
        await_final=lambda request_id: await_final(store, request_id),
    )


def team_reads() -> TeamReads:
    return DynamoDbTeamReads(decision_settings().table_name)


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip() or None
    return value


class DecisionForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    token: str = Field(min_length=1, max_length=2048)
    decision: Decision
    comment: Annotated[str | None, BeforeValidator(_blank_to_none)] = Field(
        default=None, max_length=pages.COMMENT_LIMIT
    )
    # A rejection from the page is sent only once confirmed on a page of its own.
    confirmed: Annotated[str | None, BeforeValidator(_blank_to_none)] = None


def _wants_json() -> bool:
    headers = app.current_event.headers
    return "json" in headers.get("content-type", "") or "json" in headers.get("accept", "")


def _html(status_code: int, body: str) -> Response[str]:
    return Response(
        status_code=status_code,
        content_type=content_types.TEXT_HTML,
        body=body,
        headers=pages.PAGE_HEADERS,
    )


# The heading of the page that answers a refusal, by its reason.
_TITLES = {
    RefusalReason.LINK_NOT_VALID: "Link not valid",
    RefusalReason.NOT_YOURS: "Link not valid",
    RefusalReason.NOT_FOUND: "Not found",
    RefusalReason.ALREADY_DECIDED: "Already decided",
    RefusalReason.MOVED_ON: "Now with someone else",
    RefusalReason.AWAITS_SECOND_APPROVAL: "Approved, waiting for a second approval",
    RefusalReason.ENDED_BY_EMPLOYEE: "Nothing to decide",
    RefusalReason.EXPIRED: "Too late",
    RefusalReason.CLOSED: "Request closed",
}
_DEFAULT_TITLE = "Please try again"


@exception_handler(app, Refusal)
def _refused(refusal: Refusal) -> Response[str]:
    if _wants_json():
        return refusal_response(refusal)
    title = _TITLES.get(refusal.reason, _DEFAULT_TITLE)
    page = _html(
        REFUSAL_STATUS[refusal.reason],
        pages.message_page(title, refusal.message, refusal.record),
    )
    page.headers.update(retry_after(refusal.retry_after) or {})
    return page


@app.get("/")
def show_request() -> Response[str]:
    token = app.current_event.get_query_string_value("token")
    if not token:
        return _html(400, pages.message_page("Link not valid", "This link has no token."))
    _, record = open_request(token, decider())
    try:
        team = overlapping_team_leave(record, team_reads())
    except (TeamUnavailableError, ClientError, BotoCoreError) as error:
        # The request can still be decided: the page says the team could not be read.
        logger.warning("the team's leave could not be read", extra={"error": repr(error)})
        team = None
    over_days = decision_settings().second_approval_over_days
    return _html(200, pages.decision_form(record, token, team, over_days))


@app.post("/")
def record_decision() -> Response[str]:
    try:
        form = DecisionForm.model_validate(_read_body())
    except ValidationError as invalid:
        status, errors = validation_errors(invalid.errors())
        return error_response(status, "The decision is not valid.", errors)
    except ValueError:
        return error_response(
            400,
            "The decision is not valid.",
            [field_error("body", "must be a JSON object or a form")],
        )
    if form.decision is Decision.REJECT and not _wants_json() and form.confirmed != "yes":
        _, record = open_request(form.token, decider())
        return _html(200, pages.reject_confirmation(record, form.token, form.comment))
    claim, record = decide(form.token, form.decision, form.comment, decider())
    logger.info(
        "decision sent", extra={"request_id": record.request_id, "decision": claim.decision}
    )
    if _wants_json():
        return json_response(
            200, {"request_id": record.request_id, "decision": claim.decision.value}
        )
    over_days = decision_settings().second_approval_over_days
    return _html(200, pages.decision_recorded(claim, record, over_days))


def _read_body() -> dict[str, Any]:
    raw = app.current_event.decoded_body or ""
    if "json" in app.current_event.headers.get("content-type", ""):
        body = json.loads(raw)
        if not isinstance(body, dict):
            raise ValueError("not an object")
        return body
    return dict(parse_qsl(raw))


@exception_handler(app, ClientError, BotoCoreError)
def _unavailable(error: Exception) -> Response[str]:
    # An AWS call failed (throttled, an outage, a timeout) before anything was decided.
    logger.exception("the decision could not be served now", extra={"error": repr(error)})
    return _refused(not_now(BUSY))


@app.not_found
def _no_route(_: Exception) -> Response[str]:
    return error_response(404, "Nothing here: open the link from your email.")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.LAMBDA_FUNCTION_URL)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return with_security_headers(app.resolve(event, context), over_https(event))


loaded()
