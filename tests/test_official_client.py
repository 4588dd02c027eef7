"""The official Python apify-client (sync and async) against a real emulator on 127.0.0.1."""

from __future__ import annotations

import pytest
from apify_client import ApifyClient, ApifyClientAsync
from apify_client.errors import InvalidRequestError, UnauthorizedError

from mock_apify.config import DEFAULT_TOKEN
from mock_apify.threaded import ThreadedEmulator

EVENTS = ["ACTOR.RUN.SUCCEEDED", "ACTOR.RUN.FAILED"]


@pytest.fixture
def actor_id(client: ApifyClient) -> str:
    return client.actors().create(name="my-actor").id


@pytest.fixture
def task_id(client: ApifyClient, actor_id: str) -> str:
    return client.tasks().create(actor_id=actor_id, name="my-task").id


def test_actor_and_task_lookups(client: ApifyClient, actor_id: str, task_id: str) -> None:
    actor = client.actor(actor_id).get()
    assert actor is not None and actor.name == "my-actor"
    assert client.actor("mock-user/my-actor").get() is not None
    task = client.task(task_id).get()
    assert task is not None and task.act_id == actor_id
    assert client.actor("abcdefghijklmnopq").get() is None
    assert client.task("abcdefghijklmnopq").get() is None


def test_create_with_every_field_get_update_delete(client: ApifyClient, actor_id: str) -> None:
    created = client.webhooks().create(
        event_types=EVENTS,
        request_url="http://127.0.0.1:9/hook",
        payload_template='{"id": {{resource.id}}}',
        headers_template='{"X-Hook": "yes"}',
        actor_id=actor_id,
        ignore_ssl_errors=True,
        do_not_retry=True,
        idempotency_key="client-key",
    )
    assert created.condition.actor_id == actor_id
    assert created.ignore_ssl_errors is True and created.do_not_retry is True
    assert created.payload_template == '{"id": {{resource.id}}}'
    assert [getattr(e, "value", e) for e in created.event_types] == EVENTS

    fetched = client.webhook(created.id).get()
    assert fetched is not None and fetched.id == created.id and fetched.stats.total_dispatches == 0

    updated = client.webhook(created.id).update(request_url="https://example.com/other", do_not_retry=False)
    assert str(updated.request_url) == "https://example.com/other"
    assert updated.do_not_retry is False and updated.payload_template == created.payload_template

    client.webhook(created.id).delete()
    assert client.webhook(created.id).get() is None
    client.webhook(created.id).delete()  # the client swallows the 404


def test_get_of_unknown_ids_returns_none(client: ApifyClient) -> None:
    for webhook_id in ("NoNeXiStEnTwH", "non-existent-id", "abcdefghijklmnopq"):
        assert client.webhook(webhook_id).get() is None


def test_list_and_iterate_with_limit_offset_desc(client: ApifyClient, actor_id: str) -> None:
    ids = [
        client.webhooks()
        .create(event_types=EVENTS, request_url=f"http://127.0.0.1:9/{i}", actor_id=actor_id)
        .id
        for i in range(5)
    ]
    page = client.webhooks().list()
    assert page.total == 5 and [w.id for w in page.items] == ids
    page = client.webhooks().list(limit=2, offset=1)
    assert [w.id for w in page.items] == ids[1:3] and page.limit == 2
    page = client.webhooks().list(desc=True, limit=2)
    assert [w.id for w in page.items] == ids[::-1][:2]
    assert [w.id for w in client.webhooks().iterate()] == ids
    assert [w.id for w in client.webhooks().iterate(desc=True, offset=1, limit=3)] == ids[::-1][1:4]


def test_actor_and_task_webhook_lists(client: ApifyClient, actor_id: str, task_id: str) -> None:
    on_actor = client.webhooks().create(
        event_types=EVENTS, request_url="http://127.0.0.1:9/a", actor_id=actor_id
    )
    on_task = client.webhooks().create(
        event_types=EVENTS, request_url="http://127.0.0.1:9/t", actor_task_id=task_id
    )
    assert [w.id for w in client.actor(actor_id).webhooks().list().items] == [on_actor.id]
    assert [w.id for w in client.task(task_id).webhooks().list().items] == [on_task.id]


def test_errors_arrive_as_the_clients_error_classes(threaded: ThreadedEmulator, client: ApifyClient) -> None:
    with pytest.raises(InvalidRequestError) as bad:
        client.webhooks().create(event_types=["TEST"], request_url="not a url", actor_id="abcdefghijklmnopq")
    assert bad.value.type == "schema-validation" and "requestUrl" in bad.value.message
    stranger = ApifyClient("wrong-token", api_url=threaded.url, max_retries=0)
    with pytest.raises(UnauthorizedError) as denied:
        stranger.webhooks().list()
    assert denied.value.type == "user-or-token-not-found"


async def test_async_client(threaded: ThreadedEmulator) -> None:
    client = ApifyClientAsync(DEFAULT_TOKEN, api_url=threaded.url, max_retries=0)
    actor = await client.actors().create(name="async-actor")
    created = await client.webhooks().create(
        event_types=EVENTS, request_url="http://127.0.0.1:9/x", actor_id=actor.id, description="d" * 3000
    )  # a body over 1 KiB, which the client gzips
    fetched = await client.webhook(created.id).get()
    assert fetched is not None and fetched.description == "d" * 3000
    assert (await client.webhook("NoNeXiStEnTwH").get()) is None
    updated = await client.webhook(created.id).update(event_types=["ACTOR.RUN.ABORTED"])
    assert [getattr(e, "value", e) for e in updated.event_types] == ["ACTOR.RUN.ABORTED"]
    assert [w.id async for w in client.webhooks().iterate()] == [created.id]
    assert (await client.actor(actor.id).webhooks().list()).total == 1
    await client.webhook(created.id).delete()
    assert (await client.webhooks().list()).total == 0
    with pytest.raises(UnauthorizedError):
        await ApifyClientAsync("bad", api_url=threaded.url, max_retries=0).webhooks().list()


def test_many_threads_do_not_share_state(config: object) -> None:
    """Two emulators in one process are independent (no global state)."""
    from mock_apify import Config
    from mock_apify.config import MEMORY_DB

    with (
        ThreadedEmulator(Config(db=MEMORY_DB, port=0, no_seed=True)) as one,
        ThreadedEmulator(Config(db=MEMORY_DB, port=0, no_seed=True)) as two,
    ):
        ApifyClient(DEFAULT_TOKEN, api_url=one.url, max_retries=0).actors().create(name="only-in-one")
        assert ApifyClient(DEFAULT_TOKEN, api_url=two.url, max_retries=0).actors().list().total == 0


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """The client must reach 127.0.0.1 directly even where a proxy is configured."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


def test_actor_create_with_client_only_fields(client: ApifyClient) -> None:
    actor = client.actors().create(
        name="standby", is_deprecated=False, actor_permission_level="LIMITED_PERMISSIONS"
    )
    fetched = client.actor(actor.id).get()
    assert fetched is not None and fetched.is_deprecated is False


def test_webhook_test_and_dispatch_listings(client: ApifyClient, actor_id: str) -> None:
    webhook = client.webhooks().create(
        event_types=EVENTS, request_url="http://127.0.0.1:9/closed", actor_id=actor_id, do_not_retry=True
    )
    dispatch = client.webhook(webhook.id).test()
    assert dispatch is not None and dispatch.id and dispatch.status == "ACTIVE"
    assert [d.id for d in client.webhook(webhook.id).dispatches().list().items] == [dispatch.id]
    assert [d.id for d in client.webhook_dispatches().list().items] == [dispatch.id]
    assert [d.id for d in client.webhook_dispatches().iterate(desc=True)] == [dispatch.id]
    fetched = client.webhook_dispatch(dispatch.id).get()
    assert fetched is not None and fetched.webhook_id == webhook.id
    assert client.webhook_dispatch("NoNeXiStEnTwH").get() is None
