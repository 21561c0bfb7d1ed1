"""Each person's private calendar feed: their approved leave and the leave they approved."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from icalendar import Calendar

from handlers import submit
from tests.integration.conftest import DEFAULT_APPROVER, SEED_PAYLOAD, LeaveApp
from tests.support.http_calls import HttpResponse, call, rest_api_event

EMPLOYEE = SEED_PAYLOAD["employee_email"]
SOON = datetime.now(UTC).date() + timedelta(days=10)


def _feed_url(app: LeaveApp, who: str) -> str:
    answer = call(
        submit.handler, "GET", "/calendar", via=rest_api_event, headers=app.signed_in(who)
    )
    assert answer.status == 200, answer.body
    url: str = answer.json()["url"]
    return url


def _fetch(url: str) -> HttpResponse:
    # No sign-in: a calendar app has only the URL.
    return call(submit.handler, "GET", url.split("/live", 1)[1], via=rest_api_event)


def _events(url: str) -> dict[str, dict[str, Any]]:
    answer = _fetch(url)
    assert answer.status == 200, answer.body
    assert answer.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(answer.body)
    return {
        str(event["summary"]): {
            "start": event.decoded("dtstart"),
            "end": event.decoded("dtend"),
            "uid": str(event["uid"]),
        }
        for event in calendar.walk("VEVENT")
    }


def _decided(app: LeaveApp, start: date, days: int, choice: str, **extra: str) -> str:
    end = start + timedelta(days=days - 1)
    body = {**SEED_PAYLOAD, "start_date": start.isoformat(), "end_date": end.isoformat(), **extra}
    request_id: str = app.submit(body).json()["request_id"]
    if choice != "wait":
        assert app.decide(app.decision_link(request_id), choice).status == 200
        app.wait_until_final(request_id)
    return request_id


def test_approved_leave_is_in_the_employees_feed_and_their_approvers(leave_app: LeaveApp) -> None:
    approved = _decided(leave_app, SOON, 3, "approve", leave_type="sick")
    _decided(leave_app, SOON + timedelta(days=7), 1, "reject")
    _decided(leave_app, SOON + timedelta(days=14), 1, "wait")

    mine = _events(_feed_url(leave_app, EMPLOYEE))
    assert mine == {
        "Sick leave": {
            "start": SOON,
            # All day, the last day included: DTEND is the day after.
            "end": SOON + timedelta(days=3),
            "uid": f"{approved}@leave-approvals",
        }
    }
    team = _events(_feed_url(leave_app, DEFAULT_APPROVER))
    assert list(team) == [f"{EMPLOYEE}: Sick leave"]
    # Someone else's feed has none of it.
    assert _events(_feed_url(leave_app, "mallory@email.com")) == {}


def test_cancelled_leave_leaves_both_feeds(leave_app: LeaveApp) -> None:
    request_id = _decided(leave_app, SOON, 2, "approve")
    mine, team = _feed_url(leave_app, EMPLOYEE), _feed_url(leave_app, DEFAULT_APPROVER)
    assert len(_events(mine)) == len(_events(team)) == 1

    assert leave_app.act(request_id, "cancel", as_=EMPLOYEE).status == 200
    assert _events(mine) == {}
    assert _events(team) == {}


def test_a_feed_url_is_the_secret_and_a_forged_one_opens_nothing(leave_app: LeaveApp) -> None:
    url = _feed_url(leave_app, EMPLOYEE)
    assert url.endswith(".ics")
    assert _feed_url(leave_app, EMPLOYEE) == url, "a person's feed keeps its address"
    secret = url.rsplit("/", 1)[1].removesuffix(".ics")
    name, _, signature = secret.partition(".")
    forged = url.replace(signature, signature[:-1] + ("A" if signature[-1] != "A" else "B"))
    for bad in (forged, url.replace(name, "bWFsbG9yeUBlbWFpbC5jb20"), url.rsplit(".", 2)[0]):
        answer = _fetch(bad)
        assert answer.status == 404, bad
        assert "no calendar here" in answer.json()["message"]
    anonymous = call(submit.handler, "GET", "/calendar", via=rest_api_event)
    assert anonymous.status == 401
