"""Fixtures for the project's own tests: a real emulator on 127.0.0.1 and a small HTTP helper."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

# pytester's inline runs forget the modules they imported, and PyYAML's C parser cannot be
# imported twice in one process: load it before any inner session parses the OpenAPI document
# (mock_apify.openapi imports it only on a cache miss, so a fresh HOME would hit this).
import yaml  # noqa: F401
from aiohttp.test_utils import TestServer
from apify_client import ApifyClient, ApifyClientAsync

from mock_apify import Config, create_app
from mock_apify.config import DEFAULT_TOKEN, MEMORY_DB
from mock_apify.threaded import ThreadedEmulator
from receivers import Receiver


@pytest.fixture
def config() -> Config:
    """An empty in-memory emulator; tests that need more override this fixture."""
    return Config(db=MEMORY_DB, no_seed=True, port=0)


@dataclass
class Api:
    """Raw HTTP against the emulator, so tests see exact statuses, headers and bodies."""

    session: aiohttp.ClientSession
    url: str
    token: str = DEFAULT_TOKEN

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        token: str | None = None,
        auth: bool = True,
        params: dict[str, str] | None = None,
    ) -> tuple[int, Any, aiohttp.ClientResponse]:
        all_headers = dict(headers or {})
        if auth:
            all_headers.setdefault("Authorization", f"Bearer {token or self.token}")
        async with self.session.request(
            method, self.url + path, json=json, data=data, headers=all_headers, params=params
        ) as response:
            raw = await response.read()
            body = await response.json(content_type=None) if raw else None
            return response.status, body, response

    async def raw(self, method: str, path: str) -> tuple[int, bytes]:
        """The exact bytes of an authenticated request's response."""
        headers = {"Authorization": f"Bearer {self.token}"}
        async with self.session.request(method, self.url + path, headers=headers) as response:
            return response.status, await response.read()

    async def create_actor(self, name: str = "my-actor", token: str | None = None) -> dict[str, Any]:
        status, body, _ = await self.call("POST", "/v2/actors", json={"name": name}, token=token)
        assert status == 201, body
        return body["data"]  # type: ignore[no-any-return]

    async def create_task(
        self, actor_id: str, name: str = "my-task", token: str | None = None
    ) -> dict[str, Any]:
        status, body, _ = await self.call(
            "POST", "/v2/actor-tasks", json={"actId": actor_id, "name": name}, token=token
        )
        assert status == 201, body
        return body["data"]  # type: ignore[no-any-return]

    async def create_webhook(self, token: str | None = None, **fields: Any) -> dict[str, Any]:
        status, body, _ = await self.call("POST", "/v2/webhooks", json=fields, token=token)
        assert status == 201, body
        return body["data"]  # type: ignore[no-any-return]

    async def test_webhook(self, webhook_id: str, token: str | None = None) -> dict[str, Any]:
        status, body, _ = await self.call("POST", f"/v2/webhooks/{webhook_id}/test", token=token)
        assert status == 201, body
        return body["data"]  # type: ignore[no-any-return]

    async def dispatch(self, dispatch_id: str) -> dict[str, Any]:
        status, body, _ = await self.call("GET", f"/v2/webhook-dispatches/{dispatch_id}")
        assert status == 200, body
        return body["data"]  # type: ignore[no-any-return]

    async def settle(self, **limits: Any) -> dict[str, Any]:
        status, body, _ = await self.call("POST", "/_mock/dispatches/settle", json=limits, auth=False)
        assert status == 200, body
        return body["data"]  # type: ignore[no-any-return]

    async def new_user(self) -> dict[str, str]:
        status, body, _ = await self.call("POST", "/_mock/users", json={}, auth=False)
        assert status == 201, body
        return body["data"]  # type: ignore[no-any-return]


@pytest.fixture
async def api(config: Config) -> AsyncIterator[Api]:
    server = TestServer(create_app(config), host="127.0.0.1")
    await server.start_server()
    async with aiohttp.ClientSession() as session:
        yield Api(session, str(server.make_url("")).rstrip("/"))
    await server.close()


@pytest.fixture
def threaded(config: Config) -> Iterator[ThreadedEmulator]:
    """The emulator in a background thread, for blocking callers such as the sync apify-client."""
    with ThreadedEmulator(config) as running:
        yield running


@pytest.fixture
def client(threaded: ThreadedEmulator) -> ApifyClient:
    """The official sync client on the threaded emulator, as the default user, without retries."""
    return ApifyClient(DEFAULT_TOKEN, api_url=threaded.url, max_retries=0)


@pytest.fixture
def async_client(threaded: ThreadedEmulator) -> ApifyClientAsync:
    return ApifyClientAsync(DEFAULT_TOKEN, api_url=threaded.url, max_retries=0)


def control(emulator: ThreadedEmulator, method: str, path: str, body: Any = None) -> Any:
    """A blocking call to the emulator's unauthenticated /_mock controls: the answer's JSON."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        emulator.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def webhook_fields(actor_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "eventTypes": ["ACTOR.RUN.SUCCEEDED"],
        "condition": {"actorId": actor_id},
        "requestUrl": "http://127.0.0.1:9/hook",
    } | overrides


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    running = await Receiver().start()
    yield running
    await running.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say loudly, at the end, when the dashboard's browser tests were skipped for want of a browser."""
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if "BROWSER TESTS DID NOT RUN" in str(getattr(report, "longrepr", ""))
    ]
    if skipped:
        terminalreporter.write_sep(
            "!",
            f"THE BROWSER TESTS DID NOT RUN ({len(skipped)} skipped): apt-get install chromium chromium-driver",
            red=True,
            bold=True,
        )
