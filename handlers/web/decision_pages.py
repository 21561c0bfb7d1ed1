"""The approver's pages behind the email link: the request and its two choices, the check
before a rejection, what happens next, and what went wrong.

No script at all (the Content Security Policy allows none): a rejection is confirmed on a page
of its own, which works in every mail app's browser. Their HTML is `templates/page.html`
around `templates/decision/`.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from handlers.domain.leave_request import DecisionPayload, LeaveRecord
from handlers.web.rendering import join, render, stylesheet
from handlers.web.wording import LEAVE_TYPE_WORDS, STATUS_WORDS, counted_days_words

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


def _day(day: date) -> str:
    return f"{day:%a %d %b %Y}"


def _summary(record: LeaveRecord) -> Markup:
    rows = [
        ("Employee", record.employee_email),
        ("Type", LEAVE_TYPE_WORDS[record.leave_type]),
        ("First day", _day(record.start_date)),
        ("Last day", _day(record.end_date)),
        ("Days", counted_days_words(record.days, record.working_days is not None)),
        ("Reason", record.reason or "(none given)"),
        ("Submitted", f"{record.submitted_at:%d %b %Y %H:%M %Z}"),
        ("Status", STATUS_WORDS[record.status]),
    ]
    cells = join(render("decision/summary_row.html", term=k, value=v) for k, v in rows)
    return render("decision/summary.html", rows=cells)


def _comment(label: str, value: str = "") -> Markup:
    return render("decision/comment.html", label=label, limit=COMMENT_LIMIT, value=value)


def decision_form(record: LeaveRecord, token: str) -> str:
    content = render(
        "decision/decide.html",
        employee=record.employee_email,
        summary=_summary(record),
        token=token,
        comment=_comment("Comment"),
    )
    return _page("Leave request to decide", content)


def reject_confirmation(record: LeaveRecord, token: str, comment: str | None) -> str:
    """The check before a rejection: the approver may say why, then confirm or go back."""
    content = render(
        "decision/confirm_reject.html",
        employee=record.employee_email,
        first_day=_day(record.start_date),
        last_day=_day(record.end_date),
        token=token,
        comment=_comment("Why?", comment or ""),
    )
    return _page("Reject this leave?", content)


def decision_recorded(claim: DecisionPayload, record: LeaveRecord) -> str:
    word = "approved" if claim.decision.value == "approve" else "rejected"
    next_step = (
        "The dates are booked for them."
        if word == "approved"
        else "Their dates are free again; they may request other dates."
    )
    content = render(
        "decision/recorded.html",
        decided=word,
        employee=record.employee_email,
        first_day=_day(record.start_date),
        last_day=_day(record.end_date),
        next_step=next_step,
    )
    return _page(f"Leave {word}", content)


def message_page(title: str, message: str, record: LeaveRecord | None = None) -> str:
    summary = _summary(record) if record is not None else ""
    return _page(title, render("decision/message.html", message=message, summary=summary))
