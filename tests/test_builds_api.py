"""Runs, builds and Actors over raw HTTP, for what the clients do not show: exact statuses and
error types, fields left out without a token, and the rules of updates, deletes and the default
build."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from conftest import Api, webhook_fields
from mock_apify import Config
from mock_apify.config import MEMORY_DB


@pytest.fixture
def config() -> Config:
    return Config(db=MEMORY_DB, no_seed=True, port=0, clock="virtual")


async def ok(api: Api, method: str, path: str, **kwargs: Any) -> Any:
    status, body, _ = await api.call(method, path, **kwargs)
    assert status < 300, (method, path, status, body)
    return body["data"] if body else None


async def refused(api: Api, method: str, path: str, error: str, **kwargs: Any) -> str:
    status, body, _ = await api.call(method, path, **kwargs)
    assert (status, body["error"]["type"]) == (400, error), body
    return str(body["error"]["message"])


async def test_bad_start_bounds_are_400(api: Api) -> None:
    for value in ("yesterday", "2025-13-01T00:00:00Z", "2025-09-01T25:00"):
        await refused(api, "GET", "/v2/actor-runs", "invalid-parameter", params={"startedAfter": value})
    assert (await ok(api, "GET", "/v2/actor-runs", params={"startedBefore": "2025-09-01"}))["total"] == 0


async def test_bounds_are_inclusive_and_take_offsets(api: Api) -> None:
    actor = await api.create_actor()
    run = await ok(api, "POST", f"/v2/actors/{actor['id']}/runs")
    started = run["startedAt"]
    for params in ({"startedAfter": started}, {"startedBefore": started, "startedAfter": started}):
        assert (await ok(api, "GET", f"/v2/actors/{actor['id']}/runs", params=params))["total"] == 1
    # The same moment two hours east of UTC, and a millisecond later.
    moment = datetime.fromisoformat(started.replace("Z", "+00:00")).astimezone(timezone(timedelta(hours=2)))
    for shifted, total in ((moment, 1), (moment + timedelta(milliseconds=1), 0)):
        params = {"startedAfter": shifted.isoformat()}
        assert (await ok(api, "GET", "/v2/actor-runs", params=params))["total"] == total


async def test_costs_are_shown_to_the_owner_only(api: Api) -> None:
    actor = await api.create_actor()
    run = await ok(api, "POST", f"/v2/actors/{actor['id']}/runs", params={"waitForFinish": "5"})
    assert run["usageTotalUsd"] == 0 and set(run["usageUsd"]) == set(run["usage"])
    anonymous = await ok(api, "GET", f"/v2/actor-runs/{run['id']}", auth=False)
    assert "usageTotalUsd" not in anonymous and "usageUsd" not in anonymous
    build = await ok(api, "GET", f"/v2/actor-builds/{run['buildId']}", auth=False)
    assert build["id"] == run["buildId"] and "usageTotalUsd" not in build
    default = await ok(api, "GET", f"/v2/actors/{actor['id']}/builds/default", auth=False)
    assert default["id"] == run["buildId"]


async def test_run_update_rules(api: Api) -> None:
    actor = await api.create_actor()
    run = await ok(api, "POST", f"/v2/actors/{actor['id']}/runs")
    path = f"/v2/actor-runs/{run['id']}"
    await refused(
        api, "PUT", path, "id-does-not-match", json={"runId": "someOtherRunId00", "statusMessage": "x"}
    )
    updated = await ok(api, "PUT", path, json={"runId": run["id"], "statusMessage": "Done", "anything": 1})
    assert updated["statusMessage"] == "Done" and "anything" not in updated
    assert (await ok(api, "GET", path))["statusMessage"] == "Done"


async def test_a_running_run_is_not_deleted(api: Api) -> None:
    actor = await api.create_actor()
    await ok(api, "PUT", f"/_mock/actors/{actor['id']}/behaviour", json={"run": {"status": None}}, auth=False)
    run = await ok(api, "POST", f"/v2/actors/{actor['id']}/runs")
    message = await refused(api, "DELETE", f"/v2/actor-runs/{run['id']}", "invalid-request")
    assert "only a finished run" in message
    assert (await ok(api, "GET", f"/v2/actor-runs/{run['id']}"))["status"] == "RUNNING"


async def test_the_default_build_is_made_once_and_fires_nothing(api: Api) -> None:
    actor = await api.create_actor()
    hook = webhook_fields(actor["id"], eventTypes=["ACTOR.BUILD.CREATED", "ACTOR.BUILD.SUCCEEDED"])
    await api.create_webhook(**hook | {"requestUrl": f"{api.url}/_mock/inboxes/builds"})
    default = await ok(api, "GET", f"/v2/actors/{actor['id']}/builds/default")
    assert (default["status"], default["buildNumber"]) == ("SUCCEEDED", "0.0.1")
    assert default["actVersion"] == {
        "versionNumber": "0.0",
        "sourceType": "SOURCE_FILES",
        "buildTag": "latest",
    }
    run = await ok(api, "POST", f"/v2/actors/{actor['id']}/runs")
    assert (run["buildId"], run["buildNumber"]) == (default["id"], "0.0.1")
    await api.settle()
    assert (await ok(api, "GET", "/v2/webhook-dispatches"))["total"] == 0
    assert (await ok(api, "GET", f"/v2/actors/{actor['id']}"))["stats"]["totalBuilds"] == 1


async def test_builds_number_per_version_and_snapshot_it(api: Api) -> None:
    version = {"versionNumber": "1.2", "sourceType": "GIT_REPO", "gitRepoUrl": "https://example.com/r.git"}
    status, body, _ = await api.call("POST", "/v2/actors", json={"name": "versioned", "versions": [version]})
    assert status == 201
    actor = body["data"]
    await refused(
        api, "POST", f"/v2/actors/{actor['id']}/builds", "invalid-parameter", params={"version": "1.x"}
    )
    numbers = []
    for wanted in ("1.2", "1.2", "0.0"):
        build = await ok(api, "POST", f"/v2/actors/{actor['id']}/builds", params={"version": wanted})
        numbers.append(build["buildNumber"])
    assert numbers == ["1.2.1", "1.2.2", "0.0.1"]
    builds = await ok(api, "GET", f"/v2/actors/{actor['id']}/builds", params={"desc": "1", "limit": "1"})
    assert builds["total"] == 3 and set(builds["items"][0]) == {
        "id",
        "actId",
        "userId",
        "status",
        "startedAt",
        "finishedAt",
        "usageTotalUsd",
        "buildNumber",
        "meta",
    }
    first = await ok(api, "GET", f"/v2/actor-builds/{builds['items'][0]['id']}")
    assert first["actVersion"] == {"versionNumber": "0.0", "sourceType": "SOURCE_FILES", "buildTag": "latest"}
    second = await ok(api, "GET", "/v2/actor-builds", params={"offset": "1", "limit": "1"})
    build = await ok(api, "GET", f"/v2/actor-builds/{second['items'][0]['id']}")
    assert build["actVersion"] == version | {"buildTag": "latest"}


async def test_actor_update_rules(api: Api) -> None:
    actor = await api.create_actor("first")
    await api.create_actor("second")
    task = await api.create_task(actor["id"], "its-task")
    path = f"/v2/actors/{actor['id']}"
    await refused(api, "PUT", path, "actor-name-not-unique", json={"name": "second"})
    body = {"name": None, "title": "T", "defaultRunOptions": {"memoryMbytes": 256, "build": None}}
    updated = await ok(api, "PUT", path, json=body)
    assert updated["name"] == "first" and updated["title"] == "T"
    assert updated["defaultRunOptions"] == actor["defaultRunOptions"] | {"memoryMbytes": 256}
    cleared = await ok(api, "PUT", "/v2/actors/~first", json={"title": None, "name": "renamed"})
    assert cleared["title"] is None and cleared["name"] == "renamed"
    [listed] = (await ok(api, "GET", "/v2/actor-tasks"))["items"]
    assert listed["id"] == task["id"] and listed["actName"] == "renamed"
    await refused(api, "PUT", path, "schema-validation", json={"nope": 1})


async def test_task_update_rules(api: Api) -> None:
    actor = await api.create_actor()
    task = await api.create_task(actor["id"], "one")
    await api.create_task(actor["id"], "two")
    path = f"/v2/actor-tasks/{task['id']}"
    await refused(api, "PUT", path, "actor-task-name-not-unique", json={"name": "two"})
    await ok(api, "PUT", path, json={"options": {"memoryMbytes": 512, "build": "beta"}, "input": {"a": 1}})
    updated = await ok(api, "PUT", path, json={"options": {"build": None}, "input": None})
    assert updated["options"] == {"memoryMbytes": 512} and updated["input"] == {}
    assert updated["modifiedAt"] >= task["modifiedAt"]
