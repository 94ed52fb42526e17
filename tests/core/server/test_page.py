"""The chat page as a person uses it: two headless Chromium pages chat through the server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.helpers import free_port
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


def text_of(browser: WebDriver, element_id: str) -> str:
    return browser.find_element(By.ID, element_id).text


def shown(browser: WebDriver, element_id: str) -> bool:
    return browser.find_element(By.ID, element_id).is_displayed()


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
        WebDriverWait(page, 15).until(lambda b: "mallory is banned" in text_of(b, "status"))
        assert text_of(page, "status") == "Could not join: mallory is banned"  # words, no code
        assert shown(page, "join")
        assert not shown(page, "chat")
        # A reason longer than a close frame holds is shown whole (from the error frame).
        page.find_element(By.ID, "name").clear()
        page.find_element(By.ID, "name").send_keys("verbose")
        page.find_element(By.ID, "join-button").click()
        WebDriverWait(page, 15).until(
            lambda b: (
                "verbose" not in text_of(b, "status")
                and (text_of(b, "status").startswith("Could not join: nope"))
            )
        )
        assert text_of(page, "status") == "Could not join: " + ("nope " * 40).strip()


def test_a_taken_name_returns_to_a_clean_join_form(
    tmp_path: Path, open_browser: Callable[[], WebDriver]
) -> None:
    with run_server(tmp_path / "server") as server:
        first, second = open_browser(), open_browser()
        join(first, server, "alice")
        second.get(server.url + "/")
        second.find_element(By.ID, "name").send_keys("alice")
        second.find_element(By.ID, "join-button").click()
        WebDriverWait(second, 15).until(lambda b: "already connected" in text_of(b, "status"))
        assert text_of(second, "status") == "Could not join: user name is already connected"
        assert shown(second, "join")
        assert not shown(second, "chat")
        assert not shown(second, "text")
        assert not shown(second, "messages")
        assert lines(second) == []
        assert text_of(second, "users") == ""
        assert second.find_element(By.ID, "join-button").is_enabled()
        assert second.find_element(By.ID, "name").get_attribute("value") == "alice"
        # It does not try again on its own (no countdown); another name gets in.
        second.find_element(By.ID, "name").clear()
        second.find_element(By.ID, "name").send_keys("alice2")
        second.find_element(By.ID, "join-button").click()
        WebDriverWait(second, 15).until(lambda b: shown(b, "chat"))
        assert text_of(second, "status") == "Connected as alice2"
        assert not shown(second, "join")
        assert "Online: alice, alice2" in text_of(second, "users")


def test_a_long_word_wraps(tmp_path: Path, open_browser: Callable[[], WebDriver]) -> None:
    with run_server(tmp_path / "server") as server:
        page = open_browser()
        page.set_window_size(420, 800)  # a phone: even a long name is wider than the box
        name = "W" * 32
        join(page, server, name)
        word = "x" * 2000
        text = page.find_element(By.ID, "text")
        page.execute_script("arguments[0].value = arguments[1]", text, word[:-1])
        text.send_keys(word[-1])  # typed to the end, then sent as a person does
        page.find_element(By.ID, "send-button").click()
        WebDriverWait(page, 15).until(lambda b: f"{name}: {word}" in lines(b))
        page.save_screenshot(str(tmp_path / "long.png"))
        sizes = page.execute_script(
            """
            const box = (e) => e.getBoundingClientRect();
            const list = document.getElementById("messages");
            const users = document.getElementById("users");
            const outer = box(list);
            return {
              list: [list.scrollWidth, list.clientWidth],
              users: [users.scrollWidth, users.clientWidth],
              page: [document.documentElement.scrollWidth, document.documentElement.clientWidth],
              items: [...list.children].map((li) => {
                const b = box(li);
                return b.left >= outer.left && b.right <= outer.right;
              }),
              height: box(list.lastElementChild).height,
            };
            """
        )
    assert sizes["list"][0] <= sizes["list"][1], sizes
    assert sizes["users"][0] <= sizes["users"][1], sizes
    assert sizes["page"][0] <= sizes["page"][1], sizes
    assert sizes["items"], sizes
    assert all(sizes["items"]), sizes
    assert sizes["height"] > 100, sizes  # the word wrapped onto many lines


def test_the_page_rejoins_after_a_restart(
    tmp_path: Path, open_browser: Callable[[], WebDriver]
) -> None:
    port = free_port()
    page = open_browser()
    with run_server(tmp_path / "first", port=port) as server:
        join(page, server, "alice")
        WebDriverWait(page, 15).until(lambda b: text_of(b, "status") == "Connected as alice")
        assert text_of(page, "users") == "Online: alice"
    # Stopped (SIGTERM): the page says so in words, forgets who is online, and waits.
    WebDriverWait(page, 15).until(
        lambda b: "restarting" in text_of(b, "status") or "Connection lost" in text_of(b, "status")
    )
    status = text_of(page, "status")
    assert "code" not in status, status
    assert not any(char.isdigit() for char in status.split(";")[0]), status
    assert "reconnecting" in status, status
    assert text_of(page, "users") == ""
    assert shown(page, "chat")  # the history stays readable
    assert not page.find_element(By.ID, "send-button").is_enabled()
    assert not shown(page, "join")
    with run_server(tmp_path / "second", port=port) as server:
        WebDriverWait(page, 30).until(lambda b: text_of(b, "status") == "Connected as alice")
        assert text_of(page, "users") == "Online: alice"
        assert lines(page).count("alice joined") == 2  # the history is kept
        assert page.find_element(By.ID, "send-button").is_enabled()
        page.find_element(By.ID, "text").send_keys("back again")
        page.find_element(By.ID, "send-button").click()
        WebDriverWait(page, 15).until(lambda b: "alice: back again" in lines(b))
        records = server.wait_for(lambda rs: any(r.get("event_type") == "connect" for r in rs))
    assert [r["user"] for r in records if r.get("event_type") == "connect"] == ["alice"]
