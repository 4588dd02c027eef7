"""Concurrency: idempotency under a crowd, racing update and delete, lists read while writing."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from conftest import Api, webhook_fields
from mock_apify import Config
from mock_apify.config import MEMORY_DB


@pytest.fixture
def config() -> Config:
    return Config(db=MEMORY_DB, no_seed=True, port=0, max_webhooks_per_user=10_000)


async def test_200_concurrent_creates_sharing_10_keys_make_exactly_10(api: Api) -> None:
    actor = await api.create_actor()
    results = await asyncio.gather(
        *(
            api.call("POST", "/v2/webhooks", json=webhook_fields(actor["id"], idempotencyKey=f"key-{i % 10}"))
            for i in range(200)
        )
    )
    assert {status for status, _, _ in results} == {201}
    by_key: dict[str, set[str]] = {}
    for i, (_, body, _) in enumerate(results):
        by_key.setdefault(f"key-{i % 10}", set()).add(body["data"]["id"])
    assert all(len(ids) == 1 for ids in by_key.values())
    _, body, _ = await api.call("GET", "/v2/webhooks")
    assert body["data"]["total"] == 10
    assert {item["id"] for item in body["data"]["items"]} == set().union(*by_key.values())


async def test_racing_updates_and_delete_leave_a_consistent_record(api: Api) -> None:
    actor = await api.create_actor()
    for round_ in range(5):
        webhook = await api.create_webhook(**webhook_fields(actor["id"]))
        path = f"/v2/webhooks/{webhook['id']}"
        calls = [api.call("PUT", path, json={"description": f"d{i}"}) for i in range(20)]
        calls.insert(10, api.call("DELETE", path))
        results = await asyncio.gather(*calls)
        statuses = [status for status, _, _ in results]
        assert statuses[10] == 204
        assert set(statuses[:10] + statuses[11:]) <= {200, 404}
        status, _, _ = await api.call("GET", path)
        assert status == 404, round_
        # No update after the delete brought it back, and the count agrees.
        _, listing, _ = await api.call("GET", "/v2/webhooks")
        assert webhook["id"] not in {item["id"] for item in listing["data"]["items"]}
        assert listing["data"]["total"] == len(listing["data"]["items"])


async def test_concurrent_updates_end_in_one_of_the_written_values(api: Api) -> None:
    actor = await api.create_actor()
    webhook = await api.create_webhook(**webhook_fields(actor["id"]))
    path = f"/v2/webhooks/{webhook['id']}"
    written = {f"value-{i}" for i in range(30)}
    await asyncio.gather(*(api.call("PUT", path, json={"description": value}) for value in written))
    _, body, _ = await api.call("GET", path)
    assert body["data"]["description"] in written
    assert (
        body["data"]["eventTypes"] == webhook["eventTypes"]
        and body["data"]["createdAt"] == webhook["createdAt"]
    )


def _page_is_whole(page: dict[str, Any]) -> None:
    items = page["items"]
    assert page["count"] == len(items) <= page["limit"]
    assert page["total"] >= page["offset"] + len(items) or not items
    assert len({item["id"] for item in items}) == len(items)
    stamps = [item["createdAt"] for item in items]
    assert stamps == sorted(stamps, reverse=page["desc"])
    for item in items:
        assert set(item) >= {
            "id",
            "createdAt",
            "modifiedAt",
            "userId",
            "eventTypes",
            "condition",
            "requestUrl",
        }


async def test_lists_read_while_writing_are_never_broken(api: Api) -> None:
    actor = await api.create_actor()
    done = asyncio.Event()
    pages = 0

    async def write() -> None:
        for batch in range(10):
            await asyncio.gather(
                *(
                    api.create_webhook(**webhook_fields(actor["id"], description=f"{batch}-{i}"))
                    for i in range(20)
                )
            )
        done.set()

    async def read(params: dict[str, str]) -> None:
        nonlocal pages
        while not done.is_set():
            status, body, _ = await api.call("GET", "/v2/webhooks", params=params)
            assert status == 200
            _page_is_whole(body["data"])
            pages += 1

    await asyncio.gather(
        write(), read({"limit": "7"}), read({"limit": "5", "offset": "3", "desc": "1"}), read({})
    )
    assert pages > 10
    _, body, _ = await api.call("GET", "/v2/webhooks")
    assert body["data"]["total"] == 200
