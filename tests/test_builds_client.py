"""The official Python apify-client, sync and async, on run lists, run update and delete, the
last run's log and abort, builds, and Actor and task updates: every answer passes the client's
own validation (its pydantic models)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from apify_client import ApifyClient, ApifyClientAsync
from apify_client.errors import ApifyApiError

from conftest import control
from mock_apify.threaded import ThreadedEmulator


def behave(emulator: ThreadedEmulator, actor_id: str, run: dict[str, Any] | None) -> None:
    control(emulator, "PUT", f"/_mock/actors/{actor_id}/behaviour", {"run": run})


def test_run_lists_are_short_runs_filtered_by_status_and_start(
    client: ApifyClient, threaded: ThreadedEmulator
) -> None:
    actor = client.actors().create(name="lister")
    task = client.tasks().create(actor_id=actor.id, name="lister-task")
    succeeded = client.actor(actor.id).call(logger=None)
    behave(threaded, actor.id, {"status": "FAILED"})
    failed = client.task(task.id).call()
    assert succeeded is not None and failed is not None
    listed = client.runs().list()
    assert [run.id for run in listed.items] == [succeeded.id, failed.id]
    assert all(run.usage_total_usd == 0 and run.meta.origin == "API" for run in listed.items)
    assert "options" not in listed.items[0].model_extra  # the short shape
    ok = client.actor(actor.id).runs().list(status="SUCCEEDED")
    assert [run.id for run in ok.items] == [succeeded.id]
    assert [run.id for run in client.task(task.id).runs().list().items] == [failed.id]
    later = datetime.now(UTC) + timedelta(days=1)
    assert client.runs().list(started_after=later).items == []
    assert len(client.actor(actor.id).runs().list(started_before=later).items) == 2
    assert client.task(task.id).runs().list(started_after=later, status="FAILED").total == 0


def test_run_update_and_delete(client: ApifyClient, threaded: ThreadedEmulator) -> None:
    actor = client.actors().create(name="updated")
    behave(threaded, actor.id, {"status": None})
    going = client.actor(actor.id).start()
    updated = client.run(going.id).update(status_message="Halfway", is_status_message_terminal=False)
    assert updated.status_message == "Halfway" and updated.is_status_message_terminal is False
    with pytest.raises(ApifyApiError) as refused:
        client.run(going.id).delete()
    assert refused.value.status_code == 400
    client.run(going.id).abort()
    client.run(going.id).delete()
    assert client.run(going.id).get() is None


def test_last_run_log_and_abort_for_actors_and_tasks(client: ApifyClient, threaded: ThreadedEmulator) -> None:
    actor = client.actors().create(name="last")
    task = client.tasks().create(actor_id=actor.id, name="last-task")
    behave(threaded, actor.id, {"status": None})
    from_actor = client.actor(actor.id).start()
    log = client.actor(actor.id).last_run().log().get()
    assert log is not None and "Run created" in log
    aborted = client.actor(actor.id).last_run().abort()
    assert aborted.id == from_actor.id and aborted.status == "ABORTED"
    from_task = client.task(task.id).start()
    assert client.task(task.id).last_run().abort().id == from_task.id
    task_log = client.task(task.id).last_run(status="ABORTED").log().get()
    assert task_log is not None and "ABORTED" in task_log
    assert client.actor(actor.id).last_run(origin="WEB").get() is None
    by_api = client.actor(actor.id).last_run(origin="API", status="ABORTED").get()
    assert by_api is not None and by_api.id == from_task.id


def test_builds_pass_the_clients_validation(client: ApifyClient) -> None:
    actor = client.actors().create(name="built")
    run = client.actor(actor.id).call(logger=None)
    assert run is not None
    default = client.build(run.build_id).get()
    assert default is not None and default.status == "SUCCEEDED" and default.build_number == run.build_number
    build = client.actor(actor.id).build(version_number="0.1", tag="beta", wait_for_finish=10)
    assert build.build_number == "0.1.1" and build.act_version is not None
    assert build.act_version.version_number == "0.1" and build.act_version.build_tag == "beta"
    fetched = client.build(build.id).get()
    assert fetched is not None and fetched.usage_total_usd == 0
    assert [b.id for b in client.actor(actor.id).builds().list().items] == [default.id, build.id]
    assert client.builds().list(desc=True).items[0].id == build.id
    assert client.actor(actor.id).default_build().get().id == build.id  # type: ignore[union-attr]
    build_log = client.build(build.id).log().get()
    assert build_log is not None and "SUCCEEDED" in build_log
    with pytest.raises(ApifyApiError):
        client.build(build.id).delete()  # the default build
    client.build(default.id).delete()
    assert client.build(default.id).get() is None


def test_actor_and_task_updates_and_run_counts(client: ApifyClient) -> None:
    actor = client.actors().create(name="before")
    client.actors().create(name="taken")
    updated = client.actor(actor.id).update(name="after", title="After", default_run_memory_mbytes=2048)
    assert (updated.name, updated.title) == ("after", "After")
    assert updated.default_run_options.memory_mbytes == 2048 and updated.modified_at >= actor.modified_at
    with pytest.raises(ApifyApiError):
        client.actor(actor.id).update(name="taken")
    task = client.tasks().create(actor_id=actor.id, name="old-task", task_input={"a": 1})
    changed = client.task(task.id).update(name="new-task", task_input={"b": 2}, memory_mbytes=512)
    assert changed.name == "new-task" and changed.input is not None
    assert changed.options is not None and changed.options.memory_mbytes == 512
    run = client.task(task.id).call()
    assert run is not None and run.options.memory_mbytes == 512
    client.actor(actor.id).call(logger=None)
    got = client.actor(actor.id).get()
    assert got is not None and got.stats.total_runs == 2
    got_task = client.task(task.id).get()
    assert got_task is not None and got_task.stats is not None and got_task.stats.total_runs == 1
    assert client.tasks().list().items[0].act_name == "after"


def test_webhook_resource_carries_the_runs_costs(client: ApifyClient, threaded: ThreadedEmulator) -> None:
    actor = client.actors().create(name="costly")
    hook = {"event_types": ["ACTOR.RUN.SUCCEEDED"], "request_url": f"{threaded.url}/_mock/inboxes/costs"}
    client.actor(actor.id).call(webhooks=[hook], logger=None)
    control(threaded, "POST", "/_mock/dispatches/settle", {})
    [message] = control(threaded, "GET", "/_mock/inboxes/costs")["data"]["items"]
    resource = json.loads(message["body"])["resource"]
    assert resource["usageTotalUsd"] == 0 and resource["usageUsd"]["ACTOR_COMPUTE_UNITS"] == 0


async def test_async_client(async_client: ApifyClientAsync, threaded: ThreadedEmulator) -> None:
    actor = await async_client.actors().create(name="async-runs")
    task = await async_client.tasks().create(actor_id=actor.id, name="async-task")
    run = await async_client.actor(actor.id).call(logger=None)
    assert run is not None
    assert (await async_client.runs().list(status="SUCCEEDED")).items[0].id == run.id
    assert (await async_client.task(task.id).runs().list()).total == 0
    updated = await async_client.run(run.id).update(status_message="Done", is_status_message_terminal=True)
    assert updated.status_message == "Done"
    log = await async_client.actor(actor.id).last_run().log().get()
    assert log is not None and "SUCCEEDED" in log
    assert (await async_client.actor(actor.id).last_run().abort()).status == "SUCCEEDED"
    build = await async_client.actor(actor.id).build(version_number="0.0", wait_for_finish=10)
    assert (await async_client.actor(actor.id).builds().list()).total == 2
    assert (await async_client.builds().list()).items[-1].id == build.id
    default = await (await async_client.actor(actor.id).default_build()).get()
    assert default is not None and default.id == build.id
    assert "SUCCEEDED" in (await async_client.build(build.id).log().get() or "")
    assert (await async_client.actor(actor.id).update(title="Async")).title == "Async"
    assert (await async_client.task(task.id).update(title="Task")).title == "Task"
    await async_client.run(run.id).delete()
    assert await async_client.run(run.id).get() is None
    got = await async_client.actor(actor.id).get()
    assert got is not None and got.stats.total_runs == 1
