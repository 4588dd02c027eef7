"""Key-value stores over raw HTTP: stores by ID and name, records served exactly as stored, keys
paged by `exclusiveStartKey`, and a run's default store with its INPUT and OUTPUT records."""

from __future__ import annotations

import gzip
import zlib
from typing import Any

import brotli
import pytest
from multidict import CIMultiDictProxy

from conftest import Api
from mock_apify import Config
from mock_apify.config import DEFAULT_USERNAME, MEMORY_DB


@pytest.fixture
def config() -> Config:
    return Config(db=MEMORY_DB, no_seed=True, port=0, clock="virtual")


async def raw(
    api: Api,
    method: str,
    path: str,
    *,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
    auth: bool = True,
) -> tuple[int, bytes, CIMultiDictProxy[str]]:
    """A call whose answer is kept as bytes: records are not JSON-wrapped."""
    sent = dict(headers or {})
    if auth:
        sent["Authorization"] = f"Bearer {api.token}"
    async with api.session.request(
        method, api.url + path, data=data, headers=sent, params=params
    ) as response:
        return response.status, await response.read(), response.headers


async def new_store(api: Api, name: str | None = None) -> dict[str, Any]:
    status, body, _ = await api.call("POST", "/v2/key-value-stores", params={"name": name} if name else None)
    assert status == 201, body
    return body["data"]  # type: ignore[no-any-return]


async def finished_run(api: Api, actor_id: str, body: bytes = b"", content_type: str | None = None) -> Any:
    headers = {"Content-Type": content_type} if content_type else {}
    status, reply, _ = await api.call(
        "POST", f"/v2/actors/{actor_id}/runs", data=body, headers=headers, params={"waitForFinish": "10"}
    )
    assert status == 201, reply
    assert reply["data"]["status"] in ("SUCCEEDED", "FAILED"), reply
    return reply["data"]


async def test_get_or_create_by_name_and_read_it_by_id_or_name(api: Api) -> None:
    store = await new_store(api, "my-store")
    status, body, _ = await api.call("POST", "/v2/key-value-stores", params={"name": "my-store"})
    assert status == 200 and body["data"]["id"] == store["id"]
    assert store["name"] == "my-store" and store["username"] == DEFAULT_USERNAME and store["actRunId"] is None
    assert {"createdAt", "modifiedAt", "accessedAt", "userId", "stats"} <= set(store)
    for ref in (store["id"], "~my-store", f"{DEFAULT_USERNAME}~my-store"):
        status, body, _ = await api.call("GET", f"/v2/key-value-stores/{ref}")
        assert status == 200 and body["data"]["id"] == store["id"], ref
    status, body, _ = await api.call("GET", "/v2/key-value-stores/someone-else~my-store")
    assert status == 404 and body["error"]["type"] == "record-not-found"


async def test_a_store_without_a_name_is_listed_only_with_unnamed(api: Api) -> None:
    named = await new_store(api, "listed")
    unnamed = await new_store(api)
    assert unnamed["name"] is None
    _, body, _ = await api.call("GET", "/v2/key-value-stores")
    assert [item["id"] for item in body["data"]["items"]] == [named["id"]]
    _, body, _ = await api.call("GET", "/v2/key-value-stores", params={"unnamed": "1", "desc": "1"})
    assert [item["id"] for item in body["data"]["items"]] == [unnamed["id"], named["id"]]
    assert body["data"]["total"] == 2


async def test_rename_and_delete(api: Api) -> None:
    store = await new_store(api, "before")
    await new_store(api, "taken")
    status, body, _ = await api.call("PUT", f"/v2/key-value-stores/{store['id']}", json={"name": "after"})
    assert status == 200 and body["data"]["name"] == "after"
    status, body, _ = await api.call("PUT", f"/v2/key-value-stores/{store['id']}", json={"name": "taken"})
    assert status == 400 and "taken" in body["error"]["message"]
    status, body, _ = await api.call("PUT", f"/v2/key-value-stores/{store['id']}", json={"name": "no spaces"})
    assert status == 400 and body["error"]["type"] == "schema-validation"
    status, _, _ = await api.call("DELETE", "/v2/key-value-stores/~after")
    assert status == 204
    status, body, _ = await api.call("GET", f"/v2/key-value-stores/{store['id']}")
    assert status == 404 and body["error"]["type"] == "record-not-found"


async def test_a_bad_store_name_is_refused(api: Api) -> None:
    status, body, _ = await api.call("POST", "/v2/key-value-stores", params={"name": "a/b"})
    assert status == 400 and body["error"]["type"] == "invalid-parameter"


async def test_a_record_is_served_exactly_as_stored(api: Api) -> None:
    store = await new_store(api)
    path = f"/v2/key-value-stores/{store['id']}/records/page.html"
    html = "<p>héllo</p>".encode()
    status, body, headers = await raw(
        api, "PUT", path, data=html, headers={"Content-Type": "text/html; charset=utf-8"}
    )
    assert status == 201 and body.strip() == b"{}" and headers["Location"].endswith(path)
    status, body, headers = await raw(api, "GET", path)
    assert (status, body, headers["Content-Type"]) == (200, html, "text/html; charset=utf-8")
    assert "Content-Disposition" not in headers and "Location" not in headers
    _, _, headers = await raw(api, "GET", path, params={"attachment": "1"})
    assert headers["Content-Disposition"] == 'attachment; filename="page.html"'
    status, body, _ = await raw(api, "GET", path, auth=False)  # anyone with the store's ID
    assert (status, body) == (200, html)


@pytest.mark.parametrize("encoding", ["gzip", "br", "deflate"])
async def test_compressed_bodies_are_stored_decoded(api: Api, encoding: str) -> None:
    store = await new_store(api)
    value = b'{"big": "' + b"x" * 5000 + b'"}'
    packed = {
        "gzip": gzip.compress,
        "br": brotli.compress,
        "deflate": zlib.compress,
    }
    path = f"/v2/key-value-stores/{store['id']}/records/packed"
    headers = {"Content-Type": "application/json", "Content-Encoding": encoding}
    status, _, _ = await raw(api, "PUT", path, data=packed[encoding](value), headers=headers)
    assert status == 201
    assert (await raw(api, "GET", path))[1] == value


async def test_head_says_whether_a_record_exists(api: Api) -> None:
    store = await new_store(api)
    path = f"/v2/key-value-stores/{store['id']}/records"
    await raw(api, "POST", f"{path}/there", data=b"1", headers={"Content-Type": "text/plain"})
    status, body, headers = await raw(api, "HEAD", f"{path}/there")
    assert (status, body, headers["Content-Type"]) == (200, b"", "text/plain")
    assert (await raw(api, "HEAD", f"{path}/missing"))[0] == 404


async def test_delete_record(api: Api) -> None:
    store = await new_store(api)
    path = f"/v2/key-value-stores/{store['id']}/records/doomed"
    await raw(api, "PUT", path, data=b"x", headers={"Content-Type": "text/plain"})
    assert (await raw(api, "DELETE", path))[0] == 204
    assert (await raw(api, "DELETE", path))[0] == 204  # gone either way
    status, body, _ = await api.call("GET", path)
    assert status == 404 and body["error"] == {"type": "record-not-found", "message": "Record was not found"}
    _, body, _ = await api.call("GET", f"/v2/key-value-stores/{store['id']}")
    assert body["data"]["stats"] == {"writeCount": 1, "deleteCount": 1, "storageBytes": 0}


@pytest.mark.parametrize("key", ["a%20b", "x" * 257, "semi%3Bcolon", "%C3%BC"])
async def test_a_bad_record_key_is_a_400(api: Api, key: str) -> None:
    store = await new_store(api)
    for method in ("GET", "PUT", "DELETE"):
        status, body, _ = await api.call(method, f"/v2/key-value-stores/{store['id']}/records/{key}")
        assert status == 400 and body["error"]["type"] == "invalid-parameter", (method, body)
        assert "256 characters" in body["error"]["message"]


async def test_keys_are_paged_in_key_order(api: Api) -> None:
    store = await new_store(api)
    for key in ("b", "a", "img-2", "img-1", "c"):
        await raw(api, "PUT", f"/v2/key-value-stores/{store['id']}/records/{key}", data=key.encode())
    path = f"/v2/key-value-stores/{store['id']}/keys"
    _, body, _ = await api.call("GET", path, params={"limit": "2"})
    page = body["data"]
    assert [item["key"] for item in page["items"]] == ["a", "b"]
    assert page | {"items": None} == {
        "items": None,
        "count": 2,
        "limit": 2,
        "exclusiveStartKey": None,
        "isTruncated": True,
        "nextExclusiveStartKey": "b",
    }
    assert page["items"][0]["size"] == 1 and page["items"][0]["recordPublicUrl"].endswith("/records/a")
    _, body, _ = await api.call("GET", path, params={"exclusiveStartKey": "b", "limit": "2"})
    assert [item["key"] for item in body["data"]["items"]] == ["c", "img-1"]
    _, body, _ = await api.call("GET", path, params={"exclusiveStartKey": "img-1"})
    assert [item["key"] for item in body["data"]["items"]] == ["img-2"] and not body["data"]["isTruncated"]
    _, body, _ = await api.call("GET", path, params={"prefix": "img-"})
    assert [item["key"] for item in body["data"]["items"]] == ["img-1", "img-2"]


async def test_a_runs_input_is_its_INPUT_record_as_sent(api: Api) -> None:
    actor = await api.create_actor()
    run = await finished_run(api, actor["id"], b"plain words", "text/plain")
    status, body, headers = await raw(api, "GET", f"/v2/actor-runs/{run['id']}/key-value-store/records/INPUT")
    assert (status, body, headers["Content-Type"]) == (200, b"plain words", "text/plain")
    status, reply, _ = await api.call("GET", f"/v2/actor-runs/{run['id']}/key-value-store")
    assert reply["data"]["id"] == run["defaultKeyValueStoreId"] and reply["data"]["actRunId"] == run["id"]
    empty = await finished_run(api, actor["id"])
    assert (await raw(api, "GET", f"/v2/actor-runs/{empty['id']}/key-value-store/records/INPUT"))[0] == 404


async def test_a_task_runs_input_is_the_task_input_with_the_body_over_it(api: Api) -> None:
    actor = await api.create_actor()
    status, body, _ = await api.call(
        "POST", "/v2/actor-tasks", json={"actId": actor["id"], "name": "t", "input": {"a": 1, "b": 1}}
    )
    task = body["data"]
    status, body, _ = await api.call("POST", f"/v2/actor-tasks/{task['id']}/runs", json={"b": 2})
    assert status == 201
    status, body, _ = await api.call(
        "GET", f"/v2/actor-tasks/{task['id']}/runs/last/key-value-store/records/INPUT"
    )
    assert status == 200 and body == {"a": 1, "b": 2}


async def test_every_build_has_a_default_store(api: Api) -> None:
    actor = await api.create_actor()
    _, body, _ = await api.call("POST", f"/v2/actors/{actor['id']}/builds")
    store_id = body["data"]["defaultKeyValueStoreId"]
    status, body, _ = await api.call("GET", f"/v2/key-value-stores/{store_id}")
    assert status == 200 and body["data"]["actId"] == actor["id"] and body["data"]["actRunId"] is None


async def test_the_behaviour_writes_output_and_records(api: Api) -> None:
    actor = await api.create_actor()
    behaviour = {
        "run": {
            "output": "<b>done</b>",
            "outputContentType": "text/html",
            "records": {
                "stats.json": {"value": {"pages": 3}},
                "log.txt": {"value": "ok", "contentType": "text/plain"},
            },
        }
    }
    status, _, _ = await api.call("PUT", f"/_mock/actors/{actor['id']}/behaviour", json=behaviour, auth=False)
    assert status == 200
    await finished_run(api, actor["id"])
    base = f"/v2/actors/{actor['id']}/runs/last/key-value-store"
    status, body, headers = await raw(api, "GET", f"{base}/records/OUTPUT")
    assert (status, body, headers["Content-Type"]) == (200, b"<b>done</b>", "text/html")
    _, body, _ = await api.call("GET", f"{base}/records/stats.json")
    assert body == {"pages": 3}
    _, body, _ = await api.call("GET", f"{base}/keys")
    assert [item["key"] for item in body["data"]["items"]] == ["OUTPUT", "log.txt", "stats.json"]


async def test_a_failed_run_writes_its_records_but_no_output(api: Api) -> None:
    actor = await api.create_actor()
    behaviour = {"run": {"status": "FAILED", "output": {"x": 1}, "records": {"error": {"value": "boom"}}}}
    await api.call("PUT", f"/_mock/actors/{actor['id']}/behaviour", json=behaviour, auth=False)
    run = await finished_run(api, actor["id"])
    base = f"/v2/actor-runs/{run['id']}/key-value-store/records"
    assert (await api.call("GET", f"{base}/error"))[1] == "boom"
    assert (await api.call("GET", f"{base}/OUTPUT"))[0] == 404


@pytest.mark.parametrize(
    "run",
    [
        {"output": {"x": 1}, "outputContentType": "text/plain"},
        {"records": {"bad key": {"value": 1}}},
        {"records": {"k": {"value": 1, "contentType": "image/png"}}},
    ],
)
async def test_a_behaviour_whose_records_cannot_be_stored_is_refused(api: Api, run: dict[str, Any]) -> None:
    actor = await api.create_actor()
    status, body, _ = await api.call(
        "PUT", f"/_mock/actors/{actor['id']}/behaviour", json={"run": run}, auth=False
    )
    assert status == 400 and body["error"]["type"] == "invalid-request", body


async def test_last_run_paths_take_status(api: Api) -> None:
    actor = await api.create_actor()
    await api.call("PUT", f"/_mock/actors/{actor['id']}/behaviour", json={"run": {"output": 1}}, auth=False)
    await finished_run(api, actor["id"])
    await api.call(
        "PUT", f"/_mock/actors/{actor['id']}/behaviour", json={"run": {"status": "FAILED"}}, auth=False
    )
    await finished_run(api, actor["id"])
    path = f"/v2/actors/{actor['id']}/runs/last/key-value-store/records/OUTPUT"
    assert (await api.call("GET", path))[0] == 404
    assert (await api.call("GET", path, params={"status": "SUCCEEDED"}))[1] == 1


async def test_records_written_through_a_run_path(api: Api) -> None:
    actor = await api.create_actor()
    run = await finished_run(api, actor["id"])
    path = f"/v2/actor-runs/{run['id']}/key-value-store/records/extra"
    assert (await raw(api, "PUT", path, data=b"[1]", headers={"Content-Type": "application/json"}))[0] == 201
    assert (await api.call("GET", f"/v2/key-value-stores/{run['defaultKeyValueStoreId']}/records/extra"))[
        1
    ] == [1]
    assert (await raw(api, "DELETE", path))[0] == 204
    assert (await raw(api, "PUT", path, data=b"x", auth=False))[0] == 401


async def test_task_input(api: Api) -> None:
    actor = await api.create_actor()
    task = await api.create_task(actor["id"])
    status, body, _ = await api.call("GET", f"/v2/actor-tasks/{task['id']}/input")
    assert (status, body) == (200, {})
    status, body, _ = await api.call("PUT", f"/v2/actor-tasks/{task['id']}/input", json={"a": 1})
    assert (status, body) == (200, {"a": 1})
    status, body, _ = await api.call("PUT", f"/v2/actor-tasks/~{task['name']}/input", json={"b": 2})
    assert (status, body) == (200, {"a": 1, "b": 2})
    _, body, _ = await api.call("GET", f"/v2/actor-tasks/{task['id']}")
    assert body["data"]["input"] == {"a": 1, "b": 2}
    status, body, _ = await api.call("PUT", f"/v2/actor-tasks/{task['id']}/input", json=[1])
    assert status == 400


async def test_a_record_with_a_content_type_that_is_not_ascii_is_refused(api: Api) -> None:
    store = await new_store(api)
    path = f"/v2/key-value-stores/{store['id']}/records/k"
    status, body, _ = await api.call("PUT", path, data=b"x", headers={"Content-Type": "text/plain; x=\u00e9"})
    assert status == 400 and body["error"]["type"] == "invalid-request"


async def test_a_user_reset_deletes_the_users_stores_and_records(api: Api) -> None:
    user = await api.new_user()
    status, body, _ = await api.call(
        "POST", "/v2/key-value-stores", params={"name": "gone"}, token=user["token"]
    )
    store_id = body["data"]["id"]
    path = f"/v2/key-value-stores/{store_id}/records/k"
    status, _, _ = await api.call(
        "PUT", path, data=b"v", headers={"Content-Type": "text/plain"}, token=user["token"]
    )
    assert status == 201
    mine = await new_store(api, "kept")
    status, _, _ = await api.call("POST", "/_mock/reset", json={"userId": user["id"]}, auth=False)
    assert status == 200
    assert (await api.call("GET", path, token=user["token"]))[0] == 404
    _, body, _ = await api.call("GET", "/v2/key-value-stores", params={"unnamed": "1"}, token=user["token"])
    assert body["data"]["total"] == 0
    assert (await api.call("GET", f"/v2/key-value-stores/{mine['id']}"))[0] == 200
