"""JSON nested past the emulator's depth limit: every depth from 1 to 2,000 reaches an operation
that parses a JSON body (or the run-start `webhooks` parameter), and none answers 500. Up to the
limit a body is handled as usual; past it the answer is 400 invalid-request, whatever the
operation, and nothing is stored."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from conftest import Api, webhook_fields

LIMIT = 100  # mock_apify.model.limits.MAX_JSON_DEPTH, kept literal: the test states the contract
DEPTHS = range(1, 2001)
# Depths where something used to change: the limit, orjson.dumps's (254), the schema validator's
# (~255) and orjson.loads's (1024).
EDGES = (1, 2, 99, 100, 101, 102, 253, 254, 255, 256, 257, 1000, 1023, 1024, 1025, 1026, 2000)
RUN_INPUTS = ("act_runs_post", "actorTask_runs_post")  # the body is the run's input, any JSON


def nested(depth: int) -> bytes:
    """A JSON object whose deepest value sits `depth` levels of objects and arrays down (its key
    is unknown to every operation, so none acts on it: /_mock/reset would take `{}`)."""
    return b'{"x": ' + (b"[" * (depth - 1) + b"]" * (depth - 1) if depth > 1 else b"0") + b"}"


def depth_error(status: int, body: Any) -> bool:
    return (
        status == 400
        and body["error"]["type"] == "invalid-request"
        and "nested too deeply" in body["error"]["message"]
    )


@pytest.fixture
async def targets(api: Api) -> list[tuple[str, str, str]]:
    """(operationId, method, path) of every operation that parses a JSON body, on real records."""
    actor = await api.create_actor("deep")
    task = await api.create_task(actor["id"], "deep-task")
    webhook = await api.create_webhook(**webhook_fields(actor["id"]))
    status, run, _ = await api.call("POST", f"/v2/actors/{actor['id']}/runs")
    assert status == 201, run
    status, build, _ = await api.call("POST", f"/v2/actors/{actor['id']}/builds")
    assert status == 201, build
    ids = {
        "webhookId": webhook["id"],
        "actorId": actor["id"],
        "actorTaskId": task["id"],
        "runId": run["data"]["id"],
        "buildId": build["data"]["id"],
        "name": "deep-inbox",
        "userId": (await api.new_user())["id"],
        "datasetId": (await api.call("POST", "/v2/datasets", params={"name": "deep"}))[1]["data"]["id"],
        "storeId": run["data"]["defaultKeyValueStoreId"],
        "dispatchId": (await api.test_webhook(webhook["id"]))["id"],
    }
    _, spec, _ = await api.call("GET", "/_mock/openapi.json", auth=False)
    found = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "requestBody" not in operation:
                continue
            content = operation["requestBody"].get("content", {})
            if "application/json" in content or operation["operationId"] in RUN_INPUTS:
                found.append((operation["operationId"], method.upper(), path.format(**ids)))
    assert {op for op, _, _ in found} >= {"webhooks_post", "webhook_put", *RUN_INPUTS}
    assert len(found) >= 16, found
    return found


async def runs_total(api: Api) -> int:
    _, body, _ = await api.call("GET", "/v2/actor-runs")
    return int(body["data"]["total"])


async def test_every_depth_from_1_to_2000_is_answered_without_500(
    api: Api, targets: list[tuple[str, str, str]]
) -> None:
    """Each depth goes to one operation in turn (so every depth is tried, and every operation at
    many depths), and every operation is also tried at each edge."""
    cases = [(depth, targets[depth % len(targets)]) for depth in DEPTHS]
    cases += [(depth, target) for depth in EDGES for target in targets]
    started = runs_total_before = await runs_total(api)
    for depth, (operation_id, method, path) in cases:
        status, body, _ = await api.call(
            method, path, data=nested(depth), headers={"Content-Type": "application/json"}
        )
        assert status < 500, (operation_id, depth, status, body)
        if depth > LIMIT:
            assert depth_error(status, body), (operation_id, depth, status, body)
        else:
            assert status < 300 or not depth_error(status, body), (operation_id, depth, body)
            started += operation_id in RUN_INPUTS
    # Runs start only for inputs within the limit.
    assert await runs_total(api) == started > runs_total_before


async def test_the_deepest_accepted_input_round_trips(api: Api) -> None:
    actor = await api.create_actor("deepest")
    status, body, _ = await api.call(
        "POST",
        f"/v2/actors/{actor['id']}/runs",
        data=b"[" * LIMIT + b"]" * LIMIT,
        headers={"Content-Type": "application/json"},
    )
    assert status == 201, body
    status, details, _ = await api.call("GET", f"/_mock/actor-runs/{body['data']['id']}", auth=False)
    assert status == 200, details
    value = details["data"]["input"]
    for _ in range(LIMIT - 1):
        value = value[0]
    assert value == []


@pytest.mark.parametrize("depth", EDGES)
async def test_ad_hoc_webhooks_parameter_nested_too_deeply(api: Api, depth: int) -> None:
    actor = await api.create_actor("deep-param")
    # The array is level 1, the webhook level 2; its description holds the rest.
    description = b"[" * (depth - 2) + b"]" * (depth - 2) if depth > 2 else b'"x"'
    raw = b'[{"description": ' + description + b', "eventTypes": ["TEST"]}]' if depth > 1 else b"[]"
    status, body, _ = await api.call(
        "POST",
        f"/v2/actors/{actor['id']}/runs",
        params={"webhooks": base64.b64encode(raw).decode()},
    )
    assert status < 500, (depth, body)
    if depth > LIMIT:
        assert status == 400 and "nested too deeply" in body["error"]["message"], (depth, body)
        assert await runs_total(api) == 0
