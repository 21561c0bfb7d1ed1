"""The one shape of every error the HTTP endpoints return, `{"message", "errors": [{"field",
"problem"}]}` (a problem about another of the person's requests also names its `request_id`),
and the one place it is built: a use case's refusal (`refusal_response`, with each reason's
status code), a body Pydantic refused (`validation_errors`), or the endpoints' own answers
(`error_response`), and how an endpoint registers its answer to an exception
(`exception_handler`)."""

import json
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from aws_lambda_powertools.event_handler import Response, content_types

from handlers.logic.refusals import Refusal, RefusalReason

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver

_Error = TypeVar("_Error", bound=Exception)

# The status code each refusal is answered with.
REFUSAL_STATUS: dict[RefusalReason, int] = {
    RefusalReason.MALFORMED: 400,
    RefusalReason.INVALID: 422,
    RefusalReason.TOO_LONG: 422,
    RefusalReason.DATES_OUT_OF_RANGE: 422,
    RefusalReason.NO_WORKING_DAYS: 422,
    RefusalReason.DOMAIN_NOT_ALLOWED: 422,
    RefusalReason.NO_APPROVER: 422,
    RefusalReason.NOT_YOURS: 403,
    RefusalReason.LINK_NOT_VALID: 403,
    RefusalReason.NOT_FOUND: 404,
    RefusalReason.OVERLAP: 409,
    RefusalReason.IDEMPOTENCY_CONFLICT: 409,
    RefusalReason.TOO_MANY_PENDING: 429,
    RefusalReason.OVER_ALLOWANCE: 422,
    RefusalReason.CONFLICT: 409,
    RefusalReason.ALREADY_DECIDED: 409,
    RefusalReason.MOVED_ON: 409,
    RefusalReason.AWAITS_SECOND_APPROVAL: 409,
    RefusalReason.ENDED_BY_EMPLOYEE: 409,
    RefusalReason.EXPIRED: 410,
    RefusalReason.CLOSED: 410,
    RefusalReason.NOT_NOW: 503,
}


def json_response(
    status_code: int, body: Any, headers: dict[str, str] | None = None
) -> Response[str]:
    return Response(
        status_code=status_code,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(body),
        headers=headers,
    )


def error_response(
    status_code: int,
    message: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[str]:
    body: dict[str, Any] = {"message": message}
    if errors:
        body["errors"] = errors
    return json_response(status_code, body, headers)


def field_error(field: str, problem: str) -> dict[str, str]:
    return {"field": field, "problem": problem}


def retry_after(seconds: int | None) -> dict[str, str] | None:
    return {"Retry-After": str(seconds)} if seconds is not None else None


def refusal_response(refusal: Refusal, refused: str | None = None) -> Response[str]:
    """A use case's refusal as an answer. `refused` names what was asked ("The leave
    request"): the message then says it was refused, and the refusal's own message is the
    problem with its field (or, with no field, follows the colon)."""
    if refused is None:
        message = refusal.message
    elif refusal.field is None:
        message = f"{refused} was refused: {refusal.message}."
    else:
        message = f"{refused} was refused."
    errors = [field_error(refusal.field, refusal.message)] if refusal.field else None
    if errors and refusal.other_request:
        # The other request it is about, for the app to link to (its words name it by date).
        errors[0]["request_id"] = refusal.other_request
    return error_response(
        REFUSAL_STATUS[refusal.reason], message, errors, retry_after(refusal.retry_after)
    )


def exception_handler(
    app: "ApiGatewayResolver", *errors: type[_Error]
) -> Callable[[Callable[[_Error], Response[str]]], Callable[[_Error], Response[str]]]:
    """Registers the decorated function as `app`'s answer to `errors`, as Powertools'
    `app.exception_handler` does, and keeps the function's type: Powertools' decorator is not
    annotated, so the functions it decorates would be left unchecked."""

    def register(answer: Callable[[_Error], Response[str]]) -> Callable[[_Error], Response[str]]:
        app.exception_handler(list(errors))(answer)
        return answer

    return register


def validation_errors(errors: Iterable[Mapping[str, Any]]) -> tuple[int, list[dict[str, str]]]:
    """Pydantic's findings (`ValidationError.errors()`, or Powertools' `RequestValidationError`
    's) as `{field, problem}` pairs, in plain words; 400 when the body is not JSON at all."""
    found: list[dict[str, str]] = []
    status = 422
    for item in errors:
        location = [str(part) for part in item.get("loc", ()) if part not in ("body", "query")]
        if item.get("type") == "json_invalid":
            status = 400
            found.append(field_error("body", "must be a JSON object"))
            continue
        if item.get("type") in ("model_attributes_type", "model_type"):
            found.append(field_error("body", "must be a JSON object"))
            continue
        problem = str(item.get("msg", "is not valid")).removeprefix("Value error, ")
        context = item.get("ctx") or {}
        if item.get("type") in ("too_long", "string_too_long") and "max_length" in context:
            problem = f"must be at most {context['max_length']} characters"
        elif item.get("type") == "enum" and "expected" in context:
            choices = str(context["expected"]).replace("'", "").replace(" or ", ", ")
            problem = f"must be one of {choices}"
        elif item.get("type") == "missing":
            problem = "is required"
        elif item.get("type") == "extra_forbidden":
            problem = "is not a field of this request"
        found.append(field_error(".".join(location) or "body", problem))
    return status, found


# Every answer is private unless its route says how it may be cached (the app's script, the
# same for everyone): requests, feeds, decision pages and the app's shell are never stored.
PRIVATE = "no-store"
# Browsers keep to HTTPS for a year once they have seen it over HTTPS (the sandbox is plain
# HTTP and never sends it).
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


def over_https(event: dict[str, Any]) -> bool:
    """Whether the front that built `event` served it over HTTPS, as a Function URL says it
    (AWS's are HTTPS only; the sandbox's front says `http`)."""
    headers = event.get("headers") or {}
    return str(headers.get("x-forwarded-proto", "")).lower() == "https"


def with_security_headers(response: dict[str, Any], https: bool) -> dict[str, Any]:
    """The one place the headers every answer of an HTTP function carries are set:
    `Cache-Control: no-store` unless the route chose its caching, and HSTS over HTTPS."""
    multi = response.get("multiValueHeaders")
    present = {name.lower() for name in [*(response.get("headers") or {}), *(multi or {})]}
    added: dict[str, str] = {}
    if "cache-control" not in present:
        added["Cache-Control"] = PRIVATE
    if https:
        added["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
    if multi is not None:
        multi.update({name: [value] for name, value in added.items()})
    else:
        response["headers"] = {**(response.get("headers") or {}), **added}
    return response


def proxy_response(status_code: int, body: dict[str, Any]) -> dict[str, Any]:
    """A raw response (the shape Function URLs and API Gateway proxies share), for answers
    given before the router runs."""
    return {
        "statusCode": status_code,
        "headers": {"Content-Type": content_types.APPLICATION_JSON},
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


def body_size(event: dict[str, Any]) -> int:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return len(body) * 3 // 4
    return len(body.encode())
