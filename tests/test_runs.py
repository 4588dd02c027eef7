"""Emulated runs and builds: every status path fires exactly its events to the webhooks whose
condition matches, and the test decides how jobs end."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp.test_utils import TestServer

from conftest import Api
from mock_apify import Config, create_app
from mock_apify.config import MEMORY_DB
from receivers import Receiver, eventually

RUN_EVENTS = [
    "ACTOR.RUN.CREATED",
    "ACTOR.RUN.SUCCEEDED",
    "ACTOR.RUN.FAILED",
    "ACTOR.RUN.TIMED_OUT",
    "ACTOR.RUN.ABORTED",
    "ACTOR.RUN.RESURRECTED",
]
BUILD_EVENTS = [
    "ACTOR.BUILD.CREATED",
    "ACTOR.BUILD.SUCCEEDED",
    "ACTOR.BUILD.FAILED",
    "ACTOR.BUILD.TIMED_OUT",
    "ACTOR.BUILD.ABORTED",
]


@pytest.fixture
def config() -> Config:
    return Config(db=MEMORY_DB, no_seed=True, port=0, clock="virtual")


def encode(webhooks: list[dict[str, Any]]) -> str:
    return base64.b64encode(json.dumps(webhooks).encode()).decode()


class Bench:
    """An Actor with a task, and webhooks on the Actor, the task and another Actor, each
    delivering to its own built-in inbox."""

    def __init__(self, api: Api) -> None:
        self.api = api

    async def setup(self) -> Bench:
        api = self.api
        self.actor = await api.create_actor("worker")
        self.task = await api.create_task(self.actor["id"], "daily")
        self.other = await api.create_actor("bystander")
        for name, condition in (
            ("actor", {"actorId": self.actor["id"]}),
            ("task", {"actorTaskId": self.task["id"]}),
            ("other", {"actorId": self.other["id"]}),
        ):
            await api.create_webhook(
                eventTypes=RUN_EVENTS + BUILD_EVENTS if name != "task" else RUN_EVENTS,
                condition=condition,
                requestUrl=self.inbox(name),
            )
        return self

    def inbox(self, name: str) -> str:
        return f"{self.api.url}/_mock/inboxes/{name}"

    async def events(self, name: str) -> list[str]:
        await self.api.settle()
        _, body, _ = await self.api.call("GET", f"/_mock/inboxes/{name}", auth=False)
        return [orjson.loads(m["body"])["eventType"] for m in body["data"]["items"]]

    async def deliveries(self, name: str) -> list[dict[str, Any]]:
        _, body, _ = await self.api.call("GET", f"/_mock/inboxes/{name}", auth=False)
        return [orjson.loads(m["body"]) for m in body["data"]["items"]]

    async def behave(self, **run: Any) -> None:
        status, body, _ = await self.api.call(
            "PUT", f"/_mock/actors/{self.actor['id']}/behaviour", json={"run": run}, auth=False
        )
        assert status == 200, body

    async def start(self, path: str | None = None, **params: str) -> dict[str, Any]:
        path = path or f"/v2/actors/{self.actor['id']}/runs"
        status, body, response = await self.api.call("POST", path, json={"q": 1}, params=params)
        assert status == 201, body
        assert response.headers["Location"].endswith(f"/runs/{body['data']['id']}")
        return body["data"]  # type: ignore[no-any-return]

    async def run(self, run_id: str) -> dict[str, Any]:
        status, body, _ = await self.api.call("GET", f"/v2/actor-runs/{run_id}")
        assert status == 200
        return body["data"]  # type: ignore[no-any-return]


@pytest.fixture
async def bench(api: Api) -> Bench:
    return await Bench(api).setup()


async def test_default_run_succeeds_and_fires_created_then_succeeded(bench: Bench) -> None:
    run = await bench.start()
    assert run["status"] == "READY" and run["finishedAt"] is None
    assert await bench.events("actor") == ["ACTOR.RUN.CREATED", "ACTOR.RUN.SUCCEEDED"]
    assert await bench.events("task") == []  # not a task run
    assert await bench.events("other") == []
    done = await bench.run(run["id"])
    assert (done["status"], done["exitCode"]) == ("SUCCEEDED", 0) and done["finishedAt"]
    created, succeeded = await bench.deliveries("actor")
    assert created["eventData"] == {"actorId": bench.actor["id"], "actorRunId": run["id"]}
    assert created["resource"]["status"] == "READY"
    assert succeeded["resource"] == done  # the run as GET shows it at that moment
    assert succeeded["createdAt"] == done["finishedAt"]


async def test_task_run_fires_to_the_task_and_the_actor(bench: Bench) -> None:
    run = await bench.start(f"/v2/actor-tasks/{bench.task['id']}/runs")
    assert run["actorTaskId"] == bench.task["id"]
    assert await bench.events("task") == ["ACTOR.RUN.CREATED", "ACTOR.RUN.SUCCEEDED"]
    assert await bench.events("actor") == ["ACTOR.RUN.CREATED", "ACTOR.RUN.SUCCEEDED"]
    [created, _] = await bench.deliveries("task")
    assert created["eventData"] == {
        "actorId": bench.actor["id"],
        "actorTaskId": bench.task["id"],
        "actorRunId": run["id"],
    }


async def test_failed_run(bench: Bench) -> None:
    await bench.behave(status="FAILED", exitCode=3, statusMessage="boom", afterSecs=30)
    run = await bench.start()
    assert await bench.events("actor") == ["ACTOR.RUN.CREATED", "ACTOR.RUN.FAILED"]
    done = await bench.run(run["id"])
    assert (done["status"], done["exitCode"], done["statusMessage"]) == ("FAILED", 3, "boom")


async def test_timed_out_run_goes_through_timing_out(bench: Bench) -> None:
    await bench.behave(afterSecs=600)
    run = await bench.start(timeout="60")
    assert await bench.events("actor") == ["ACTOR.RUN.CREATED", "ACTOR.RUN.TIMED_OUT"]
    assert (await bench.run(run["id"]))["status"] == "TIMED-OUT"
    _, log, _ = await bench.api.call("GET", f"/_mock/actor-runs/{run['id']}", auth=False)
    assert "TIMING-OUT" in log["data"]["log"] and "TIMED-OUT" in log["data"]["log"]
    assert log["data"]["input"] == {"q": 1}


async def test_abort_then_resurrect(bench: Bench) -> None:
    await bench.behave(status=None)  # stays RUNNING until told
    run = await bench.start()
    await bench.api.settle()
    assert (await bench.run(run["id"]))["status"] == "RUNNING"
    status, body, _ = await bench.api.call("POST", f"/v2/actor-runs/{run['id']}/abort")
    assert status == 200 and body["data"]["status"] == "ABORTED"
    status, body, _ = await bench.api.call("POST", f"/v2/actor-runs/{run['id']}/abort")
    assert body["data"]["status"] == "ABORTED"  # a finished run stays as it is
    await bench.behave(status="SUCCEEDED")
    status, body, _ = await bench.api.call("POST", f"/v2/actor-runs/{run['id']}/resurrect")
    assert status == 200 and body["data"]["status"] == "RUNNING" and body["data"]["finishedAt"] is None
    assert await bench.events("actor") == [
        "ACTOR.RUN.CREATED",
        "ACTOR.RUN.ABORTED",
        "ACTOR.RUN.RESURRECTED",
        "ACTOR.RUN.SUCCEEDED",
    ]
    assert (await bench.run(run["id"]))["stats"]["resurrectCount"] == 1
    status, body, _ = await bench.api.call("POST", f"/v2/actor-runs/{run['id']}/resurrect")
    assert status == 200  # finished again, so it can be resurrected again


async def test_resurrecting_a_running_run_is_refused(bench: Bench) -> None:
    await bench.behave(status=None)
    run = await bench.start()
    status, body, _ = await bench.api.call("POST", f"/v2/actor-runs/{run['id']}/resurrect")
    assert status == 400 and body["error"]["type"] == "invalid-request"


async def test_control_endpoint_moves_a_run_with_output_items(bench: Bench) -> None:
    await bench.behave(status=None)
    run = await bench.start()
    status, body, _ = await bench.api.call(
        "POST",
        f"/_mock/actor-runs/{run['id']}/status",
        json={"status": "SUCCEEDED", "exitCode": 0, "statusMessage": "done", "items": [{"a": 1}, {"a": 2}]},
        auth=False,
    )
    assert status == 200 and body["data"]["status"] == "SUCCEEDED"
    for path in (
        f"/v2/actor-runs/{run['id']}/dataset/items",
        f"/v2/datasets/{run['defaultDatasetId']}/items",
    ):
        status, items, response = await bench.api.call("GET", path)
        assert status == 200 and items == [{"a": 1}, {"a": 2}]
        assert response.headers["X-Apify-Pagination-Total"] == "2"
    _, items, _ = await bench.api.call(
        "GET", f"/v2/datasets/{run['defaultDatasetId']}/items", params={"desc": "1", "limit": "1"}
    )
    assert items == [{"a": 2}]
    assert await bench.events("actor") == ["ACTOR.RUN.CREATED", "ACTOR.RUN.SUCCEEDED"]


async def test_builds_fire_build_events_to_actor_webhooks_only(bench: Bench) -> None:
    status, body, response = await bench.api.call(
        "POST", f"/v2/actors/{bench.actor['id']}/builds", params={"version": "0.1"}
    )
    assert status == 201 and body["data"]["buildNumber"] == "0.1.1"
    build = body["data"]
    assert response.headers["Location"].endswith(f"/v2/actor-builds/{build['id']}")
    assert await bench.events("actor") == ["ACTOR.BUILD.CREATED", "ACTOR.BUILD.SUCCEEDED"]
    assert await bench.events("task") == []
    _, body, _ = await bench.api.call("GET", f"/v2/actor-builds/{build['id']}")
    assert body["data"]["status"] == "SUCCEEDED"
    created, _ = await bench.deliveries("actor")
    assert created["eventData"] == {"actorId": bench.actor["id"], "actorBuildId": build["id"]}


async def test_aborted_build(bench: Bench) -> None:
    await bench.api.call(
        "PUT", f"/_mock/actors/{bench.actor['id']}/behaviour", json={"build": {"status": None}}, auth=False
    )
    _, body, _ = await bench.api.call("POST", f"/v2/actors/{bench.actor['id']}/builds")
    status, body, _ = await bench.api.call("POST", f"/v2/actor-builds/{body['data']['id']}/abort")
    assert status == 200 and body["data"]["status"] == "ABORTED"
    assert await bench.events("actor") == ["ACTOR.BUILD.CREATED", "ACTOR.BUILD.ABORTED"]


async def test_adhoc_webhooks_are_bound_to_the_run_and_fire_created(bench: Bench) -> None:
    hooks = [
        {
            "eventTypes": ["ACTOR.RUN.CREATED", "ACTOR.RUN.SUCCEEDED"],
            "requestUrl": bench.inbox("adhoc"),
            "idempotencyKey": "once",
        },
    ]
    run = await bench.start(webhooks=encode(hooks))
    assert await bench.events("adhoc") == ["ACTOR.RUN.CREATED", "ACTOR.RUN.SUCCEEDED"]
    _, body, _ = await bench.api.call("GET", "/v2/webhooks")
    [adhoc] = [w for w in body["data"]["items"] if w["isAdHoc"]]
    assert adhoc["condition"] == {"actorRunId": run["id"]}
    # The same idempotency key on another run returns the existing webhook: nothing new fires.
    await bench.start(webhooks=encode(hooks))
    assert await bench.events("adhoc") == ["ACTOR.RUN.CREATED", "ACTOR.RUN.SUCCEEDED"]


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("!!!not base64!!!", "Base64"),
        (base64.b64encode(b"{not json").decode(), "Base64-encoded JSON"),
        (encode({"eventTypes": []}), "array"),  # type: ignore[arg-type]
        (encode([{"eventTypes": ["ACTOR.RUN.SUCCEEDED"]}]), "webhooks[0]"),
        (
            encode(
                [
                    {"eventTypes": ["ACTOR.RUN.SUCCEEDED"], "requestUrl": "http://x/"},
                    {"eventTypes": ["NOPE"], "requestUrl": "http://x/"},
                ]
            ),
            "webhooks[1]",
        ),
    ],
)
async def test_bad_webhooks_parameter_is_400_and_creates_no_run(
    bench: Bench, value: str, fragment: str
) -> None:
    status, body, _ = await bench.api.call(
        "POST", f"/v2/actors/{bench.actor['id']}/runs", params={"webhooks": value}
    )
    assert status == 400 and fragment in body["error"]["message"], body
    _, body, _ = await bench.api.call("GET", "/v2/actor-runs")
    assert body["data"]["total"] == 0
    _, body, _ = await bench.api.call("GET", "/v2/webhooks")
    assert body["data"]["total"] == 3


async def test_webhook_on_a_run_fires_only_for_that_run(bench: Bench) -> None:
    await bench.behave(status=None)
    first = await bench.start()
    await bench.start()
    await bench.api.create_webhook(
        eventTypes=["ACTOR.RUN.ABORTED"], condition={"actorRunId": first["id"]}, requestUrl=bench.inbox("run")
    )
    _, runs, _ = await bench.api.call("GET", "/v2/actor-runs")
    for run in runs["data"]["items"]:
        await bench.api.call("POST", f"/v2/actor-runs/{run['id']}/abort")
    assert await bench.events("run") == ["ACTOR.RUN.ABORTED"]


async def test_wait_for_finish_answers_as_soon_as_the_run_ends(bench: Bench) -> None:
    await bench.behave(status=None)
    run = await bench.start()
    waiting = asyncio.create_task(
        bench.api.call("GET", f"/v2/actor-runs/{run['id']}", params={"waitForFinish": "30"})
    )
    await asyncio.sleep(0.2)
    assert not waiting.done()
    await bench.api.call(
        "POST", f"/_mock/actor-runs/{run['id']}/status", json={"status": "FAILED"}, auth=False
    )
    status, body, _ = await asyncio.wait_for(waiting, 10)
    assert status == 200 and body["data"]["status"] == "FAILED"


async def test_log_streams_until_the_run_ends(bench: Bench) -> None:
    await bench.behave(status=None)
    run = await bench.start()
    async with bench.api.session.get(
        f"{bench.api.url}/v2/logs/{run['id']}",
        params={"stream": "1"},
        headers={"Authorization": f"Bearer {bench.api.token}"},
    ) as response:
        first = await asyncio.wait_for(response.content.readline(), 10)
        assert b"Run created" in first
        await bench.api.call(
            "POST", f"/_mock/actor-runs/{run['id']}/status", json={"status": "SUCCEEDED"}, auth=False
        )
        rest = await asyncio.wait_for(response.read(), 10)
    assert b"SUCCEEDED" in rest


async def test_runs_are_listed_and_private(bench: Bench) -> None:
    run = await bench.start()
    for path in (
        "/v2/actor-runs",
        f"/v2/actors/{bench.actor['id']}/runs",
        f"/v2/acts/{bench.actor['id']}/runs",
    ):
        _, body, _ = await bench.api.call("GET", path)
        assert [r["id"] for r in body["data"]["items"]] == [run["id"]], path
    other = await bench.api.new_user()
    for path in (f"/v2/actor-runs/{run['id']}", f"/v2/actor-runs/{run['id']}/dataset/items"):
        status, _, _ = await bench.api.call("GET", path, token=other["token"])
        assert status == 404
    status, _, _ = await bench.api.call("POST", f"/v2/actor-runs/{run['id']}/abort", token=other["token"])
    assert status == 404
    # Without a token, the run's hard-to-guess ID is enough to read it, as on Apify.
    status, body, _ = await bench.api.call("GET", f"/v2/actor-runs/{run['id']}", auth=False)
    assert status == 200 and body["data"]["id"] == run["id"]


async def test_webhook_test_carries_the_latest_run(bench: Bench, receiver: Receiver) -> None:
    webhook = await bench.api.create_webhook(
        eventTypes=["ACTOR.RUN.SUCCEEDED"], condition={"actorId": bench.actor["id"]}, requestUrl=receiver.url
    )
    run = await bench.start()
    await bench.api.settle()
    receiver.received.clear()
    dispatch = await bench.api.test_webhook(webhook["id"])
    assert dispatch["eventData"] == {"actorId": bench.actor["id"], "actorRunId": run["id"]}
    await eventually(lambda: _arrived(receiver))
    payload = orjson.loads(receiver.received[0].body)
    assert payload["eventType"] == "TEST" and payload["resource"]["id"] == run["id"]
    status, body, _ = await bench.api.call(
        "POST", f"/v2/webhooks/{webhook['id']}/test", json={"resourceId": run["id"], "resourceType": "RUN"}
    )
    assert status == 201 and body["data"]["eventData"]["actorRunId"] == run["id"]
    foreign = await bench.start(f"/v2/actors/{bench.other['id']}/runs")
    status, body, _ = await bench.api.call(
        "POST",
        f"/v2/webhooks/{webhook['id']}/test",
        json={"resourceId": foreign["id"], "resourceType": "RUN"},
    )
    assert status == 400 and body["error"]["type"] == "id-does-not-match"


async def _arrived(receiver: Receiver) -> bool:
    return bool(receiver.received)


async def test_a_restart_loses_neither_a_run_nor_its_due_event(tmp_path: Path) -> None:
    config = Config(db=str(tmp_path / "runs.db"), no_seed=True, port=0, clock="virtual")
    server = TestServer(create_app(config), host="127.0.0.1")
    await server.start_server()
    async with aiohttp.ClientSession() as session:
        bench = await Bench(Api(session, str(server.make_url("")).rstrip("/"))).setup()
        await bench.behave(status="SUCCEEDED", afterSecs=3600)
        run = await bench.start()
        # CREATED is delivered (due now); SUCCEEDED is an hour of virtual time away.
        await eventually(lambda: _delivered(bench, "actor", 1))
    await server.close()

    server = TestServer(create_app(config), host="127.0.0.1")
    await server.start_server()
    async with aiohttp.ClientSession() as session:
        bench.api = Api(session, str(server.make_url("")).rstrip("/"))
        assert (await bench.run(run["id"]))["status"] == "RUNNING"
        assert (await bench.api.settle())["settled"] is True  # the hour passes in virtual time
        assert (await bench.run(run["id"]))["status"] == "SUCCEEDED"
        _, body, _ = await bench.api.call("GET", "/v2/webhook-dispatches")
        events = [
            d["eventType"] for d in body["data"]["items"] if d["webhook"]["requestUrl"].endswith("/actor")
        ]
        assert events == ["ACTOR.RUN.CREATED", "ACTOR.RUN.SUCCEEDED"]
    await server.close()


async def test_seed_files_set_actor_behaviour(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(
        json.dumps(
            {
                "users": [
                    {
                        "id": "SeedUser000000001",
                        "username": "seeded",
                        "token": "seed-token",
                        "actors": [
                            {
                                "id": "SeedActor00000001",
                                "name": "flaky",
                                "behaviour": {"run": {"status": "FAILED", "exitCode": 2}},
                            }
                        ],
                    }
                ]
            }
        )
    )
    config = Config(db=MEMORY_DB, port=0, clock="virtual", seed=seed)
    server = TestServer(create_app(config), host="127.0.0.1")
    await server.start_server()
    async with aiohttp.ClientSession() as session:
        api = Api(session, str(server.make_url("")).rstrip("/"), token="seed-token")
        status, body, _ = await api.call(
            "POST", "/v2/actors/SeedActor00000001/runs", params={"waitForFinish": "5"}
        )
        assert status == 201 and (body["data"]["status"], body["data"]["exitCode"]) == ("FAILED", 2)
    await server.close()


async def _delivered(bench: Bench, inbox: str, count: int) -> bool:
    return len(await bench.deliveries(inbox)) >= count


async def test_run_lists_filter_by_one_status_or_a_comma_list(bench: Bench) -> None:
    """Apify's run lists take `status` (one, or several separated by commas); others are a 400."""
    started: dict[str, str] = {}
    for status in ("FAILED", "SUCCEEDED", "ABORTED"):
        await bench.behave(status=status)
        started[status] = (await bench.start())["id"]
    await bench.api.settle()
    api, actor = bench.api, bench.actor["id"]
    for path in ("/v2/actor-runs", f"/v2/actors/{actor}/runs"):
        for wanted in ("SUCCEEDED", "FAILED,ABORTED"):
            status, body, _ = await api.call("GET", path, params={"status": wanted})
            assert status == 200, body
            ids = {item["id"] for item in body["data"]["items"]}
            assert ids == {started[s] for s in wanted.split(",")}, (path, wanted)
            assert body["data"]["total"] == len(ids)
        status, body, _ = await api.call("GET", path, params={"status": "SUCCESS"})
        assert status == 400 and body["error"]["type"] == "invalid-parameter", body
        assert '"SUCCESS"' in body["error"]["message"]
