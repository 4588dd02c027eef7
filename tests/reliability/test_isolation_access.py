"""Isolation and access: every operation tried with another user's ids answers 404 and changes
nothing; tokens stay out of logs; binding beyond loopback warns."""

from __future__ import annotations

import signal
import subprocess
import sys
from typing import Any

import pytest
from test_hostile_input import snapshot

from conftest import Api, webhook_fields
from mock_apify import Config
from mock_apify.config import DEFAULT_USER_ID, MEMORY_DB
from mock_apify.openapi import HTTP_METHODS, load_document

DOCUMENT = load_document()
# Paths whose records anyone may read, as on Apify: tested apart, for what they show.
PUBLIC = {"/v2/users/{userId}"}
USER_OPERATIONS = sorted(
    (method.upper(), path)
    for path, item in DOCUMENT["paths"].items()
    for method in item
    if method in HTTP_METHODS and path.startswith("/v2/") and "{" in path and path not in PUBLIC
)


@pytest.fixture
def config() -> Config:
    return Config(db=MEMORY_DB, no_seed=True, port=0, clock="virtual")


async def _owned_records(api: Api) -> dict[str, str]:
    """One record of every kind for the default user, by the path parameter naming it."""
    actor = await api.create_actor("private")
    task = await api.create_task(actor["id"], "private-task")
    webhook = await api.create_webhook(**webhook_fields(actor["id"], requestUrl=f"{api.url}/_mock/inboxes/a"))
    status, body, _ = await api.call("POST", f"/v2/actors/{actor['id']}/runs")
    assert status == 201
    run = body["data"]
    _, body, _ = await api.call("POST", f"/v2/actors/{actor['id']}/builds")
    build = body["data"]
    dispatch = await api.test_webhook(webhook["id"])
    await api.settle()
    store_path = f"/v2/key-value-stores/{run['defaultKeyValueStoreId']}/records/OUTPUT"
    status, _, _ = await api.call("PUT", store_path, json={"private": True})
    assert status == 201
    return {
        "actorId": actor["id"],
        "actorTaskId": task["id"],
        "webhookId": webhook["id"],
        "runId": run["id"],
        "buildId": build["id"],
        "buildOrRunId": run["id"],
        "dispatchId": dispatch["id"],
        "datasetId": run["defaultDatasetId"],
        "storeId": run["defaultKeyValueStoreId"],
        "recordKey": "OUTPUT",
    }


async def _store_state(api: Api, store_id: str) -> Any:
    """A store, its keys and its record, to prove another user's requests changed nothing."""
    state = []
    for path in ("", "/keys", "/records/OUTPUT"):
        status, body, _ = await api.call("GET", f"/v2/key-value-stores/{store_id}{path}")
        state.append((status, body))
    return state


async def test_every_operation_with_another_users_ids_is_404_and_changes_nothing(api: Api) -> None:
    ids = await _owned_records(api)
    before = await snapshot(api), await _store_state(api, ids["storeId"])
    stranger = (await api.new_user())["token"]
    tried = 0
    for method, template in USER_OPERATIONS:
        path = template.format(**ids)
        body: Any = {"description": "taken"} if method == "PUT" else None
        status, reply, _ = await api.call(method, path, json=body, token=stranger)
        assert status == 404, (method, template, reply)
        assert reply["error"]["type"] in ("record-not-found", "record-or-token-not-found"), (method, template)
        tried += 1
    assert tried >= 20
    assert (await snapshot(api), await _store_state(api, ids["storeId"])) == before
    _, reply, _ = await api.call("GET", "/v2/webhook-dispatches", token=stranger)
    assert reply["data"]["total"] == 0


async def test_another_users_public_data_shows_no_id_token_or_private_field(api: Api) -> None:
    stranger = (await api.new_user())["token"]
    status, reply, _ = await api.call("GET", f"/v2/users/{DEFAULT_USER_ID}", token=stranger)
    assert status == 200 and set(reply["data"]) == {"username", "profile"}


def test_tokens_never_reach_the_request_log() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "mock_apify", "--port", "0", "--db", ":memory:"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    url = process.stdout.readline().split()[-1]
    secret = "apify_api_SECRET_SECRET_SECRET_SECRET_00"
    for suffix in (f"/v2/webhooks?token={secret}", f"/v2/webhooks/x?token={secret}&limit=1"):
        subprocess.run(["curl", "-s", "-o", "/dev/null", url + suffix], check=False, timeout=10)
    subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "-H", f"Authorization: Bearer {secret}", url + "/v2/webhooks"],
        check=False,
        timeout=10,
    )
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=20)
    assert "/v2/webhooks?token=***" in err
    assert secret not in err


def test_binding_beyond_loopback_warns() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mock_apify",
            "--host",
            "0.0.0.0",
            "--port",
            "0",
            "--db",
            ":memory:",
            "--quiet",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert "listening" in process.stdout.readline()
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=20)
    assert "bound to 0.0.0.0" in err and "/_mock" in err
