"""The sandbox's own pages: their files rendered as the service's are, every value escaped."""

import re
from pathlib import Path
from urllib.parse import urlencode

from components.app_client import employees_app_client
from sandbox.hosted_sign_in import HostedSignIn, UserDirectory
from sandbox.http_server import Request
from sandbox.mailbox import ReceivedEmail
from sandbox.oidc_issuer import LocalIssuer
from sandbox.pages import PAGES, mailbox_page, not_found_page

SANDBOX = Path(__file__).resolve().parents[2] / "sandbox"
HOSTILE = "<script>alert(\"x\")</script> & 'quoted'"
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;quoted&#39;"
APP = "http://127.0.0.1:8001/live/"


def _email(**fields: str) -> ReceivedEmail:
    defaults = {
        "to": "manager@email.com",
        "subject": "Leave to approve",
        "text": "Decide at http://127.0.0.1:8002/?token=t-1 please.",
        "html": "<p>Decide</p>",
        "sent_at": "Sun, 06 Dec 2026 21:21:41 +0000",
        "message_id": "m-1",
    }
    return ReceivedEmail(**(defaults | fields))


def test_a_hostile_email_is_shown_escaped_in_the_mailbox() -> None:
    hostile = _email(
        to=f"{HOSTILE}@email.com",
        subject=HOSTILE,
        text=f"{HOSTILE}\nDecide at http://127.0.0.1:8002/?token=t-1&a=2 please.",
        html=f"<p>{HOSTILE}</p>",
    )

    page = mailbox_page([hostile], [hostile, _email()], to=hostile.to)

    # The only script is the page's own, and what the email said is text.
    assert page.count("<script") == 1
    assert "<script>alert" not in page
    assert f"<h3>{ESCAPED}</h3>" in page
    assert f'data-to="{ESCAPED}@email.com"' in page
    assert f"<title>Mailbox of {ESCAPED}@email.com · leave approvals sandbox</title>" in page
    assert f'<pre class="text">{ESCAPED}\nDecide at <a href=' in page
    # Its URLs are still links (the `&` escaped in the attribute, as it must be).
    assert (
        '<a href="http://127.0.0.1:8002/?token=t-1&amp;a=2">'
        "http://127.0.0.1:8002/?token=t-1&amp;a=2</a> please.</pre>"
    ) in page
    # Its HTML goes whole into the sandboxed frame's srcdoc: escaped once, as an attribute.
    assert f'srcdoc="&lt;base target=_blank&gt;&lt;p&gt;{ESCAPED}&lt;/p&gt;"' in page
    # The tabs name every recipient, escaped, and link to each one's mail.
    assert f'href="/mailbox?{urlencode({"to": hostile.to})}"' in page.replace("&amp;", "&")
    assert f"{ESCAPED}@email.com (1)</a>" in page


def test_the_mailbox_refreshes_itself_with_the_script_of_its_own_file() -> None:
    page = mailbox_page([_email(), _email()], [_email(), _email()], None)

    script = (SANDBOX / "static" / "mailbox.js").read_text()
    assert f'<script data-count="2">{script}</script>' in page
    assert "location.reload()" in script
    assert 'class="current">Everyone (2)</a>' in page
    empty = mailbox_page([], [], None)
    assert '<p class="card">No mail yet: submit a request first.</p>' in empty
    assert 'data-count="0"' in empty


def test_a_hostile_sign_in_is_shown_escaped(tmp_path: Path) -> None:
    sign_in = HostedSignIn(
        LocalIssuer.in_directory(
            tmp_path, "http://127.0.0.1:8000/oidc", "client-1", "http://127.0.0.1:8000/auth"
        ),
        employees_app_client(APP),
        UserDirectory(("email.com",), ("a@email.com", HOSTILE)),
    )
    params = {
        "response_type": "code",
        "client_id": "client-1",
        "redirect_uri": APP,
        "state": HOSTILE,
        "code_challenge": "c",
        "code_challenge_method": "S256",
        # What someone typed: refused, and never put in the page as markup.
        "email": f"{HOSTILE}@email.com",
    }
    request = Request("GET", "/auth/oauth2/authorize", urlencode(params), [], b"", "127.0.0.1")

    answer = sign_in.handle(request)

    page = answer.body.decode()
    assert answer.status == 422
    assert "<script" not in page
    assert '<p class="error" role="alert">Enter an address at email.com' in page
    # The other parameters travel on in both forms, escaped; the typed address does not.
    assert page.count(f'<input type="hidden" name="state" value="{ESCAPED}">') == 2
    assert f"{ESCAPED}@email.com" not in page
    assert f'<button type="submit" name="email" value="{ESCAPED}">{ESCAPED}</button>' in page
    assert (SANDBOX / "static" / "sign_in.css").read_text() in page


def test_every_sandbox_template_renders_with_its_placeholders_escaped() -> None:
    templates = sorted((SANDBOX / "templates").rglob("*.html"))
    assert templates
    for path in templates:
        name = path.relative_to(SANDBOX / "templates").as_posix()
        placeholders = set(re.findall(r"\$(\w+)", path.read_text()))
        html = PAGES.render(name, **{key: f"<{key}>" for key in placeholders})
        assert "$" not in html, name
        for key in placeholders:
            assert f"&lt;{key}&gt;" in html, (name, key)


def test_the_not_found_page_has_the_sandboxs_style_and_links() -> None:
    page = not_found_page()

    assert (SANDBOX / "static" / "sandbox.css").read_text() in page
    assert '<a href="/mailbox">Mailbox</a>' in page
    assert "<h1>Not found</h1>" in page
