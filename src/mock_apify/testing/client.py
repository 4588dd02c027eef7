"""HTTP between the handle and an emulator, in three parts: a request described as data (`Call`,
what the handle's operations yield), one way to read an answer (`Call.answer`), and two ways to
send a call, blocking (`Transport`, the standard library) and awaited (`AsyncTransport`, aiohttp).

Neither transport uses a proxy, whatever the environment says: the emulator is on loopback."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
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
        query = {key: _query_value(value) for key, value in (self.params or {}).items()}
        return base_url + self.path + ("?" + urllib.parse.urlencode(query) if query else "")

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


class Transport:
    """Blocking calls (`urllib`): the session emulator runs on a loop of its own in another
    thread, so a blocking call, even from an async test, cannot deadlock it."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def send(self, call: Call) -> Any:
        """The call's answer (see `Call.answer`)."""
        request = urllib.request.Request(
            call.url(self.base_url), data=call.data(), method=call.method, headers=call.headers()
        )
        try:
            with self._opener.open(request, timeout=call.timeout) as response:
                return call.answer(response.status, response.read(), response.headers.get("Content-Type", ""))
        except urllib.error.HTTPError as error:
            with error:
                return call.answer(error.code, error.read())


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
