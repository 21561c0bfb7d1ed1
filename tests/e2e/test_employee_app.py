"""The employees' app in a real browser, at a phone's width and a desktop's: sign in with the
authorization code flow and PKCE at the sandbox's issuer, request leave (the form catches an
end before the start, naming the field by its label), follow the request from its status page,
and see the approver's decision there, as the email's link shows it."""

import re
from collections.abc import Callable
from datetime import date
from urllib.parse import urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from sandbox.config import HOSTED_SIGN_IN_PATH
from tests.e2e.conftest import DESKTOP_WIDTH, PHONE_WIDTH
from tests.e2e.harness import (
    APPROVER,
    WAIT_CAP_SECONDS,
    SandboxClient,
    changed,
    employee_api,
    http,
)
from tests.support.dates import from_today

# What a locale's date range is joined with (Intl's formatRange): a single day has none.
RANGE_DASH = "\u2013"

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("sandbox-flows")]


def _until(driver: WebDriver) -> WebDriverWait[WebDriver]:
    return WebDriverWait(driver, WAIT_CAP_SECONDS, poll_frequency=0.2)


def _main(driver: WebDriver) -> str:
    return str(driver.find_element(By.TAG_NAME, "main").text)


def _set(driver: WebDriver, field: str, value: str) -> None:
    driver.execute_script(f"document.getElementById({field!r}).value = {value!r}")


@pytest.mark.parametrize("width", [PHONE_WIDTH, DESKTOP_WIDTH])
def test_an_employee_requests_leave_and_follows_it_in_the_app(
    flows_sandbox: SandboxClient, chromium: Callable[[int], WebDriver], width: int
) -> None:
    employee = f"app{width}@email.com"
    first_day = from_today(513) if width == PHONE_WIDTH else from_today(548)
    before = flows_sandbox.figures()
    browser = chromium(width)

    browser.get(flows_sandbox.outputs["submit_url"])
    _until(browser).until(lambda d: "Sign in with your work account" in _main(d))
    browser.find_element(By.XPATH, "//button[text()='Sign in']").click()
    _until(browser).until(lambda d: d.find_elements(By.ID, "email"))
    # The hosted sign-in's authorize endpoint, then the code exchanged for the ID token.
    assert urlsplit(browser.current_url).path == f"{HOSTED_SIGN_IN_PATH}/oauth2/authorize"
    browser.find_element(By.ID, "email").send_keys(employee)
    browser.find_element(By.XPATH, "//input[@id='email']/following::button[1]").click()

    _until(browser).until(lambda d: d.find_elements(By.ID, "start_date"))
    # The days left fill their card above the form once read: the form moves down then, and a
    # click sent while it moves lands elsewhere (as a person's would).
    _until(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".balance-years"))
    assert employee in browser.find_element(By.ID, "who").text
    default_start = browser.find_element(By.ID, "start_date").get_attribute("value")
    assert date.fromisoformat(str(default_start)) > date.today()

    _set(browser, "start_date", first_day)
    _set(browser, "end_date", from_today(391))
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    end = browser.find_element(By.ID, "end_date")
    assert end.get_attribute("aria-invalid") == "true"
    problem = browser.find_element(By.ID, "end_date-error").text
    assert problem == "Last day: choose a day on or after the first day."
    assert not re.search(r"\b(4\d\d|end_date)\b", _main(browser))

    _set(browser, "end_date", first_day)
    browser.find_element(By.ID, "reason").send_keys("Moving house")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    _until(browser).until(lambda d: "/requests/" in d.current_url and "Timeline" in _main(d))
    page = _main(browser)
    assert "Waiting for a decision" in page
    assert f"Your request was sent to {APPROVER}" in page
    assert "Moving house" in page
    # Its length as the service counted it (every day works in the tests' sandbox).
    assert "Days\n1 working day\n" in page
    request_id = browser.current_url.rsplit("/", 1)[1]
    flows_sandbox.remember(request_id, employee)

    approval = flows_sandbox.wait_for_email(APPROVER, request_id, "Leave to approve")
    decided = flows_sandbox.decide(flows_sandbox.decision_link(approval), "approve", "Good luck")
    assert decided.status == 200, decided.body
    flows_sandbox.wait_until_final(request_id)

    # The link in the employee's email opens the same page, now with the decision.
    receipt = flows_sandbox.wait_for_email(employee, request_id, "Leave request approved")
    status_link = re.search(r"(http://\S+/requests/\S+)", receipt["text"])
    assert status_link, receipt["text"]
    browser.get(status_link.group(1))
    _until(browser).until(lambda d: "Approved by" in _main(d))
    page = _main(browser)
    assert not re.search(r"\b(null|undefined|NaN)\b", page), page
    assert f"Approved by {APPROVER}" in page
    assert "“Good luck”" in page
    assert "Your leave is approved" in page
    # Days in the reader's locale, one day as that day; moments with their time zone named.
    dates = browser.find_element(By.XPATH, "//dt[text()='Dates']/following-sibling::dd[1]").text
    assert RANGE_DASH not in dates
    assert str(date.fromisoformat(first_day).year) in dates
    moments = [t.text for t in browser.find_elements(By.CSS_SELECTOR, "ol.timeline time")]
    assert moments
    assert all(
        re.search(r"\d:\d\d(\s?[AP]M)? (UTC|GMT[+-]?[\d:]*|[A-Z]{3,5})$", m) for m in moments
    ), moments

    browser.find_element(By.LINK_TEXT, "← Your requests").click()
    _until(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, "ul.requests a"))
    listed = browser.find_element(By.CSS_SELECTOR, "ul.requests").text
    assert "Approved" in listed
    assert RANGE_DASH not in listed, "a one-day request is listed as that day"
    assert "\n1 working day\n" in listed
    # This test's metrics land before the next test of the shared sandbox takes its figures.
    flows_sandbox.wait_for_figures(
        changed(before, submitted=1, approved=1, emails_sent=3), at_least=True
    )


def test_an_approver_rejects_on_a_phone_after_confirming(
    flows_sandbox: SandboxClient, chromium: Callable[[int], WebDriver]
) -> None:
    employee = "phone-approver-test@email.com"
    before = flows_sandbox.figures()
    request_id, link = flows_sandbox.submitted_for_approval(
        {"employee_email": employee, "start_date": from_today(604), "end_date": from_today(605)}
    )
    browser = chromium(PHONE_WIDTH)

    browser.get(link)
    _until(browser).until(lambda d: d.find_elements(By.ID, "comment"))
    # Nothing runs off the side of a phone.
    assert browser.execute_script("return document.documentElement.scrollWidth") <= PHONE_WIDTH
    approve = browser.find_element(By.CSS_SELECTOR, "button[value='approve']")
    reject = browser.find_element(By.CSS_SELECTOR, "button[value='reject']")
    # Approve is the filled, primary action; Reject a distinct outline that asks first.
    assert approve.value_of_css_property("background-color") != reject.value_of_css_property(
        "background-color"
    )
    assert reject.text == "Reject…"
    assert browser.find_element(By.CSS_SELECTOR, "label[for='comment']").is_displayed()

    browser.find_element(By.ID, "comment").send_keys("Audit week")
    reject.click()
    _until(browser).until(lambda d: "Reject this leave?" in d.title)
    assert flows_sandbox.status(request_id, as_=APPROVER)["status"] == "pending"
    assert browser.find_element(By.ID, "comment").get_attribute("value") == "Audit week"
    browser.find_element(By.CSS_SELECTOR, "button.confirm").click()

    _until(browser).until(lambda d: d.find_elements(By.ID, "outcome"))
    assert "You rejected the leave" in _main(browser)
    assert "What happens next" in _main(browser)
    flows_sandbox.remember(request_id, employee)
    record = flows_sandbox.wait_until_final(request_id)
    assert record["status"] == "rejected"
    assert record["history"][-1]["comment"] == "Audit week"
    flows_sandbox.wait_for_email(employee, request_id, "Leave request rejected")
    flows_sandbox.wait_for_figures(
        changed(before, submitted=1, rejected=1, emails_sent=3), at_least=True
    )


def test_through_the_sandboxs_fronts_a_feed_gets_a_new_address_and_nothing_is_stored(
    flows_sandbox: SandboxClient,
) -> None:
    submit_url = flows_sandbox.outputs["submit_url"]
    who = {"Authorization": f"Bearer {flows_sandbox.token('rotating@email.com')}"}
    old = employee_api("GET", f"{submit_url}calendar", headers=who).json()["url"]
    assert http("GET", old).status == 200

    rotated = employee_api("POST", f"{submit_url}calendar/rotate", headers=who)

    assert rotated.status == 200, rotated.body
    new = rotated.json()["url"]
    assert http("GET", old).status == 404
    feed = http("GET", new)
    assert feed.status == 200
    page = http("GET", submit_url, headers={"Accept": "text/html", "Host": "evil.example:1"})
    assert page.status == 200
    assert "evil.example" not in page.body
    decision_page = http("GET", f"{flows_sandbox.outputs['decision_url']}?token=forged")
    assert decision_page.status == 403
    for answer in (rotated, feed, page, decision_page):
        assert answer.headers["cache-control"] == "no-store"
        # Plain HTTP: a browser would ignore HSTS here, and the sandbox never sends it.
        assert "strict-transport-security" not in answer.headers
