"""The official Python apify-client, sync and async, reading and writing key-value stores: a run's
INPUT and OUTPUT, records of any content type, keys, named stores, and a task's input."""

from __future__ import annotations

import pytest
from apify_client import ApifyClient, ApifyClientAsync

from conftest import control
from mock_apify.config import DEFAULT_TOKEN
from mock_apify.threaded import ThreadedEmulator


@pytest.fixture
def actor_id(client: ApifyClient, threaded: ThreadedEmulator) -> str:
    actor = client.actors().create(name="reporter")
    behaviour = {
        "run": {"output": {"pages": 3}, "records": {"note.txt": {"value": "hi", "contentType": "text/plain"}}}
    }
    control(threaded, "PUT", f"/_mock/actors/{actor.id}/behaviour", behaviour)
    return actor.id


def test_a_runs_output_and_input(client: ApifyClient, actor_id: str) -> None:
    run = client.actor(actor_id).call(run_input={"url": "https://example.com"}, logger=None)
    assert run is not None
    store = client.run(run.id).key_value_store()
    output = store.get_record("OUTPUT")
    assert output is not None and output["value"] == {"pages": 3}
    assert output["content_type"].startswith("application/json")
    run_input = store.get_record("INPUT")
    assert run_input is not None and run_input["value"] == {"url": "https://example.com"}
    note = store.get_record("note.txt")
    assert note is not None and (note["value"], note["content_type"]) == ("hi", "text/plain")
    assert store.get_record("missing") is None
    last = client.actor(actor_id).last_run().key_value_store().get_record("OUTPUT")
    assert last is not None and last["value"] == {"pages": 3}
    info = store.get()
    assert info is not None and info.id == run.default_key_value_store_id and info.act_run_id == run.id


def test_set_exists_delete_and_list_keys(client: ApifyClient, actor_id: str) -> None:
    run = client.actor(actor_id).call(logger=None)
    assert run is not None
    store = client.run(run.id).key_value_store()
    store.set_record("image-1", b"\x89PNG\x00", content_type="image/png")
    store.set_record("image-2", "x" * 5000)  # large enough for the client to gzip it
    store.set_record("data", {"a": [1, 2]})
    image = store.get_record("image-1")
    assert image is not None and (image["value"], image["content_type"]) == (b"\x89PNG\x00", "image/png")
    big = store.get_record("image-2")
    assert big is not None and big["value"] == "x" * 5000
    assert store.record_exists("data") and not store.record_exists("nothing")
    store.delete_record("data")
    assert not store.record_exists("data")
    page = store.list_keys(prefix="image-", limit=1)
    assert [item.key for item in page.items] == ["image-1"] and page.is_truncated
    rest = store.list_keys(prefix="image-", exclusive_start_key=page.next_exclusive_start_key)
    assert [item.key for item in rest.items] == ["image-2"] and not rest.is_truncated
    assert [item.key for item in store.iterate_keys()] == [
        "INPUT",
        "OUTPUT",
        "image-1",
        "image-2",
        "note.txt",
    ]


def test_named_stores(client: ApifyClient) -> None:
    store = client.key_value_stores().get_or_create(name="results")
    assert client.key_value_stores().get_or_create(name="results").id == store.id
    assert [item.id for item in client.key_value_stores().list().items] == [store.id]
    renamed = client.key_value_store(store.id).update(name="final-results")
    assert renamed.name == "final-results"
    fetched = client.key_value_store(store.id).get()
    assert fetched is not None and fetched.name == "final-results"
    client.key_value_store(store.id).delete()
    assert client.key_value_store(store.id).get() is None


def test_task_input(client: ApifyClient, actor_id: str) -> None:
    task = client.tasks().create(actor_id=actor_id, name="daily", task_input={"depth": 1})
    assert client.task(task.id).get_input() == {"depth": 1}
    assert client.task(task.id).update_input(task_input={"depth": 2, "fast": True}) == {
        "depth": 2,
        "fast": True,
    }
    run = client.task(task.id).call()
    assert run is not None
    run_input = client.task(task.id).last_run().key_value_store().get_record("INPUT")
    assert run_input is not None and run_input["value"] == {"depth": 2, "fast": True}


async def test_async_client(threaded: ThreadedEmulator, actor_id: str) -> None:
    client = ApifyClientAsync(DEFAULT_TOKEN, api_url=threaded.url, max_retries=0)
    run = await client.actor(actor_id).call(run_input={"q": 1}, logger=None)
    assert run is not None
    store = client.run(run.id).key_value_store()
    assert (await store.get_record("OUTPUT") or {}).get("value") == {"pages": 3}
    assert (await store.get_record("INPUT") or {}).get("value") == {"q": 1}
    await store.set_record("more", "text", content_type="text/plain")
    assert await store.record_exists("more")
    await store.delete_record("more")
    assert not await store.record_exists("more")
    assert [item.key for item in (await store.list_keys(limit=1)).items] == ["INPUT"]
    named = await client.key_value_stores().get_or_create(name="async-results")
    assert (await client.key_value_store(named.id).update(name="renamed")).name == "renamed"
    await client.key_value_store(named.id).delete()
    assert await client.key_value_store(named.id).get() is None
    last = await client.actor(actor_id).last_run().key_value_store().get_record("OUTPUT")
    assert last is not None and last["value"] == {"pages": 3}
    task = await client.tasks().create(actor_id=actor_id, name="async-task", task_input={"a": 1})
    assert await client.task(task.id).update_input(task_input={"b": 2}) == {"a": 1, "b": 2}
    assert await client.task(task.id).get_input() == {"a": 1, "b": 2}
