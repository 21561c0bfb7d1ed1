"""The sandbox's own pages, server-rendered with a little CSS and vanilla JS: no build step.

Their stylesheet and the mailbox's script are files of `static/`, their HTML is in `templates/`,
rendered as the service's pages are (handlers/web/rendering.py, here through `PAGES`): every
value escaped unless it is markup the renderer made.

The decision page is not here: it is the decision handler's own, behind the decision URL.
"""

import json
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from markupsafe import Markup

from handlers.web.rendering import PageFiles, join
from sandbox.mailbox import ReceivedEmail

# The sandbox package's `static/` and `templates/`.
PAGES = PageFiles("sandbox")


def layout(title: str, content: Markup, head: Markup | None = None) -> str:
    page = PAGES.render(
        "page.html",
        title=title,
        style=PAGES.static_markup("sandbox.css"),
        head=head or "",
        content=content,
    )
    return str(page)


def home_page(submit_url: str, decision_url: str, token_url: str) -> str:
    """Where to go: the employees' app (the stack's own, as on AWS), the approvers' mailbox,
    the dashboard, and the same from a terminal."""
    # Monday to Friday of a week two weeks ahead (as the README's `date -d 'monday + 2 weeks'`):
    # 5 working days, leave the service takes, short enough for one approval.
    today = datetime.now(UTC).date()
    first_day = today + timedelta(days=(7 - today.weekday()) % 7 + 14)
    dates = {"start_date": first_day.isoformat(), "end_date": str(first_day + timedelta(days=4))}
    curl = (
        f"TOKEN=$(curl -s '{token_url}?email=employee@email.com' \\\n"
        "        | python3 -c 'import json, sys; print(json.load(sys.stdin)[\"token\"])')\n"
        'curl -X POST -H "Content-Type: application/json" -H "Authorization: Bearer $TOKEN" \\\n'
        f"     -d '{json.dumps(dates, separators=(',', ':'))}' \\\n"
        f"     {submit_url}"
    )
    content = PAGES.render(
        "home.html",
        submit_url=submit_url,
        decision_url=decision_url,
        token_url=token_url,
        curl=curl,
    )
    return layout("Leave approvals", content)


_URL = re.compile(r"https?://[^\s<>\"']+")


def _text_and_links(text: str) -> Iterator[str]:
    start = 0
    for url in _URL.finditer(text):
        yield text[start : url.start()]
        yield PAGES.render("mailbox/link.html", url=url.group(0))
        start = url.end()
    yield text[start:]


def linkify(text: str) -> Markup:
    """Escaped text whose URLs are links."""
    return join(_text_and_links(text))


def _email_card(email: ReceivedEmail) -> Markup:
    # Its HTML is shown in a sandboxed frame: no scripts, no same origin; links open in a new
    # tab (the template puts a `<base target=_blank>` before it).
    return PAGES.render(
        "mailbox/email.html",
        to=email.to,
        subject=email.subject,
        time=email.time,
        text=linkify(email.text),
        html=email.html,
    )


def mailbox_page(emails: list[ReceivedEmail], everyone: list[ReceivedEmail], to: str | None) -> str:
    counts = Counter(e.to for e in everyone)
    tabs = [
        PAGES.render(
            "mailbox/tab.html",
            href="/mailbox",
            current="" if to else "current",
            label="Everyone",
            count=len(everyone),
        )
    ]
    tabs += [
        PAGES.render(
            "mailbox/tab.html",
            href=f"/mailbox?{urlencode({'to': address})}",
            current="current" if to == address else "",
            label=address,
            count=count,
        )
        for address, count in sorted(counts.items())
    ]
    cards = join(_email_card(e) for e in reversed(emails)) or PAGES.render("mailbox/no_mail.html")
    content = PAGES.render(
        "mailbox/page.html",
        tabs=join(tabs),
        emails=cards,
        count=len(emails),
        script=PAGES.static_markup("mailbox.js"),
    )
    return layout(f"Mailbox of {to}" if to else "Mailbox", content)


def mailbox_json(emails: list[ReceivedEmail]) -> str:
    return json.dumps({"messages": [e.as_json() for e in emails]})


def not_found_page() -> str:
    return layout("Not found", PAGES.render("not_found.html"))
