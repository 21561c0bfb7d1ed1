"""An approver's delegation: who decides for them while they are away (`GET`, `PUT`,
`DELETE /delegation`)."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import ValidationError

from handlers.domain.delegation import DelegationForm
from handlers.http_responses import (
    error_response,
    json_response,
    refusal_response,
    validation_errors,
)
from handlers.logic.delegating import set_delegation
from handlers.logic.refusals import Refusal
from handlers.observability import logger
from handlers.submit_routes import wiring

router = Router()


@router.get("/delegation")
def my_delegation() -> Response[str]:
    caller = wiring.caller(router.current_event)
    delegation = wiring.submitter().delegations.of(caller.email)
    return json_response(200, {"delegation": delegation.public_view() if delegation else None})


@router.put("/delegation")
def delegate() -> Response[str]:
    caller = wiring.caller(router.current_event)
    try:
        form = DelegationForm.model_validate_json(router.current_event.body or "")
    except ValidationError as invalid:
        status, errors = validation_errors(invalid.errors())
        return error_response(status, "The delegation is not valid.", errors)
    wired = wiring.submitter()
    now = wired.clock()
    try:
        delegation = set_delegation(
            caller.email,
            form,
            now.date(),
            now,
            wired.delegations,
            wired.settings.allowed_email_domains,
        )
    except Refusal as refusal:
        return refusal_response(refusal, refused="The delegation")
    logger.info("delegation set", extra={"starts_on": delegation.starts_on.isoformat()})
    return json_response(200, {"delegation": delegation.public_view()})


@router.delete("/delegation")
def end_delegation() -> Response[str]:
    caller = wiring.caller(router.current_event)
    if not wiring.submitter().delegations.remove(caller.email):
        return error_response(404, "You have no delegation to end.")
    return json_response(200, {"delegation": None})
