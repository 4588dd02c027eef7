"""Real webhook receivers on 127.0.0.1 for the dispatch tests: they record what arrives and answer
with scripted statuses, delays, redirects, or over TLS with a self-signed certificate."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answers each POST with the next scripted status (then `status`), after `delay` seconds."""

    status: int = 200
    script: list[int] = field(default_factory=list)
    delay: float = 0.0
    redirect_to: str | None = None
    hold: asyncio.Event | None = None  # when set up, requests wait until the test releases them
    received: list[Received] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    server: TestServer | None = None

    async def _handle(self, request: web.Request) -> web.Response:
        self.received.append(
            Received(request.method, request.path_qs, dict(request.headers), await request.read())
        )
        self.arrived.set()
        if self.hold is not None:
            await self.hold.wait()
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.redirect_to:
            raise web.HTTPFound(self.redirect_to)
        status = self.script.pop(0) if self.script else self.status
        return web.Response(status=status, text=f"answer {status}")

    async def start(self, ssl_context: ssl.SSLContext | None = None) -> Receiver:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server(ssl=ssl_context)
        return self

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/hook"))

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 10.0) -> None:
    """Poll `check` until it holds; fail after `within` seconds (bounded, never hangs)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {within} s")
        await asyncio.sleep(0.01)
