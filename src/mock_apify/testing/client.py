"""HTTP between the handle and an emulator, in three parts: a request described as data (`Call`,
what the handle's operations yield), one way to read an answer (`Call.answer`), and two ways to
send a call, blocking (`Transport`, the standard library) and awaited (`AsyncTransport`, aiohttp).

Neither transport uses a proxy, whatever the environment says: the emulator is on loopback."""

from __future__ import annotations

import http.client
import json
import select
import threading
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from yarl import URL

#: A record as the API shows it: decoded JSON.
Record = dict[str, Any]

# Every request gets an answer well within this; settle() adds its own time limit on top.
HTTP_TIMEOUT = 60.0


class MockApifyError(Exception):
    """A call to the emulator answered with an error status; `status`, `type` and `message` are
    those of Apify's error envelope."""

    def __init__(self, method: str, path: str, status: int, error_type: str, message: str) -> None:
        self.method, self.path, self.status = method, path, status
        self.type, self.message = error_type, message
        super().__init__(f"{method} {path} answered {status} {error_type}: {message}")


@dataclass(frozen=True)
class Body:
    """A success answer as sent, for calls whose answer is not JSON (a key-value store record)."""

    data: bytes
    content_type: str


@dataclass(frozen=True)
class Call:
    """One request to the emulator, described rather than sent, so that the same operation can be
    run by either transport."""

    method: str
    path: str
    body: Any = None
    #: The user's API token, sent as a Bearer token; None for the unauthenticated /_mock calls.
    token: str | None = None
    params: Mapping[str, Any] | None = None
    timeout: float = HTTP_TIMEOUT
    #: The emulator answers only once deliveries have ended (settle): whoever serves a receiver
    #: must keep running meanwhile, so the blocking driver refuses it on a running event loop.
    waits: bool = False
    #: The success answer is handed back as a `Body`, not decoded as JSON.
    as_bytes: bool = False

    def url(self, base_url: str) -> str:
        return base_url + self.target()

    def target(self) -> str:
        """The path and query string, quoted."""
        query = {key: _query_value(value) for key, value in (self.params or {}).items()}
        return self.path + ("?" + urllib.parse.urlencode(query) if query else "")

    def headers(self) -> dict[str, str]:
        headers = {"Accept": "*/*" if self.as_bytes else "application/json"}
        if self.body is not None:
            headers["Content-Type"] = "application/json"
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def data(self) -> bytes | None:
        return None if self.body is None else json.dumps(self.body).encode()

    def answer(self, status: int, raw: bytes, content_type: str = "") -> Any:
        """The decoded JSON of a success (None when empty; a `Body` for an `as_bytes` call), or,
        for an error status, the `MockApifyError` it stands for: returned, not raised, so that a
        driver can hand it to the operation that made the call (see `operations.drive`)."""
        if status < 400 and self.as_bytes:
            return Body(raw, content_type)
        if status < 400:
            return json.loads(raw) if raw else None
        try:
            error = json.loads(raw)["error"]
            return MockApifyError(self.method, self.path, status, str(error["type"]), str(error["message"]))
        except (ValueError, KeyError, TypeError):
            text = raw.decode(errors="replace")[:500]
            return MockApifyError(self.method, self.path, status, "unknown", text)


def _query_value(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


# A kept connection is reused only if it was used this recently: well within any idle timeout a
# server sets (the emulator's is 30 s), so the server does not close it as the request leaves.
_REUSE_WITHIN_SECS = 1.0
# Connections kept per thread: one per emulator in use (the session's, or a test's own).
_KEPT = 4

_Address = tuple[str, str, int]


class _Connections(threading.local):
    """This thread's kept-alive connections, by scheme, host and port. A connection is taken out
    while a call uses it and given back afterwards, so no two calls ever share one."""

    def __init__(self) -> None:
        self.kept: dict[_Address, tuple[http.client.HTTPConnection, float]] = {}

    def take(self, address: _Address, timeout: float) -> http.client.HTTPConnection:
        """A kept connection that is fresh and still open, else a new one (connected on use)."""
        kept = self.kept.pop(address, None)
        if kept is not None:
            connection, since = kept
            if time.monotonic() - since < _REUSE_WITHIN_SECS and _still_open(connection):
                connection.timeout = timeout
                assert connection.sock is not None
                connection.sock.settimeout(timeout)
                return connection
            connection.close()
        scheme, host, port = address
        kind = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
        return kind(host, port, timeout=timeout)

    def give_back(self, address: _Address, connection: http.client.HTTPConnection) -> None:
        """Keep a connection whose answer was read whole (one the server closed is dropped)."""
        if connection.sock is None:
            return
        self.kept[address] = (connection, time.monotonic())
        while len(self.kept) > _KEPT:
            self.kept.pop(next(iter(self.kept)))[0].close()


def _still_open(connection: http.client.HTTPConnection) -> bool:
    """Whether the server has neither closed the idle connection nor sent anything on it."""
    sock = connection.sock
    return sock is not None and not select.select([sock], [], [], 0)[0]


_CONNECTIONS = _Connections()


class Transport:
    """Blocking calls (`http.client`) over one kept-alive connection per thread and emulator, as a
    test makes its calls one after another: a new TCP connection per call cost the test and the
    emulator, which share the process, more than the call itself. The session emulator runs on a
    loop of its own in another thread, so a blocking call, even from an async test, cannot
    deadlock it. A connection that fails is closed, and the error is the caller's."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        split = urllib.parse.urlsplit(self.base_url)
        default_port = 443 if split.scheme == "https" else 80
        self._address = (split.scheme, split.hostname or "127.0.0.1", split.port or default_port)
        self._prefix = split.path

    def send(self, call: Call) -> Any:
        """The call's answer (see `Call.answer`)."""
        connection = _CONNECTIONS.take(self._address, call.timeout)
        try:
            connection.request(call.method, self._prefix + call.target(), call.data(), call.headers())
            response = connection.getresponse()
            raw = response.read()
        except BaseException:
            connection.close()
            raise
        _CONNECTIONS.give_back(self._address, connection)
        return call.answer(response.status, raw, response.getheader("Content-Type", ""))


class AsyncTransport:
    """Awaited calls (aiohttp), for an emulator served by the test's own loop, which a blocking
    call would stop. A client session per call, like the blocking transport's connection per call:
    nothing to close afterwards, and no session tied to one test's loop."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    async def send(self, call: Call) -> Any:
        """The call's answer (see `Call.answer`)."""
        timeout = aiohttp.ClientTimeout(total=call.timeout)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.request(
                call.method,
                URL(call.url(self.base_url), encoded=True),  # quoted once, by Call.url
                data=call.data(),
                headers=call.headers(),
            ) as response,
        ):
            return call.answer(
                response.status, await response.read(), response.headers.get("Content-Type", "")
            )
