"""An emulator on its own event loop in a background thread, for callers that block (the sync
apify-client, plain sync tests) or that live on another loop."""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType

from aiohttp import web

from .app import create_app, serve
from .config import Config, base_url


class ThreadedEmulator:
    def __init__(self, config: Config) -> None:
        self.config = config
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="mock-apify", daemon=True)
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return base_url(self.config.host, self.port)

    async def _start(self) -> None:
        self._runner = web.AppRunner(
            create_app(self.config),
            access_log=None,
            handle_signals=False,
            shutdown_timeout=self.config.shutdown_timeout,
        )
        self.port = await serve(self._runner, self.config)

    def start(self) -> ThreadedEmulator:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=30)
        return self

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=30)
            self._runner = None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        self._loop.close()

    def __enter__(self) -> ThreadedEmulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
