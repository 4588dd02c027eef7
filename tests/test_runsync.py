"""run-sync for Actors and tasks over real HTTP: the OUTPUT record as stored, other records by
`outputRecordKey`, Apify's errors for runs that fail or outlast the wait, and the wait on the
emulator's clock (a virtual clock skips ahead, so a 5-minute run answers at once)."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from conftest import Api
from mock_apify import Config, create_app
from mock_apify.config import MEMORY_DB


@pytest.fixture
def config() -> Config:
    return Config(db=MEMORY_DB, no_seed=True, port=0, clock="virtual")


async def _actor(api: Api, behaviour: dict[str, object]) -> str:
    status, body, _ = await api.call("POST", "/v2/actors", json={"name": "sync"})
    assert status == 201, body
    actor_id: str = body["data"]["id"]
    status, body, _ = await api.call("PUT", f"/_mock/actors/{actor_id}/behaviour", json={"run": behaviour})
    assert status == 200, body
    return actor_id


async def test_post_answers_the_output_record_and_keeps_the_input(api: Api) -> None:
    actor = await _actor(api, {"output": {"total": 3}})
    status, body, response = await api.call(
        "POST", f"/v2/actors/{actor}/run-sync", data=b"day=mon", headers={"Content-Type": "text/plain"}
    )
    assert (status, body) == (201, {"total": 3})
    assert response.headers["Content-Type"].startswith("application/json")
    status, run, _ = await api.call("GET", f"/v2/actors/{actor}/runs/last")
    assert run["data"]["status"] == "SUCCEEDED"
    raw_status, raw = await api.raw("GET", f"/v2/actors/{actor}/runs/last/key-value-store/records/INPUT")
    assert (raw_status, raw) == (200, b"day=mon")


async def test_output_record_key_and_a_missing_record(api: Api) -> None:
    records = {"report.html": {"value": "<h1>ok</h1>", "contentType": "text/html"}}
    actor = await _actor(api, {"records": records})
    status, raw = await api.raw("GET", f"/v2/actors/{actor}/run-sync?outputRecordKey=report.html")
    assert (status, raw) == (201, b"<h1>ok</h1>")
    status, raw = await api.raw("GET", f"/v2/actors/{actor}/run-sync")
    assert (status, raw) == (201, b"")  # no OUTPUT: nothing, as Apify's reference says


@pytest.mark.parametrize(
    ("behaviour", "query", "ended"),
    [({"status": "FAILED", "exitCode": 1}, "", "FAILED"), ({"afterSecs": 600}, "?timeout=60", "TIMED-OUT")],
)
async def test_a_run_that_does_not_succeed_is_a_run_failed_error(
    api: Api, behaviour: dict[str, object], query: str, ended: str
) -> None:
    actor = await _actor(api, behaviour)
    status, body, _ = await api.call("POST", f"/v2/actors/{actor}/run-sync{query}", json={})
    assert status == 400 and body["error"]["type"] == "run-failed"
    _, run, _ = await api.call("GET", f"/v2/actors/{actor}/runs/last")
    assert (
        body["error"]["message"]
        == f"Actor run did not succeed (run ID: {run['data']['id']}, status: {ended})"
    )


async def test_the_virtual_clock_skips_ahead_to_a_run_that_ends_in_five_minutes(api: Api) -> None:
    actor = await _actor(api, {"afterSecs": 300, "output": "done"})
    _, before, _ = await api.call("GET", "/_mock/clock", auth=False)
    status, body, _ = await api.call("GET", f"/v2/actors/{actor}/run-sync")
    assert (status, body) == (201, "done")
    _, after, _ = await api.call("GET", "/_mock/clock", auth=False)
    assert after["data"]["now"] > before["data"]["now"]


async def test_a_run_still_going_after_300_seconds_is_a_408(api: Api) -> None:
    for behaviour in ({"afterSecs": 301}, {"status": None}):
        actor = await _actor(api, behaviour)
        status, body, _ = await api.call("GET", f"/v2/actors/{actor}/run-sync")
        assert status == 408 and body["error"] == {
            "type": "run-timeout-exceeded",
            "message": "Actor run exceeded the timeout of 300 seconds for this API endpoint",
        }
        await api.call("DELETE", f"/v2/actors/{actor}")


async def test_a_task_runs_synchronously_with_its_input(api: Api) -> None:
    actor = await _actor(api, {"output": {"ok": True}})
    status, task, _ = await api.call(
        "POST", "/v2/actor-tasks", json={"actId": actor, "name": "nightly", "input": {"depth": 1}}
    )
    assert status == 201, task
    for method in ("GET", "POST"):
        status, body, _ = await api.call(method, f"/v2/actor-tasks/{task['data']['id']}/run-sync")
        assert (status, body) == (201, {"ok": True})
    _, runs, _ = await api.call("GET", f"/v2/actor-tasks/{task['data']['id']}/runs")
    assert runs["data"]["total"] == 2


async def test_another_users_actor_is_not_found(api: Api) -> None:
    actor = await _actor(api, {})
    other = await api.new_user()
    status, body, _ = await api.call("GET", f"/v2/actors/{actor}/run-sync", token=other["token"])
    assert status == 404 and body["error"]["type"] == "record-or-token-not-found"


async def test_on_the_real_clock_the_answer_waits_for_the_run() -> None:
    real = Config(db=MEMORY_DB, no_seed=True, port=0, clock="real")
    server = TestServer(create_app(real), host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            api = Api(session, str(server.make_url("")).rstrip("/"))
            actor = await _actor(api, {"afterSecs": 0.3, "output": [1, 2]})
            status, body, _ = await api.call("POST", f"/v2/actors/{actor}/run-sync")
            assert (status, body) == (201, [1, 2])
    finally:
        await server.close()


async def test_run_sync_get_dataset_items_answers_the_items_as_asked(api: Api) -> None:
    actor = await _actor(api, {"afterSecs": 120, "items": [{"a": 1, "#h": 0}, {"a": 2, "#h": 0}]})
    status, body, response = await api.call(
        "POST", f"/v2/actors/{actor}/run-sync-get-dataset-items?clean=1&desc=1", json={"q": 1}
    )
    assert (status, body) == (201, [{"a": 2}, {"a": 1}])
    assert response.headers["X-Apify-Pagination-Total"] == "2"
    status, task, _ = await api.call("POST", "/v2/actor-tasks", json={"actId": actor, "name": "csv"})
    status, raw = await api.raw(
        "GET", f"/v2/actor-tasks/{task['data']['id']}/run-sync-get-dataset-items?format=csv&fields=a"
    )
    assert (status, raw.decode().split()) == (201, ["\ufeffa", "1", "2"])
    await api.call("PUT", f"/_mock/actors/{actor}/behaviour", json={"run": {"status": "ABORTED"}})
    status, body, _ = await api.call("GET", f"/v2/actors/{actor}/run-sync-get-dataset-items")
    assert status == 400 and body["error"]["type"] == "run-failed"
