"""The emails of a leave request, each as readable HTML and plain text.

The HTML comes from `templates/email/`, rendered with everything a person typed (reason,
comment) and every address escaped (`rendering.render`); the plain text carries it as it is.
Days and moments are written in the one style of `handlers/domain/date_style.py`, a leave's
dates by `wording.request_length_words`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from handlers.domain import date_style
from handlers.domain.leave_request import LeaveRequest, Outcome
from handlers.domain.statuses import LeaveStatus
from handlers.web.rendering import join, render
from handlers.web.wording import OUTCOME_SIGNS, STATUS_WORDS, request_length_words

if TYPE_CHECKING:
    from markupsafe import Markup


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    html: str


# A NamedTuple, not a dataclass: a tenth of the cost to define when a handler loads.
class _Action(NamedTuple):
    """What the email asks its reader to open: a button in HTML, a line in the text."""

    link: str
    button: str  # the button's label
    line: str  # the text's words before the link
    note: str | None = None  # a line of small print beneath it


_PRIVATE_LINK = "The link is yours alone: do not forward it."


def moment_words(moment: datetime) -> str:
    """A moment as the emails say it, e.g. the time a decision is due by."""
    return date_style.moment_words(moment)


def _period(request: LeaveRequest) -> str:
    return request_length_words(request)


# An outcome's tone in an email: the colours of the pages' banners (static/style.css's
# `.tone-<status>`: text, background, edge), inline as mail apps need, with its sign and name.
_TONES = {
    LeaveStatus.APPROVED: ("#14532d", "#f0fdf4", "#22c55e"),
    LeaveStatus.REJECTED: ("#7f1d1d", "#fef2f2", "#ef4444"),
    LeaveStatus.EXPIRED: ("#78350f", "#fffbeb", "#f59e0b"),
    LeaveStatus.FAILED: ("#7c2d12", "#fff7ed", "#ea580c"),
    LeaveStatus.WITHDRAWN: ("#374151", "#f9fafb", "#6b7280"),
    LeaveStatus.CANCELLED: ("#374151", "#f9fafb", "#6b7280"),
}


def _html_tone(status: LeaveStatus | None) -> Markup | str:
    if status is None:
        return ""
    ink, background, edge = _TONES[status]
    return render(
        "email/tone.html",
        ink=ink,
        background=background,
        edge=edge,
        sign=OUTCOME_SIGNS[status],
        status_name=STATUS_WORDS[status],
    )


def _summary_rows(request: LeaveRequest) -> list[tuple[str, str]]:
    rows = [
        ("Employee", request.employee_email),
        ("Leave", request.leave_type.value.capitalize()),
        ("Dates", _period(request)),
    ]
    if request.reason:
        rows.append(("Reason", request.reason))
    rows.append(("Reference", request.request_id))
    return rows


def _text_table(rows: list[tuple[str, str]]) -> str:
    width = max(len(label) for label, _ in rows) + 2
    return "\n".join(f"{label + ':':<{width}}{value}" for label, value in rows)


def _html_rows(rows: list[tuple[str, str]]) -> Markup:
    return join(render("email/row.html", label=label, value=value) for label, value in rows)


def _html_action(action: _Action | None) -> Markup | str:
    if action is None:
        return ""
    note = render("email/note.html", note=action.note) if action.note else ""
    return render("email/action.html", link=action.link, label=action.button, note=note)


def _email(
    to: str,
    subject: str,
    title: str,
    intro: str,
    rows: list[tuple[str, str]],
    action: _Action | None = None,
    tone: LeaveStatus | None = None,
) -> Email:
    """One email, its text and its HTML saying the same: the intro, the request, the link;
    `tone`: the outcome it tells, shown in its colours above the intro."""
    text = f"{intro}\n\n{_text_table(rows)}\n"
    if action is not None:
        text += f"\n{action.line} {action.link}\n"
        if action.note:
            text += f"{action.note}\n"
    html = render(
        "email/message.html",
        title=title,
        tone=_html_tone(tone),
        intro=intro,
        rows=_html_rows(rows),
        action=_html_action(action),
    )
    return Email(to=to, subject=subject, text=text, html=str(html))


def _follow(status_link: str) -> _Action:
    return _Action(status_link, button="Follow its status", line="Follow its status:")


def receipt_email(request: LeaveRequest, status_link: str) -> Email:
    rows = [*_summary_rows(request), ("Approver", request.approver_email)]
    intro = f"We received your leave request. {request.approver_email} has been asked to decide."
    return _email(
        to=request.employee_email,
        subject=f"Leave request received: {_period(request)}",
        title="Leave request received",
        intro=intro,
        rows=rows,
        action=_follow(status_link),
    )


def approval_request_email(
    request: LeaveRequest, decision_link: str, expires: str, why: str | None = None
) -> Email:
    """To the approver: the request and their link. `why`: why it comes to them, when it was
    meant for someone else (escalated, handed over by a delegation)."""
    intro = f"{request.employee_email} asks for leave. Please approve or reject it by {expires}."
    if why:
        intro = f"{why} {intro}"
    return _decision_email(
        request,
        decision_link,
        subject=f"Leave to approve: {request.employee_email}, {_period(request)}",
        title="Leave request to decide",
        intro=intro,
    )


def reminder_email(request: LeaveRequest, decision_link: str, expires: str) -> Email:
    """To an approver who has not decided yet: the same link, and the time left."""
    return _decision_email(
        request,
        decision_link,
        subject=f"Reminder: leave to approve: {request.employee_email}, {_period(request)}",
        title="Reminder: leave request to decide",
        intro=(
            f"{request.employee_email} is still waiting for your decision on their leave. "
            f"Please approve or reject it by {expires}. The link is the one you were sent."
        ),
    )


def _decision_email(
    request: LeaveRequest, decision_link: str, subject: str, title: str, intro: str
) -> Email:
    return _email(
        to=request.approver_email,
        subject=subject,
        title=title,
        intro=intro,
        rows=_summary_rows(request),
        action=_Action(
            decision_link,
            button="Review and decide",
            line="Open this link to approve or reject:",
            note=_PRIVATE_LINK,
        ),
    )


def handed_over_email(request: LeaveRequest, why: str, status_link: str) -> Email:
    """To the employee: someone else decides their request now (`why`: escalated, delegated)."""
    rows = [*_summary_rows(request), ("Approver now", request.approver_email)]
    intro = (
        f"Your leave request is now with {request.approver_email}, who has been asked to "
        f"decide it. {why}"
    )
    return _email(
        to=request.employee_email,
        subject=f"Leave request now with {request.approver_email}: {_period(request)}",
        title="Your request has a new approver",
        intro=intro,
        rows=rows,
        action=_follow(status_link),
    )


_OUTCOME_WORDS = {
    LeaveStatus.APPROVED: ("approved", "Your leave request was approved."),
    LeaveStatus.REJECTED: ("rejected", "Your leave request was rejected."),
    LeaveStatus.EXPIRED: (
        "expired",
        "Your leave request expired: nobody decided on it in time. You may submit it again.",
    ),
    LeaveStatus.FAILED: (
        "could not be processed",
        "Something went wrong on our side and your leave request could not be processed. "
        "Nobody can decide it now and its dates are free again: please submit it again.",
    ),
    LeaveStatus.WITHDRAWN: (
        "withdrawn",
        "You withdrew your leave request: nobody will decide it, and its dates are free again.",
    ),
    LeaveStatus.CANCELLED: (
        "cancelled",
        "You cancelled your approved leave: its dates are free again, and your approver was told.",
    ),
}


def outcome_email(request: LeaveRequest, outcome: Outcome, status_link: str) -> Email:
    word, intro = _OUTCOME_WORDS[outcome.status]
    rows = _summary_rows(request)
    if outcome.by and outcome.by != request.employee_email:
        rows.append(("Decided by", outcome.by))
    if outcome.comment:
        # An approver's comment, or, for a request nobody decided, why it ended.
        rows.append(("Comment" if outcome.by else "Why", outcome.comment))
    return _email(
        to=request.employee_email,
        subject=f"Leave request {word}: {_period(request)}",
        title=f"Leave request {word}",
        intro=intro,
        rows=rows,
        action=_Action(status_link, button="See details", line="Details:"),
        tone=outcome.status,
    )


# An approver a request left (moved to someone else, or ended without their decision) is told
# once, in a short notice: what happened, and that their link no longer works.
_NO_LONGER_YOURS = "You no longer need to decide it, and the link you were sent no longer works."


def _left_you(request: LeaveRequest, approver: str, subject: str, title: str, intro: str) -> Email:
    return _email(
        to=approver,
        subject=f"{subject}: {request.employee_email}, {_period(request)}",
        title=title,
        intro=intro,
        rows=_summary_rows(request),
    )


def escalated_away_email(request: LeaveRequest, from_approver: str) -> Email:
    """To the approver an escalation took the request from (`request`: as it is now, with its
    new approver)."""
    return _left_you(
        request,
        from_approver,
        "Moved up, no longer needs your decision",
        "Leave request moved up",
        f"The leave request from {request.employee_email} was not decided in time, so it moved "
        f"up to {request.approver_email}, who decides it now. {_NO_LONGER_YOURS}",
    )


def delegated_away_email(request: LeaveRequest, from_approver: str) -> Email:
    """To the approver whose delegation handed the request to their delegate (`request`: as
    it is now, with the delegate)."""
    return _left_you(
        request,
        from_approver,
        f"Handed to {request.approver_email}, no longer needs your decision",
        "Leave request handed to your delegate",
        f"Your delegation has started: {request.approver_email} decides the leave request from "
        f"{request.employee_email} for you. {_NO_LONGER_YOURS}",
    )


def reassigned_away_email(request: LeaveRequest, from_approver: str) -> Email:
    """To the approver an operator took the request from (`request`: as it is now, with its
    new approver)."""
    return _left_you(
        request,
        from_approver,
        f"Passed to {request.approver_email}, no longer needs your decision",
        "Leave request passed to another approver",
        f"The service's operators passed the leave request from {request.employee_email} to "
        f"{request.approver_email}, who decides it now. {_NO_LONGER_YOURS}",
    )


def closed_after_your_approval_email(request: LeaveRequest, first_approver: str) -> Email:
    """To who approved long leave at the first level, when it could not be completed."""
    return _left_you(
        request,
        first_approver,
        "Closed after your approval",
        "Leave request closed",
        f"You approved the leave request from {request.employee_email} at the first level, "
        "but it could not be processed and was closed before its second approval: the leave "
        f"is not booked. {request.employee_email} was asked to submit it again. There is "
        "nothing for you to do.",
    )


# To the approver, when a request ended without (or after) their decision: subject, title, why.
_APPROVER_TOLD = {
    LeaveStatus.FAILED: (
        "No longer needs your decision",
        "Leave request closed",
        "The leave request from {employee} could not be processed and was closed. "
        + _NO_LONGER_YOURS,
    ),
    LeaveStatus.WITHDRAWN: (
        "Withdrawn, no longer needs your decision",
        "Leave request withdrawn",
        "{employee} withdrew their leave request. " + _NO_LONGER_YOURS,
    ),
    LeaveStatus.CANCELLED: (
        "Leave cancelled",
        "Approved leave cancelled",
        "{employee} cancelled the leave you approved: they will be at work on these dates.",
    ),
}


def approver_told_email(request: LeaveRequest, status: LeaveStatus) -> Email:
    """To the request's approver: it ended without their decision (failed, withdrawn), or the
    leave they approved was cancelled."""
    subject, title, intro = _APPROVER_TOLD[status]
    intro = intro.format(employee=request.employee_email)
    return _left_you(request, request.approver_email, subject, title, intro)
