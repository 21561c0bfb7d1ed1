"""The small HTML pages of the decision endpoint."""

from html import escape

from handlers.domain.leave_request import DecisionPayload, LeaveRecord

# The token travels in the URL: never leak it through a Referer, never cache the page.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}

_STYLE = (
    "body{font-family:sans-serif;max-width:36em;margin:2em auto;padding:0 1em}"
    "th{text-align:left;padding:4px 12px 4px 0}textarea{width:100%}"
    "button{padding:8px 16px;margin-right:8px;font-size:1em}"
)


def _page(title: str, content: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{content}</body></html>"
    )


def _summary(record: LeaveRecord) -> str:
    rows = [
        ("Employee", record.employee_email),
        ("Leave", record.leave_type.value.capitalize()),
        ("From", record.start_date.isoformat()),
        ("To", record.end_date.isoformat()),
        ("Days", str(record.days)),
        ("Reason", record.reason or "(none given)"),
        ("Submitted", f"{record.submitted_at:%Y-%m-%d %H:%M %Z}"),
        ("Status", record.status.value),
    ]
    cells = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    return f'<table id="request">{cells}</table>'


def decision_form(record: LeaveRecord, token: str) -> str:
    form = (
        '<form method="post">'
        f'<input type="hidden" name="token" value="{escape(token, quote=True)}">'
        '<p><label for="comment">Comment (optional, the employee sees it)</label><br>'
        '<textarea id="comment" name="comment" rows="3" maxlength="1000"></textarea></p>'
        '<button type="submit" name="decision" value="approve">Approve</button>'
        '<button type="submit" name="decision" value="reject">Reject</button>'
        "</form>"
    )
    return _page("Leave request to decide", _summary(record) + form)


def decision_recorded(claim: DecisionPayload, record: LeaveRecord) -> str:
    word = "approved" if claim.decision.value == "approve" else "rejected"
    text = (
        f'<p id="outcome">You {word} the leave of {escape(record.employee_email)} from '
        f"{record.start_date.isoformat()} to {record.end_date.isoformat()}. "
        "They will be told by email.</p>"
    )
    return _page(f"Leave {word}", text)


def message_page(title: str, message: str, record: LeaveRecord | None = None) -> str:
    content = f'<p id="message">{escape(message)}</p>'
    if record is not None:
        content += _summary(record)
    return _page(title, content)
