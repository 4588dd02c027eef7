"""`create_app(config)`: one emulator (see `emulator.Emulator`) served by an aiohttp application.
Nothing is global, so several emulators can share a process; each resource is acquired when the
app starts, in a cleanup context of its own, and released in reverse order."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

from . import api
from .config import Config
from .emulator import Emulator
from .engine.worker import DueWorker

EMULATOR_KEY: web.AppKey[Emulator] = web.AppKey("emulator")

CleanupContext = Callable[[web.Application], AsyncIterator[None]]


def _database(emulator: Emulator) -> CleanupContext:
    async def database(_app: web.Application) -> AsyncIterator[None]:
        emulator.open()  # connects, checks the schema, seeds a fresh file
        yield
        emulator.close()

    return database


def _worker(worker: DueWorker) -> CleanupContext:
    async def running(_app: web.Application) -> AsyncIterator[None]:
        await worker.start()
        yield
        await worker.stop()

    return running


def _end_waits(emulator: Emulator) -> Callable[[web.Application], Awaitable[None]]:
    async def end_waits(_app: web.Application) -> None:
        emulator.shutdown.start()  # long polls and log streams answer now; see clock.Shutdown

    return end_waits


def create_app(config: Config | None = None) -> web.Application:
    emulator = Emulator(config or Config())
    # Bodies are decompressed by api.body, which bounds the output; aiohttp's own decoder would not.
    app = web.Application(
        client_max_size=emulator.config.max_body_bytes,
        # Long ids and tokens reach the handlers (and get Apify's 404/401) instead of aiohttp's
        # plain-text 400 for lines over 8 KiB.
        handler_args={"auto_decompress": False, "max_line_size": 65536, "max_field_size": 65536},
    )
    app[EMULATOR_KEY] = emulator
    api.install(app, emulator)
    app.on_shutdown.append(_end_waits(emulator))
    app.cleanup_ctx.append(_database(emulator))
    for worker in (emulator.dispatcher, emulator.scheduler):
        app.cleanup_ctx.append(_worker(worker))
    return app
