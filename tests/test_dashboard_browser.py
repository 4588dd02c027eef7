"""The dashboard in a real browser: headless Chromium from Debian's packages (`chromium`,
`chromium-driver`), driven by Selenium through /usr/bin/chromedriver, so nothing is downloaded.
Without them these tests are skipped with a loud message (scripts/test says so too), and in CI
($CI set) or with MOCK_APIFY_BROWSER_TESTS=required they fail instead.

Set MOCK_APIFY_SCREENSHOTS=docs/dashboard to write the documentation's screenshots."""

from __future__ import annotations

import base64
import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from mock_apify import Config
from mock_apify.config import MEMORY_DB
from mock_apify.threaded import ThreadedEmulator
from processes import post

pytestmark = pytest.mark.browser

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
UI = "/_mock/ui/"
WAIT = 15.0
PAGES = ("", "webhooks", "webhooks/{hook}", "dispatches", "dispatches/{dispatch}", "runs", "runs/{run}")
PAGES += ("inboxes", "inboxes/alerts", "clock")


def _missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "the selenium package (pip install -e '.[test]')"
    absent = [path for path in (CHROMIUM, CHROMEDRIVER) if shutil.which(path) is None]
    return " and ".join(absent) + " (apt-get install chromium chromium-driver)" if absent else None


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    yield from _chromium(javascript=True)


def _chromium(*, javascript: bool) -> Iterator[Any]:
    if missing := _missing():
        message = f"BROWSER TESTS DID NOT RUN: {missing} is missing"
        if os.environ.get("CI") or os.environ.get("MOCK_APIFY_BROWSER_TESTS") == "required":
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
    ):
        options.add_argument(flag)
    options.add_argument("--disable-background-networking")
    options.add_argument("--window-size=1280,900")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    # An explicit driver: Selenium Manager is not asked for (and downloads) anything.
    browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    browser.set_page_load_timeout(30)
    yield browser
    browser.quit()


@pytest.fixture(scope="module")
def driver_without_js() -> Iterator[Any]:
    """A second browser with JavaScript switched off."""
    yield from _chromium(javascript=False)


@pytest.fixture
def emulator() -> Iterator[ThreadedEmulator]:
    with ThreadedEmulator(Config(db=MEMORY_DB, no_seed=True, port=0, clock="virtual")) as running:
        yield running


class Page:
    """The browser on one emulator, with the few moves the tests make."""

    def __init__(self, driver: Any, emulator: ThreadedEmulator) -> None:
        self.driver, self.url = driver, emulator.url
        driver.get_log("performance")  # forget what earlier tests loaded

    def api(self, method: str, path: str, body: Any = None) -> Any:
        return post(self.url + path, body, method=method)

    def open(self, path: str) -> None:
        self.driver.get(self.url + UI + path)
        self.driver.execute_script("window.noReload = true")

    def css(self, selector: str) -> list[Any]:
        from selenium.webdriver.common.by import By

        return list(self.driver.find_elements(By.CSS_SELECTOR, selector))

    def until(self, check: Callable[[], Any], what: str) -> Any:
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.driver, WAIT, poll_frequency=0.1).until(lambda _d: check(), what)

    def press(self, label: str) -> None:
        """Press an action's button, and confirm in the page's dialog."""
        [button] = [b for b in self.css("form.action button") if b.text == label]
        button.click()
        confirm = self.until(lambda: [b for b in self.css("#confirm-yes") if b.is_displayed()], "a dialog")
        confirm[0].click()

    def press_without_script(self, label: str) -> None:
        [button] = [b for b in self.css("form.action button") if b.text == label]
        button.click()

    def not_reloaded(self) -> bool:
        return bool(self.driver.execute_script("return window.noReload === true"))


@pytest.fixture
def page(driver: Any, emulator: ThreadedEmulator) -> Page:
    return Page(driver, emulator)


def _scene(page: Page, *, stay_running: bool = True) -> dict[str, Any]:
    """An Actor whose runs stay RUNNING, a webhook for its FAILED runs delivering to inbox
    `alerts`, one delivered TEST dispatch and a running run."""
    actor = page.api("POST", "/v2/actors", {"name": "crawler"})["data"]
    if stay_running:
        page.api("PUT", f"/_mock/actors/{actor['id']}/behaviour", {"run": {"status": None}})
    hook = page.api(
        "POST",
        "/v2/webhooks",
        {
            "eventTypes": ["ACTOR.RUN.FAILED"],
            "condition": {"actorId": actor["id"]},
            "requestUrl": f"{page.url}/_mock/inboxes/alerts",
        },
    )["data"]
    dispatch = page.api("POST", f"/v2/webhooks/{hook['id']}/test")["data"]
    run = page.api("POST", f"/v2/actors/{actor['id']}/runs", {"query": "news"})["data"]
    page.api("POST", "/_mock/dispatches/settle", {})
    return {"actor": actor["id"], "hook": hook["id"], "dispatch": dispatch["id"], "run": run["id"]}


def test_a_test_delivery_appears_without_a_reload(page: Page) -> None:
    scene = _scene(page)
    page.open("dispatches")
    dispatch = page.api("POST", f"/v2/webhooks/{scene['hook']}/test")["data"]
    page.until(lambda: page.css(f'tr[data-id="{dispatch["id"]}"]'), "the new dispatch's row")
    page.until(lambda: page.css(f'tr[data-id="{dispatch["id"]}"] .s-succeeded'), "its delivery")
    assert page.not_reloaded()


def test_inbox_messages_expand_and_stay_open_as_new_ones_arrive(page: Page) -> None:
    _scene(page)
    page.open("inboxes/alerts")
    [newest] = page.css("details.message")  # the TEST delivery
    newest.find_element("css selector", "summary").click()
    assert "X-Apify-Webhook-Dispatch-Id" in newest.text
    page.api("POST", "/_mock/inboxes/alerts", {"from": "my app"})
    page.until(lambda: len(page.css("details.message")) == 2, "the new message, live")
    first, second = page.css("details.message")
    assert "my app" in first.text and second.get_attribute("open") is not None and page.not_reloaded()


def test_a_failing_receiver_shows_calls_and_next_retry_then_settles(page: Page) -> None:
    scene = _scene(page)
    page.open("inboxes/alerts")
    page.press("Fail the next requests")  # 2 x 500
    page.until(lambda: "fail its next requests" in page.driver.page_source, "the inbox's notice")
    page.open(f"webhooks/{scene['hook']}")
    page.press("Send a TEST event")
    # Each part of the page may arrive in a later live refresh than the one before: wait for each.
    page.until(lambda: page.css("#call-1"), "the first call")
    page.until(lambda: page.css("svg#timeline g.mark-failed"), "the failed attempt on the time line")
    page.until(lambda: page.css("svg#timeline g.mark-next"), "the next retry on the time line")
    assert "next retry +1 min" in page.css("svg#timeline")[0].text
    assert "500" in page.css("#call-1")[0].text and "failing on purpose" in page.css("#call-1")[0].text
    page.press("Settle now")
    page.until(lambda: page.css("svg#timeline g.mark-ok"), "the successful attempt")
    page.until(lambda: len(page.css("section.call")) == 3, "three calls")
    page.until(lambda: page.css("h1 .s-succeeded"), "the dispatch succeeded")
    assert len(page.css("svg#timeline g.mark-failed")) == 2 and not page.css("svg#timeline g.mark-next")


def test_resending_a_dispatch_makes_a_new_one(page: Page) -> None:
    scene = _scene(page)
    page.open(f"dispatches/{scene['dispatch']}")
    page.press("Resend")
    page.until(lambda: scene["dispatch"] not in page.driver.current_url, "the new dispatch's page")
    page.until(lambda: page.css("h1 .s-succeeded"), "the resent dispatch delivered")
    new_id = page.driver.current_url.split("/")[-1].split("?")[0]
    received = page.api("GET", "/_mock/inboxes/alerts")["data"]["items"]
    bodies = {m["headers"]["X-Apify-Webhook-Dispatch-Id"]: m["body"] for m in received}
    assert bodies[new_id] == bodies[scene["dispatch"]]


def test_moving_a_run_fires_its_webhook(page: Page) -> None:
    scene = _scene(page)
    page.open(f"runs/{scene['run']}")
    page.until(lambda: page.css("h1 .s-running"), "the run running")
    from selenium.webdriver.support.ui import Select

    Select(page.css("select[name=status]")[0]).select_by_visible_text("FAILED")
    page.press("Move the run")
    page.until(lambda: page.css("h1 .s-failed"), "the run failed")
    page.open(f"webhooks/{scene['hook']}")
    rows = lambda: [r for r in page.css("tr.dispatch-row") if "ACTOR.RUN.FAILED" in r.text]  # noqa: E731
    page.until(rows, "the webhook's ACTOR.RUN.FAILED dispatch")
    page.until(lambda: rows()[0].find_elements("css selector", ".s-succeeded"), "delivered")
    assert page.not_reloaded()


def test_without_javascript_links_read_and_forms_confirm_on_a_page(
    driver_without_js: Any, emulator: ThreadedEmulator
) -> None:
    page = Page(driver_without_js, emulator)
    scene = _scene(page)
    page.open("")
    assert page.css("html:not([data-live])")  # the page's script did not run
    for link in ("Webhooks", scene["hook"]):
        anchors = lambda text=link: [a for a in page.css("main a, nav a") if a.text == text]  # noqa: E731
        page.until(anchors, f"a link to {link}")[0].click()
    page.until(lambda: page.css("form.action button"), "the webhook's actions")
    page.press_without_script("Send a TEST event")
    question = page.until(lambda: page.css("#question"), "the server's confirmation page")
    assert "Send a TEST event to" in question[0].text
    page.css("main form button[type=submit]")[0].click()
    page.until(lambda: "/_mock/ui/dispatches/" in page.driver.current_url, "the new dispatch's page")
    assert "TEST event sent" in page.css("main")[0].text


def test_the_keyboard_reaches_and_confirms_an_action(page: Page) -> None:
    from selenium.webdriver.common.keys import Keys

    scene = _scene(page)
    page.open(f"webhooks/{scene['hook']}")
    body = page.css("body")[0]
    for _ in range(60):
        body.send_keys(Keys.TAB)
        active = page.driver.switch_to.active_element
        if active.text == "Send a TEST event":
            break
    else:
        pytest.fail("Tab never reached the TEST button")
    assert page.driver.execute_script("return document.activeElement.matches(':focus-visible')")
    active.send_keys(Keys.ENTER)
    page.until(lambda: page.driver.switch_to.active_element.get_attribute("id") == "confirm-yes", "focus")
    page.driver.switch_to.active_element.send_keys(Keys.ENTER)
    page.until(lambda: "/dispatches/" in page.driver.current_url, "the new dispatch's page")


def _layout(page: Page) -> dict[str, Any]:
    return dict(
        page.driver.execute_script(
            """const box = (e) => e && e.getBoundingClientRect();
            const cells = [...document.querySelectorAll('table.list tbody tr:first-child td')].map(box);
            return {scroll: document.documentElement.scrollWidth, width: window.innerWidth,
                    brand: box(document.querySelector('.brand')), nav: box(document.querySelector('nav')),
                    who: box(document.querySelector('.who')),
                    cells: cells.map((c) => [c.left, c.top])};"""
        )
    )


def _viewport(page: Page, width: int, height: int) -> None:
    page.driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 700},
    )


def _paths(scene: dict[str, Any]) -> list[str]:
    return [path.format(**scene) for path in PAGES]


def test_phone_width_stacks_and_never_scrolls_sideways(page: Page) -> None:
    scene = _scene(page)
    try:
        _viewport(page, 390, 844)
        for path in _paths(scene):
            page.open(path)
            layout = _layout(page)
            assert layout["scroll"] <= layout["width"], f"{path}: {layout['scroll']} px wide at 390"
            assert layout["brand"]["top"] < layout["nav"]["top"] < layout["who"]["top"], path
            lefts = {round(left) for left, _top in layout["cells"]}
            tops = [top for _left, top in layout["cells"]]
            assert len(lefts) <= 1 and tops == sorted(tops), f"{path}: list cells are not stacked"
        _viewport(page, 1280, 900)
        page.open("webhooks")
        wide = _layout(page)
        assert len({round(top) for _left, top in wide["cells"]}) == 1  # a row is a row again
    finally:
        page.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_no_request_leaves_127_0_0_1(page: Page) -> None:
    scene = _scene(page)
    for path in _paths(scene):
        page.open(path)
    page.open(f"dispatches/{scene['dispatch']}")
    page.until(
        lambda: page.driver.execute_script("return document.documentElement.dataset.live") == "on", "js"
    )
    page.driver.execute_script("return new Promise((done) => setTimeout(done, 1500))")  # live refreshes
    urls = page.driver.execute_script(
        "return [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]"
        ".map((entry) => entry.name)"
    )

    for entry in page.driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    assert any("dashboard.js" in url for url in urls) and len(urls) > len(PAGES)
    elsewhere = [url for url in urls if urlsplit(url).hostname != "127.0.0.1" and not url.startswith("data:")]
    assert elsewhere == []


def _screenshot(page: Page, path: Path) -> None:
    width, height = page.driver.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    clip = {"x": 0, "y": 0, "width": width, "height": min(height, 4000), "scale": 1}
    shot = page.driver.execute_cdp_cmd(
        "Page.captureScreenshot", {"captureBeyondViewport": True, "clip": clip}
    )
    path.write_bytes(base64.b64decode(shot["data"]))


def test_screenshots_of_each_page(page: Page, tmp_path: Path) -> None:
    """Every page at 1280 px, and a few at 390 px, as the documentation shows them."""
    folder = Path(os.environ.get("MOCK_APIFY_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    scene = _scene(page)
    page.api("PUT", "/_mock/inboxes/alerts", {"script": [{"status": 500, "times": 1, "body": "busy"}]})
    scene["dispatch"] = page.api("POST", f"/v2/webhooks/{scene['hook']}/test")["data"]["id"]
    page.api(
        "POST",
        f"/_mock/actor-runs/{scene['run']}/status",
        {
            "status": "FAILED",
            "exitCode": 1,
            "statusMessage": "Blocked by the site",
            "items": [
                {"url": "https://example.com/a", "title": "A"},
                {"url": "https://example.com/b", "title": "B"},
            ],
        },
    )
    page.until(
        lambda: page.api("GET", f"/v2/webhook-dispatches/{scene['dispatch']}")["data"]["calls"], "a call"
    )
    names = (
        "overview",
        "webhooks",
        "webhook",
        "dispatches",
        "dispatch",
        "runs",
        "run",
        "inboxes",
        "inbox",
        "clock",
    )
    for path, name in zip(_paths(scene), names, strict=True):
        page.open(path)
        _screenshot(page, folder / f"{name}.png")
    _viewport(page, 390, 844)
    try:
        for path, name in (
            ("webhooks", "webhooks-phone"),
            (f"dispatches/{scene['dispatch']}", "dispatch-phone"),
        ):
            page.open(path)
            _screenshot(page, folder / f"{name}.png")
    finally:
        page.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert len(list(folder.glob("*.png"))) >= len(PAGES) + 2
