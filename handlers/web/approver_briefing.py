"""What an approver is told on every decision page: why the request came to them, and what
happens once they decide (and, on the page after, what happens now).

Read from the request's history: who approved its first level (long leave), who let it wait
until it moved up (an escalation), whose delegation handed it over. How long leave must be to
need a second approval is the stack's setting, which the page is given (None: one level).
With nobody above the first approver, their approval suffices (the workflow finds out only
once they approved), so the first level's words allow for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.domain.approval_levels import needs_second_approval
from handlers.domain.date_style import moment_words
from handlers.domain.leave_request import HistoryEntry, LeaveRecord
from handlers.domain.statuses import Decision, HistoryEvent, LeaveStatus

# The history entries that hand a request to someone: its approver is the last one's
# `to_approver`.
_HAND_OVERS = (HistoryEvent.ESCALATED, HistoryEvent.REASSIGNED, HistoryEvent.APPROVED_FIRST_LEVEL)


def handed_to_you(away_note: str) -> str:
    """Why a request comes to a delegate: the delegation's note, then what it did."""
    return f"{away_note} They handed their approvals to you."


def _first_level_approval(record: LeaveRecord) -> HistoryEntry | None:
    return next((e for e in record.history if e.event is HistoryEvent.APPROVED_FIRST_LEVEL), None)


def _long_leave(over_days: int | None) -> str:
    if over_days is None:
        return "Leave this long needs a second approval"
    return f"Leave longer than {over_days} days needs a second approval"


def why_with_you(record: LeaveRecord, over_days: int | None) -> str:
    """Why the request waits for its current approver's decision."""
    employee = record.employee_email
    said: list[str] = []
    first = _first_level_approval(record)
    if first is not None:
        said.append(
            f"{first.by} approved this leave at the first level. {_long_leave(over_days)}: "
            "this is it."
        )
    last = next(
        (e for e in reversed(record.history) if e.event in _HAND_OVERS),
        None,
    )
    if last is not None and last.to_approver == record.approver_email:
        if last.event is HistoryEvent.ESCALATED:
            said.append(
                f"It was with {last.from_approver}, who did not decide it in time, so it moved "
                "up to you."
            )
        elif last.event is HistoryEvent.REASSIGNED:
            said.append(handed_to_you(last.comment or f"{last.from_approver} is away."))
        elif first is not None:
            said.append(f"It came to you as the approver above {first.by}.")
    if not said:
        said.append(f"It came to you as {employee}'s approver.")
    return " ".join(said)


def after_you_decide(record: LeaveRecord, over_days: int | None) -> str:
    """What follows the current approver's decision, and until when they may make it."""
    employee = record.employee_email
    if _first_level_approval(record) is not None:
        next_step = (
            "Yours is the second and last approval: if you approve, the leave is approved and "
            f"the dates are booked for {employee}; if you reject, it ends and the dates are "
            "free again."
        )
    elif needs_second_approval(record.days, over_days):
        next_step = (
            f"{_long_leave(over_days)}. If you approve, it goes on to the approver above you, "
            "who decides it too (with nobody above you, your approval is enough); if you "
            "reject, it ends here and the dates are free again."
        )
    else:
        next_step = (
            f"If you approve, the dates are booked for {employee}; if you reject, they are "
            "free again."
        )
    said = [next_step, f"{employee} is told by email either way."]
    if record.decision_deadline is not None:
        said.append(
            f"If nobody decides by {moment_words(record.decision_deadline)}, the request expires."
        )
    return " ".join(said)


@dataclass(frozen=True)
class AfterDecision:
    """What the page after a decision says."""

    status: LeaveStatus  # the outcome it heads towards: its tone on the page
    title: str
    next_step: str


def after_decision(record: LeaveRecord, decision: Decision, over_days: int | None) -> AfterDecision:
    """What happens now that the current approver decided (`record` as it was before)."""
    employee = record.employee_email
    done = "There is nothing else for you to do: you can close this page."
    if decision is Decision.REJECT:
        return AfterDecision(
            LeaveStatus.REJECTED,
            "Leave rejected",
            f"{employee} gets an email now. Their dates are free again; they may request other "
            f"dates. {done}",
        )
    first_level = _first_level_approval(record) is None
    if first_level and needs_second_approval(record.days, over_days):
        return AfterDecision(
            LeaveStatus.PENDING,
            "Approved: a second approval follows",
            f"{_long_leave(over_days)}: the approver above you is now asked by email to "
            f"decide it too, and {employee} is told. Until they approve, the leave is not "
            f"booked (unless nobody is above you: then yours is enough). {done}",
        )
    return AfterDecision(
        LeaveStatus.APPROVED,
        "Leave approved",
        f"{employee} gets an email now. The dates are booked for them. {done}",
    )
