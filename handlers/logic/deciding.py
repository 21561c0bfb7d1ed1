"""An approver's decision: checking their link, and resuming the waiting workflow exactly once."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from handlers.domain.decision_token import (
    DecisionToken,
    ExpiredTokenError,
    InvalidTokenError,
    verify_token,
)
from handlers.domain.leave_request import DecisionPayload, LeaveRecord
from handlers.domain.statuses import Decision, LeaveStatus
from handlers.gateways.workflow_service import (
    CallbackClosedError,
    WorkflowService,
    WorkflowUnavailableError,
)
from handlers.storage.leave_store import LeaveStore, RequestConflictError

# The ErrorType a rejection carries into the workflow.
REJECTION_ERROR_TYPE = "LeaveRejected"
_EXPIRED = "This request has expired: it can no longer be decided."
_BEING_RECORDED = "Another decision on this request is being recorded."


class DecisionRefusedError(Exception):
    """The decision cannot be taken; carries the HTTP status and what the approver is told."""

    def __init__(self, status_code: int, problem: str, record: LeaveRecord | None = None) -> None:
        super().__init__(problem)
        self.status_code = status_code
        self.problem = problem
        self.record = record


@dataclass(frozen=True)
class Decider:
    store: LeaveStore
    workflow: WorkflowService
    signing_key: Callable[[], bytes]
    clock: Callable[[], datetime]


def open_request(token_text: str, decider: Decider) -> tuple[DecisionToken, LeaveRecord]:
    """The request a link is for, if the link is genuine, its approver's, and still open."""
    try:
        token = verify_token(token_text, decider.signing_key(), decider.clock().timestamp())
    except InvalidTokenError as error:
        raise DecisionRefusedError(403, f"This link is not valid: {error}.") from None
    except ExpiredTokenError:
        raise DecisionRefusedError(
            410, "This link has expired: the request can no longer be decided."
        ) from None
    record = decider.store.get(token.request_id)
    if record is None:
        raise DecisionRefusedError(404, "This leave request does not exist.")
    if record.approver_email != token.approver_email.lower():
        raise DecisionRefusedError(403, "This link is not for the approver of this request.")
    _ensure_open(record)
    return token, record


def decide(
    token_text: str, decision: Decision, comment: str | None, decider: Decider
) -> tuple[DecisionPayload, LeaveRecord]:
    token, record = open_request(token_text, decider)
    claim = DecisionPayload(
        decision=decision,
        approver_email=token.approver_email,
        comment=comment or None,
        decided_at=decider.clock(),
    )
    try:
        callback_id = decider.store.claim_decision(record.request_id, claim)
    except RequestConflictError as conflict:
        latest = conflict.record or record
        _ensure_open(latest)
        raise DecisionRefusedError(409, _BEING_RECORDED, latest) from None
    try:
        _resume(decider.workflow, callback_id, claim)
    except CallbackClosedError as closed:
        decider.store.release_decision(record.request_id, claim)
        latest = decider.store.get(record.request_id) or record
        _ensure_open(latest)
        if closed.timed_out:
            raise DecisionRefusedError(410, _EXPIRED, latest) from None
        raise DecisionRefusedError(409, _BEING_RECORDED, latest) from None
    except WorkflowUnavailableError:
        decider.store.release_decision(record.request_id, claim)
        raise DecisionRefusedError(
            503, "The service is busy: please try again in a minute.", record
        ) from None
    return claim, record


def _resume(workflow: WorkflowService, callback_id: str, claim: DecisionPayload) -> None:
    payload = claim.model_dump_json()
    if claim.decision is Decision.APPROVE:
        workflow.succeed_callback(callback_id, payload)
    else:
        workflow.fail_callback(
            callback_id, REJECTION_ERROR_TYPE, f"Rejected by {claim.approver_email}", payload
        )


def _ensure_open(record: LeaveRecord) -> None:
    if record.status is LeaveStatus.EXPIRED:
        raise DecisionRefusedError(410, _EXPIRED, record)
    if record.status.is_final:
        last = record.history[-1] if record.history else None
        by = f" by {last.by}" if last and last.by else ""
        raise DecisionRefusedError(
            409, f"This request was already {record.status.value}{by}.", record
        )
