"""An employee's leave requests: submit one, list theirs, follow one, withdraw or cancel it.

Who is calling is checked before what they sent: a caller without a valid token learns nothing
about the form, only that they must sign in.
"""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from pydantic import ValidationError

from handlers.domain.leave_request import LeaveForm, status_url
from handlers.domain.statuses import LeaveStatus
from handlers.http_responses import error_response, json_response, refusal_response
from handlers.logic.cancelling import cancel
from handlers.logic.refusals import Refusal
from handlers.logic.submission import check_idempotency_key, submission_by, submit_leave
from handlers.logic.withdrawing import withdraw
from handlers.observability import logger
from handlers.submit_routes import wiring
from handlers.submit_routes.pages import the_app
from handlers.submit_routes.rejections import count_refusal

router = Router()

# How many of an employee's requests the list shows (the latest by start date).
LISTED_REQUESTS = 50
# Longer than any request id: not looked up.
MAX_REQUEST_ID_LENGTH = 64


def _form() -> LeaveForm:
    """The body as a leave form, or the same refusal Powertools' validation gives."""
    try:
        return LeaveForm.model_validate_json(router.current_event.body or "")
    except ValidationError as invalid:
        errors = [{**error, "loc": ("body", *error["loc"])} for error in invalid.errors()]
        raise RequestValidationError(errors) from None


@router.post("/")
def submit() -> Response[str]:
    caller = wiring.caller(router.current_event)
    form = _form()
    try:
        submission = submission_by(form, caller)
        key = check_idempotency_key(router.current_event.headers.get("Idempotency-Key"))
        accepted = submit_leave(submission, key, wiring.submitter())
    except Refusal as refusal:
        count_refusal(refusal.reason)
        return refusal_response(refusal, refused="The leave request")
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
            "status_url": status_url(wiring.base_url(), request_id),
        },
    )


@router.get("/requests")
def my_requests() -> Response[str]:
    caller = wiring.caller(router.current_event)
    records = wiring.submitter().store.requests_of(caller.email, LISTED_REQUESTS)
    return json_response(200, {"requests": [record.public_view() for record in records]})


@router.get("/requests/<request_id>")
def request_status(request_id: str) -> Response[str]:
    if wiring.wants_page(router.current_event):
        return the_app()
    caller = wiring.caller(router.current_event)
    store = wiring.submitter().store
    record = store.get(request_id) if len(request_id) <= MAX_REQUEST_ID_LENGTH else None
    concerned = {record.employee_email, record.approver_email} if record else set()
    if record is None or caller.email not in concerned | record.former_approvers():
        return error_response(404, f"There is no leave request {request_id} of yours.")
    return json_response(200, record.public_view())


@router.post("/requests/<request_id>/withdraw")
def withdraw_request(request_id: str) -> Response[str]:
    caller = wiring.caller(router.current_event)
    record = withdraw(request_id, caller.email, wiring.withdrawer())
    if record is None:
        # Sent into the workflow, which records it a moment later.
        return json_response(202, {"request_id": request_id, "status": "withdrawing"})
    return json_response(200, record.public_view())


@router.post("/requests/<request_id>/cancel")
def cancel_leave(request_id: str) -> Response[str]:
    caller = wiring.caller(router.current_event)
    return json_response(200, cancel(request_id, caller.email, wiring.canceller()).public_view())
