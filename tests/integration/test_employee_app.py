"""The employees' app as the submit function serves it: the page to a browser (the same for
everyone, no request data in it), its script, and the list of the signed-in employee's requests."""

import json
import re
from typing import Any

import pytest

from handlers import submit
from handlers.gateways.token_verifier import TokenVerifier
from handlers.settings import submit_settings
from handlers.submit_routes import wiring as submit_wiring
from tests.integration.conftest import SEED_PAYLOAD, SUBMIT_URL, LeaveApp
from tests.support.dates import from_today
from tests.support.http_calls import HttpResponse, call, rest_api_event

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def _page(path: str) -> HttpResponse:
    return call(submit.handler, "GET", path, via=rest_api_event, headers=BROWSER)


def _config(page: HttpResponse) -> dict[str, object]:
    found = re.search(r'<script type="application/json" id="config">(.*?)</script>', page.body)
    assert found, page.body[:300]
    config: dict[str, object] = json.loads(found.group(1))
    return config


def test_a_browser_gets_the_app_configured_for_the_issuers_code_flow(leave_app: LeaveApp) -> None:
    page = _page("/")

    assert page.status == 200
    assert page.headers["content-type"].startswith("text/html")
    config = _config(page)
    hosted_sign_in = leave_app.issuer.hosted_sign_in_url
    assert config["base_url"] == SUBMIT_URL
    assert config["client_id"] == leave_app.issuer.audience
    # Found in the issuer's discovery document, as with Cognito or the company's IdP.
    assert config["authorization_endpoint"] == f"{hosted_sign_in}/oauth2/authorize"
    assert config["token_endpoint"] == f"{hosted_sign_in}/oauth2/token"
    assert f'src="{SUBMIT_URL}app.js"' in page.body
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "connect-src 'self' http://127.0.0.1:" in policy
    assert "frame-ancestors 'none'" in policy
    assert page.headers["cache-control"] == "no-store"


def test_the_pages_words_come_from_the_domain(leave_app: LeaveApp) -> None:
    wording = _config(_page("/"))["wording"]
    assert isinstance(wording, dict)
    assert wording["statuses"]["pending"] == "Waiting for a decision"
    assert set(wording["leave_types"]) == {
        "annual", "sick", "unpaid", "parental", "bereavement", "other",
    }  # fmt: skip
    assert wording["fields"]["end_date"] == "Last day"


def test_a_status_link_opens_the_app_in_a_browser_without_the_requests_data(
    leave_app: LeaveApp,
) -> None:
    request_id = leave_app.submit({**SEED_PAYLOAD, "reason": "Secret surgery"}).json()["request_id"]

    page = _page(f"/requests/{request_id}")

    # No token in a browser's first visit: the page is the app, which signs in and then asks
    # the API (with the token) for the request.
    assert page.status == 200
    assert "Secret surgery" not in page.body
    assert SEED_PAYLOAD["employee_email"] not in page.body
    api = call(submit.handler, "GET", f"/requests/{request_id}", via=rest_api_event)
    assert api.status == 401


def test_the_script_is_served_from_the_apis_own_origin(leave_app: LeaveApp) -> None:
    script = call(submit.handler, "GET", "/app.js", via=rest_api_event)
    assert script.status == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert "code_challenge_method: 'S256'" in script.body


def test_an_api_client_still_gets_json_where_a_browser_gets_the_page(leave_app: LeaveApp) -> None:
    answer = call(submit.handler, "GET", "/", via=rest_api_event)
    assert answer.status == 404
    assert "POST /" in answer.json()["message"]


def test_an_employee_lists_their_own_requests_latest_first(leave_app: LeaveApp) -> None:
    first = leave_app.submit(
        {**SEED_PAYLOAD, "start_date": from_today(86), "end_date": from_today(87)}
    ).json()["request_id"]
    second = leave_app.submit(
        {**SEED_PAYLOAD, "start_date": from_today(121), "end_date": from_today(122)}
    ).json()["request_id"]
    someone = "someone@email.com"
    leave_app.submit({**SEED_PAYLOAD, "employee_email": someone}, as_=someone)

    mine = call(
        submit.handler,
        "GET",
        "/requests",
        via=rest_api_event,
        headers=leave_app.signed_in(SEED_PAYLOAD["employee_email"]),
    )

    assert mine.status == 200
    listed = mine.json()["requests"]
    assert [r["request_id"] for r in listed] == [second, first]
    assert {r["employee_email"] for r in listed} == {SEED_PAYLOAD["employee_email"]}
    assert "callback_id" not in listed[0]
    unsigned = call(submit.handler, "GET", "/requests", via=rest_api_event)
    assert unsigned.status == 401


def test_an_issuer_out_of_reach_is_a_503_with_retry_after_not_a_broken_page(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    unreachable = TokenVerifier("http://127.0.0.1:9/oidc", leave_app.issuer.audience)
    monkeypatch.setattr(submit_wiring, "verifier", lambda: unreachable)

    page = _page("/")

    assert page.status == 503
    assert page.headers["retry-after"]
    assert "retry shortly" in page.json()["message"]


HOSTILE_HOST = 'evil.example"><script>alert(1)</script>'


def test_a_hostile_host_header_is_nowhere_in_what_the_service_answers(
    leave_app: LeaveApp,
) -> None:
    # Every URL comes from the stack's configured address, whatever Host the request names.
    hostile = {"host": HOSTILE_HOST, "headers": {"Host": HOSTILE_HOST, **BROWSER}}
    page = call(submit.handler, "GET", "/", via=rest_api_event, **hostile)
    assert page.status == 200
    assert "evil.example" not in page.body
    assert f'<script src="{SUBMIT_URL}app.js" defer></script>' in page.body

    who = SEED_PAYLOAD["employee_email"]
    signed_in = {"host": HOSTILE_HOST, "headers": leave_app.signed_in(who, {"Host": HOSTILE_HOST})}
    submitted = call(
        submit.handler, "POST", "/", via=rest_api_event, json=SEED_PAYLOAD, **signed_in
    )
    assert submitted.status == 202, submitted.body
    assert submitted.json()["status_url"].startswith(SUBMIT_URL)
    feed = call(submit.handler, "GET", "/calendar", via=rest_api_event, **signed_in)
    assert feed.json()["url"].startswith(f"{SUBMIT_URL}calendar/")


HSTS = "max-age=31536000; includeSubDomains"


def test_every_private_answer_is_never_stored_and_keeps_browsers_on_https(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    who = SEED_PAYLOAD["employee_email"]
    request_id = leave_app.submit(SEED_PAYLOAD).json()["request_id"]

    def get(path: str, **kwargs: Any) -> HttpResponse:
        return call(submit.handler, "GET", path, via=rest_api_event, **kwargs)

    signed_in = {"headers": leave_app.signed_in(who)}
    answers = {
        "the app": _page("/"),
        "a request": get(f"/requests/{request_id}", **signed_in),
        "the list": get("/requests", **signed_in),
        "the feed's address": get("/calendar", **signed_in),
        "a 401": get("/requests"),
        "a 404": get("/nowhere"),
        "a 413": call(submit.handler, "POST", "/", via=rest_api_event, body="x" * 5000),
    }
    answers["the feed"] = get(answers["the feed's address"].json()["url"].split("/live", 1)[1])
    for what, answer in answers.items():
        assert answer.headers.get("cache-control") == "no-store", what
        assert answer.headers.get("strict-transport-security") == HSTS, what
    # The script is the same for everyone: caches may keep it a while.
    script = get("/app.js")
    assert script.headers["cache-control"] == "public, max-age=300"
    assert script.headers["strict-transport-security"] == HSTS

    # Served over plain HTTP (the sandbox): no HSTS, still never stored.
    monkeypatch.setenv("SUBMIT_URL", "http://127.0.0.1:8001/live/")
    submit_settings.cache_clear()
    plain = get("/requests", **signed_in)
    assert plain.status == 200
    assert plain.headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in plain.headers
