"""What the pages and emails call things: statuses, history events, leave types, form fields,
and a leave's dates.

Keyed by the domain's own enums, so a new status or event cannot reach a page unnamed (a test
checks every member has its words). Days and moments are written in one style
(`handlers/domain/date_style.py`); a leave's dates are worded here, once (`leave_period`,
`leave_dates`), for every email, page and refusal.
"""

from datetime import date

from handlers.domain.date_style import day_words
from handlers.domain.statuses import HistoryEvent, LeaveStatus, LeaveType

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


def leave_period(start: date, end: date, days: int) -> str:
    """A leave's dates on a line of their own (a summary's row, a subject):
    "Mon 1 Feb 2027 (1 day)", "Mon 1 Feb 2027 to Fri 5 Feb 2027 (5 days)"."""
    unit = "day" if days == 1 else "days"
    dates = day_words(start) if start == end else f"{day_words(start)} to {day_words(end)}"
    return f"{dates} ({days} {unit})"


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
