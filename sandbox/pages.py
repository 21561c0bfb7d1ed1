"""The sandbox's own pages, server-rendered with a little CSS and vanilla JS: no build step.

The decision page is not here: it is the decision handler's own, behind the decision URL.
"""

import json
import re
from collections import Counter
from html import escape
from urllib.parse import urlencode

from sandbox.mailbox import ReceivedEmail

_STYLE = """
body{font-family:system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#0b5cad;color:#fff;padding:.6em 1.2em;display:flex;gap:1.4em;align-items:center}
header a{color:#fff;text-decoration:none;font-weight:600}header .brand{font-size:1.1em}
main{max-width:60em;margin:1.5em auto;padding:0 1em}
.card{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:1em 1.2em;margin:0 0 1em}
label{display:block;margin:.6em 0 .2em;font-weight:600}
input,select,textarea{font:inherit;padding:.35em;width:100%;box-sizing:border-box}
button{font:inherit;padding:.5em 1.2em;margin-top:1em;background:#0b5cad;color:#fff;border:0;
border-radius:4px;cursor:pointer}
pre{white-space:pre-wrap;word-break:break-word;background:#f6f7f9;padding:.6em}
code{background:#eef0f3;padding:0 .3em}.muted{color:#5b6472;font-size:.9em}
.tabs a{margin-right:1em}.tabs a.current{font-weight:700}
iframe{width:100%;height:22em;border:1px solid #dde1e7;background:#fff}
.tiles{display:flex;flex-wrap:wrap;gap:.8em}
.widgets{display:grid;grid-template-columns:repeat(auto-fill,minmax(18em,1fr));gap:1em}
.widget h3{margin:0 0 .5em;font-size:1em}.widget table{font-size:.8em;width:100%}
.widget:last-child{grid-column:1/-1}
.tile{flex:1 1 8em;background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:.8em}
.tile .value{font-size:2em;font-weight:700}
.error{color:#a11}
"""


def layout(title: str, content: str, head: str = "") -> str:
    nav = "".join(
        f'<a href="{href}">{label}</a>'
        for href, label in (("/", "Submit"), ("/mailbox", "Mailbox"), ("/dashboard", "Dashboard"))
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)} · leave approvals sandbox</title><style>{_STYLE}</style>{head}"
        f'</head><body><header><span class="brand">Leave approvals · sandbox</span>{nav}</header>'
        f"<main><h1>{escape(title)}</h1>{content}</main></body></html>"
    )


_SUBMIT_SCRIPT = """
const form = document.getElementById('leave-form');
const result = document.getElementById('result');
const who = document.getElementById('who');
const signedOut = document.getElementById('signed-out');
const signedIn = document.getElementById('signed-in');
let token = sessionStorage.getItem('leave-token');

function show() {
  const email = sessionStorage.getItem('leave-email');
  signedIn.hidden = !token; signedOut.hidden = !!token; form.hidden = !token;
  who.textContent = email || '';
}

async function signIn(email) {
  const response = await fetch(TOKEN_URL + '?' + new URLSearchParams({email}));
  const answer = await response.json();
  if (!response.ok) { result.textContent = answer.message; return; }
  token = answer.token;
  sessionStorage.setItem('leave-token', token);
  sessionStorage.setItem('leave-email', email.trim().toLowerCase());
  result.textContent = 'Nothing submitted yet.';
  show();
}

document.getElementById('sign-in').addEventListener('submit', (event) => {
  event.preventDefault();
  signIn(document.getElementById('sign-in-email').value);
});
for (const button of document.querySelectorAll('button[data-email]')) {
  button.addEventListener('click', () => signIn(button.dataset.email));
}
document.getElementById('sign-out').addEventListener('click', () => {
  sessionStorage.clear(); token = null; show();
});

async function callApi(url, options = {}) {
  const headers = {...(options.headers || {}), Authorization: `Bearer ${token}`};
  return fetch(url, {...options, headers});
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const body = Object.fromEntries(new FormData(form));
  if (!body.reason) delete body.reason;
  result.textContent = 'Sending…';
  try {
    const response = await callApi(SUBMIT_URL, {
      method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body),
    });
    const answer = await response.json();
    result.replaceChildren();
    const status = document.createElement('p');
    status.id = 'outcome';
    status.textContent = `${response.status}: ` + (answer.request_id
      ? `request ${answer.request_id} is ${answer.status}.`
      : answer.message + ' '
        + (answer.errors || []).map(e => `${e.field} ${e.problem}`).join('; '));
    status.className = response.ok ? '' : 'error';
    result.append(status);
    if (answer.status_url) {
      const check = document.createElement('button');
      check.id = 'status-check'; check.type = 'button'; check.textContent = 'Check its status';
      const shown = document.createElement('pre');
      check.addEventListener('click', async () => {
        const current = await callApi(answer.status_url);
        shown.textContent = JSON.stringify(await current.json(), null, 2);
      });
      const mailbox = document.createElement('a');
      mailbox.id = 'mailbox-link'; mailbox.href = '/mailbox';
      mailbox.textContent = 'Open the mailbox to decide it as the approver';
      result.append(check, document.createTextNode(' · '), mailbox, shown);
    }
  } catch (error) {
    result.textContent = 'The submit URL did not answer: ' + error;
  }
});
show();
"""


def home_page(submit_url: str, decision_url: str, token_url: str, people: list[str]) -> str:
    types = "".join(
        f'<option value="{t}">{t.capitalize()}</option>'
        for t in ("annual", "sick", "unpaid", "parental", "bereavement", "other")
    )
    curl = (
        f"TOKEN=$(curl -s '{token_url}?email=employee@email.com' \\\n"
        "        | python3 -c 'import json, sys; print(json.load(sys.stdin)[\"token\"])')\n"
        'curl -X POST -H "Content-Type: application/json" -H "Authorization: Bearer $TOKEN" \\\n'
        '     -d \'{"start_date":"2026-01-10","end_date":"2026-01-20"}\' \\\n'
        f"     {submit_url}"
    )
    choices = " ".join(
        f'<button type="button" data-email="{escape(p, quote=True)}">{escape(p)}</button>'
        for p in people
    )
    sign_in = f"""
<div id="signed-out" class="card">
  <p>Sign in first: the sandbox's local identity provider signs in anyone at an allowed domain.</p>
  <p>{choices}</p>
  <form id="sign-in"><label for="sign-in-email">Or any address</label>
  <input id="sign-in-email" type="email" required placeholder="you@email.com">
  <button id="sign-in-submit" type="submit">Sign in</button></form>
</div>
<p id="signed-in" class="card" hidden>Signed in as <b id="who"></b>
  <button id="sign-out" type="button">Sign out</button></p>"""
    form = f"""{sign_in}
<form id="leave-form" class="card" hidden>
  <label for="start_date">From</label>
  <input id="start_date" name="start_date" type="date" value="2026-01-10" required>
  <label for="end_date">To</label>
  <input id="end_date" name="end_date" type="date" value="2026-01-20" required>
  <label for="leave_type">Leave</label><select id="leave_type" name="leave_type">{types}</select>
  <label for="reason">Reason (optional)</label>
  <textarea id="reason" name="reason" rows="2" maxlength="500"></textarea>
  <button id="submit" type="submit">Submit the request</button>
</form>
<div id="result" class="card" aria-live="polite">Nothing submitted yet.</div>
<div class="card"><p>The same from a terminal:</p><pre>{escape(curl)}</pre>
<p class="muted">Submit URL <code>{escape(submit_url)}</code> · decision URL
<code>{escape(decision_url)}</code>. Every address at email.com is allowed; requests go to
<code>manager@email.com</code> unless the directory names another approver.</p></div>
<script>const SUBMIT_URL = {json.dumps(submit_url)}; const TOKEN_URL = {json.dumps(token_url)};
{_SUBMIT_SCRIPT}</script>"""  # noqa: S608
    return layout("Ask for leave", form)


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
