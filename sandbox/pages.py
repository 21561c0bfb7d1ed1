"""The sandbox's own pages, server-rendered with a little CSS and vanilla JS: no build step.

The decision page is not here: it is the decision handler's own, behind the decision URL.
"""

import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from html import escape
from urllib.parse import urlencode

from sandbox.mailbox import ReceivedEmail

_STYLE = """
body{font-family:system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#0b5cad;color:#fff;padding:.6em 1.2em;display:flex;gap:.6em 1.4em;
align-items:center;flex-wrap:wrap}
header a{color:#fff;text-decoration:none;font-weight:600}header .brand{font-size:1.1em}
main{max-width:60em;margin:1.5em auto;padding:0 1em}
.card{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:1em 1.2em;margin:0 0 1em}
label{display:block;margin:.6em 0 .2em;font-weight:600}
input,select,textarea{font:inherit;padding:.35em;width:100%;box-sizing:border-box}
button,a.button{font:inherit;padding:.5em 1.2em;margin-top:1em;background:#0b5cad;color:#fff;
border:0;border-radius:4px;cursor:pointer;display:inline-block;text-decoration:none}
pre{white-space:pre-wrap;word-break:break-word;background:#f6f7f9;padding:.6em}
code{background:#eef0f3;padding:0 .3em}.muted{color:#5b6472;font-size:.9em}
.tabs a{margin-right:1em}.tabs a.current{font-weight:700}
iframe{width:100%;height:22em;border:1px solid #dde1e7;background:#fff}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(8.5em,1fr));gap:.8em}
.widgets{display:grid;grid-template-columns:repeat(auto-fill,minmax(18em,1fr));gap:1em}
.widget h3{margin:0 0 .5em;font-size:1em}.widget table{font-size:.8em;width:100%}
.widget:last-child{grid-column:1/-1}
.tile{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:.8em}
.tile .value{font-size:2em;font-weight:700}
.error{color:#a11}
"""


def layout(title: str, content: str, head: str = "") -> str:
    nav = "".join(
        f'<a href="{href}">{label}</a>'
        for href, label in (("/", "Home"), ("/mailbox", "Mailbox"), ("/dashboard", "Dashboard"))
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)} · leave approvals sandbox</title><style>{_STYLE}</style>{head}"
        f'</head><body><header><span class="brand">Leave approvals · sandbox</span>{nav}</header>'
        f"<main><h1>{escape(title)}</h1>{content}</main></body></html>"
    )


def home_page(submit_url: str, decision_url: str, token_url: str) -> str:
    """Where to go: the employees' app (the stack's own, as on AWS), the approvers' mailbox,
    the dashboard, and the same from a terminal."""
    # Five days, two weeks from today: leave the service takes, short enough for one approval.
    first_day = datetime.now(UTC).date() + timedelta(days=14)
    dates = {"start_date": first_day.isoformat(), "end_date": str(first_day + timedelta(days=4))}
    curl = (
        f"TOKEN=$(curl -s '{token_url}?email=employee@email.com' \\\n"
        "        | python3 -c 'import json, sys; print(json.load(sys.stdin)[\"token\"])')\n"
        'curl -X POST -H "Content-Type: application/json" -H "Authorization: Bearer $TOKEN" \\\n'
        f"     -d '{json.dumps(dates, separators=(',', ':'))}' \\\n"
        f"     {submit_url}"
    )
    content = f"""
<div class="card"><h2>Employees</h2>
<p>Sign in, request leave and follow your requests in the employees' app: the same pages the
stack serves on AWS, signing in at the sandbox's own identity provider.</p>
<p><a id="app-link" class="button" href="{escape(submit_url, quote=True)}">Open the employees'
app</a></p></div>
<div class="card"><h2>Approvers</h2>
<p>Every email the service sends lands in the <a id="mailbox-link" href="/mailbox">mailbox</a>;
an approver decides through the link in theirs. Requests go to <code>manager@email.com</code>
unless the directory names another approver.</p></div>
<div class="card"><h2>Operators</h2>
<p>The <a href="/dashboard">dashboard</a> is the CloudWatch dashboard's own definition, drawn
from the local metrics.</p></div>
<div class="card"><h2>From a terminal</h2><pre>{escape(curl)}</pre>
<p class="muted">Submit URL <code>{escape(submit_url)}</code> · decision URL
<code>{escape(decision_url)}</code> · sign-in for scripts <code>{escape(token_url)}</code>.
Every address at email.com is allowed.</p></div>"""
    return layout("Leave approvals", content)


_URL = re.compile(r"https?://[^\s<>\"']+")


def linkify(text: str) -> str:
    """Escaped text whose URLs are links."""
    escaped = escape(text, quote=True)
    return _URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)


_REFRESH_SCRIPT = """
let seen = COUNT;
setInterval(async () => {
  const response = await fetch(location.href, {headers: {Accept: 'application/json'}});
  if (response.ok && (await response.json()).messages.length !== seen) location.reload();
}, 2000);
"""


def _email_card(email: ReceivedEmail) -> str:
    return (
        f'<article class="card email" data-to="{escape(email.to, quote=True)}">'
        f"<h3>{escape(email.subject)}</h3>"
        f'<p class="muted">To <b>{escape(email.to)}</b> · {escape(email.time)}</p>'
        f'<pre class="text">{linkify(email.text)}</pre>'
        "<details><summary>As HTML</summary>"
        # No scripts, no same origin: links open in a new tab.
        f'<iframe sandbox="allow-popups allow-popups-to-escape-sandbox" '
        f'srcdoc="{escape("<base target=_blank>" + email.html, quote=True)}"></iframe>'
        "</details></article>"
    )


def mailbox_page(emails: list[ReceivedEmail], everyone: list[ReceivedEmail], to: str | None) -> str:
    counts = Counter(e.to for e in everyone)
    tabs = [f'<a href="/mailbox" class="{"" if to else "current"}">Everyone ({len(everyone)})</a>']
    tabs += [
        f'<a href="/mailbox?{urlencode({"to": address})}" '
        f'class="{"current" if to == address else ""}">{escape(address)} ({count})</a>'
        for address, count in sorted(counts.items())
    ]
    cards = "".join(_email_card(e) for e in reversed(emails)) or (
        '<p class="card">No mail yet: submit a request first.</p>'
    )
    content = (
        f'<p class="muted">What the local SES delivered, newest first.</p>'
        f'<nav class="card tabs">{"".join(tabs)}</nav>{cards}'
        f"<script>const COUNT = {len(emails)};{_REFRESH_SCRIPT}</script>"
    )
    return layout(f"Mailbox of {to}" if to else "Mailbox", content)


def mailbox_json(emails: list[ReceivedEmail]) -> str:
    return json.dumps({"messages": [e.as_json() for e in emails]})


def not_found_page() -> str:
    return layout("Not found", '<p class="card">Nothing here: try the links above.</p>')
