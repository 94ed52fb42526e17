"""The chat page as a person uses it: two headless Chromium pages chat through the server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.server_helpers import Server, run_server

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"

if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)) and not os.environ.get("CI"):
    pytest.skip("Debian's chromium and chromium-driver are not installed", allow_module_level=True)

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.wait import WebDriverWait  # noqa: E402


@pytest.fixture
def open_browser(tmp_path: Path) -> Iterator[Callable[[], WebDriver]]:
    """Start headless Chromium instances (the system browser; nothing is downloaded)."""
    drivers: list[WebDriver] = []

    def start() -> WebDriver:
        options = Options()
        options.binary_location = CHROMIUM
        for flag in (
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / f'profile{len(drivers)}'}",
        ):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        drivers.append(driver)
        return driver

    yield start
    for driver in drivers:
        driver.quit()


def join(browser: WebDriver, server: Server, name: str) -> None:
    browser.get(server.url + "/")
    browser.find_element(By.ID, "name").send_keys(name)
    browser.find_element(By.ID, "join-button").click()
    WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, "chat").is_displayed())


def lines(browser: WebDriver) -> list[str]:
    return [item.text for item in browser.find_elements(By.CSS_SELECTOR, "#messages li")]


def test_two_pages_chat(tmp_path: Path, open_browser: Callable[[], WebDriver]) -> None:
    with run_server(tmp_path / "server") as server:
        alice, bob = open_browser(), open_browser()
        join(alice, server, "alice")
        join(bob, server, "bob")
        WebDriverWait(alice, 15).until(lambda b: "bob joined" in lines(b))
        alice.find_element(By.ID, "text").send_keys("hello from alice")
        alice.find_element(By.ID, "send-button").click()
        WebDriverWait(bob, 15).until(lambda b: "alice: hello from alice" in lines(b))
        assert "Online: alice, bob" in bob.find_element(By.ID, "users").text
        assert alice.find_element(By.ID, "text").get_attribute("value") == ""
        assert not alice.find_element(By.ID, "join").is_displayed()  # joined: form hidden
        bob.save_screenshot(str(tmp_path / "bob.png"))
        records = server.wait_for(
            lambda rs: (
                {r.get("user") for r in rs if r.get("event_type") == "connect"} >= {"alice", "bob"}
            )
        )
    joins = [r["user"] for r in records if r.get("event_type") == "connect"]
    assert joins == ["alice", "bob"]
    assert (tmp_path / "bob.png").stat().st_size > 0


def test_a_refused_name_is_shown(tmp_path: Path, open_browser: Callable[[], WebDriver]) -> None:
    with run_server(tmp_path / "server") as server:
        page = open_browser()
        page.get(server.url + "/")
        page.find_element(By.ID, "name").send_keys("mallory")  # banned by the test's hook
        page.find_element(By.ID, "join-button").click()
        WebDriverWait(page, 15).until(
            lambda b: "mallory is banned" in b.find_element(By.ID, "status").text
        )
        assert "code 1008" in page.find_element(By.ID, "status").text
