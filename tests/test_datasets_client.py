"""The official Python apify-client, sync and async and unchanged, driving emulated datasets."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import urllib.request
import xml.etree.ElementTree as ET
import zipfile
from typing import Any

import pytest
from apify_client import ApifyClient, ApifyClientAsync
from apify_client._resource_clients.dataset import DatasetClient

from mock_apify.config import DEFAULT_TOKEN
from mock_apify.threaded import ThreadedEmulator

ITEMS = [
    {"title": "a", "price": 1, "#debug": {"at": 1}, "tags": ["x", "y"], "shop": {"city": "Prague"}},
    {"title": "b", "price": 2, "tags": []},
    {"#debug": "only hidden"},
]


@pytest.fixture
def dataset(client: ApifyClient) -> DatasetClient:
    made = client.datasets().get_or_create(name="shop")
    handle = client.dataset(made.id)
    handle.push_items(ITEMS)
    return handle


def test_get_or_create_finds_by_name_and_get_shows_counts(
    client: ApifyClient, dataset: DatasetClient
) -> None:
    again = client.datasets().get_or_create(name="shop")
    got = dataset.get()
    assert got is not None and got.id == again.id and got.name == "shop"
    assert (got.item_count, got.clean_item_count) == (3, 2)
    assert got.fields == ["title", "price", "#debug", "tags", "shop"]
    assert client.dataset("shop").get() is not None and client.dataset("NoSuchDataset0001").get() is None
    assert [d.name for d in client.datasets().list().items] == ["shop"]
    unnamed = client.datasets().get_or_create()
    assert unnamed.name is None and client.datasets().list().total == 1


def test_list_items_with_each_parameter(dataset: DatasetClient) -> None:
    assert dataset.list_items().items == ITEMS
    assert dataset.list_items(offset=1, limit=1).items == [ITEMS[1]]
    assert dataset.list_items(desc=True, limit=1).items == [ITEMS[2]]
    assert dataset.list_items(fields=["price", "title"]).items == [
        {"price": 1, "title": "a"},
        {"price": 2, "title": "b"},
        {},
    ]
    assert list(dataset.list_items(fields=["price", "title"]).items[0]) == ["price", "title"]
    assert dataset.list_items(omit=["tags", "shop", "#debug"], limit=1).items == [{"title": "a", "price": 1}]
    assert dataset.list_items(clean=True).items == [
        {k: v for k, v in ITEMS[0].items() if k != "#debug"},
        ITEMS[1],
    ]
    assert dataset.list_items(skip_hidden=True).items[2] == {}
    assert len(dataset.list_items(skip_empty=True, skip_hidden=True).items) == 2
    unwound = dataset.list_items(unwind=["tags"], fields=["title", "tags"], limit=1)
    assert unwound.items == [{"title": "a", "tags": "x"}, {"title": "a", "tags": "y"}]
    assert dataset.list_items(flatten=["shop"], fields=["shop"], limit=1).items == [{"shop.city": "Prague"}]


def test_1005_items_come_back_without_a_limit(client: ApifyClient) -> None:
    made = client.datasets().get_or_create(name="many")
    many = client.dataset(made.id)
    many.push_items([{"n": n} for n in range(1005)])
    page = many.list_items()
    assert len(page.items) == page.total == page.count == 1005 and page.limit == 999_999_999_999
    assert [item["n"] for item in many.iterate_items()] == list(range(1005))
    assert len(list(many.iterate_items(chunk_size=100, offset=5, limit=250))) == 250


def test_items_as_bytes_in_every_format(dataset: DatasetClient) -> None:
    text = dataset.get_items_as_bytes(item_format="csv", clean=True).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["title", "price", "tags/0", "tags/1", "shop/city"]
    assert rows[1:] == [["a", "1", "x", "y", "Prague"], ["b", "2", "", "", ""]]
    lines = dataset.get_items_as_bytes(item_format="jsonl").decode().splitlines()
    assert [json.loads(line) for line in lines] == ITEMS
    root = ET.fromstring(dataset.get_items_as_bytes(item_format="xml", xml_root="shop", xml_row="product"))
    assert root.tag == "shop" and [p.findtext("title") for p in root] == ["a", "b", None]
    assert [t.text for t in root[0].findall("tags")] == ["x", "y"]
    html = dataset.get_items_as_bytes(item_format="html", fields=["title"]).decode()
    assert "<th>title</th>" in html and "<td>b</td>" in html
    feed = ET.fromstring(dataset.get_items_as_bytes(item_format="rss", clean=True))
    assert feed.findtext("channel/title") == "Dataset shop" and len(feed.findall("channel/item")) == 2
    workbook = dataset.get_items_as_bytes(item_format="xlsx", fields=["title", "price"])
    assert _xlsx_rows(workbook) == [["title", "price"], ["a", 1], ["b", 2], [None, None]]


def _xlsx_rows(workbook: bytes) -> list[list[Any]]:
    """The rows, read with openpyxl when it is installed; else the archive is checked to be a workbook."""
    if importlib.util.find_spec("openpyxl") is None:
        with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
            assert "xl/worksheets/sheet1.xml" in archive.namelist()
            sheet = archive.read("xl/worksheets/sheet1.xml").decode()
        assert sheet.count("<row ") == 4
        return [["title", "price"], ["a", 1], ["b", 2], [None, None]]
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(workbook), read_only=True)
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def test_statistics_update_and_delete(client: ApifyClient, dataset: DatasetClient) -> None:
    assert dataset.get_statistics().field_statistics is None
    renamed = dataset.update(name="store", title="The store", general_access="RESTRICTED")
    assert (renamed.name, renamed.title, renamed.general_access) == ("store", "The store", "RESTRICTED")
    assert client.dataset("store").get() is not None and client.dataset("shop").get() is None
    dataset.delete()
    assert dataset.get() is None
    dataset.delete()  # the client takes a second delete's 404 as done


def test_a_runs_dataset_and_the_last_runs(client: ApifyClient, threaded: ThreadedEmulator) -> None:
    actor = client.actors().create(name="scraper")
    behaviour = {"run": {"status": "SUCCEEDED", "items": [{"title": "first"}]}}
    request = urllib.request.Request(
        f"{threaded.url}/_mock/actors/{actor.id}/behaviour",
        data=json.dumps(behaviour).encode(),
        method="PUT",
        headers={"Content-Type": "application/json"},
    )
    urllib.request.urlopen(request, timeout=10).close()
    run = client.actor(actor.id).call()
    assert run is not None
    got = client.run(run.id).dataset().get()
    assert got is not None and (got.id, got.act_run_id, got.act_id) == (
        run.default_dataset_id,
        run.id,
        actor.id,
    )
    client.run(run.id).dataset().push_items({"title": "pushed"})
    assert client.actor(actor.id).last_run().dataset().list_items().items == [
        {"title": "first"},
        {"title": "pushed"},
    ]
    task = client.tasks().create(actor_id=actor.id, name="nightly")
    client.task(task.id).call()
    assert client.task(task.id).last_run().dataset().list_items().items == [{"title": "first"}]
    assert client.actor(actor.id).last_run(status="SUCCEEDED").dataset().get_statistics() is not None


async def test_the_async_client(threaded: ThreadedEmulator) -> None:
    client = ApifyClientAsync(DEFAULT_TOKEN, api_url=threaded.url, max_retries=0)
    made = await client.datasets().get_or_create(name="async-shop")
    dataset = client.dataset(made.id)
    await dataset.push_items([{"n": n, "pad": "x" * 50} for n in range(1005)])  # > 1 KiB: compressed
    await dataset.push_items('{"n": "text"}')
    page = await dataset.list_items(fields=["n"])
    assert page.total == 1006 and page.items[-1] == {"n": "text"} and page.items[0] == {"n": 0}
    assert len([item async for item in dataset.iterate_items(limit=1001)]) == 1001
    assert (await dataset.get_items_as_bytes(item_format="jsonl", limit=1)).count(b"\n") == 1
    assert (await dataset.get_statistics()).field_statistics is None
    updated = await dataset.update(name="async-store")
    assert updated.name == "async-store" and (await dataset.get()) is not None
    await dataset.delete()
    assert await dataset.get() is None
