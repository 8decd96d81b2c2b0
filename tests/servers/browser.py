"""A real headless browser for tests: Debian's chromium driven by selenium through chromium-driver.

    from tests.servers.browser import browser  # noqa: F401  (in a conftest.py)

    def test_page(browser):
        browser.get("file:///.../index.html")

One browser per test session, each with a fresh profile (--user-data-dir in the
session's tmp dir). It may reach 127.0.0.1 only: every other host name resolves to
nothing, so a page that fetched anything from the network would show it as an error
in `console_errors`. A missing chromium or chromium-driver fails the test naming the
Debian package (never a skip).
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Iterator

import pytest

CHROMIUM = ("chromium", "chromium-browser")
DRIVER = ("chromedriver", "chromium-driver")
PACKAGES = {"chromium": "chromium", "chromedriver": "chromium-driver"}


def _which(names: tuple[str, ...], what: str) -> str:
    for name in names:
        packaged = Path("/usr/lib/chromium") / name
        found = shutil.which(name) or (str(packaged) if packaged.exists() else None)
        if found:
            return found
    pytest.fail(f"{what} not found: install the Debian package '{PACKAGES[what]}' (scripts/install-system-deps.sh)")


def chromium_binary() -> str:
    return _which(CHROMIUM, "chromium")


def chromium_args(profile: Path) -> list[str]:
    """The flags every headless run here needs (root, no GPU, no background traffic, own profile)."""
    return [
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--no-default-browser-check", "--disable-extensions",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--user-data-dir={profile}", "--window-size=1280,900",
    ]


class Browser:
    """A selenium WebDriver with the helpers the tests use."""

    def __init__(self, driver) -> None:
        self.driver = driver

    def __getattr__(self, name):
        return getattr(self.driver, name)

    def open(self, url: str):
        self.driver.get(url)
        return self

    def css(self, selector: str) -> list:
        from selenium.webdriver.common.by import By

        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def one(self, selector: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def console_errors(self) -> list[str]:
        """Console messages of level SEVERE since the last call (failed loads, CSP violations, script errors)."""
        return [e["message"] for e in self.driver.get_log("browser") if e.get("level") == "SEVERE"]


@pytest.fixture(scope="session")
def browser(tmp_path_factory) -> Iterator[Browser]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary = chromium_binary()
    driver_path = _which(DRIVER, "chromedriver")
    options = webdriver.ChromeOptions()
    options.binary_location = binary  # both paths given: selenium never looks anything up online
    for arg in chromium_args(tmp_path_factory.mktemp("chromium-profile")):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=driver_path, log_output=str(tmp_path_factory.mktemp("chromedriver") / "log"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    try:
        yield Browser(driver)
    finally:
        driver.quit()
