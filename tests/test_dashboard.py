"""The dashboard at /_mock/ui/ over plain HTTP (docs/dashboard.md): every page reads without
JavaScript (a crawl of plain links reaches every record), it shows one user and never a whole
token, other users' records only with their token, and each action is a confirmed form POST
that does what its control call does. Errors are pages with their status, never a 500."""

from __future__ import annotations

import html
import re
import signal
import urllib.request
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from conftest import Api, webhook_fields
from mock_apify import Config
from mock_apify.config import DEFAULT_TOKEN, MEMORY_DB
from processes import start, stop
from receivers import eventually

UI = "/_mock/ui/"
_LINK = re.compile(r'href="(/_mock/ui/[^"#]*)"')


@pytest.fixture
def config() -> Config:
    return Config(db=MEMORY_DB, no_seed=True, port=0, clock="virtual")


@dataclass
class Browser:
    """A cookie-keeping client that reads pages as a browser without JavaScript would."""

    session: aiohttp.ClientSession
    url: str

    async def get(self, path: str, status: int = 200) -> str:
        async with self.session.get(self.url + path, allow_redirects=True) as response:
            text = await response.text()
            assert response.status == status, f"{path}: {response.status} {text[:500]}"
            return text

    async def post(
        self, path: str, form: dict[str, str], headers: dict[str, str] | None = None
    ) -> tuple[int, str, str]:
        """(status, Location, body) of a form POST, redirects not followed."""
        async with self.session.post(
            self.url + path, data=form, headers=headers, allow_redirects=False
        ) as response:
            return response.status, response.headers.get("Location", ""), await response.text()

    async def act(self, path: str, form: dict[str, str] | None = None) -> str:
        """A confirmed action: the path of the page its 303 leads to."""
        status, location, body = await self.post(path, {**(form or {}), "confirmed": "yes"})
        assert status == 303, body[:800]
        return location


@pytest.fixture
async def browser(api: Api) -> AsyncIterator[Browser]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield Browser(session, api.url)


async def _scene(api: Api) -> dict[str, Any]:
    """An Actor with a webhook delivering to an inbox, a TEST dispatch delivered, a run with items
    that failed (and fired the webhook), and a build."""
    actor = await api.create_actor("crawler")
    hook = await api.create_webhook(
        **webhook_fields(
            actor["id"],
            eventTypes=["ACTOR.RUN.FAILED"],
            requestUrl=f"{api.url}/_mock/inboxes/alerts",
            payloadTemplate='{"event": {{eventType}}, "run": {{resource}}}',
        )
    )
    dispatch = await api.test_webhook(hook["id"])
    await _stay_running(api, actor["id"])
    status, body, _ = await api.call("POST", f"/v2/actors/{actor['id']}/runs", json={"q": 1})
    run = body["data"]
    await eventually(lambda: _status_is(api, run["id"], "RUNNING"))
    moved = {"status": "FAILED", "exitCode": 3, "statusMessage": "Blocked", "items": [{"url": "u1", "n": 1}]}
    status, body, _ = await api.call("POST", f"/_mock/actor-runs/{run['id']}/status", json=moved, auth=False)
    assert status == 200, body
    status, body, _ = await api.call("POST", f"/v2/actors/{actor['id']}/builds")
    assert status == 201, body
    await api.settle()
    return {"actor": actor, "hook": hook, "dispatch": dispatch, "run": run, "build": body["data"]}


async def _crawl(browser: Browser, start: str = UI) -> dict[str, str]:
    """Every dashboard page reachable by plain links from `start`: path -> HTML."""
    pages: dict[str, str] = {}
    queue = [start]
    while queue:
        path = queue.pop()
        if path in pages or "/static/" in path:
            continue
        pages[path] = await browser.get(path)
        queue += [html.unescape(link) for link in _LINK.findall(pages[path])]
    return pages


async def test_root_links_browsers_to_the_dashboard(browser: Browser) -> None:
    async with browser.session.get(browser.url + "/", headers={"Accept": "text/html"}) as response:
        assert response.status == 200 and 'href="/_mock/ui/"' in await response.text()
    async with browser.session.get(browser.url + "/") as response:  # API clients: the API's 404
        assert response.status == 404 and (await response.json())["error"]["type"] == "page-not-found"


async def test_every_record_is_reached_by_plain_links(api: Api, browser: Browser) -> None:
    scene = await _scene(api)
    pages = await _crawl(browser)
    for path in (
        f"{UI}webhooks/{scene['hook']['id']}",
        f"{UI}dispatches/{scene['dispatch']['id']}",
        f"{UI}runs/{scene['run']['id']}",
        f"{UI}builds/{scene['build']['id']}",
        f"{UI}inboxes/alerts",
        f"{UI}clock",
    ):
        assert path in pages, sorted(pages)
    assert all("<script" not in page or "dashboard.js" in page for page in pages.values())


async def test_pages_show_what_happened(api: Api, browser: Browser) -> None:
    scene = await _scene(api)
    hooks = await browser.get(f"{UI}webhooks")
    assert "ACTOR.RUN.FAILED" in hooks and f"{api.url}/_mock/inboxes/alerts" in hooks
    assert scene["actor"]["id"] in hooks and "SUCCEEDED" in hooks  # the condition; the last dispatch
    assert "Actor <strong>crawler</strong>" in hooks
    hook = await browser.get(f"{UI}webhooks/{scene['hook']['id']}")
    assert "&#34;event&#34;: &#34;ACTOR.RUN.FAILED&#34;" in hook  # the sample payload, pretty-printed
    dispatch = await browser.get(f"{UI}dispatches/{scene['dispatch']['id']}")
    assert "X-Apify-Webhook-Dispatch-Id" in dispatch and "&#34;event&#34;: &#34;TEST&#34;" in dispatch
    assert "Attempt 1" in dispatch and 'class="mark mark-ok"' in dispatch
    run = await browser.get(f"{UI}runs/{scene['run']['id']}")
    assert "Blocked" in run and '<th scope="col">url</th>' in run and "<td>u1</td>" in run
    store = scene["run"]["defaultKeyValueStoreId"]
    assert f'<a href="/v2/key-value-stores/{store}/records/INPUT">INPUT</a> (8 bytes)' in run
    inbox = await browser.get(f"{UI}inboxes/alerts")
    assert inbox.count('class="message"') == 2  # the TEST and the run's FAILED event


async def test_dispatch_list_filters(api: Api, browser: Browser) -> None:
    scene = await _scene(api)
    run_events = await browser.get(f"{UI}dispatches?event=ACTOR.RUN.FAILED")
    assert scene["dispatch"]["id"] not in run_events and "ACTOR.RUN.FAILED" in run_events
    tests = await browser.get(f"{UI}dispatches?event=TEST&status=SUCCEEDED&webhook={scene['hook']['id']}")
    assert scene["dispatch"]["id"] in tests
    assert scene["dispatch"]["id"] not in await browser.get(f"{UI}dispatches?status=FAILED")
    refused = await browser.get(f"{UI}dispatches?status=DONE", status=400)
    assert "Unknown dispatch status &#39;DONE&#39;" in refused


async def test_tokens_are_never_shown_whole(api: Api, browser: Browser) -> None:
    await _scene(api)
    other = await api.new_user()
    pages = await _crawl(browser)
    assert await browser.act(f"{UI}user", {"token": other["token"]}) == f"{UI}?done=user"
    pages |= {f"other {path}": page for path, page in (await _crawl(browser)).items()}
    for path, page in pages.items():
        assert DEFAULT_TOKEN not in page and other["token"] not in page, path
    assert "apify_api_…0000" in pages[UI]


async def test_other_users_records_only_with_their_token(api: Api, browser: Browser) -> None:
    other = await api.new_user()
    actor = await api.create_actor("theirs", token=other["token"])
    hook = await api.create_webhook(token=other["token"], **webhook_fields(actor["id"]))
    assert hook["id"] not in await browser.get(f"{UI}webhooks")
    assert "Webhook was not found" in await browser.get(f"{UI}webhooks/{hook['id']}", status=404)
    status, _, page = await browser.post(f"{UI}user", {"token": "apify_api_not_a_token"})
    assert status == 401 and "not valid" in page
    await browser.act(f"{UI}user", {"token": other["token"]})
    shown = await browser.get(f"{UI}webhooks")
    assert hook["id"] in shown and other["username"] in shown
    await browser.act(f"{UI}user", {"default": "1"})
    assert "the default user" in await browser.get(UI)


async def test_actions_ask_first_and_change_nothing_until_confirmed(api: Api, browser: Browser) -> None:
    scene = await _scene(api)
    status, _, page = await browser.post(f"{UI}webhooks/{scene['hook']['id']}/test", {})
    assert status == 200 and 'name="confirmed" value="yes"' in page and "Send a TEST event" in page
    assert (await api.call("GET", "/v2/webhook-dispatches"))[1]["data"]["total"] == 2
    status, _, page = await browser.post(f"{UI}reset", {})
    assert status == 200 and "Delete every record" in page


async def test_test_event_and_resend(api: Api, browser: Browser) -> None:
    scene = await _scene(api)
    location = await browser.act(f"{UI}webhooks/{scene['hook']['id']}/test")
    assert location.startswith(f"{UI}dispatches/") and location.endswith("?done=test")
    resent = await browser.act(f"{UI}dispatches/{scene['dispatch']['id']}/resend")
    new_id = resent.removeprefix(f"{UI}dispatches/").removesuffix("?done=resend")
    await api.settle()
    old, new = await api.dispatch(scene["dispatch"]["id"]), await api.dispatch(new_id)
    assert (new["eventType"], new["webhookId"], new["status"]) == ("TEST", old["webhookId"], "SUCCEEDED")
    _status, inbox, _ = await api.call("GET", "/_mock/inboxes/alerts", auth=False)
    bodies = {m["headers"]["X-Apify-Webhook-Dispatch-Id"]: m["body"] for m in inbox["data"]["items"]}
    assert bodies[new_id] == bodies[old["id"]]  # the same request, under the new dispatch's ID


async def test_moving_a_run_fires_its_webhook(api: Api, browser: Browser) -> None:
    scene = await _scene(api)
    _status, body, _ = await api.call("POST", f"/v2/actors/{scene['actor']['id']}/runs")
    run_id = body["data"]["id"]
    await eventually(lambda: _status_is(api, run_id, "RUNNING"))
    form = {"status": "FAILED", "exitCode": "7", "statusMessage": "by hand"}
    assert await browser.act(f"{UI}runs/{run_id}/status", form) == f"{UI}runs/{run_id}?done=moved"
    page = await browser.get(f"{UI}runs/{run_id}")
    assert "by hand" in page and "s-failed" in page
    await api.settle()
    fired = await browser.get(f"{UI}dispatches?event=ACTOR.RUN.FAILED")
    assert fired.count('class="dispatch-row"') == 2
    again = await browser.post(f"{UI}runs/{run_id}/status", form | {"confirmed": "yes"})
    assert again[0] == 400 and "only a running one can be moved" in again[2]


async def _stay_running(api: Api, actor_id: str) -> None:
    """The Actor's next runs stay RUNNING until moved by hand."""
    behaviour = {"run": {"status": None}}
    status, body, _ = await api.call("PUT", f"/_mock/actors/{actor_id}/behaviour", json=behaviour, auth=False)
    assert status == 200, body


async def _status_is(api: Api, run_id: str, status: str) -> bool:
    return (await api.call("GET", f"/v2/actor-runs/{run_id}"))[1]["data"]["status"] == status


async def test_failing_inbox_retries_on_the_time_line_then_settles(api: Api, browser: Browser) -> None:
    scene = await _scene(api)
    assert await browser.act(f"{UI}inboxes/alerts/fail", {"times": "2"}) == f"{UI}inboxes/alerts?done=fail"
    location = await browser.act(f"{UI}webhooks/{scene['hook']['id']}/test")
    path = location.split("?")[0]

    async def failed_once() -> bool:
        return 'class="mark mark-failed"' in await browser.get(path)

    await eventually(failed_once)
    page = await browser.get(path)
    assert 'class="mark mark-next"' in page and "next retry +1 min" in page and "failing on purpose" in page
    advance = re.search(r'name="seconds" value="(\d+)"', page)
    assert advance and advance.group(1) == "60"  # "Advance to the next attempt"
    assert await browser.act(f"{UI}clock/advance", {"seconds": "60", "back": path}) == f"{path}?done=advance"

    async def failed_twice() -> bool:
        return (await browser.get(path)).count('class="mark mark-failed"') == 2

    await eventually(failed_twice)
    assert await browser.act(f"{UI}clock/settle", {"back": path}) == f"{path}?done=settle"
    page = await browser.get(path)
    assert page.count('class="mark mark-failed"') == 2 and page.count('class="mark mark-ok"') == 1
    assert 'class="mark mark-next"' not in page and "none: the dispatch has ended" in page


async def test_clock_and_reset(api: Api, browser: Browser) -> None:
    await _scene(api)
    before = (await api.call("GET", "/_mock/clock", auth=False))[1]["data"]["epochSeconds"]
    assert await browser.act(f"{UI}clock/advance", {"seconds": "3600"}) == f"{UI}clock?done=advance"
    after = (await api.call("GET", "/_mock/clock", auth=False))[1]["data"]["epochSeconds"]
    assert after - before >= 3600
    for elsewhere in ("https://evil.example/", "/_mock/ui//evil.example/", "/v2/webhooks"):  # never followed
        assert (
            await browser.act(f"{UI}clock/advance", {"seconds": "1", "back": elsewhere})
            == f"{UI}clock?done=advance"
        )
    assert await browser.act(f"{UI}reset") == f"{UI}webhooks?done=reset"
    assert "No webhooks" in await browser.get(f"{UI}webhooks")


@pytest.mark.parametrize(
    ("method", "path", "form", "status", "says"),
    [
        ("GET", f"{UI}nothing-here", None, 404, "no page"),
        ("POST", f"{UI}webhooks", {}, 405, "has no POST"),
        ("GET", f"{UI}dispatches/NoSuchDispatch", None, 404, "Webhook dispatch was not found"),
        ("GET", f"{UI}runs/NoSuchRun", None, 404, "Actor run was not found"),
        ("GET", f"{UI}builds/NoSuchBuild", None, 404, "Actor build was not found"),
        ("GET", f"{UI}static/nothing.js", None, 404, "no file"),
        ("GET", f"{UI}dispatches?event={'x' * 300}", None, 400, "longer than"),
        ("GET", f"{UI}inboxes?name=%20", None, 400, "inbox name"),
        ("POST", f"{UI}clock/advance", {"seconds": "soon", "confirmed": "yes"}, 400, "whole number"),
        ("POST", f"{UI}clock/advance", {"seconds": "0", "confirmed": "yes"}, 400, "from 1 to"),
        ("POST", f"{UI}inboxes/a/fail", {"times": "2", "status": "200"}, 400, "from 400 to 599"),
        ("POST", f"{UI}user", {"token": " "}, 400, "Give the token"),
        ("POST", f"{UI}runs/NoSuchRun/status", {"status": "FAILED"}, 404, "Actor run was not found"),
        ("POST", f"{UI}clock/settle", b"\xff\xfe=%%", 400, "URL-encoded UTF-8"),
        ("POST", f"{UI}clock/settle", "&".join(["a=b"] * 30), 400, "at most 20 fields"),
    ],
)
async def test_mistakes_get_clear_error_pages(
    browser: Browser,
    method: str,
    path: str,
    form: dict[str, str] | bytes | str | None,
    status: int,
    says: str,
) -> None:
    async with browser.session.request(method, browser.url + path, data=form) as response:
        page = await response.text()
    assert response.status == status, page[:500]
    assert says in html.unescape(page) and response.content_type == "text/html"


async def test_cross_site_forms_and_foreign_hosts_are_refused(api: Api, browser: Browser) -> None:
    await _scene(api)
    evil = {"Origin": "http://evil.example"}
    status, _, page = await browser.post(f"{UI}reset", {"confirmed": "yes"}, headers=evil)
    assert status == 403 and "may not change" in page
    assert "No webhooks" not in await browser.get(f"{UI}webhooks")
    async with browser.session.get(browser.url + UI, headers={"Host": "evil.example"}) as response:
        assert response.status == 403
    ours = {"Origin": api.url}
    assert (await browser.post(f"{UI}reset", {"confirmed": "yes"}, headers=ours))[0] == 303


async def test_pages_load_nothing_from_elsewhere(browser: Browser) -> None:
    async with browser.session.get(browser.url + UI) as response:
        policy = response.headers["Content-Security-Policy"]
        page = await response.text()
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert not re.search(r'(src|href)="(https?:)?//', page)


def test_the_cli_prints_the_dashboard_address(tmp_path: Any) -> None:
    process, url, _banner = start("--port", "0", "--db", str(tmp_path / "db"), "--quiet")
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line == f"  dashboard: {url}/_mock/ui/\n"
        with urllib.request.urlopen(line.split()[-1], timeout=10) as response:
            assert response.status == 200 and b"Showing user <strong>mock-user</strong>" in response.read()
    finally:
        stop(process, signal.SIGTERM)


async def test_the_resend_control_call(api: Api) -> None:
    scene = await _scene(api)
    path = f"/_mock/webhook-dispatches/{scene['dispatch']['id']}/resend"
    status, body, response = await api.call("POST", path, json={}, auth=False)
    assert status == 201 and body["data"]["status"] == "ACTIVE" and body["data"]["eventType"] == "TEST"
    assert response.headers["Location"].endswith(f"/v2/webhook-dispatches/{body['data']['id']}")
    await api.settle()
    assert (await api.dispatch(body["data"]["id"]))["status"] == "SUCCEEDED"
    status, body, _ = await api.call(
        "POST", "/_mock/webhook-dispatches/NoSuchDispatch/resend", json={}, auth=False
    )
    assert status == 404 and body["error"]["type"] == "record-not-found"
    await api.call("DELETE", f"/v2/webhooks/{scene['hook']['id']}")
    status, body, _ = await api.call("POST", path, json={}, auth=False)
    assert status == 404 and body["error"]["message"] == "Webhook was not found"
