"""Take the README's screenshots: every page people see, at a phone's width and a desktop's.

    make screenshots        # = PYTHONPATH=. .venv/bin/python docs/screenshots/take.py

Starts a sandbox of its own on free ports, plays a short story through it (an employee signs in
and requests leave, the approver opens the link and rejects another request, the employee hands
their own approvals to a colleague for a week, the dashboard fills) and saves
`docs/screenshots/<page>-<width>.png` with Debian's headless Chromium.
"""

import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.e2e.harness import APPROVER, SandboxClient, SandboxProcess
from tests.support.dates import from_today

HERE = Path(__file__).resolve().parent
WIDTHS = {"phone": 375, "desktop": 1280}
EMPLOYEE = "alice@email.com"


def _browser(width: int) -> WebDriver:
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless", "--no-sandbox", "--disable-gpu", f"--window-size={width},1000"):
        options.add_argument(argument)
    if width < WIDTHS["desktop"]:
        options.add_experimental_option(
            "mobileEmulation", {"deviceMetrics": {"width": width, "height": 812, "pixelRatio": 2}}
        )
    return webdriver.Chrome(
        options=options, service=Service(executable_path="/usr/bin/chromedriver")
    )


def _shoot(driver: WebDriver, name: str, device: str) -> None:
    time.sleep(0.5)  # let fonts and layout settle
    driver.save_screenshot(str(HERE / f"{name}-{device}.png"))
    print(f"  {name}-{device}.png")


def _until(driver: WebDriver, ready: Callable[[WebDriver], object]) -> None:
    WebDriverWait(driver, 60, poll_frequency=0.2).until(ready)


def _main_text(driver: WebDriver) -> str:
    return str(driver.find_element(By.TAG_NAME, "main").text)


def _story(client: SandboxClient, device: str, width: int, first_day: str) -> None:
    driver = _browser(width)
    try:
        driver.get(client.outputs["submit_url"])
        _until(driver, lambda d: "Sign in with your work account" in _main_text(d))
        _shoot(driver, "app-sign-in", device)
        driver.find_element(By.XPATH, "//button[text()='Sign in']").click()
        _until(driver, lambda d: d.find_elements(By.ID, "email"))
        _shoot(driver, "sandbox-identity-provider", device)
        driver.find_element(By.ID, "email").send_keys(EMPLOYEE)
        driver.find_element(By.XPATH, "//input[@id='email']/following::button[1]").click()
        _until(driver, lambda d: d.find_elements(By.ID, "start_date"))
        driver.execute_script(f"document.getElementById('start_date').value = '{first_day}'")
        before_first_day = from_today(1)
        driver.execute_script(f"document.getElementById('end_date').value = '{before_first_day}'")
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        _shoot(driver, "app-form-error", device)
        driver.execute_script(f"document.getElementById('end_date').value = '{first_day}'")
        driver.find_element(By.ID, "reason").send_keys("Moving house")
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        _until(driver, lambda d: "Timeline" in _main_text(d))
        _shoot(driver, "app-status-pending", device)
        request_id = driver.current_url.rsplit("/", 1)[1]

        email = client.wait_for_email(APPROVER, request_id, "Leave to approve")
        link = client.decision_link(email)
        driver.get(link)
        _until(driver, lambda d: d.find_elements(By.ID, "comment"))
        _shoot(driver, "decision", device)
        driver.find_element(By.ID, "comment").send_keys("The team is short that week")
        driver.find_element(By.CSS_SELECTOR, "button[value='reject']").click()
        _until(driver, lambda d: "Reject this leave?" in d.title)
        _shoot(driver, "decision-confirm-reject", device)
        driver.find_element(By.CSS_SELECTOR, "button.confirm").click()
        _until(driver, lambda d: d.find_elements(By.ID, "outcome"))
        _shoot(driver, "decision-done", device)

        client.remember(request_id, EMPLOYEE)
        client.wait_until_final(request_id)
        driver.get(f"{client.outputs['submit_url']}requests/{request_id}")
        _until(driver, lambda d: "Rejected by" in _main_text(d))
        _shoot(driver, "app-status-rejected", device)
        driver.get(client.outputs["submit_url"])
        _until(driver, lambda d: d.find_elements(By.ID, "delegate_email"))
        driver.find_element(By.ID, "delegate_email").send_keys("bob@email.com")
        driver.find_element(By.XPATH, "//button[text()='Hand over']").click()
        _until(driver, lambda d: "decides the leave requests that come to you" in _main_text(d))
        driver.execute_script("document.getElementById('away').scrollIntoView()")
        _shoot(driver, "app-away", device)
        driver.find_element(By.XPATH, "//button[text()='End it now']").click()
        _until(driver, lambda d: d.find_elements(By.ID, "delegate_email"))
        # Every request of the story has ended: the gauge's next reading says so.
        client.wait_for_figures({"pending": 0, "running_executions": 0})
        driver.get(client.outputs["dashboard_url"])
        _shoot(driver, "dashboard", device)
    finally:
        driver.quit()


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        process = SandboxProcess(Path(scratch) / "data", approval_timeout=600)
        client = SandboxClient(process.start(), process)
        try:
            approved, _ = client.submitted_for_approval(
                {
                    "employee_email": "bob@email.com",
                    "start_date": from_today(60),
                    "end_date": from_today(64),
                }
            )
            link = client.decision_link(
                client.wait_for_email(APPROVER, approved, "Leave to approve")
            )
            client.decide(link, "approve", "Enjoy")
            for (device, width), first_day in zip(
                WIDTHS.items(), (from_today(100), from_today(128)), strict=True
            ):
                _story(client, device, width, first_day)
            print(json.dumps(client.figures()))
        finally:
            process.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
