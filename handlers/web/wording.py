"""What the pages and emails call things: statuses, history events, leave types, form fields,
a request's length and its dates.

Keyed by the domain's own enums, so a new status or event cannot reach a page unnamed (a test
checks every member has its words). Days and moments are written in one style
(`handlers/domain/date_style.py`); a leave's length and dates are worded here, once
(`request_length_words`: "5 working days, Mon 3 - Fri 7 Aug 2026"; `leave_dates` inside a
sentence), for every email, page and refusal.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from handlers.domain.date_style import day_words
from handlers.domain.statuses import HistoryEvent, LeaveStatus, LeaveType

if TYPE_CHECKING:
    from handlers.domain.leave_request import LeaveRequest

STATUS_WORDS = {
    LeaveStatus.PENDING: "Waiting for a decision",
    LeaveStatus.APPROVED: "Approved",
    LeaveStatus.REJECTED: "Rejected",
    LeaveStatus.EXPIRED: "Expired",
    LeaveStatus.FAILED: "Closed",
    LeaveStatus.WITHDRAWN: "Withdrawn",
    LeaveStatus.CANCELLED: "Cancelled",
}

# What the employee can expect, or do, once a request stands here.
NEXT_STEPS = {
    LeaveStatus.PENDING: (
        "Your approver has an email with a link to decide. You will get an email as soon as "
        "they do, or if nobody decides in time."
    ),
    LeaveStatus.APPROVED: "Your leave is approved: the dates are booked.",
    LeaveStatus.REJECTED: (
        "Your dates are free again. Ask your approver if anything is unclear, or request "
        "other dates."
    ),
    LeaveStatus.EXPIRED: (
        "Nobody decided in time, and your dates are free again. Request them again if you "
        "still need them."
    ),
    LeaveStatus.FAILED: (
        "Something went wrong on our side, so the request was closed and your dates are free "
        "again. Please request them again."
    ),
    LeaveStatus.WITHDRAWN: "You withdrew this request: nobody will decide it; the dates are free.",
    LeaveStatus.CANCELLED: "You cancelled this leave: the dates are free and your approver knows.",
}

# An outcome on a page has a tone of its own (style.css's `.tone-<status>`), shown with its
# sign and its name (`STATUS_WORDS`), so it never rests on colour alone.
OUTCOME_SIGNS = {
    LeaveStatus.APPROVED: "✓",
    LeaveStatus.REJECTED: "✕",
    LeaveStatus.EXPIRED: "◷",
    LeaveStatus.FAILED: "!",
    LeaveStatus.WITHDRAWN: "↩",
    LeaveStatus.CANCELLED: "↩",
}

EVENT_WORDS = {
    HistoryEvent.SUBMITTED: "Submitted",
    HistoryEvent.APPROVED: "Approved",
    HistoryEvent.REJECTED: "Rejected",
    HistoryEvent.EXPIRED: "Expired: nobody decided in time",
    HistoryEvent.FAILED: "Closed: the request could not be completed",
    HistoryEvent.WITHDRAWN: "Withdrawn",
    HistoryEvent.CANCELLED: "Cancelled",
    # Followed on the page by who it went to (`to_approver`).
    HistoryEvent.REMINDED: "Reminder sent to",
    HistoryEvent.ESCALATED: "Not decided in time: moved up to",
    HistoryEvent.REASSIGNED: "Handed over to",
    # Followed by who approves next (`to_approver`), then who approved (`by`).
    HistoryEvent.APPROVED_FIRST_LEVEL: "Approved at the first level; now with",
    HistoryEvent.ONE_APPROVAL_SUFFICED: "Approved; nobody is above to approve it again",
}

LEAVE_TYPE_WORDS = {
    LeaveType.ANNUAL: "Annual leave",
    LeaveType.SICK: "Sick leave",
    LeaveType.UNPAID: "Unpaid leave",
    LeaveType.PARENTAL: "Parental leave",
    LeaveType.BEREAVEMENT: "Bereavement leave",
    LeaveType.OTHER: "Other",
}

# The request's fields as the form labels them: errors name a field by its label.
FIELD_LABELS = {
    "start_date": "First day",
    "end_date": "Last day",
    "leave_type": "Type of leave",
    "reason": "Reason",
    "employee_email": "Your email address",
    "delegate_email": "Who decides for you",
    "starts_on": "From",
    "ends_on": "Until",
    "body": "The form",
}


# A request's length: its working days, or its calendar days if it was submitted before working
# days were counted. `{count}` is the number.
DAY_COUNT_WORDS = {
    "working_one": "1 working day",
    "working_other": "{count} working days",
    "calendar_one": "1 day",
    "calendar_other": "{count} days",
}


def counted_days_words(days: int, working: bool = True) -> str:
    """`5 working days`, `1 working day`; `11 days` for a count of calendar days."""
    kind = "working" if working else "calendar"
    return DAY_COUNT_WORDS[f"{kind}_{'one' if days == 1 else 'other'}"].format(count=days)


def working_days_words(days: int) -> str:
    return counted_days_words(days, working=True)


# Between a range's two ends, as typeset: an en dash with a space either side.
RANGE_DASH = " \u2013 "


def _day(day: date) -> str:
    return f"{day:%a} {day.day}"


def date_range_words(start: date, end: date) -> str:
    """`Mon 3 - Fri 7 Aug 2026`, `Fri 31 Jul - Mon 3 Aug 2026`, `Mon 3 Aug 2026` (with an en
    dash): what the range's two ends share is said once."""
    if start == end:
        return f"{_day(start)} {start:%b %Y}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{_day(start)}{RANGE_DASH}{_day(end)} {end:%b %Y}"
    if start.year == end.year:
        return f"{_day(start)} {start:%b}{RANGE_DASH}{_day(end)} {end:%b %Y}"
    return f"{_day(start)} {start:%b %Y}{RANGE_DASH}{_day(end)} {end:%b %Y}"


def length_and_dates_words(days: int, working: bool, start: date, end: date) -> str:
    """`5 working days, Mon 3 - Fri 7 Aug 2026`: how much leave, and when."""
    return f"{counted_days_words(days, working)}, {date_range_words(start, end)}"


def request_length_words(request: LeaveRequest) -> str:
    """A request's length and dates, its count as it was taken when it was submitted."""
    return length_and_dates_words(
        request.days, request.working_days is not None, request.start_date, request.end_date
    )


def no_working_days_words(start: date, end: date) -> str:
    """Why a request of no working days is refused (it follows the field's label)."""
    return (
        f"{date_range_words(start, end)} has no working days (weekends, public holidays and "
        "closure days do not count): choose dates that include a working day"
    )


def leave_dates(start: date, end: date) -> str:
    """A leave's dates inside a sentence: "on Mon 1 Feb 2027", "from Mon 1 Feb 2027 to Fri 5
    Feb 2027"."""
    if start == end:
        return f"on {day_words(start)}"
    return f"from {day_words(start)} to {day_words(end)}"


def page_wording() -> dict[str, dict[str, str]]:
    """All of it, for the pages' script."""
    return {
        "statuses": {k.value: v for k, v in STATUS_WORDS.items()},
        "next_steps": {k.value: v for k, v in NEXT_STEPS.items()},
        "events": {k.value: v for k, v in EVENT_WORDS.items()},
        "leave_types": {k.value: v for k, v in LEAVE_TYPE_WORDS.items()},
        "fields": dict(FIELD_LABELS),
        "day_counts": dict(DAY_COUNT_WORDS),
        "approvals": approver_view_words(),
        "team_leave": {k.value: v for k, v in TEAM_LEAVE_WORDS.items()},
    }


# -- an approver's view of their team (the decision page, the app) ------------------------------

# A team member's leave, by its status: off (approved), or asked for (waiting for a decision).
TEAM_LEAVE_WORDS = {
    LeaveStatus.APPROVED: "Off",
    LeaveStatus.PENDING: "Asked for",
}


def team_overlap_heading(absent_approver: str | None) -> str:
    """Over the team's leave on a request's days; `absent_approver`: whose team a delegate
    decides for (None: the approver's own)."""
    if absent_approver is None:
        return "Others in your team on these days"
    return f"Others in {absent_approver}'s team on these days"


def no_team_overlap(absent_approver: str | None) -> str:
    whose = "your team" if absent_approver is None else f"{absent_approver}'s team"
    return f"Nobody else in {whose} is off or has asked for any of these days."


def deciding_for(absent_approver: str) -> str:
    """Why a delegate decides a request."""
    return f"You decide this for {absent_approver}, who is away."


# Why an approver gets a request's email again, or a request passed to them by an operator.
RESENT_APPROVAL_REQUEST = "This is the email you were sent for this request, sent again."


def reassigned_to_you(from_approver: str) -> str:
    return (
        f"The service's operators passed this request to you: {from_approver} does not decide it."
    )


def reassigned_for_employee(to_approver: str) -> str:
    return f"The service's operators passed it to {to_approver}."


# What a request's history and its employee's email say about a request an operator closed.
SETTLED_BY_AN_OPERATOR = (
    "The service's operators closed this request: it could not be decided as it stood."
)


def moved_on_in_app(approver: str) -> str:
    return f"This request is now with {approver}, who decides it instead."


def not_yours_in_app() -> str:
    return "This request is not waiting for your decision."


def team_unavailable() -> str:
    return "Your team's leave could not be read just now: please try again in a few seconds."


def team_unreadable_on_page() -> str:
    return (
        "Who else is off on these days could not be read just now: reload this page in a "
        "moment to see it."
    )


def approver_view_words() -> dict[str, str]:
    """The app's words for an approver: `{employee}`, `{approver}`, `{first}` and `{last}`
    stand for what the script puts in."""
    return {
        "waiting_heading": "Waiting for your decision",
        "standing_in": deciding_for("{approver}"),
        "days": "Days",
        "reason": "Reason",
        "no_reason": "(none given)",
        "decide_by": "Decide by",
        "overlap_heading": "Others in the team on these days",
        "no_overlap": "Nobody else in the team is off or has asked for any of these days.",
        "own_team_heading": "Your team's upcoming leave",
        "team_heading": "Upcoming leave of {approver}'s team",
        "comment": "Comment",
        "comment_hint": "(optional: the employee sees it)",
        "approve": "Approve",
        "reject": "Reject…",
        "sending": "Sending…",
        "confirm_reject": (
            "Reject the leave of {employee} from {first} to {last}? They will be told by "
            "email, and their dates become free again. This cannot be undone."
        ),
        "approved": "You approved the leave of {employee}. They get an email now.",
        "rejected": (
            "You rejected the leave of {employee}. They get an email now, and their dates are "
            "free again."
        ),
        "not_sent": "Your decision could not be sent: please try again.",
        "not_loaded": "The requests waiting for you could not be loaded.",
    }
