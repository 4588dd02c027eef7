"""Datasets over raw HTTP: exact statuses, headers and bytes of every format and parameter."""

from __future__ import annotations

import gzip
import json
from typing import Any

import brotli
from multidict import CIMultiDictProxy

from conftest import Api

NESTED = [
    {"name": "a", "#secret": 1, "address": {"city": "Brno", "zip": None}, "tags": ["x"]},
    {"name": "b", "tags": ["y", "z"], "extra": True, "errorInfo": "timeout"},
    {"other": {"deep": {"er": [1, {"k": "v"}]}}},
]


async def fetch(api: Api, path: str, token: str | None = None, **params: str) -> tuple[int, bytes, Any]:
    headers = {"Authorization": f"Bearer {token or api.token}"} if token != "" else {}
    async with api.session.get(api.url + path, params=params, headers=headers) as response:
        return response.status, await response.read(), response.headers


async def new_dataset(api: Api, name: str | None = None, items: Any = None) -> dict[str, Any]:
    status, body, _ = await api.call("POST", "/v2/datasets", params={"name": name} if name else None)
    assert status == 201, body
    if items is not None:
        status, pushed, _ = await api.call("POST", f"/v2/datasets/{body['data']['id']}/items", json=items)
        assert status == 201 and pushed == {}, pushed
    return body["data"]  # type: ignore[no-any-return]


def pagination(headers: CIMultiDictProxy[str]) -> list[str]:
    names = ("Offset", "Limit", "Count", "Total", "Desc")
    return [headers[f"X-Apify-Pagination-{name}"] for name in names]


async def test_create_get_or_create_list_and_refer_by_name(api: Api) -> None:
    made = await new_dataset(api, "shop")
    status, again, response = await api.call("POST", "/v2/datasets", params={"name": "shop"})
    assert status == 200 and again["data"]["id"] == made["id"] and "Location" not in response.headers
    await new_dataset(api)
    for ref in (made["id"], "shop", "~shop", f"{(await _me(api))}~shop"):
        status, body, _ = await api.call("GET", f"/v2/datasets/{ref}")
        assert status == 200 and body["data"]["id"] == made["id"], ref
    _, listed, _ = await api.call("GET", "/v2/datasets")
    assert [d["name"] for d in listed["data"]["items"]] == ["shop"] and listed["data"]["unnamed"] is False
    _, listed, _ = await api.call("GET", "/v2/datasets", params={"unnamed": "1", "desc": "1"})
    assert [d["name"] for d in listed["data"]["items"]] == [None, "shop"]
    status, body, _ = await api.call("POST", "/v2/datasets", params={"name": "Not_Valid"})
    assert status == 400 and body["error"]["type"] == "invalid-parameter"


async def _me(api: Api) -> str:
    _, body, _ = await api.call("GET", "/v2/users/me")
    return str(body["data"]["username"])


async def test_update_rename_clash_and_delete(api: Api) -> None:
    first = await new_dataset(api, "first")
    await new_dataset(api, "second")
    status, body, _ = await api.call("PUT", f"/v2/datasets/{first['id']}", json={"name": "second"})
    assert status == 400 and "second" in body["error"]["message"]
    status, body, _ = await api.call("PUT", "/v2/datasets/first", json={"name": None, "unknown": 1})
    assert status == 200 and body["data"]["name"] is None
    status, _, _ = await api.call("DELETE", f"/v2/datasets/{first['id']}")
    assert status == 204
    status, body, _ = await api.call("GET", f"/v2/datasets/{first['id']}")
    assert status == 404 and body["error"]["type"] == "record-not-found"


async def test_push_counts_and_refuses_all_or_nothing(api: Api) -> None:
    dataset = await new_dataset(api, "counts", [{"a": 1}, {"#h": 1}, {}])
    path = f"/v2/datasets/{dataset['id']}/items"
    for body in ([{"ok": 1}, 2], "text", None):
        status, reply, _ = await api.call("POST", path, json=body)
        assert status == 400 and reply["error"]["type"] == "invalid-request", body
    status, reply, _ = await api.call(
        "POST", path, data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert status == 400
    packed = {"gzip": gzip.compress(b'{"z": 1}'), "br": brotli.compress(b'[{"z": 2}]')}
    for encoding, data in packed.items():
        headers = {"Content-Encoding": encoding, "Content-Type": "application/json"}
        status, _, response = await api.call("POST", path, data=data, headers=headers)
        assert status == 201 and response.headers["X-RateLimit-Limit"] == "400"
    _, body, _ = await api.call("GET", f"/v2/datasets/{dataset['id']}")
    assert (body["data"]["itemCount"], body["data"]["cleanItemCount"]) == (5, 3)
    assert body["data"]["fields"] == ["a", "#h", "z"]


async def test_pagination_headers_and_no_default_limit(api: Api) -> None:
    dataset = await new_dataset(api, "paged", [{"n": n} for n in range(1005)])
    path = f"/v2/datasets/{dataset['id']}/items"
    status, raw, headers = await fetch(api, path)
    assert status == 200 and len(json.loads(raw)) == 1005
    assert pagination(headers) == ["0", "999999999999", "1005", "1005", "false"]
    _, raw, headers = await fetch(api, path, offset="1000", limit="10", desc="1")
    assert [item["n"] for item in json.loads(raw)] == [4, 3, 2, 1, 0]
    assert pagination(headers) == ["1000", "10", "5", "1005", "true"]
    _, raw, headers = await fetch(api, path, offset="99999999999999999999")
    assert raw == b"[]" and headers["X-Apify-Pagination-Count"] == "0"


async def test_json_is_pretty_printed_like_every_answer(api: Api) -> None:
    dataset = await new_dataset(api, "pretty", [{"a": [1]}, {"b": {}}])
    _, raw, headers = await fetch(api, f"/v2/datasets/{dataset['id']}/items")
    assert raw == b'[\n  {\n    "a": [\n      1\n    ]\n  },\n  {\n    "b": {}\n  }\n]'
    assert headers["Content-Type"].startswith("application/json")


async def test_csv_of_mixed_shapes(api: Api) -> None:
    dataset = await new_dataset(api, "mixed", NESTED)
    status, raw, headers = await fetch(api, f"/v2/datasets/{dataset['id']}/items", format="csv")
    assert (
        status == 200 and headers["Content-Type"].startswith("text/csv") and raw.startswith(b"\xef\xbb\xbf")
    )
    assert raw.decode("utf-8-sig").splitlines() == [
        "name,#secret,address/city,address/zip,tags/0,tags/1,extra,errorInfo,other/deep/er/0,other/deep/er/1/k",
        "a,1,Brno,,x,,,,,",
        "b,,,,y,z,true,timeout,,",
        ",,,,,,,,1,v",
    ]
    params = {"format": "csv", "delimiter": ";", "skipHeaderRow": "1", "bom": "0", "clean": "1"}
    _, raw, _ = await fetch(api, f"/v2/datasets/{dataset['id']}/items", fields="name,extra", **params)
    assert raw == b"a;\nb;true\n"


async def test_item_parameters(api: Api) -> None:
    dataset = await new_dataset(api, "params", NESTED)
    path = f"/v2/datasets/{dataset['id']}/items"

    async def items(**params: str) -> Any:
        status, raw, _ = await fetch(api, path, **params)
        assert status == 200, raw
        return json.loads(raw)

    assert await items(fields="tags,name", outputFields="labels,title", limit="1") == [
        {"labels": ["x"], "title": "a"}
    ]
    assert await items(skipFailedPages="1", fields="name") == [{"name": "a"}, {}]
    assert await items(unwind="tags", fields="name,tags", limit="2") == [
        {"name": "a", "tags": "x"},
        {"name": "b", "tags": "y"},
        {"name": "b", "tags": "z"},
    ]
    assert await items(unwind="address", fields="name,address", limit="1") == [
        {"name": "a", "city": "Brno", "zip": None}
    ]
    assert await items(flatten="other", offset="2") == [{"other.deep.er.0": 1, "other.deep.er.1.k": "v"}]
    assert await items(omit="tags,address,#secret", limit="1") == [{"name": "a"}]
    assert await items(simplified="1", limit="1") == [{}]
    for bad in (
        {"format": "yaml"},
        {"view": "overview"},
        {"fields": "a", "outputFields": "b,c"},
        {"limit": "-1"},
    ):
        status, raw, _ = await fetch(api, path, **bad)
        assert status == 400 and json.loads(raw)["error"]["type"] == "invalid-parameter", bad


async def test_xml_rss_html_jsonl_and_attachment(api: Api) -> None:
    items = [
        {"@": {"id": "7"}, "#": "ignored", "a b": "<&>", "9x": "\x01ok"},
        {"node": {"@": {"t": "x"}, "#": "txt"}},
    ]
    dataset = await new_dataset(api, "xmlish", items)
    path = f"/v2/datasets/{dataset['id']}/items"
    _, raw, headers = await fetch(api, path, format="xml", attachment="1")
    assert headers["Content-Disposition"] == 'attachment; filename="xmlish.xml"'
    assert raw.decode().splitlines()[1:] == [
        "<items>",
        '<item id="7"><a_b>&lt;&amp;&gt;</a_b><_9x>ok</_9x></item>',
        '<item><node t="x">txt</node></item>',
        "</items>",
    ]
    _, raw, headers = await fetch(api, path, format="rss", feedTitle="T & co", feedDescription="D")
    assert b"<title>T &amp; co</title>" in raw and b"<description>D</description>" in raw
    assert headers["Content-Type"].startswith("application/rss+xml")
    _, raw, _ = await fetch(api, path, format="html", fields="a b")
    assert b"<th>a b</th>" in raw and b"<td>&lt;&amp;&gt;</td>" in raw
    _, raw, _ = await fetch(api, path, format="jsonl", bom="1")
    assert raw.startswith(b"\xef\xbb\xbf{") and raw.count(b"\n") == 2


async def test_head_answers_headers_only(api: Api) -> None:
    dataset = await new_dataset(api, "head", [{"a": 1}])
    async with api.session.head(f"{api.url}/v2/datasets/{dataset['id']}/items") as response:
        assert response.status == 200 and response.headers["X-Apify-Pagination-Total"] == "1"
        assert await response.read() == b""


async def test_a_dataset_is_readable_by_id_without_a_token_and_only_its_owners_with_one(api: Api) -> None:
    dataset = await new_dataset(api, "public", [{"a": 1}])
    for path in (f"/v2/datasets/{dataset['id']}", f"/v2/datasets/{dataset['id']}/items"):
        status, _, _ = await fetch(api, path, token="")
        assert status == 200, path
    status, _, _ = await fetch(api, "/v2/datasets/public", token="")
    assert status == 404
    stranger = (await api.new_user())["token"]
    status, _, _ = await fetch(api, f"/v2/datasets/{dataset['id']}/items", token=stranger)
    assert status == 404
    status, _, _ = await api.call("POST", f"/v2/datasets/{dataset['id']}/items", json={"b": 2}, auth=False)
    assert status == 401


async def test_a_runs_dataset_under_every_path(api: Api) -> None:
    actor = await api.create_actor("scraper")
    status, body, _ = await api.call("POST", f"/v2/actors/{actor['id']}/runs")
    run = body["data"]
    for path in (f"/v2/actor-runs/{run['id']}", f"/v2/actors/{actor['id']}/runs/last"):
        status, _, _ = await api.call("POST", f"{path}/dataset/items", json=[{"via": path}])
        assert status == 201
        status, body, _ = await api.call("GET", f"{path}/dataset")
        assert status == 200 and body["data"]["id"] == run["defaultDatasetId"]
        status, body, _ = await api.call("GET", f"{path}/dataset/statistics")
        assert status == 200 and body == {"data": {"fieldStatistics": None}}
    _, raw, _ = await fetch(api, f"/v2/actors/{actor['id']}/runs/last/dataset/items", status="SUCCEEDED")
    assert len(json.loads(raw)) == 2
    status, _, _ = await api.call("DELETE", f"/v2/actor-runs/{run['id']}/dataset")
    assert status == 204
    status, body, _ = await api.call("GET", f"/v2/actor-runs/{run['id']}/dataset/items")
    assert status == 404 and body["error"]["message"] == "Dataset was not found"


async def test_wiping_a_user_deletes_its_datasets(api: Api) -> None:
    dataset = await new_dataset(api, "wiped", [{"a": 1}])
    status, _, _ = await api.call("POST", "/_mock/reset", json={"userId": dataset["userId"]}, auth=False)
    assert status == 200
    status, _, _ = await api.call("GET", f"/v2/datasets/{dataset['id']}")
    assert status == 404
    assert (await new_dataset(api, "wiped"))["itemCount"] == 0
