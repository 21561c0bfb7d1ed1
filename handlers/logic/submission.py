"""Accepting a leave request: the rules a submission must pass, the record, and the start.

Submit records the request itself (pending, its dates held in the employee's calendar and its
days on their balance, in one transaction), then starts its workflow. So the status URL answers
at once, and overlapping submissions racing each other cannot both be accepted. If the start
fails, the record is undone (its days given back) and the client told to retry (503); a crash
between the record and the start is healed by the client's retry (the same id finds the record
and starts it) or, failing that, by the settler's sweep, which ends a request no execution took
over.
"""

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from handlers.domain.allowances import days_by_year
from handlers.domain.leave_dates import DateLimits
from handlers.domain.leave_request import (
    LeaveForm,
    LeaveRecord,
    LeaveRequest,
    LeaveSubmission,
    execution_name_for,
)
from handlers.domain.statuses import LeaveStatus
from handlers.gateways.token_verifier import Caller
from handlers.gateways.workflow_service import WorkflowService
from handlers.logic.approval_chain import approver_above
from handlers.logic.balances import PeopleDirectory, allowance_for, over_allowance
from handlers.logic.delegating import decider_for
from handlers.logic.refusals import Refusal, RefusalReason
from handlers.settings import SubmitSettings
from handlers.storage.delegations import Delegations
from handlers.storage.leave_store import LeaveStore
from handlers.storage.refused_writes import (
    CalendarBusyError,
    OverAllowanceError,
    OverlapError,
    RequestExistsError,
    TooManyPendingError,
)
from handlers.web.wording import leave_dates, no_working_days_words, working_days_words

MAX_IDEMPOTENCY_KEY_LENGTH = 128


class ServiceBusyError(Exception):
    """The request could not be taken now (nothing of it is kept): the client should retry."""


@dataclass(frozen=True)
class Submitter:
    settings: SubmitSettings
    store: LeaveStore
    directory: PeopleDirectory
    delegations: Delegations
    workflow: WorkflowService
    clock: Callable[[], datetime]
    # The secret request ids are keyed with, so that nobody can compute another's id.
    id_key: Callable[[], bytes]


@dataclass(frozen=True)
class Accepted:
    request: LeaveRequest
    # The stored record when this submission repeats one already recorded.
    existing: LeaveRecord | None = None


def request_id_for(
    submission: LeaveSubmission,
    idempotency_key: str | None,
    now: datetime,
    window_seconds: int,
    secret: bytes,
) -> str:
    """The same id for the same submission: a client's retry must land on the same request.

    With an Idempotency-Key the key decides; without one, the same body within the window does.
    The id is keyed with a secret (HMAC-SHA256): whoever knows what a request says still cannot
    compute its id. 130 bits of it are kept.
    """
    if idempotency_key is not None:
        seed = ["key", submission.employee_email, idempotency_key]
    else:
        window = int(now.timestamp()) // window_seconds
        seed = ["body", submission.model_dump_json(), str(window)]
    digest = hmac.new(secret, json.dumps(seed).encode(), hashlib.sha256).digest()
    return "lr-" + base64.b32encode(digest).decode("ascii")[:26].lower()


def id_key_from(signing_key: bytes) -> bytes:
    """The request-id key, derived from the stack's secret for this one purpose."""
    return hmac.new(signing_key, b"leave-approvals request ids", hashlib.sha256).digest()


def check_idempotency_key(value: str | None) -> str | None:
    if value is None:
        return None
    key = value.strip()
    if not key or len(key) > MAX_IDEMPOTENCY_KEY_LENGTH or not key.isprintable():
        raise Refusal(
            RefusalReason.MALFORMED,
            f"must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} printable characters",
            field="Idempotency-Key",
        )
    return key


def submission_by(form: LeaveForm, caller: Caller) -> LeaveSubmission:
    """The signed-in caller's submission: the form may name them, and no one else."""
    if form.employee_email is not None and form.employee_email != caller.email:
        raise Refusal(
            RefusalReason.NOT_YOURS,
            f"you are signed in as {caller.email}: you may ask leave for yourself only",
            field="employee_email",
        )
    return LeaveSubmission(
        **form.model_dump(exclude={"employee_email"}), employee_email=caller.email
    )


def submit_leave(
    submission: LeaveSubmission, idempotency_key: str | None, submitter: Submitter
) -> Accepted:
    settings = submitter.settings
    _check_domain(submission, settings.allowed_email_domains)
    now = submitter.clock()
    request_id = request_id_for(
        submission, idempotency_key, now, settings.idempotency_window_seconds, submitter.id_key()
    )
    existing = submitter.store.get(request_id)
    if existing is not None:
        # Its dates were checked against the day it was accepted: a retry after midnight that
        # would now fall outside them still finds it.
        return _repeated(existing, submission, submitter)
    _check_dates(submission, settings.date_limits, now.date())
    # Counted once, here, within the dates' bounds: the request carries its count from now on.
    working_days = _working_days(submission, settings)

    approver = _approver_for(submission.employee_email, submitter)
    # An approver who is away has their delegate decide it.
    decider, delegation = decider_for(
        approver, submission.employee_email, now.date(), submitter.delegations
    )
    handed_over = (
        () if delegation is None else (delegation.handed_over_entry(approver, decider, now),)
    )
    request = LeaveRequest(
        **submission.model_dump(),
        request_id=request_id,
        approver_email=decider,
        # A fresh name for each record: after a start submit gave up on (and undid), a retry
        # must start a new execution, not find the old one.
        execution_name=execution_name_for(request_id, secrets.token_hex(4)),
        working_days=working_days,
        # The days its employee's allowance is charged, by year, counted once with the same
        # work calendar: every give-back returns what is recorded here.
        days_by_year=days_by_year(
            submission.start_date, submission.end_date, settings.work_calendar.working_days
        ),
    )
    allowance = allowance_for(
        submission.employee_email, submission.leave_type, settings.allowances, submitter.directory
    )
    try:
        submitter.store.create_pending(
            request, now, settings.max_pending_per_employee, handed_over, allowance
        )
    except OverAllowanceError as short:
        raise over_allowance(short, submission.end_date) from None
    except TooManyPendingError as limit:
        raise Refusal(
            RefusalReason.TOO_MANY_PENDING,
            f"you already have {limit.pending} leave requests waiting for a decision, the most "
            "one person may have: wait until one is decided before asking for more",
        ) from None
    except RequestExistsError as taken:
        # A retry of the same submission raced this one and recorded it first.
        if taken.record is None:
            raise ServiceBusyError("the request vanished while being recorded") from None
        return _repeated(taken.record, submission, submitter)
    except OverlapError as overlap:
        raise _overlap(overlap) from None
    except CalendarBusyError:
        raise ServiceBusyError("the employee's calendar is busy") from None
    _start(request, submitter)
    return Accepted(request)


def _repeated(existing: LeaveRecord, submission: LeaveSubmission, submitter: Submitter) -> Accepted:
    """A submission whose id is already recorded: the same request again, or a key reused."""
    if existing.submission() != submission:
        raise _key_reused()
    if existing.status is LeaveStatus.PENDING and existing.workflow_started_at is None:
        # Its first submit may have crashed between the record and the start: start it (the
        # same execution name and payload start at most one execution).
        _start(existing.request(), submitter)
    return Accepted(existing.request(), existing)


def _start(request: LeaveRequest, submitter: Submitter) -> None:
    """Start the request's workflow; if that fails, undo the request and raise ServiceBusyError.

    Unless the execution took the request over meanwhile: then the start went through after all
    (a timeout that hid a success), and the request stands.
    """
    try:
        submitter.workflow.start(request.execution_name, request.workflow_input())
    except Exception as error:
        if submitter.store.discard_unstarted(request):
            raise ServiceBusyError(f"the workflow could not be started: {error!r}") from error


def _check_dates(submission: LeaveSubmission, limits: DateLimits, today: date) -> None:
    wrong = limits.problem_with(
        submission.start_date, submission.end_date, submission.leave_type, today
    )
    if wrong is not None:
        raise Refusal(RefusalReason.DATES_OUT_OF_RANGE, wrong.problem, field=wrong.field)


def _working_days(submission: LeaveSubmission, settings: SubmitSettings) -> int:
    """The working days the leave takes; refused if none, or more than one request may take."""
    days = settings.work_calendar.working_days(submission.start_date, submission.end_date)
    if days == 0:
        raise Refusal(
            RefusalReason.NO_WORKING_DAYS,
            no_working_days_words(submission.start_date, submission.end_date),
            field="start_date",
        )
    if days > settings.max_leave_days:
        raise Refusal(
            RefusalReason.TOO_LONG,
            f"the leave takes {working_days_words(days)}; the most one request may take is "
            f"{settings.max_leave_days}",
            field="end_date",
        )
    return days


def _check_domain(submission: LeaveSubmission, allowed: tuple[str, ...]) -> None:
    domain = submission.employee_email.rpartition("@")[2]
    if domain not in allowed:
        raise Refusal(
            RefusalReason.DOMAIN_NOT_ALLOWED,
            f"must be an address at {' or '.join(allowed)}",
            field="employee_email",
        )


def _approver_for(employee: str, submitter: Submitter) -> str:
    """The directory's approver, else the default; never the employee themself."""
    approver = approver_above(
        employee, submitter.directory, submitter.settings.default_approver, {employee}
    )
    if approver is not None:
        return approver
    raise Refusal(
        RefusalReason.NO_APPROVER,
        "no approver other than yourself is configured for this address",
        field="employee_email",
    )


# The employee's leave a new request may overlap (`BLOCKING_STATUSES`), as the refusal names it.
_HELD_BY = {
    LeaveStatus.PENDING: "your leave request {dates}, which is waiting for a decision",
    LeaveStatus.APPROVED: "your approved leave {dates}",
}


def _overlap(overlap: OverlapError) -> Refusal:
    """Name the request it overlaps by its dates and where it stands (the app links to it)."""
    clash = overlap.clash
    held_by = _HELD_BY.get(clash.status, "your leave {dates}")
    return Refusal(
        RefusalReason.OVERLAP,
        f"overlaps {held_by.format(dates=leave_dates(clash.start, clash.end))}: "
        "choose other dates, or withdraw or cancel that one first",
        field="start_date",
        other_request=clash.request_id,
    )


def _key_reused() -> Refusal:
    return Refusal(
        RefusalReason.IDEMPOTENCY_CONFLICT,
        "this Idempotency-Key was already used for a different leave request",
        field="Idempotency-Key",
    )
