"""Receivers that misbehave: each attempt is recorded as what it was, the API keeps answering
meanwhile, and nothing a receiver sends is held beyond the documented bounds."""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

import pytest
import trustme
from aiohttp import web
from aiohttp.test_utils import TestServer

from conftest import Api, webhook_fields
from mock_apify import Config
from mock_apify.config import MEMORY_DB
from mock_apify.engine.delivery import RESPONSE_BODY_LIMIT


@pytest.fixture
def config() -> Config:
    return Config(db=MEMORY_DB, no_seed=True, port=0, clock="virtual", delivery_timeout=0.5)


class Misbehaving:
    """One server whose routes each misbehave in their own way."""

    def __init__(self) -> None:
        self.sent_bytes = 0
        self.app = web.Application()
        self.app.router.add_post("/hang", self.hang)
        self.app.router.add_post("/reset", self.reset)
        self.app.router.add_post("/huge", self.huge)
        self.app.router.add_post("/loop", self.loop)
        self.server: TestServer | None = None

    async def hang(self, request: web.Request) -> web.Response:
        await asyncio.sleep(30)
        return web.Response()

    async def reset(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": "1000"})
        await response.prepare(request)
        await response.write(b"partial")
        assert request.transport is not None
        request.transport.abort()  # the connection dies mid-response
        return response

    async def huge(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=500)
        await response.prepare(request)
        chunk = b"x" * 65536
        try:
            for _ in range(50 * 16):  # 50 MB, if anyone read it all
                await response.write(chunk)
                self.sent_bytes += len(chunk)
        except (ConnectionResetError, ConnectionError):
            pass
        return response

    async def loop(self, request: web.Request) -> web.Response:
        raise web.HTTPFound("/loop")

    async def start(self, ssl_context: ssl.SSLContext | None = None) -> Misbehaving:
        self.server = TestServer(self.app, host="127.0.0.1")
        await self.server.start_server(ssl=ssl_context)
        return self

    def url(self, path: str) -> str:
        assert self.server is not None
        return str(self.server.make_url(path))


async def _one_attempt(api: Api, url: str) -> dict[str, Any]:
    actor = await api.create_actor(f"a{abs(hash(url)) % 10**8}")
    webhook = await api.create_webhook(**webhook_fields(actor["id"], requestUrl=url, doNotRetry=True))
    dispatch = await api.test_webhook(webhook["id"])
    result = await api.settle()
    assert result["settled"] is True
    done = await api.dispatch(dispatch["id"])
    assert done["status"] == "FAILED" and len(done["calls"]) == 1
    return done["calls"][0]  # type: ignore[no-any-return]


async def test_each_misbehaviour_is_recorded_as_what_it_was(api: Api) -> None:
    bad = await Misbehaving().start()
    try:
        hang = await _one_attempt(api, bad.url("/hang"))
        assert hang["errorMessage"] == "Request timed out after 0.5 s" and hang["responseStatus"] is None
        reset = await _one_attempt(api, bad.url("/reset"))  # a cut answer is a failure, not a 200
        assert reset["responseStatus"] is None and reset["errorMessage"].startswith("Cannot send request")
        huge = await _one_attempt(api, bad.url("/huge"))
        assert huge["responseStatus"] == 500 and len(huge["responseBody"]) == RESPONSE_BODY_LIMIT
        assert bad.sent_bytes < 10 * 1024 * 1024  # the emulator stopped reading long before 50 MB
        loop = await _one_attempt(api, bad.url("/loop"))
        assert loop["responseStatus"] == 302  # not followed, so no loop
        refused = await _one_attempt(api, "http://127.0.0.1:9/refused")
        assert refused["errorMessage"].startswith("Cannot send request")
    finally:
        assert bad.server is not None
        await bad.server.close()


async def test_bad_certificate_is_a_tls_error(api: Api) -> None:
    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("not-this-host.example").configure_cert(context)
    bad = await Misbehaving().start(ssl_context=context)
    try:
        call = await _one_attempt(api, bad.url("/hang").replace("http://", "https://"))
        assert call["errorMessage"].startswith("TLS error")
    finally:
        assert bad.server is not None
        await bad.server.close()


async def test_the_api_answers_while_receivers_hang(api: Api) -> None:
    bad = await Misbehaving().start()
    try:
        actor = await api.create_actor()
        hooks = [
            await api.create_webhook(
                **webhook_fields(actor["id"], requestUrl=bad.url("/hang"), doNotRetry=True)
            )
            for _ in range(10)
        ]
        for hook in hooks:
            await api.test_webhook(hook["id"])
        await asyncio.sleep(0.1)  # ten deliveries are now hanging
        loop = asyncio.get_running_loop()
        started = loop.time()
        for _ in range(20):
            status, _, _ = await api.call("GET", "/v2/webhooks")
            assert status == 200
        # Twenty reads while ten receivers hang: far less than one delivery timeout.
        assert loop.time() - started < 0.5
        await api.settle()
    finally:
        assert bad.server is not None
        await bad.server.close()
