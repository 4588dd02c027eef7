"""Hostile dataset input: huge items, huge field lists, wide tables, long reads. Each gets a clear
4xx in Apify's shape with nothing stored, or a correct answer; memory stays bounded."""

from __future__ import annotations

import asyncio
import gzip
import json
import tracemalloc
from typing import Any

import orjson
import pytest

from conftest import Api


async def _dataset(api: Api, name: str) -> str:
    status, body, _ = await api.call("POST", "/v2/datasets", params={"name": name})
    assert status == 201, body
    return str(body["data"]["id"])


async def _push(api: Api, dataset_id: str, items: Any) -> tuple[int, Any]:
    data = gzip.compress(orjson.dumps(items), compresslevel=1)
    headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
    status, body, _ = await api.call("POST", f"/v2/datasets/{dataset_id}/items", data=data, headers=headers)
    return status, body


async def _get(api: Api, dataset_id: str, **params: str) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {api.token}"}
    async with api.session.get(
        f"{api.url}/v2/datasets/{dataset_id}/items", params=params, headers=headers
    ) as r:
        return r.status, await r.read()


async def test_an_item_of_a_million_fields_is_past_the_body_limit(api: Api) -> None:
    dataset_id = await _dataset(api, "million")
    status, body = await _push(api, dataset_id, {f"f{n}": 0 for n in range(1_000_000)})
    assert status == 413 and body["error"]["type"] == "request-too-large"
    _, got, _ = await api.call("GET", f"/v2/datasets/{dataset_id}")
    assert got["data"]["itemCount"] == 0


async def test_an_item_of_half_a_million_fields_is_stored_and_read_back(api: Api) -> None:
    dataset_id = await _dataset(api, "wide")
    item = {str(n): n for n in range(500_000)}
    status, _ = await _push(api, dataset_id, item)
    assert status == 201
    _, got, _ = await api.call("GET", f"/v2/datasets/{dataset_id}")
    assert got["data"]["itemCount"] == 1 and len(got["data"]["fields"]) == 2000
    status, raw = await _get(api, dataset_id)
    assert status == 200 and orjson.loads(raw) == [item]
    status, raw = await _get(api, dataset_id, format="csv")
    assert status == 400 and "2000 columns" in json.loads(raw)["error"]["message"]
    status, raw = await _get(api, dataset_id, format="csv", fields=",".join(map(str, range(2000))))
    assert status == 200 and raw.decode("utf-8-sig").splitlines()[1].split(",")[:3] == ["0", "1", "2"]


async def test_a_fields_list_of_ten_thousand_names_is_refused(api: Api) -> None:
    dataset_id = await _dataset(api, "names")
    await _push(api, dataset_id, [{"a": 1}])
    for parameter in ("fields", "omit", "unwind", "flatten"):
        status, raw = await _get(api, dataset_id, **{parameter: ",".join(f"f{n}" for n in range(10_000))})
        error = json.loads(raw)["error"]
        assert status == 400 and error["type"] == "invalid-parameter" and parameter in error["message"]


async def test_a_csv_of_mixed_shapes_has_every_column(api: Api) -> None:
    dataset_id = await _dataset(api, "shapes")
    items = [{"a": 1}, {"a": {"b": [1, 2]}}, {"a": [{"c": None}], "d": 'x,"y"\n'}, {}, {"e": [[[]]]}]
    assert (await _push(api, dataset_id, items))[0] == 201
    status, raw = await _get(api, dataset_id, format="csv", bom="0")
    assert status == 200
    assert raw.decode() == 'a,a/b/0,a/b/1,a/0/c,d\n1,,,,\n,1,2,,\n,,,,"x,""y""\n"\n,,,,\n,,,,\n'


async def test_a_long_read_is_streamed_in_bounded_memory(api: Api) -> None:
    dataset_id = await _dataset(api, "long")
    pad = "x" * 150
    for start in range(0, 100_000, 25_000):
        status, _ = await _push(api, dataset_id, [{"n": n, "pad": pad} for n in range(start, start + 25_000)])
        assert status == 201
    for fmt in ("json", "csv"):
        tracemalloc.start()
        try:
            size, count = await _stream(api, dataset_id, fmt)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert count == 100_000 and size > 15_000_000, fmt
        assert peak < size / 2, (fmt, peak, size)  # well under the answer, let alone its items parsed


async def _stream(api: Api, dataset_id: str, fmt: str) -> tuple[int, int]:
    """(bytes, items) of a read, counted as they arrive and not kept."""
    headers = {"Authorization": f"Bearer {api.token}"}
    url = f"{api.url}/v2/datasets/{dataset_id}/items"
    token = b'"pad"' if fmt == "json" else b"\n"
    size = count = 0
    tail = b""  # a token may straddle two chunks
    async with api.session.get(url, params={"format": fmt}, headers=headers) as response:
        assert response.headers["X-Apify-Pagination-Count"] == "100000"
        async for chunk in response.content.iter_chunked(256 * 1024):
            size += len(chunk)
            count += (tail + chunk).count(token)
            tail = chunk[-(len(token) - 1) :] if len(token) > 1 else b""
    return size, count - (1 if fmt == "csv" else 0)


async def test_big_items_are_read_a_few_at_a_time_in_order(api: Api) -> None:
    dataset_id = await _dataset(api, "big")
    for n in range(4):  # 2.5 MiB each: a chunk (4 MiB) holds one
        assert (await _push(api, dataset_id, [{"n": n, "pad": "x" * (5 << 19)}, {"n": n, "small": True}]))[
            0
        ] == 201
    for params, expected in (
        ({}, [0, 0, 1, 1, 2, 2, 3, 3]),
        ({"desc": "1", "offset": "1", "limit": "4"}, [3, 2, 2, 1]),
    ):
        status, raw = await _get(api, dataset_id, **params)
        assert status == 200 and [item["n"] for item in orjson.loads(raw)] == expected, params


async def test_a_reader_leaving_mid_answer_is_no_error(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    dataset_id = await _dataset(api, "left")
    await _push(api, dataset_id, [{"n": n, "pad": "x" * 1000} for n in range(5000)])
    host, port = api.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    request = f"GET /v2/datasets/{dataset_id}/items HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {api.token}\r\n\r\n"
    writer.write(request.encode())
    assert (await reader.read(1000)).startswith(b"HTTP/1.1 200")
    writer.close()
    await writer.wait_closed()
    status, _ = await _get(api, dataset_id, limit="1")
    assert status == 200 and not [r for r in caplog.records if r.levelname == "ERROR"]
