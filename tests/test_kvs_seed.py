"""Seed files may hold key-value stores with records: loaded at start-up under the file's IDs, or
into a test's user under fresh ones; a record that could not be stored stops the load, named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from conftest import Api
from mock_apify import Config, create_app
from mock_apify.config import MEMORY_DB
from mock_apify.services.seeding import SeedError

USER = {"id": "SeedUserId0000001", "username": "jane", "token": "apify_api_jane"}
STORE = {
    "id": "SeedStoreId000001",
    "name": "settings",
    "records": {
        "config": {"value": {"depth": 2}},
        "readme.txt": {"value": "hello", "contentType": "text/plain"},
    },
}


@pytest.fixture
def config(tmp_path: Path) -> Config:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"users": [USER | {"keyValueStores": [STORE]}]}))
    return Config(db=MEMORY_DB, port=0, seed=seed)


async def test_a_seeded_store_has_its_id_name_and_records(api: Api) -> None:
    token = USER["token"]
    status, body, _ = await api.call("GET", "/v2/key-value-stores/~settings", token=token)
    assert status == 200 and body["data"]["id"] == STORE["id"]
    _, body, _ = await api.call("GET", f"/v2/key-value-stores/{STORE['id']}/records/config", token=token)
    assert body == {"depth": 2}
    path = f"{api.url}/v2/key-value-stores/{STORE['id']}/records/readme.txt"
    async with api.session.get(path, headers={"Authorization": f"Bearer {token}"}) as response:
        assert (await response.read(), response.headers["Content-Type"]) == (b"hello", "text/plain")


async def test_a_seed_loads_stores_into_a_test_user_under_fresh_ids(api: Api) -> None:
    user = await api.new_user()
    status, body, _ = await api.call(
        "POST", f"/_mock/users/{user['id']}/seed", json={"users": [{"keyValueStores": [STORE]}]}, auth=False
    )
    assert status == 200, body
    fresh = body["data"]["ids"][STORE["id"]]
    assert fresh != STORE["id"]
    _, body, _ = await api.call("GET", f"/v2/key-value-stores/{fresh}/keys", token=user["token"])
    assert [item["key"] for item in body["data"]["items"]] == ["config", "readme.txt"]


BAD: dict[str, tuple[dict[str, Any], str]] = {
    "bad key": (
        STORE | {"records": {"a b": {"value": 1}}},
        "keyValueStores[0].records: The record key 'a b'",
    ),
    "text as a number": (
        STORE | {"records": {"n": {"value": 1, "contentType": "text/plain"}}},
        "keyValueStores[0].records.n: a record of content type 'text/plain' needs its value as a string",
    ),
    "bad name": (STORE | {"name": "a b"}, "keyValueStores[0]: Invalid value provided in name"),
    "unknown field": (STORE | {"items": []}, "keyValueStores[0]: Invalid input"),
}


@pytest.mark.parametrize("case", list(BAD))
async def test_a_store_that_cannot_be_loaded_stops_start_up(tmp_path: Path, case: str) -> None:
    store, expected = BAD[case]
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"users": [USER | {"keyValueStores": [store]}]}))
    server = TestServer(create_app(Config(db=MEMORY_DB, port=0, seed=seed)), host="127.0.0.1")
    with pytest.raises(SeedError) as refused:
        await server.start_server()
    await server.close()
    assert expected in str(refused.value), refused.value
