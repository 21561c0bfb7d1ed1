"""A leave request: what an employee submits, what the workflow carries, what is stored."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    ValidationInfo,
    field_validator,
)

from handlers.domain.statuses import Decision, HistoryEvent, LeaveStatus, LeaveType

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("must be a date written as YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value} is not a date on the calendar") from None


def _address(value: str) -> str:
    if "@" not in value.strip("@"):
        raise ValueError("must be an email address")
    return value.lower()


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
# An address that was checked where it entered the service (the identity provider, a signed
# link, a form, the stack's config), or one only compared with such an address.
Email = Annotated[str, AfterValidator(_address)]
# An address a person typed and the service will write to: checked in full by email-validator,
# whose import (about 20 ms of a cold start) only the forms that take one pay, on first use.
EnteredEmail = Annotated[EmailStr, AfterValidator(str.lower)]
_Text = Annotated[str, BeforeValidator(lambda v: v.strip() if isinstance(v, str) else v)]


def not_before(end: date, info: ValidationInfo, start_field: str) -> date:
    """A range's last day, checked against its first (`start_field`, validated before it)."""
    start = info.data.get(start_field)
    if start is not None and end < start:
        raise ValueError(f"must not be before {start_field} ({start.isoformat()})")
    return end


def leave_days(start: date, end: date) -> int:
    """Calendar days of leave, both ends included."""
    return (end - start).days + 1


class LeaveDetails(BaseModel):
    """What a leave request asks for: when, what kind, and why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start_date: IsoDate
    end_date: IsoDate
    leave_type: LeaveType = LeaveType.ANNUAL
    reason: _Text | None = Field(default=None, max_length=500)

    @field_validator("end_date")
    @classmethod
    def _not_before_start(cls, end: date, info: ValidationInfo) -> date:
        return not_before(end, info, "start_date")

    @property
    def calendar_days(self) -> int:
        return leave_days(self.start_date, self.end_date)


class LeaveForm(LeaveDetails):
    """The body an employee posts. Who they are comes from their sign-in, not from here: the
    body may name them (it must then be them) or leave them out."""

    # Built when first read: only the submit route reads it.
    model_config = ConfigDict(defer_build=True)

    employee_email: Email | None = None


class LeaveSubmission(LeaveDetails):
    """A submission by a signed-in employee."""

    employee_email: Email


class LeaveRequest(LeaveSubmission):
    """The workflow's input: a validated submission with its id, approver and execution.

    It is the durable execution's payload. `execution_name` binds the request to the one
    execution that may act on it: an execution whose start was given up on (submit answered
    503 and removed the record) finds no record of its name and ends without a word.
    """

    request_id: str
    approver_email: Email
    execution_name: str = Field(min_length=1, max_length=64)
    # Its days counted against its employee's allowance, by year (handlers/domain/allowances.py):
    # counted once, when it is submitted, and given back as recorded here. Empty for a request
    # recorded before allowances were kept, which holds nothing.
    days_by_year: dict[int, int] = Field(default_factory=dict)
    # Its working days, counted once when it was submitted (handlers/domain/working_days.py):
    # the workflow decides from this count, never from a recount under a holiday list or
    # settings changed since. Unset on requests submitted before working days were counted.
    working_days: int | None = Field(default=None, ge=1)

    @property
    def days(self) -> int:
        """Its length as every rule counts it: its working days; calendar days on a request
        submitted before working days were counted (as its workflow counted them then)."""
        return self.calendar_days if self.working_days is None else self.working_days

    @classmethod
    def from_workflow_input(cls, payload: Mapping[str, Any]) -> LeaveRequest:
        """The request an execution was started with. Fields this code does not know are left
        out, not refused: during a deploy a newer submit may start an execution that an older
        version of the workflow runs (the alias moves after the new submit is live), and every
        execution replays its payload on the version it started on. The API still refuses
        unknown fields in what people send (LeaveForm)."""
        return cls.model_validate({k: v for k, v in payload.items() if k in cls.model_fields})

    def workflow_input(self) -> dict[str, Any]:
        """The workflow's payload. A request without a count or allowance days is sent as it
        was before those existed: a repeated start must send the first start's payload, byte
        for byte."""
        unset = {"working_days"} if self.working_days is None else set()
        if not self.days_by_year:
            unset.add("days_by_year")
        return self.model_dump(mode="json", exclude=unset)


_EXECUTION_NAME_SEPARATOR = "-"


def execution_name_for(request_id: str, attempt: str) -> str:
    """The durable execution's name for one attempt at starting a request's workflow."""
    return f"{request_id}{_EXECUTION_NAME_SEPARATOR}{attempt}"


def request_id_of(execution_name: str) -> str:
    """The request an execution works on, from its name (see `execution_name_for`)."""
    return execution_name.rpartition(_EXECUTION_NAME_SEPARATOR)[0]


def status_url(submit_url: str, request_id: str) -> str:
    """Where a request's status is followed: the submit endpoint's `requests/<id>` route."""
    return f"{submit_url.rstrip('/')}/requests/{request_id}"


_INTERNAL_FIELDS = {
    "execution_name",
    "callback_id",
    "workflow_started_at",
    "outcome_notified_at",
    "follow_ups",
    "ended_by",
    "days_by_year",
    "notices_sent",
}


class HistoryEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    event: HistoryEvent
    at: datetime
    by: str | None = None
    comment: str | None = None
    # For a reminder, who was reminded; for an escalation or a reassignment, who had the
    # request and who has it now.
    from_approver: str | None = None
    to_approver: str | None = None


class LeaveRecord(LeaveRequest):
    """A leave request as stored, with where it stands."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    status: LeaveStatus
    submitted_at: datetime
    decided_at: datetime | None = None
    history: tuple[HistoryEntry, ...] = ()
    # Set when the workflow's execution took the request over; until then submit may undo it.
    workflow_started_at: datetime | None = None
    # The approver's callback, attached when their email goes out; never shown to anyone.
    callback_id: str | None = None
    # Until when it can be decided (every decision link of the request expires then).
    decision_deadline: datetime | None = None
    # Set once the employee was told the outcome by the settler (the workflow's own email is
    # tracked by its durable step).
    outcome_notified_at: datetime | None = None
    # Who moved it to its status (an execution's name, the settler, the employee): a writer
    # that finds the request already there tells its own earlier write from someone else's.
    ended_by: str | None = None
    # The keys of the follow-ups (reminders, escalation, reassignments) that happened.
    follow_ups: frozenset[str] = frozenset()
    # The keys of the notices that went out (an approver told the request left them), so a
    # retried step sends none twice (storage/sent_notices.py).
    notices_sent: frozenset[str] = frozenset()

    def former_approvers(self) -> set[str]:
        """Everyone the request was assigned to before its current approver."""
        return {e.from_approver for e in self.history if e.from_approver} - {self.approver_email}

    def approvers_so_far(self) -> set[str]:
        """Who approved it at a level it has passed (long leave's first approver)."""
        return {e.by for e in self.history if e.event is HistoryEvent.APPROVED_FIRST_LEVEL and e.by}

    def recorded_outcome(self) -> Outcome:
        """How it ended, as its last history entry recorded it (for a retry that announces
        an end written before)."""
        last = self.history[-1]
        return Outcome(status=self.status, decided_at=last.at, by=last.by, comment=last.comment)

    def handed_to(self, approver_email: str) -> LeaveRecord:
        """This record as it reads once `approver_email` has the request."""
        return self.model_copy(update={"approver_email": approver_email})

    def request(self) -> LeaveRequest:
        return LeaveRequest.model_validate(self.model_dump(include=set(LeaveRequest.model_fields)))

    def submission(self) -> LeaveSubmission:
        fields = set(LeaveSubmission.model_fields)
        return LeaveSubmission.model_validate(self.model_dump(include=fields))

    def public_view(self) -> dict[str, Any]:
        """What the status endpoint shows: everything but internal wiring."""
        view = self.model_dump(mode="json", exclude_none=True, exclude=_INTERNAL_FIELDS)
        # `working_days` is there when it was counted; `days` always, as the rules count it.
        view["days"] = self.days
        view["calendar_days"] = self.calendar_days
        return view


class DecisionPayload(BaseModel):
    """What the decision endpoint sends back into the waiting workflow."""

    model_config = ConfigDict(frozen=True)

    decision: Decision
    approver_email: Email
    comment: str | None = Field(default=None, max_length=1000)
    decided_at: datetime


class Withdrawal(BaseModel):
    """What the submit endpoint sends into the waiting workflow when the employee takes their
    request back: the callback then ends it as withdrawn."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    withdrawn_by: Email
    withdrawn_at: datetime


class Outcome(BaseModel):
    """How a request ended, as the workflow checkpoints it."""

    model_config = ConfigDict(frozen=True)

    status: LeaveStatus
    decided_at: datetime
    by: str | None = None
    comment: str | None = None

    def history_entry(self) -> HistoryEntry:
        return HistoryEntry(
            event=HistoryEvent(self.status.value),
            at=self.decided_at,
            by=self.by,
            comment=self.comment,
        )
