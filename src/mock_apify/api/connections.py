"""Connection limits aiohttp does not have: a header-read timeout, an idle (keep-alive) timeout and
a cap on open connections.

Each accepted connection gets aiohttp's own protocol behind a thin one that forwards every call
and notes what the guard needs: when the connection began waiting for a request, when the first
byte of a request head arrived, whether a request is being handled (a middleware says) and whether
a response is still being written. A sweeper closes connections that took longer than
`header_timeout` to send a request head (slowloris) or sat idle longer than `idle_timeout`.

At `max_connections`, a new connection closes the connection that has been idle longest; when
every connection is busy, the new one is answered 503 and closed. So the process never runs out
of file descriptors, and health checks keep being answered under a flood of idle connections.

aiohttp's protocol is made as `_ApifyErrors`, so the 400s it sends itself for malformed requests
use Apify's error envelope too."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from http import HTTPStatus

from aiohttp import web
from aiohttp.typedefs import Handler

from ..config import Config
from ..model.shapes import dumps

log = logging.getLogger("mock_apify")

# Descriptors kept free for the database, the listening socket and the like.
_RESERVED_FDS = 64
# Sockets asyncio accepts per turn of the loop before any protocol factory runs (its `backlog`);
# with the factories' and the closes' turns, up to about three times that many are open over the
# cap at once. Running out of descriptors would be worse than refusing: asyncio then logs a
# traceback for each of `backlog` accepts per turn (56 MB of log in 30 s).
ACCEPT_BACKLOG = 128


def _raw_error(status: str, type_: str, message: str) -> bytes:
    """A whole HTTP/1.1 answer in Apify's error envelope, for connections aiohttp never sees."""
    body = dumps({"error": {"type": type_, "message": message}})
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode() + body


def effective_limit(configured: int, reserved: int) -> int:
    """The connection cap, lowered to what the process's descriptor limit leaves room for."""
    try:
        import resource
    except ImportError:  # not POSIX
        return configured
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return configured
    return max(1, min(configured, soft - reserved))


class _Connection:
    __slots__ = ("busy", "head_since", "idle_since", "protocol", "transport", "writing")

    def __init__(self, protocol: asyncio.Protocol, now: float) -> None:
        self.protocol = protocol
        self.transport: asyncio.Transport | None = None
        self.idle_since = now  # when it last began waiting for a request
        self.head_since: float | None = None  # first byte of the request head being waited for
        self.busy = 0  # requests being handled
        self.writing = False  # the transport's buffer is full: a response is still going out


class _Guarded(asyncio.Protocol):
    """aiohttp's protocol for one connection, with the guard's notes taken on the way."""

    def __init__(self, guard: ConnectionGuard, inner: asyncio.Protocol) -> None:
        self._guard = guard
        self._inner = inner
        self._connection = _Connection(inner, guard.now())

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._connection.transport = transport
        self._guard.opened(self._connection)
        self._inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        connection = self._connection
        if not connection.busy and connection.head_since is None:
            connection.head_since = self._guard.now()
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received()

    def pause_writing(self) -> None:
        self._connection.writing = True
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._connection.writing = False
        self._inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        self._guard.closed(self._connection)
        self._inner.connection_lost(exc)


_ERROR_TYPES = {400: "invalid-request", 413: "request-too-large", 431: "invalid-request"}


class _ApifyErrors(web.RequestHandler):
    """aiohttp's protocol, answering the errors it finds itself (a malformed request line, header
    or length) in Apify's envelope instead of plain text."""

    __slots__ = ()

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        super().handle_error(request, status, exc, message)  # logs; raises once an answer has begun
        first_line = (message or "").strip().split("\n")[0].rstrip(":")
        if status < 500:
            text = f"Malformed HTTP request: {first_line or HTTPStatus(status).phrase}"
            kind = _ERROR_TYPES.get(status, "invalid-request")
        else:
            text, kind = "Internal server error.", "internal-server-error"
        response = web.Response(
            body=dumps({"error": {"type": kind, "message": text}}),
            status=status,
            content_type="application/json",
        )
        response.force_close()
        return response


def _protocol(server: web.Server) -> asyncio.Protocol:
    """What `server()` makes, as `_ApifyErrors`; with the handler settings `server` keeps."""
    settings = getattr(server, "_kwargs", None)
    if not isinstance(settings, dict):  # another aiohttp: plain-text protocol errors, as before
        return server()
    return _ApifyErrors(server, loop=asyncio.get_running_loop(), **settings)


class _Refused(asyncio.Protocol):
    """A connection over the cap while every other one is busy: 503, then closed."""

    def __init__(self, answer: bytes) -> None:
        self._answer = answer

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.write(self._answer)
        transport.close()


class ConnectionGuard:
    def __init__(self, config: Config) -> None:
        self.header_timeout = config.header_timeout
        self.idle_timeout = config.idle_timeout
        self.max_connections = effective_limit(
            config.max_connections, _RESERVED_FDS + config.max_deliveries_in_flight + 4 * ACCEPT_BACKLOG
        )
        self._by_transport: dict[asyncio.BaseTransport, _Connection] = {}
        # Connections waiting for a request, the longest-waiting first.
        self._idle: OrderedDict[_Connection, None] = OrderedDict()
        self._warned = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._refusal = _raw_error(
            "503 Service Unavailable",
            "too-many-connections",
            f"The emulator has {self.max_connections} connections open, all busy; try again.",
        )

    def now(self) -> float:
        return asyncio.get_running_loop().time() if self._loop is None else self._loop.time()

    # --- accepting ---------------------------------------------------------------------------

    def protocol_factory(self, server: web.Server) -> Callable[[], asyncio.Protocol]:
        """What a listening socket calls for each accepted connection (`server`: aiohttp's)."""

        def accept() -> asyncio.Protocol:
            if len(self._by_transport) >= self.max_connections:
                self._warn_once()
                if not self._close_longest_idle():
                    return _Refused(self._refusal)
            return _Guarded(self, _protocol(server))

        return accept

    def _warn_once(self) -> None:
        if not self._warned:
            self._warned = True
            log.warning(
                "%d connections open, the limit (--max-connections, MOCK_APIFY_MAX_CONNECTIONS): each"
                " new connection closes the longest-idle one, or is refused with 503 while all are"
                " busy (logged once)",
                self.max_connections,
            )

    def _close_longest_idle(self) -> bool:
        if not self._idle:
            return False
        self._close(next(iter(self._idle)))
        return True

    def _close(self, connection: _Connection, answer: bytes | None = None) -> None:
        """Forget the connection now (its descriptor is freed on the loop's next turn) and close it."""
        transport = connection.transport
        self.closed(connection)
        if transport is not None and not transport.is_closing():
            if answer is not None:
                transport.write(answer)
            transport.close()

    # --- what happens on a connection --------------------------------------------------------

    def opened(self, connection: _Connection) -> None:
        assert connection.transport is not None
        self._by_transport[connection.transport] = connection
        self._idle[connection] = None

    def requests_in_progress(self) -> int:
        return sum(connection.busy for connection in self._by_transport.values())

    def closed(self, connection: _Connection) -> None:
        if connection.transport is not None:
            self._by_transport.pop(connection.transport, None)
        self._idle.pop(connection, None)

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Marks the connection busy while its request is handled (aiohttp runs handlers only once
        the whole head has arrived)."""
        connection = self._by_transport.get(request.transport) if request.transport else None
        if connection is None:  # a server without the guard (aiohttp's TestServer)
            return await handler(request)
        connection.busy += 1
        connection.head_since = None
        self._idle.pop(connection, None)
        try:
            return await handler(request)
        finally:
            connection.busy -= 1
            connection.idle_since = self.now()
            if not connection.busy and connection.transport in self._by_transport:
                self._idle[connection] = None

    # --- the sweeper -------------------------------------------------------------------------

    def sweep(self) -> None:
        """Close connections whose request head is late, and connections idle for too long."""
        now = self.now()
        for connection in list(self._idle):
            if connection.writing:
                continue
            if connection.head_since is not None:
                if now - connection.head_since > self.header_timeout:
                    self._close(connection, self._late_head())
            elif now - connection.idle_since > self.idle_timeout:
                self._close(connection)

    def _late_head(self) -> bytes:
        return _raw_error(
            "408 Request Timeout",
            "request-timeout",
            f"The request head did not arrive within {self.header_timeout:g} seconds.",
        )

    async def running(self, _app: web.Application) -> AsyncIterator[None]:
        """The sweeper, for the app's lifetime (an aiohttp cleanup context)."""
        self._loop = asyncio.get_running_loop()
        period = max(0.05, min(1.0, self.header_timeout / 4, self.idle_timeout / 4))

        async def sweeping() -> None:
            while True:
                await asyncio.sleep(period)
                self.sweep()

        task = asyncio.create_task(sweeping(), name="mock-apify-connections")
        yield
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
