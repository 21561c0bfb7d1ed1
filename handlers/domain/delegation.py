"""An approver's delegation: while they are away, someone they chose decides for them."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

from handlers.domain.date_style import day_words
from handlers.domain.leave_request import (
    Email,
    EnteredEmail,
    HistoryEntry,
    IsoDate,
    LeaveRecord,
    leave_days,
    not_before,
)
from handlers.domain.statuses import HistoryEvent

# The longest an approver may be away for, in one delegation.
MAX_DELEGATION_DAYS = 366


class _AwayDays(BaseModel):
    """The days an approver is away: at most a year, the last not before the first."""

    starts_on: IsoDate
    ends_on: IsoDate

    @field_validator("ends_on")
    @classmethod
    def _not_before_start(cls, end: date, info: ValidationInfo) -> date:
        not_before(end, info, "starts_on")
        start = info.data.get("starts_on")
        if start is not None and leave_days(start, end) > MAX_DELEGATION_DAYS:
            raise ValueError(f"must be at most {MAX_DELEGATION_DAYS} days after starts_on")
        return end


class DelegationForm(_AwayDays):
    """What an approver sends to hand their approvals over: to whom, and for which days."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    delegate_email: EnteredEmail


class Delegation(_AwayDays):
    """A delegation as stored: one per approver at most."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    delegate_email: Email
    approver_email: Email
    set_at: datetime
    # When the approver's waiting requests were handed to the delegate (at the start).
    handed_over_at: datetime | None = None

    @property
    def key(self) -> str:
        """Names this delegation in the follow-ups of the requests it hands over."""
        return f"delegated-{self.starts_on:%Y%m%d}-{int(self.set_at.timestamp())}"

    @property
    def away_note(self) -> str:
        """What a request handed over by this delegation says about why."""
        return f"{self.approver_email} is away until {day_words(self.ends_on)}."

    def handed_over_entry(self, request_from: str, to: str, at: datetime) -> HistoryEntry:
        """The history entry of a request this delegation moves from `request_from` to `to`."""
        return HistoryEntry(
            event=HistoryEvent.REASSIGNED,
            at=at,
            from_approver=request_from,
            to_approver=to,
            comment=self.away_note,
        )

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def public_view(self) -> dict[str, str]:
        return self.model_dump(mode="json", exclude={"handed_over_at"}, exclude_none=True)


def stood_in_for(record: LeaveRecord, person: str) -> list[str]:
    """`person`, then whom they stand in for as a delegate (the approver who handed the
    request to them), and so on back to the approver the request first came to."""
    chain = [person]
    for entry in reversed(record.history):
        handed_from = entry.from_approver
        if (
            entry.event is HistoryEvent.REASSIGNED
            and entry.to_approver == chain[-1]
            and handed_from
            and handed_from not in chain
        ):
            chain.append(handed_from)
    return chain
