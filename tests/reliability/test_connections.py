"""Connections the emulator must not keep forever: slowloris heads, idle keep-alive connections,
and more connections than it can hold (it ran out of file descriptors at ~20,000). Small limits
here; raw sockets, so the tests see exactly what the server sends and when it closes."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from mock_apify import Config
from mock_apify.config import DEFAULT_TOKEN, MEMORY_DB
from mock_apify.threaded import ThreadedEmulator

HEADER_TIMEOUT = 0.5
IDLE_TIMEOUT = 1.0
MAX_CONNECTIONS = 4


@pytest.fixture
def config() -> Config:
    return Config(
        db=MEMORY_DB,
        no_seed=True,
        port=0,
        header_timeout=HEADER_TIMEOUT,
        idle_timeout=IDLE_TIMEOUT,
        max_connections=MAX_CONNECTIONS,
    )


@pytest.fixture
def sockets(threaded: ThreadedEmulator) -> Iterator[Any]:
    """Opens raw connections to the emulator; all closed after the test."""
    with ExitStack() as stack:

        def connect() -> socket.socket:
            return stack.enter_context(socket.create_connection(("127.0.0.1", threaded.port), timeout=10))

        yield connect


def _request(method: str, path: str, body: Any = None) -> bytes:
    data = b"" if body is None else json.dumps(body).encode()
    return (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {DEFAULT_TOKEN}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
    ).encode() + data


def _head(connection: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Read one response's status line and headers; returns what was read past them too."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        assert chunk, f"closed before a response head: {data!r}"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, rest


def _exchange(connection: socket.socket, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """One request and its whole (Content-Length) answer, on a kept-alive connection."""
    connection.sendall(_request(method, path, body))
    status, headers, rest = _head(connection)
    while len(rest) < int(headers["content-length"]):
        rest += connection.recv(65536)
    return status, json.loads(rest) if rest else None


def _until_closed(connection: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (within the socket timeout)."""
    data = b""
    while chunk := connection.recv(65536):
        data += chunk
    return data


def test_a_slow_request_head_gets_408_and_is_closed(sockets: Any) -> None:
    slow = sockets()
    slow.sendall(b"GET /_mock/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    slow.settimeout(0.2)
    answer = b""
    for _ in range(100):  # one header line every 0.2 s, as slowloris does, for at most 20 s
        try:
            slow.sendall(b"X-Slow: 1\r\n")
            chunk = slow.recv(65536)
        except TimeoutError:
            continue
        except (BrokenPipeError, ConnectionResetError):
            break
        answer += chunk
        if not chunk:
            break
    assert answer.startswith(b"HTTP/1.1 408 "), answer
    body = json.loads(answer.partition(b"\r\n\r\n")[2])
    assert body["error"]["type"] == "request-timeout"


def test_idle_connections_are_closed(sockets: Any) -> None:
    silent, kept_alive = sockets(), sockets()
    assert _exchange(kept_alive, "GET", "/_mock/health")[0] == 200
    assert _until_closed(silent) == b""  # never sent a byte
    assert _until_closed(kept_alive) == b""  # silent after its answer


def test_requests_longer_than_the_timeouts_are_not_cut(sockets: Any) -> None:
    connection = sockets()
    actor = _exchange(connection, "POST", "/v2/actors", {"name": "slow"})[1]["data"]
    _exchange(connection, "PUT", f"/_mock/actors/{actor['id']}/behaviour", {"run": {"status": None}})
    run = _exchange(connection, "POST", f"/v2/actors/{actor['id']}/runs", {})[1]["data"]
    wait = 3 * IDLE_TIMEOUT
    status, body = _exchange(connection, "GET", f"/v2/actor-runs/{run['id']}?waitForFinish={wait:g}")
    assert status == 200 and body["data"]["status"] == "RUNNING"
    assert _exchange(connection, "GET", "/_mock/health")[0] == 200  # still the same connection


def test_at_the_cap_the_longest_idle_connection_makes_room(
    sockets: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "mock_apify")
    idle = [sockets() for _ in range(MAX_CONNECTIONS - 1)]
    for connection in idle:
        assert _exchange(connection, "GET", "/_mock/health")[0] == 200
    slow = sockets()
    slow.sendall(b"GET /_mock/health HTTP/1.1\r\n")  # a slowloris head counts as idle too
    for _ in range(3):
        newcomer = sockets()
        assert _exchange(newcomer, "GET", "/_mock/health")[0] == 200  # health keeps answering
    for connection in idle:
        assert _until_closed(connection) == b""  # the three longest idle, in order
    warnings = [r for r in caplog.records if "MOCK_APIFY_MAX_CONNECTIONS" in r.getMessage()]
    assert len(warnings) == 1, warnings


def test_at_the_cap_with_every_connection_busy_a_new_one_gets_503(sockets: Any) -> None:
    first = sockets()
    actor = _exchange(first, "POST", "/v2/actors", {"name": "forever"})[1]["data"]
    _exchange(first, "PUT", f"/_mock/actors/{actor['id']}/behaviour", {"run": {"status": None}})
    run = _exchange(first, "POST", f"/v2/actors/{actor['id']}/runs", {})[1]["data"]
    streams = [first, *(sockets() for _ in range(MAX_CONNECTIONS - 1))]
    for connection in streams:  # a streamed log answers its head at once and stays busy
        connection.sendall(_request("GET", f"/v2/actor-runs/{run['id']}/log?stream=1"))
        assert _head(connection)[0] == 200
    refused = _until_closed(sockets())
    assert refused.startswith(b"HTTP/1.1 503 "), refused
    body = json.loads(refused.partition(b"\r\n\r\n")[2])
    assert body["error"]["type"] == "too-many-connections"


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET /v2/webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n",
        b"GARBAGE\r\n\r\n",
        b"POST /v2/webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n",
        b"GET /" + b"x" * 70_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        b"GET /v2/webhooks HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n",
    ],
    ids=["bad header", "bad method", "bad length", "line too long", "bad version"],
)
def test_malformed_requests_get_apify_error_envelope(sockets: Any, request_bytes: bytes) -> None:
    """aiohttp answered these in plain text ("Invalid header token: ...")."""
    connection = sockets()
    connection.sendall(request_bytes)
    answer = _until_closed(connection)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.") and b" 400 " in head.split(b"\r\n")[0], answer[:300]
    assert b"content-type: application/json" in head.lower()
    error = json.loads(body)["error"]
    assert error["type"] == "invalid-request" and error["message"].startswith("Malformed HTTP request")


def test_connect_gets_apify_404(sockets: Any) -> None:
    """A CONNECT's target has no leading slash, so aiohttp's router, not ours, answered it (500)."""
    connection = sockets()
    connection.sendall(b"CONNECT example.com:443 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    status, headers, rest = _head(connection)
    assert status == 404 and headers["content-type"].startswith("application/json")
    while len(rest) < int(headers["content-length"]):
        rest += connection.recv(65536)
    assert json.loads(rest)["error"]["type"] == "page-not-found"
