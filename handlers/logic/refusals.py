"""Why a use case refuses what it was asked: one exception for every use case.

A use case says why (`RefusalReason`) and what the person is told; it knows nothing of HTTP.
The edge answers: each reason's status code (handlers/http_responses.py, `REFUSAL_STATUS`),
one body shape for all (`refusal_response`), and the decision page's heading for each reason
(handlers/decision.py).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the edge that shapes refusals need not load the request's models for it
    from handlers.domain.leave_request import LeaveRecord


class RefusalReason(StrEnum):
    # What was sent.
    MALFORMED = "malformed"  # cannot be read as it is (a header)
    INVALID = "invalid"  # a field breaks a rule
    TOO_LONG = "too_long"  # more days than one request may take
    DATES_OUT_OF_RANGE = "dates_out_of_range"  # starts too far back or ends too far ahead
    NO_WORKING_DAYS = "no_working_days"  # only weekends, public holidays or closure days
    DOMAIN_NOT_ALLOWED = "domain_not_allowed"  # an address outside the allowed domains
    NO_APPROVER = "no_approver"  # nobody but the employee could decide it
    # Who asks.
    NOT_YOURS = "not_yours"  # for someone else, or a link for another approver
    LINK_NOT_VALID = "link_not_valid"  # a link forged, altered or cut short
    NOT_FOUND = "not_found"  # nothing of the caller's there (anyone else's looks the same)
    # What it collides with.
    OVERLAP = "overlap"  # the employee's pending or approved leave on some of the same days
    IDEMPOTENCY_CONFLICT = "idempotency_conflict"  # a key reused for another request
    TOO_MANY_PENDING = "too_many_pending"  # as many requests waiting as one may have
    OVER_ALLOWANCE = "over_allowance"  # more days than are left of the type's allowance
    CONFLICT = "conflict"  # where the request (or someone's delegation) stands rules it out
    # Where a request waiting for a decision went.
    ALREADY_DECIDED = "already_decided"
    MOVED_ON = "moved_on"  # with another approver now (escalated, handed to a delegate)
    AWAITS_SECOND_APPROVAL = "awaits_second_approval"  # the approver approved its first level
    ENDED_BY_EMPLOYEE = "ended_by_employee"  # withdrawn, or approved then cancelled
    EXPIRED = "expired"  # the request, or the link, ran out of time
    CLOSED = "closed"  # its workflow broke and it ended as failed
    # Not now: nothing was done, and trying again after `retry_after` seconds may pass.
    NOT_NOW = "not_now"


class Refusal(Exception):
    """What was asked cannot be done, and why.

    `message`: what the person is told (about `field` when one field is at fault, else about
    the whole request). `retry_after`: seconds to wait before trying again, for a refusal
    that may pass. `record`: the request it concerns, for a page that shows it.
    `other_request`: the id of another of the person's requests it is about (the one a new
    request overlaps), for the app to link to; its message names it in words.
    """

    def __init__(
        self,
        reason: RefusalReason,
        message: str,
        *,
        field: str | None = None,
        retry_after: int | None = None,
        record: LeaveRecord | None = None,
        other_request: str | None = None,
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.field = field
        self.retry_after = retry_after
        self.record = record
        self.other_request = other_request
