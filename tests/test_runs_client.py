"""The official Python apify-client driving emulated runs, and an end-to-end integration flow."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from apify_client import ApifyClient, ApifyClientAsync

from conftest import control
from mock_apify.config import DEFAULT_TOKEN
from mock_apify.threaded import ThreadedEmulator


@pytest.fixture
def actor_id(client: ApifyClient, threaded: ThreadedEmulator) -> str:
    actor = client.actors().create(name="scraper")
    control(
        threaded,
        "PUT",
        f"/_mock/actors/{actor.id}/behaviour",
        {"run": {"status": "SUCCEEDED", "items": [{"title": "first"}, {"title": "second"}]}},
    )
    return actor.id


def test_call_waits_for_the_run_and_its_items_are_listed(client: ApifyClient, actor_id: str) -> None:
    run = client.actor(actor_id).call(run_input={"url": "https://example.com"})
    assert run is not None and run.status == "SUCCEEDED" and run.exit_code == 0
    items = client.run(run.id).dataset().list_items()
    assert items.items == [{"title": "first"}, {"title": "second"}] and items.total == 2
    assert client.dataset(run.default_dataset_id).list_items(desc=True, limit=1).items == [
        {"title": "second"}
    ]


def test_task_call(client: ApifyClient, actor_id: str) -> None:
    task = client.tasks().create(actor_id=actor_id, name="nightly", task_input={"depth": 1})
    run = client.task(task.id).call()
    assert run is not None and run.status == "SUCCEEDED" and run.actor_task_id == task.id


def test_start_abort_resurrect(client: ApifyClient, actor_id: str, threaded: ThreadedEmulator) -> None:
    control(threaded, "PUT", f"/_mock/actors/{actor_id}/behaviour", {"run": {"status": None}})
    run = client.actor(actor_id).start(
        webhooks=[
            {"event_types": ["ACTOR.RUN.ABORTED"], "request_url": f"{threaded.url}/_mock/inboxes/aborts"}
        ]
    )
    assert run.status == "READY"
    [hook] = client.webhooks().list().items
    assert hook.is_ad_hoc is True and hook.condition.actor_run_id == run.id
    aborted = client.run(run.id).abort()
    assert aborted.status == "ABORTED"
    resurrected = client.run(run.id).resurrect()
    assert resurrected.status == "RUNNING"
    finished = client.run(run.id).get()
    assert finished is not None and finished.status == "RUNNING"


async def test_async_client_call(threaded: ThreadedEmulator, actor_id: str) -> None:
    client = ApifyClientAsync(DEFAULT_TOKEN, api_url=threaded.url, max_retries=0)
    run = await client.actor(actor_id).call(logger=None)
    assert run is not None and run.status == "SUCCEEDED"
    assert (await client.run(run.id).dataset().list_items()).count == 2


async def test_end_to_end_receiver_fetches_the_results(threaded: ThreadedEmulator, actor_id: str) -> None:
    """An integration's real flow offline: start a run with an ad-hoc webhook; the receiver, on
    ACTOR.RUN.SUCCEEDED, fetches the run's items from the emulator; the test sees them."""
    fetched: asyncio.Queue[list[Any]] = asyncio.Queue()

    async def on_webhook(request: web.Request) -> web.Response:
        payload = await request.json()
        if payload["eventType"] == "ACTOR.RUN.SUCCEEDED":
            dataset_id = payload["resource"]["defaultDatasetId"]
            async with (
                aiohttp.ClientSession() as session,
                session.get(
                    f"{threaded.url}/v2/datasets/{dataset_id}/items", params={"token": DEFAULT_TOKEN}
                ) as response,
            ):
                await fetched.put(await response.json())
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", on_webhook)
    receiver = TestServer(app, host="127.0.0.1")
    await receiver.start_server()
    try:
        client = ApifyClientAsync(DEFAULT_TOKEN, api_url=threaded.url, max_retries=0)
        run = await client.actor(actor_id).start(
            webhooks=[
                {"event_types": ["ACTOR.RUN.SUCCEEDED"], "request_url": str(receiver.make_url("/hook"))}
            ]
        )
        items = await asyncio.wait_for(fetched.get(), 10)
        assert items == [{"title": "first"}, {"title": "second"}]
        dispatches = (await client.webhook_dispatches().list()).items
        assert [d.event_type for d in dispatches] == ["ACTOR.RUN.SUCCEEDED"]
        assert dispatches[0].event_data is not None and dispatches[0].event_data.actor_run_id == run.id
    finally:
        await receiver.close()


def test_last_run_is_the_newest_and_filters_by_status(
    client: ApifyClient, actor_id: str, threaded: ThreadedEmulator
) -> None:
    assert client.actor(actor_id).last_run().get() is None
    first = client.actor(actor_id).call()
    control(threaded, "PUT", f"/_mock/actors/{actor_id}/behaviour", {"run": {"status": "FAILED"}})
    second = client.actor(actor_id).call()
    assert first is not None and second is not None
    last = client.actor(actor_id).last_run().get()
    assert last is not None and last.id == second.id and last.status == "FAILED"
    succeeded = client.actor(actor_id).last_run(status="SUCCEEDED").get()
    assert succeeded is not None and succeeded.id == first.id
    task = client.tasks().create(actor_id=actor_id, name="weekly")
    assert client.task(task.id).last_run().get() is None
    from_task = client.task(task.id).call()
    assert from_task is not None
    task_last = client.task(task.id).last_run().get()
    assert task_last is not None and task_last.id == from_task.id
    assert client.task(task.id).last_run(status="SUCCEEDED").get() is None
