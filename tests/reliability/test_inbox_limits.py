"""Inboxes keep a bounded number of bytes and messages (the oldest go first), and a read returns a
bounded page: 20 posts of 9 MiB took 854 MB on disk and one GET answered 447 MB."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import Api
from mock_apify import Config
from mock_apify.config import MEMORY_DB
from mock_apify.services.inboxes import PAGE_BYTES

MAX_MESSAGES = 5
MAX_BYTES = 64 * 1024


@pytest.fixture
def config() -> Config:
    return Config(
        db=MEMORY_DB, no_seed=True, port=0, inbox_max_messages=MAX_MESSAGES, inbox_max_bytes=MAX_BYTES
    )


async def _post(api: Api, body: bytes) -> None:
    status, _, _ = await api.call("POST", "/_mock/inboxes/box", data=body, auth=False)
    assert status == 200


async def _read(api: Api, **params: str) -> dict[str, Any]:
    status, body, _ = await api.call("GET", "/_mock/inboxes/box", params=params, auth=False)
    assert status == 200
    return body["data"]  # type: ignore[no-any-return]


async def test_the_oldest_messages_go_past_the_count(api: Api) -> None:
    for n in range(12):
        await _post(api, f"message {n}".encode())
    data = await _read(api)
    assert data["total"] == MAX_MESSAGES
    assert [item["body"] for item in data["items"]] == [f"message {n}" for n in range(7, 12)]


async def test_the_oldest_messages_go_past_the_bytes(api: Api) -> None:
    for n in range(6):
        await _post(api, str(n).encode() * (MAX_BYTES // 3))  # about a third of the cap each
    data = await _read(api)
    assert [item["body"][0] for item in data["items"]] == ["4", "5"]


async def test_a_message_over_the_byte_cap_alone_is_kept(api: Api) -> None:
    await _post(api, b"small")
    await _post(api, b"x" * (MAX_BYTES * 2))
    data = await _read(api)
    assert data["total"] == 1 and len(data["items"][0]["body"]) == MAX_BYTES * 2


class TestPages:
    @pytest.fixture
    def config(self) -> Config:
        return Config(db=MEMORY_DB, no_seed=True, port=0, inbox_max_bytes=4 * PAGE_BYTES)

    async def test_a_read_stops_at_the_page_byte_budget(self, api: Api) -> None:
        third = PAGE_BYTES // 3 + 1
        for n in range(7):
            await _post(api, str(n).encode() * third)
        seen: list[str] = []
        for _ in range(10):  # the reader pages by offset until it has `total`, as clients do
            data = await _read(api, offset=str(len(seen)))
            assert 1 <= data["count"] <= 2 and data["total"] == 7
            seen += [item["body"][0] for item in data["items"]]
            if len(seen) >= data["total"]:
                break
        assert seen == [str(n) for n in range(7)]
