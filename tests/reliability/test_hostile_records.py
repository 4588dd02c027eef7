"""Hostile records: a body past 9 MiB, however it is sent (declared, chunked, compressed), is
Apify's 413 and stores nothing, and reading it holds at most the limit in memory."""

from __future__ import annotations

import gzip
import tracemalloc
from collections.abc import AsyncIterator
from typing import Any

import pytest

from conftest import Api

LIMIT = 9 * 1024 * 1024
TEN_MIB = 10 * 1024 * 1024
CHUNK = 64 * 1024


async def _chunks(total: int) -> AsyncIterator[bytes]:
    """A body sent chunked, with no Content-Length, in pieces the sender never holds together."""
    sent = 0
    while sent < total:
        yield b"x" * min(CHUNK, total - sent)
        sent += CHUNK


@pytest.fixture
async def store(api: Api) -> dict[str, Any]:
    status, body, _ = await api.call("POST", "/v2/key-value-stores", params={"name": "target"})
    assert status == 201
    return body["data"]  # type: ignore[no-any-return]


async def _state(api: Api, store: dict[str, Any]) -> Any:
    _, keys, _ = await api.call("GET", f"/v2/key-value-stores/{store['id']}/keys")
    _, info, _ = await api.call("GET", f"/v2/key-value-stores/{store['id']}")
    return keys["data"]["items"], info["data"]["stats"]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(lambda: b"x" * TEN_MIB, id="declared"),
        pytest.param(lambda: _chunks(TEN_MIB), id="chunked"),
        pytest.param(lambda: gzip.compress(b"\0" * TEN_MIB), id="gzip"),
    ],
)
async def test_a_10_mib_record_is_413_and_nothing_is_stored(
    api: Api, store: dict[str, Any], body: Any
) -> None:
    before = await _state(api, store)
    headers = {"Content-Type": "application/octet-stream"}
    data = body()
    if isinstance(data, bytes) and data[:2] == b"\x1f\x8b":
        headers["Content-Encoding"] = "gzip"
    status, reply, _ = await api.call(
        "PUT", f"/v2/key-value-stores/{store['id']}/records/big", data=data, headers=headers
    )
    assert status == 413, reply
    assert reply["error"]["type"] == "request-too-large"
    assert f"limit: {LIMIT} bytes" in reply["error"]["message"]
    assert await _state(api, store) == before


async def test_a_record_of_exactly_9_mib_is_stored(api: Api, store: dict[str, Any]) -> None:
    path = f"/v2/key-value-stores/{store['id']}/records/full"
    status, _, _ = await api.call("PUT", path, data=b"y" * LIMIT, headers={"Content-Type": "text/plain"})
    assert status == 201
    async with api.session.get(api.url + path, headers={"Authorization": f"Bearer {api.token}"}) as response:
        assert len(await response.read()) == LIMIT


async def test_reading_a_refused_record_holds_at_most_the_limit(api: Api, store: dict[str, Any]) -> None:
    """The emulator runs in this process: the peak of Python allocations while it refuses a
    20 MiB chunked body stays near the 9 MiB it reads before giving up."""
    tracemalloc.start()
    try:
        status, _, _ = await api.call(
            "PUT", f"/v2/key-value-stores/{store['id']}/records/big", data=_chunks(2 * TEN_MIB)
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert status == 413
    assert peak < 2 * LIMIT, f"peak {peak} bytes"
