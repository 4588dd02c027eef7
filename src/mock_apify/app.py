"""`create_app(config)`: one emulator (see `emulator.Emulator`) served by an aiohttp application.
Nothing is global, so several emulators can share a process; each resource is acquired when the
app starts, in a cleanup context of its own, and released in reverse order."""

from __future__ import annotations

import asyncio
import errno
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

from . import api
from .config import Config, base_url
from .emulator import Emulator
from .engine.worker import DueWorker

EMULATOR_KEY: web.AppKey[Emulator] = web.AppKey("emulator")
GUARD_KEY: web.AppKey[api.ConnectionGuard] = web.AppKey("connections")

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
    guard = app[GUARD_KEY] = api.ConnectionGuard(emulator.config)
    api.install(app, emulator, guard)
    app.on_shutdown.append(_end_waits(emulator))
    app.cleanup_ctx.append(_database(emulator))
    for worker in (emulator.dispatcher, emulator.scheduler):
        app.cleanup_ctx.append(_worker(worker))
    return app


class GuardedSite(web.BaseSite):
    """A TCP site whose connections go through the app's `ConnectionGuard` (timeouts, cap)."""

    def __init__(self, runner: web.AppRunner, host: str, port: int) -> None:
        super().__init__(runner)
        self._guard = runner.app[GUARD_KEY]
        self._host = host
        self._port = port

    @property
    def name(self) -> str:
        return base_url(self._host, self._port)

    async def start(self) -> None:
        await super().start()
        server = self._runner.server
        assert server is not None
        self._server = await asyncio.get_running_loop().create_server(
            self._guard.protocol_factory(server), self._host, self._port, backlog=api.ACCEPT_BACKLOG
        )


class ListenError(Exception):
    """The address cannot be listened on; the message names it, the reason and the way out."""


# Ways out of the usual reasons a bind fails, by errno.
_LISTEN_HINTS = {
    errno.EADDRINUSE: "address already in use (use --port 0 for a free port)",
    errno.EADDRNOTAVAIL: "no interface of this machine has that address (use --host 127.0.0.1)",
    errno.EACCES: "permission denied (ports below 1024 need privileges; use --port 0 for a free port)",
}


def _listen_problem(host: str, port: int, error: OSError) -> str:
    where = f"[{host}]:{port}" if ":" in host else f"{host or '*'}:{port}"
    if isinstance(error, socket.gaierror):
        reason = f"{error.strerror or error} (--host takes an IP address or a name this machine resolves)"
    else:
        reason = _LISTEN_HINTS.get(error.errno or 0, error.strerror or str(error))
    return f"cannot listen on {where}: {reason}"


async def serve(runner: web.AppRunner, config: Config) -> int:
    """Set the runner up, listen on `config.host`/`config.port`; returns the bound port (on every
    interface, port 0 binds IPv4 and IPv6 to different ports: the IPv4 one, as `base_url` shows).
    An address that cannot be listened on cleans the runner up and raises `ListenError`."""
    await runner.setup()
    try:
        await GuardedSite(runner, config.host, config.port).start()
    except OSError as error:
        await runner.cleanup()
        raise ListenError(_listen_problem(config.host, config.port, error)) from None
    addresses = runner.addresses
    ipv4 = [address for address in addresses if len(address) == 2]
    port: int = (ipv4 or addresses)[0][1]
    return port
