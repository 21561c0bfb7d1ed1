"""A person in a real browser (Debian's headless Chromium): submit, mailbox, decision, dashboard.

Chromium and its driver are installed by the test set-up (`make browser`, run by `make test`);
if they are missing this test fails: a skipped browser test would hide a broken set-up.
"""

from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from sandbox.config import HOSTED_SIGN_IN_PATH
from tests.e2e.conftest import DESKTOP_WIDTH, PHONE_WIDTH
from tests.e2e.harness import APPROVER, WAIT_CAP_SECONDS, SandboxClient, changed
from tests.support.http_calls import query_of

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("sandbox-flows")]

EMPLOYEE = "browser@email.com"


@pytest.fixture
def browser(chromium: Callable[[int], WebDriver]) -> WebDriver:
    return chromium(DESKTOP_WIDTH)


def _until(driver: WebDriver, timeout: float = WAIT_CAP_SECONDS) -> WebDriverWait[WebDriver]:
    return WebDriverWait(driver, timeout, poll_frequency=0.2)


def _text(driver: WebDriver, css: str) -> str:
    return str(driver.find_element(By.CSS_SELECTOR, css).text)


def test_a_person_submits_approves_in_the_browser_and_sees_the_dashboard(
    flows_sandbox: SandboxClient, browser: WebDriver
) -> None:
    before = flows_sandbox.figures()

    browser.get(flows_sandbox.home_url)
    browser.find_element(By.ID, "app-link").click()
    # Signed out, the app offers sign-in and no form.
    _until(browser).until(lambda d: "Sign in with your work account" in _text(d, "main"))
    assert not browser.find_elements(By.ID, "start_date")
    browser.find_element(By.XPATH, "//button[text()='Sign in']").click()
    _until(browser).until(lambda d: d.find_elements(By.ID, "email"))
    # At the hosted sign-in's authorize endpoint, as on AWS; back with a code, which the app
    # exchanges (with its PKCE verifier) for the ID token: no shortcut.
    at = urlsplit(browser.current_url)
    assert at.path == f"{HOSTED_SIGN_IN_PATH}/oauth2/authorize"
    assert query_of(browser.current_url)["code_challenge_method"] == "S256"
    browser.find_element(By.ID, "email").send_keys(EMPLOYEE)
    browser.find_element(By.XPATH, "//input[@id='email']/following::button[1]").click()
    _until(browser).until(lambda d: d.find_elements(By.ID, "start_date"))
    assert EMPLOYEE in _text(browser, "#who")
    browser.find_element(By.ID, "reason").send_keys("Family visit")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    _until(browser).until(lambda d: "Waiting for a decision" in _text(d, "main"))
    request_id = browser.current_url.rsplit("/", 1)[1]

    browser.get(flows_sandbox.home_url)
    browser.find_element(By.ID, "mailbox-link").click()
    browser.get(f"{flows_sandbox.outputs['mailbox_url']}?to={APPROVER}")

    def approval_link(driver: WebDriver) -> object:
        for email in driver.find_elements(By.CSS_SELECTOR, "article.email"):
            if request_id in email.text:
                return email.find_element(By.CSS_SELECTOR, "pre.text a[href*='token=']")
        driver.refresh()
        return False

    link = _until(browser).until(approval_link)
    link.click()  # type: ignore[attr-defined]

    _until(browser).until(lambda d: "Leave request to decide" in d.title)
    assert EMPLOYEE in _text(browser, "#request")
    browser.find_element(By.ID, "comment").send_keys("Have a good trip")
    browser.find_element(By.CSS_SELECTOR, "button[value='approve']").click()
    _until(browser).until(lambda d: "You approved" in _text(d, "#outcome"))

    browser.get(f"{flows_sandbox.outputs['mailbox_url']}?to={EMPLOYEE}")

    def told(driver: WebDriver) -> bool:
        subjects = [h.text for h in driver.find_elements(By.CSS_SELECTOR, "article.email h3")]
        if any(s.startswith("Leave request approved") for s in subjects):
            return True
        driver.refresh()
        return False

    _until(browser).until(told)

    browser.get(flows_sandbox.outputs["dashboard_url"])
    approved = before["approved"] + 1

    def dashboard_shows_it(driver: WebDriver) -> bool:
        if _text(driver, "#figure-approved .value") == f"{approved:.0f}":
            return True
        driver.refresh()
        return False

    _until(browser).until(dashboard_shows_it)
    assert _text(browser, "#figure-submitted .value") == f"{before['submitted'] + 1:.0f}"
    assert browser.find_elements(By.CSS_SELECTOR, "svg rect"), "the chart has no bars"
    # Its emails' metrics land before the next test of the shared sandbox takes its figures.
    flows_sandbox.wait_for_figures(changed(before, emails_sent=3), at_least=True)


@pytest.mark.parametrize("page", ["home_url", "mailbox_url", "one_mailbox", "dashboard_url"])
def test_the_sandboxs_own_pages_fit_a_phone(
    flows_sandbox: SandboxClient, chromium: Callable[[int], WebDriver], page: str
) -> None:
    browser = chromium(PHONE_WIDTH)
    urls = {
        "home_url": flows_sandbox.home_url,
        # One person's mail: its heading names them ("Mailbox of manager@email.com").
        "one_mailbox": f"{flows_sandbox.outputs['mailbox_url']}?{urlencode({'to': APPROVER})}",
    }
    url = urls.get(page) or flows_sandbox.outputs[page]

    browser.get(url)

    _until(browser).until(lambda d: d.find_elements(By.TAG_NAME, "h1"))
    # Nothing runs off the side: no sideways scrolling on a phone.
    assert browser.execute_script("return document.documentElement.scrollWidth") <= PHONE_WIDTH
    for link in browser.find_elements(By.CSS_SELECTOR, "header a"):
        assert link.is_displayed()
