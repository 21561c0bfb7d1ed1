"""One sandbox per group of tests, started as a user would start it; HTTP only from then on."""

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

from tests.e2e.harness import SandboxClient, running_sandbox

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PHONE_WIDTH = 375
DESKTOP_WIDTH = 1200

# Long enough that no test races it on a busy machine (expiry is shown by test_restart).
FLOWS_APPROVAL_TIMEOUT = 600


@pytest.fixture(scope="session")
def flows_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxClient]:
    """Shared by the user-flow and browser tests (xdist group "sandbox-flows")."""
    with running_sandbox(tmp_path_factory.mktemp("flows") / "data", FLOWS_APPROVAL_TIMEOUT) as sb:
        yield sb


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[Callable[[int], WebDriver]]:
    """Headless Chromium windows of a given width (CSS pixels), closed after the test with a
    screenshot of each one's last page in the test's tmp_path.

    Chromium and its driver are installed by the test set-up (`make browser`, run by
    `make test`); if they are missing the test fails: a skipped browser test would hide a broken
    set-up."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not shutil.which(path)]
    assert not missing, f"{missing} missing: run `make browser` (Debian chromium, chromium-driver)"
    opened: list[WebDriver] = []

    def launch(width: int) -> WebDriver:
        options = Options()
        options.binary_location = CHROMIUM
        for argument in (
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--window-size={width},900",
            f"--user-data-dir={tmp_path / f'chromium-profile-{len(opened)}'}",
        ):
            options.add_argument(argument)
        if width < DESKTOP_WIDTH:
            # A phone's viewport, as a phone's browser lays the page out.
            options.add_experimental_option(
                "mobileEmulation",
                {"deviceMetrics": {"width": width, "height": 812, "pixelRatio": 2.0}},
            )
        driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
        driver.set_page_load_timeout(30)
        opened.append(driver)
        return driver

    yield launch
    for number, driver in enumerate(opened):
        try:
            driver.save_screenshot(str(tmp_path / f"last-page-{number}.png"))
        finally:
            driver.quit()
