"""The approver's pages behind the email link: the request and its two choices, the check
before a rejection, what happens next, and what went wrong.

No script at all (the Content Security Policy allows none): a rejection is confirmed on a page
of its own, which works in every mail app's browser.
"""

from datetime import date
from html import escape

from handlers.domain.leave_request import DecisionPayload, LeaveRecord
from handlers.web.style import STYLE
from handlers.web.wording import LEAVE_TYPE_WORDS, STATUS_WORDS

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


def _page(title: str, content: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<title>{escape(title)}</title><link rel="icon" href="data:,"><style>{STYLE}</style>'
        '</head><body><header class="bar"><div class="in"><strong>Leave requests</strong>'
        '<span class="muted">for approvers</span></div></header>'
        f"<main><h1>{escape(title)}</h1>{content}</main></body></html>"
    )


def _day(day: date) -> str:
    return f"{day:%a %d %b %Y}"


def _summary(record: LeaveRecord) -> str:
    rows = [
        ("Employee", record.employee_email),
        ("Type", LEAVE_TYPE_WORDS[record.leave_type]),
        ("First day", _day(record.start_date)),
        ("Last day", _day(record.end_date)),
        ("Days", str(record.days)),
        ("Reason", record.reason or "(none given)"),
        ("Submitted", f"{record.submitted_at:%d %b %Y %H:%M %Z}"),
        ("Status", STATUS_WORDS[record.status]),
    ]
    cells = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows)
    return f'<section class="card"><dl class="summary" id="request">{cells}</dl></section>'


def _hidden(token: str) -> str:
    return f'<input type="hidden" name="token" value="{escape(token, quote=True)}">'


def _comment(label: str, value: str = "") -> str:
    hint = '<span class="hint">(optional: the employee sees it)</span>'
    return (
        f'<label for="comment">{escape(label)} {hint}</label>'
        f'<textarea id="comment" name="comment" rows="3" maxlength="{COMMENT_LIMIT}">'
        f"{escape(value)}</textarea>"
    )


def decision_form(record: LeaveRecord, token: str) -> str:
    form = (
        '<form method="post" class="card">'
        f"{_hidden(token)}"
        f"{_comment('Comment')}"
        '<div class="actions">'
        '<button class="primary" type="submit" name="decision" value="approve">Approve</button>'
        '<button class="danger" type="submit" name="decision" value="reject">Reject…</button>'
        "</div></form>"
    )
    intro = (
        f"<p>{escape(record.employee_email)} asks for leave. Nothing changes until you choose.</p>"
    )
    return _page("Leave request to decide", intro + _summary(record) + form)


def reject_confirmation(record: LeaveRecord, token: str, comment: str | None) -> str:
    """The check before a rejection: the approver may say why, then confirm or go back."""
    form = (
        '<form method="post" class="card">'
        f"{_hidden(token)}"
        '<input type="hidden" name="confirmed" value="yes">'
        f"{_comment('Why?', comment or '')}"
        '<div class="actions">'
        '<button class="danger confirm" type="submit" name="decision" value="reject">'
        "Yes, reject</button>"
        f'<a class="button secondary" href="?token={escape(token, quote=True)}">Go back</a>'
        "</div></form>"
    )
    intro = (
        f'<p id="message">{escape(record.employee_email)} will be told by email that their leave '
        f"from {_day(record.start_date)} to {_day(record.end_date)} is rejected, and their dates "
        "become free again. This cannot be undone.</p>"
    )
    return _page("Reject this leave?", intro + form)


def decision_recorded(claim: DecisionPayload, record: LeaveRecord) -> str:
    word = "approved" if claim.decision.value == "approve" else "rejected"
    next_step = (
        "The dates are booked for them."
        if word == "approved"
        else "Their dates are free again; they may request other dates."
    )
    text = (
        f'<div class="banner info" id="outcome" role="status">You {word} the leave of '
        f"{escape(record.employee_email)} from {_day(record.start_date)} to "
        f"{_day(record.end_date)}.</div>"
        '<section class="card"><h2>What happens next</h2>'
        f"<p>{escape(record.employee_email)} gets an email now. {next_step} "
        "There is nothing else to do: you can close this page.</p></section>"
    )
    return _page(f"Leave {word}", text)


def message_page(title: str, message: str, record: LeaveRecord | None = None) -> str:
    content = f'<div class="banner error" id="message" role="alert">{escape(message)}</div>'
    if record is not None:
        content += _summary(record)
    return _page(title, content)
