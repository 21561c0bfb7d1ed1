"""The approver's pages behind the email link: the request, who else in the team is off on
its days, and its two choices; the check before a rejection, what happens next, and what went
wrong.

No script at all (the Content Security Policy allows none): a rejection is confirmed on a page
of its own, which works in every mail app's browser. Their HTML is `templates/page.html`
around `templates/decision/`.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from handlers.domain.date_style import day_words, moment_words
from handlers.domain.leave_request import DecisionPayload, LeaveRecord
from handlers.domain.statuses import LeaveStatus
from handlers.domain.team_leave import TeamLeave, TeamOverlap
from handlers.web.approver_briefing import after_decision, after_you_decide, why_with_you
from handlers.web.rendering import join, render, stylesheet
from handlers.web.wording import (
    LEAVE_TYPE_WORDS,
    OUTCOME_SIGNS,
    STATUS_WORDS,
    TEAM_LEAVE_WORDS,
    leave_dates,
    no_team_overlap,
    request_length_words,
    team_overlap_heading,
    team_unreadable_on_page,
)

if TYPE_CHECKING:
    from markupsafe import Markup

# The token travels in the URL: never leak it through a Referer (and the handler marks every
# answer `no-store`: http_responses.with_security_headers).
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}

COMMENT_LIMIT = 1000


def _page(title: str, content: Markup) -> str:
    body = render("decision/main.html", title=title, content=content)
    page = render("page.html", title=title, style=stylesheet(), who="for approvers", body=body)
    return str(page)


def _summary(record: LeaveRecord) -> Markup:
    rows = [
        ("Employee", record.employee_email),
        ("Type", LEAVE_TYPE_WORDS[record.leave_type]),
        ("Dates", request_length_words(record)),
        ("Reason", record.reason or "(none given)"),
        ("Submitted", moment_words(record.submitted_at)),
        ("Status", STATUS_WORDS[record.status]),
    ]
    cells = join(render("decision/summary_row.html", term=k, value=v) for k, v in rows)
    return render("decision/summary.html", rows=cells)


# Between a stretch's first and last day, as the app writes it.
_EN_DASH = "\u2013"


def _days_between(first: date, last: date) -> str:
    if first == last:
        return day_words(first)
    return f"{day_words(first)} {_EN_DASH} {day_words(last)}"


def _team_row(leave: TeamLeave) -> Markup:
    return render(
        "decision/team_row.html",
        employee=leave.employee_email,
        days=_days_between(leave.start, leave.end),
        status=leave.status.value,
        status_words=TEAM_LEAVE_WORDS[leave.status],
    )


def _team(team: TeamOverlap | None) -> Markup:
    """Who else in the team is off, or has asked to be, on the request's days (None: it could
    not be read)."""
    if team is None:
        message = render("decision/team_none.html", message=team_unreadable_on_page())
        return render("decision/team.html", heading=team_overlap_heading(None), leave=message)
    if team.leave:
        rows = join(_team_row(leave) for leave in team.leave)
        listed = render("decision/team_list.html", rows=rows)
    else:
        listed = render("decision/team_none.html", message=no_team_overlap(team.absent_approver))
    return render(
        "decision/team.html", heading=team_overlap_heading(team.absent_approver), leave=listed
    )


def _comment(label: str, value: str = "") -> Markup:
    return render("decision/comment.html", label=label, limit=COMMENT_LIMIT, value=value)


def _banner(status: LeaveStatus | None, text: str, element_id: str, role: str) -> Markup:
    """A banner in the tone of `status` (an outcome's own colour, with its sign and name, so
    it never rests on colour alone); `info` for a request still waiting, `error` without one."""
    if status is None or status not in OUTCOME_SIGNS:
        tone, sign, name = ("info" if status else "error"), "", ""
    else:
        tone, sign, name = f"tone-{status.value}", OUTCOME_SIGNS[status], STATUS_WORDS[status]
    label = render("decision/tone_label.html", sign=sign, status_name=name) if name else ""
    return render(
        "decision/banner.html", tone=tone, id=element_id, role=role, label=label, text=text
    )


def decision_form(
    record: LeaveRecord, token: str, team: TeamOverlap | None, over_days: int | None = None
) -> str:
    """The request, why it came to this approver, what follows their choice, the approver's
    people off or asking for the same days (`team`; None: they could not be read), and the
    choice. `over_days`: leave longer than this needs a second approval (None: one level)."""
    content = render(
        "decision/decide.html",
        employee=record.employee_email,
        why=why_with_you(record, over_days),
        after=after_you_decide(record, over_days),
        summary=_summary(record),
        team=_team(team),
        token=token,
        comment=_comment("Comment"),
    )
    return _page("Leave request to decide", content)


def reject_confirmation(record: LeaveRecord, token: str, comment: str | None) -> str:
    """The check before a rejection: the approver may say why, then confirm or go back."""
    content = render(
        "decision/confirm_reject.html",
        employee=record.employee_email,
        dates=leave_dates(record.start_date, record.end_date),
        token=token,
        comment=_comment("Why?", comment or ""),
    )
    return _page("Reject this leave?", content)


def decision_recorded(
    claim: DecisionPayload, record: LeaveRecord, over_days: int | None = None
) -> str:
    """What the approver sees once their decision went through (`record` as it was before),
    in the tone of where it leads."""
    after = after_decision(record, claim.decision, over_days)
    decided = "approved" if claim.decision.outcome is LeaveStatus.APPROVED else "rejected"
    dates = leave_dates(record.start_date, record.end_date)
    outcome = f"You {decided} the leave of {record.employee_email} {dates}."
    content = render(
        "decision/recorded.html",
        outcome=_banner(after.status, outcome, "outcome", "status"),
        next_step=after.next_step,
    )
    return _page(after.title, content)


def message_page(title: str, message: str, record: LeaveRecord | None = None) -> str:
    """Why the link cannot decide (now): in the tone of how the request ended, if it did."""
    summary = _summary(record) if record is not None else ""
    status = record.status if record is not None else None
    banner = _banner(status, message, "message", "alert" if status is None else "status")
    return _page(title, render("decision/message.html", banner=banner, summary=summary))
