"""Each person's private calendar feed: their approved leave and the leave they approved,
behind an address that is a random secret of theirs, which they may replace."""

import base64
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
from icalendar import Calendar

from handlers import submit
from handlers.logic.leave_feeds import FEED_AHEAD, feed_secret, replace_feed_secret
from handlers.storage.feed_secrets import DynamoDbFeedSecrets
from handlers.storage.table_schema import request_key
from tests.integration.conftest import DEFAULT_APPROVER, SEED_PAYLOAD, SUBMIT_URL, LeaveApp
from tests.support.aws import REGION
from tests.support.faults import FaultyDependency
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


def _rotate(app: LeaveApp, who: str) -> HttpResponse:
    return call(
        submit.handler, "POST", "/calendar/rotate", via=rest_api_event, headers=app.signed_in(who)
    )


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
    # The approver sees whose leave it is, never what kind: that is the employee's to tell.
    team = _events(_feed_url(leave_app, DEFAULT_APPROVER))
    assert list(team) == [f"{EMPLOYEE}: Leave"]
    # Someone else's feed has none of it.
    assert _events(_feed_url(leave_app, "mallory@email.com")) == {}


def test_cancelled_leave_leaves_both_feeds(leave_app: LeaveApp) -> None:
    request_id = _decided(leave_app, SOON, 2, "approve")
    mine, team = _feed_url(leave_app, EMPLOYEE), _feed_url(leave_app, DEFAULT_APPROVER)
    assert len(_events(mine)) == len(_events(team)) == 1

    assert leave_app.act(request_id, "cancel", as_=EMPLOYEE).status == 200
    assert _events(mine) == {}
    assert _events(team) == {}


def test_a_feed_url_is_a_random_secret_and_a_forged_one_opens_nothing(
    leave_app: LeaveApp,
) -> None:
    url = _feed_url(leave_app, EMPLOYEE)
    assert url.startswith(f"{SUBMIT_URL}calendar/")
    assert url.endswith(".ics")
    assert _feed_url(leave_app, EMPLOYEE) == url, "a person's feed keeps its address"
    secret = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert len(base64.urlsafe_b64decode(secret + "==")) >= 16, "at least 128 bits"
    assert EMPLOYEE not in url
    assert _encoded(EMPLOYEE) not in url
    forged = url.replace(secret, secret[:-1] + ("A" if secret[-1] != "A" else "B"))
    # The addresses given out before: the person's address, signed; they open nothing now.
    old_style = f"{SUBMIT_URL}calendar/{_encoded(EMPLOYEE)}.{secret[:24]}.ics"
    for bad in (forged, old_style, url.rsplit(".", 1)[0][:-5], f"{SUBMIT_URL}calendar/.ics"):
        answer = _fetch(bad)
        assert answer.status == 404, bad
        assert "no calendar here" in answer.json()["message"]
    anonymous = call(submit.handler, "GET", "/calendar", via=rest_api_event)
    assert anonymous.status == 401


def _encoded(email: str) -> str:
    return base64.urlsafe_b64encode(email.encode()).rstrip(b"=").decode()


def test_another_persons_address_never_opens_my_leave(leave_app: LeaveApp) -> None:
    _decided(leave_app, SOON, 2, "approve", reason="Surgery")
    mine, theirs = _feed_url(leave_app, EMPLOYEE), _feed_url(leave_app, "mallory@email.com")

    assert mine != theirs
    assert list(_events(mine)) == ["Annual leave"]
    assert _events(theirs) == {}
    assert "Surgery" not in _fetch(mine).body, "reasons never go into a feed"


def test_a_new_address_closes_the_old_one(leave_app: LeaveApp) -> None:
    _decided(leave_app, SOON, 2, "approve")
    old = _feed_url(leave_app, EMPLOYEE)
    someone_elses = _feed_url(leave_app, DEFAULT_APPROVER)

    rotated = _rotate(leave_app, EMPLOYEE)

    assert rotated.status == 200
    new = rotated.json()["url"]
    assert new != old
    assert new.startswith(f"{SUBMIT_URL}calendar/")
    assert _fetch(old).status == 404
    assert list(_events(new)) == ["Annual leave"]
    assert _feed_url(leave_app, EMPLOYEE) == new, "the page now shows the new address"
    assert len(_events(someone_elses)) == 1, "nobody else's address changed"
    assert call(submit.handler, "POST", "/calendar/rotate", via=rest_api_event).status == 401


def _raced(
    app: LeaveApp, held_side: Callable[[DynamoDbFeedSecrets], str], other_side: Callable[[], str]
) -> tuple[str, str]:
    """Run `held_side` until its write is about to go out, `other_side` to the end, then let
    the held write go: what each side answered, as feed URLs."""
    client = FaultyDependency(boto3.client("dynamodb", region_name=REGION))
    gate = client.hold("transact_write_items")
    secrets = DynamoDbFeedSecrets(app.account.table_name, client=client)
    held: list[str] = []
    side = threading.Thread(target=lambda: held.append(held_side(secrets)))
    side.start()
    gate.wait_reached()
    other = other_side()
    gate.release()
    side.join()
    return f"{SUBMIT_URL}calendar/{held[0]}.ics", other


def test_racing_first_visits_give_one_address(leave_app: LeaveApp) -> None:
    _decided(leave_app, SOON, 2, "approve")

    held, other = _raced(
        leave_app,
        lambda secrets: feed_secret(EMPLOYEE, secrets),
        lambda: _feed_url(leave_app, EMPLOYEE),
    )

    assert held == other
    assert len(_events(other)) == 1


def test_racing_new_addresses_leave_one_that_opens_the_feed(leave_app: LeaveApp) -> None:
    _decided(leave_app, SOON, 2, "approve")
    before = _feed_url(leave_app, EMPLOYEE)

    held, other = _raced(
        leave_app,
        lambda secrets: replace_feed_secret(EMPLOYEE, secrets),
        lambda: str(_rotate(leave_app, EMPLOYEE).json()["url"]),
    )

    # The held rotation lost to the other: both callers were given the one address that works.
    assert held == other == _feed_url(leave_app, EMPLOYEE)
    assert len(_events(other)) == 1
    assert _fetch(before).status == 404


def test_one_odd_stored_request_never_fails_a_feed(leave_app: LeaveApp) -> None:
    endless = _decided(leave_app, SOON, 2, "approve", leave_type="unpaid")
    broken = _decided(leave_app, SOON + timedelta(days=7), 1, "approve", leave_type="other")
    _decided(leave_app, SOON + timedelta(days=14), 1, "approve", leave_type="sick")
    table = boto3.client("dynamodb", region_name=REGION)
    # As stored before dates were bounded, and as an older version (or a hand) might leave one.
    table.update_item(
        TableName=leave_app.account.table_name,
        Key={k: {"S": v} for k, v in request_key(endless).items()},
        UpdateExpression="SET end_date = :end",
        ExpressionAttributeValues={":end": {"S": "9999-12-31"}},
    )
    table.update_item(
        TableName=leave_app.account.table_name,
        Key={k: {"S": v} for k, v in request_key(broken).items()},
        UpdateExpression="REMOVE submitted_at",
    )

    today = datetime.now(UTC).date()
    for who, words in ((EMPLOYEE, "Unpaid leave"), (DEFAULT_APPROVER, f"{EMPLOYEE}: Leave")):
        answer = _fetch(_feed_url(leave_app, who))
        assert answer.status == 200, who
        events = {
            event.decoded("dtstart"): event
            for event in Calendar.from_ical(answer.body).walk("VEVENT")
        }
        assert set(events) == {SOON, SOON + timedelta(days=14)}, who
        # Cut at the feed's far end rather than written as an event no calendar can hold.
        assert str(events[SOON]["summary"]) == words
        assert events[SOON].decoded("dtend") == today + FEED_AHEAD + timedelta(days=1)
