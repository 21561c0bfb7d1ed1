"""Accepting a leave request: the rules a submission must pass, and the idempotent start."""

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from handlers.domain.leave_request import LeaveRecord, LeaveRequest, LeaveSubmission
from handlers.domain.signals import RejectionReason
from handlers.gateways.workflow_service import ExecutionNameConflictError, WorkflowService
from handlers.settings import SubmitSettings
from handlers.storage.leave_store import LeaveStore

MAX_IDEMPOTENCY_KEY_LENGTH = 128


class ApproverDirectory(Protocol):
    def approver_of(self, employee_email: str) -> str | None: ...


class SubmissionRefusedError(Exception):
    """The submission breaks a rule; carries what the client is told."""

    def __init__(
        self, status_code: int, reason: RejectionReason, problem: str, field: str | None = None
    ) -> None:
        super().__init__(problem)
        self.status_code = status_code
        self.reason = reason
        self.problem = problem
        self.field = field


@dataclass(frozen=True)
class Submitter:
    settings: SubmitSettings
    store: LeaveStore
    directory: ApproverDirectory
    workflow: WorkflowService
    clock: Callable[[], datetime]


@dataclass(frozen=True)
class Accepted:
    request: LeaveRequest
    # The stored record when this submission repeats one already recorded.
    existing: LeaveRecord | None = None


def request_id_for(
    submission: LeaveSubmission, idempotency_key: str | None, now: datetime, window_seconds: int
) -> str:
    """The same id for the same submission: a client's retry must land on the same request.

    With an Idempotency-Key the key decides; without one, the same body within the window does.
    The id is also the durable execution's name, so Lambda itself refuses to start it twice.
    """
    if idempotency_key is not None:
        seed = ["key", submission.employee_email, idempotency_key]
    else:
        window = int(now.timestamp()) // window_seconds
        seed = ["body", submission.model_dump_json(), str(window)]
    digest = hashlib.sha256(json.dumps(seed).encode()).digest()
    return "lr-" + base64.b32encode(digest).decode("ascii")[:26].lower()


def check_idempotency_key(value: str | None) -> str | None:
    if value is None:
        return None
    key = value.strip()
    if not key or len(key) > MAX_IDEMPOTENCY_KEY_LENGTH or not key.isprintable():
        raise SubmissionRefusedError(
            400,
            RejectionReason.INVALID_INPUT,
            f"must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} printable characters",
            field="Idempotency-Key",
        )
    return key


def submit_leave(
    submission: LeaveSubmission, idempotency_key: str | None, submitter: Submitter
) -> Accepted:
    settings = submitter.settings
    _check_domain(submission, settings.allowed_email_domains)
    if submission.days > settings.max_leave_days:
        raise SubmissionRefusedError(
            422,
            RejectionReason.TOO_LONG,
            f"the leave lasts {submission.days} days; the most one request may take is "
            f"{settings.max_leave_days}",
            field="end_date",
        )
    request_id = request_id_for(
        submission, idempotency_key, submitter.clock(), settings.idempotency_window_seconds
    )
    existing = submitter.store.get(request_id)
    if existing is not None:
        if existing.submission() != submission:
            raise _key_reused()
        return Accepted(existing.request(), existing)

    request = LeaveRequest(
        **submission.model_dump(),
        request_id=request_id,
        approver_email=_approver_for(submission.employee_email, submitter),
    )
    _check_overlap(request, submitter.store)
    try:
        submitter.workflow.start(request_id, request.model_dump(mode="json"))
    except ExecutionNameConflictError:
        raise _key_reused() from None
    return Accepted(request)


def _check_domain(submission: LeaveSubmission, allowed: tuple[str, ...]) -> None:
    domain = submission.employee_email.rpartition("@")[2]
    if domain not in allowed:
        raise SubmissionRefusedError(
            422,
            RejectionReason.DOMAIN_NOT_ALLOWED,
            f"must be an address at {' or '.join(allowed)}",
            field="employee_email",
        )


def _approver_for(employee: str, submitter: Submitter) -> str:
    """The directory's approver, else the default; never the employee themself."""
    for candidate in (
        submitter.directory.approver_of(employee),
        submitter.settings.default_approver,
    ):
        if candidate and candidate.lower() != employee:
            return candidate.lower()
    raise SubmissionRefusedError(
        422,
        RejectionReason.NO_APPROVER,
        "no approver other than yourself is configured for this address",
        field="employee_email",
    )


def _check_overlap(request: LeaveRequest, store: LeaveStore) -> None:
    clashes = [
        record
        for record in store.overlapping(
            request.employee_email, request.start_date, request.end_date
        )
        if record.request_id != request.request_id
    ]
    if clashes:
        clash = clashes[0]
        raise SubmissionRefusedError(
            409,
            RejectionReason.OVERLAP,
            f"overlaps your {clash.status.value} leave {clash.request_id} "
            f"({clash.start_date.isoformat()} to {clash.end_date.isoformat()})",
            field="start_date",
        )


def _key_reused() -> SubmissionRefusedError:
    return SubmissionRefusedError(
        409,
        RejectionReason.IDEMPOTENCY_CONFLICT,
        "this Idempotency-Key was already used for a different leave request",
        field="Idempotency-Key",
    )
