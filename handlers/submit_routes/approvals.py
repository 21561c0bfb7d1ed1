"""An approver in the app: what waits for their decision and their team's upcoming leave
(`GET /approvals`), and a decision (`POST /approvals/{request_id}`, `{"decision": "approve" |
"reject", "comment": ...}`), which goes the link's way (handlers/logic/deciding_in_app.py).

Someone who approves nobody gets empty lists, and a decision on a request that is not theirs
is refused (403), with nothing of the request or anyone's team in the answer.
"""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from handlers.domain.statuses import Decision
from handlers.http_responses import error_response, json_response, validation_errors
from handlers.logic.approver_overview import ApproverOverview, WaitingRequest, approver_overview
from handlers.logic.deciding_in_app import decide_in_app
from handlers.observability import logger
from handlers.submit_routes import wiring
from handlers.web.decision_pages import COMMENT_LIMIT

router = Router()

# Longer than any request id: not looked up.
MAX_REQUEST_ID_LENGTH = 64


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip() or None
    return value


class AppDecision(BaseModel):
    """What the app posts: the decision and the approver's comment. Who decides is the
    caller's token, never a field."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    decision: Decision
    comment: Annotated[str | None, BeforeValidator(_blank_to_none)] = Field(
        default=None, max_length=COMMENT_LIMIT
    )


def _waiting_view(waiting: WaitingRequest) -> dict[str, Any]:
    record = waiting.record
    view: dict[str, Any] = {
        "request_id": record.request_id,
        "employee_email": record.employee_email,
        "leave_type": record.leave_type.value,
        "start_date": record.start_date.isoformat(),
        "end_date": record.end_date.isoformat(),
        "days": record.days,
        "submitted_at": record.submitted_at.isoformat(),
        "status": record.status.value,
        "approver_email": record.approver_email,
        "standing_in_for": waiting.standing_in_for,
        "overlapping": [leave.public_view() for leave in waiting.overlapping],
    }
    if record.reason:
        view["reason"] = record.reason
    if record.decision_deadline:
        view["decision_deadline"] = record.decision_deadline.isoformat()
    return view


def _overview_view(overview: ApproverOverview) -> dict[str, Any]:
    return {
        "waiting": [_waiting_view(waiting) for waiting in overview.waiting],
        "teams": [
            {
                "approver_email": team.approver_email,
                "leave": [leave.public_view() for leave in team.leave],
            }
            for team in overview.teams
        ],
    }


@router.get("/approvals")
def my_approvals() -> Response[str]:
    caller = wiring.caller(router.current_event)
    wired = wiring.submitter()
    overview = approver_overview(
        caller.email, wiring.team_reads(), wired.delegations, wired.clock().date()
    )
    return json_response(200, _overview_view(overview))


@router.post("/approvals/<request_id>")
def decide_here(request_id: str) -> Response[str]:
    caller = wiring.caller(router.current_event)
    try:
        form = AppDecision.model_validate_json(router.current_event.body or "")
    except ValidationError as invalid:
        status, errors = validation_errors(invalid.errors())
        return error_response(status, "The decision is not valid.", errors)
    if len(request_id) > MAX_REQUEST_ID_LENGTH:
        return error_response(404, "This leave request does not exist.")
    claim, record = decide_in_app(
        caller.email, request_id, form.decision, form.comment, wiring.app_decider()
    )
    logger.info(
        "decision sent from the app",
        extra={"request_id": record.request_id, "decision": claim.decision},
    )
    return json_response(200, {"request_id": record.request_id, "decision": claim.decision.value})
