"""Every official-client method a webhook consumer reaches for, through the Python client (sync
and async) and the JavaScript client, against the standalone process and the pytest plugin's
emulator: one scenario (`client_matrix.STEPS`), six runs, the same answers."""

from __future__ import annotations

import json
import signal
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from apify_client import ApifyClient, ApifyClientAsync

from client_matrix import JS_RUNNER, js_steps, run_async, run_python
from jsclient import install_js_client, run_node
from mock_apify.testing import MockApify
from processes import start, stop

ITEMS = [{"title": "first", "price": 1}, {"title": "second", "price": 2}]
OUTPUT = {"cheapest": 1}


def _call(url: str, token: str | None, method: str, path: str, body: Any) -> Any:
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    request = urllib.request.Request(url + path, json.dumps(body).encode(), headers, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["data"]


def prepare(url: str, token: str) -> dict[str, Any]:
    """An Actor whose runs succeed with ITEMS and OUTPUT, and a task of it that has never run."""
    actor = _call(url, token, "POST", "/v2/actors", {"name": "matrix-actor"})
    behaviour = {"run": {"items": ITEMS, "output": OUTPUT}}
    _call(url, None, "PUT", f"/_mock/actors/{actor['id']}/behaviour", behaviour)
    task = _call(url, token, "POST", "/v2/actor-tasks", {"actId": actor["id"], "name": "matrix-task"})
    return {"actor": actor["id"], "task": task["id"]}


@pytest.fixture(scope="module")
def standalone() -> Iterator[str]:
    process, url, _banner = start("--port", "0", "--db", ":memory:", "--no-seed", "--quiet")
    try:
        yield url
    finally:
        stop(process, signal.SIGTERM)


@pytest.fixture(params=["standalone", "plugin"])
def target(request: pytest.FixtureRequest) -> tuple[str, str]:
    """(base URL, a fresh user's token) of either emulator."""
    if request.param == "plugin":
        handle: MockApify = request.getfixturevalue("mock_apify")
        return handle.url, handle.token
    url = request.getfixturevalue("standalone")
    return url, _call(url, None, "POST", "/_mock/users", {})["token"]


def _scenario(client: str, url: str, token: str, inputs: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    if client == "sync":
        return run_python(ApifyClient(token, api_url=url, max_retries=0), inputs)
    if client == "async":
        return run_async(ApifyClientAsync(token, api_url=url, max_retries=0), inputs)
    script, steps = tmp_path / "runner.js", tmp_path / "steps.json"
    script.write_text(JS_RUNNER)
    steps.write_text(js_steps())
    return run_node(script, install_js_client(), url, token, str(steps), json.dumps(inputs))  # type: ignore[no-any-return]


@pytest.mark.parametrize("client", ["sync", "async", "js"])
def test_the_scenario(client: str, target: tuple[str, str], tmp_path: Path) -> None:
    url, token = target
    inputs = prepare(url, token)
    me = _call(url, token, "GET", "/v2/users/me", None)
    out = _scenario(client, url, token, inputs, tmp_path)
    run = out["run"]
    assert out["me"] == me["username"]
    assert run["status"] == "SUCCEEDED" and run["actId"] == inputs["actor"]
    assert out["last_run"] == run["id"] and out["last_failed_run"] is None and out["task_last_run"] is None

    assert out["items"] == ITEMS

    assert out["output"] == out["last_output"] == OUTPUT
    assert out["input"] == {"url": "https://example.com"}
    assert out["set_record"] is None and out["note"] == "hello"
    assert out["note_exists"] is True and out["delete_record"] is None and out["note_gone"] is False
    assert out["keys"] == "INPUT"
    assert out["store"]["name"] == "matrix-store" and out["renamed"] == "matrix-renamed"
    assert out["store_deleted"] is None and out["store_gone"] is None
    assert out["task_input"] == out["task_input_read"] == {"depth": 2}

    assert out["run_dataset"] == len(ITEMS) and out["last_items"] == ITEMS
    assert out["dataset"]["name"] == "matrix-data" and out["push"] is None and out["dataset_total"] == 1005
    assert out["picked"] == [{"n": 1004}, {"n": 1003}] and out["clean_count"] == 1005
    assert out["dataset_renamed"] == "matrix-data-2"
    assert out["dataset_deleted"] is None and out["dataset_gone"] is None
    assert (out["succeeded_runs"], out["actor_runs"], out["task_runs"]) == (1, 0, 0)
    assert out["status_message"] == "Sent" and "SUCCEEDED" in out["last_log"]
    assert out["last_abort"] == "SUCCEEDED"  # a finished run is left as it is
    assert (out["build"], out["build_get"], out["builds"], out["actor_builds"]) == (
        "0.1.1",
        "0.1",
        2,
        "0.1.1",
    )
    assert "SUCCEEDED" in out["build_log"]
    assert (out["actor_update"], out["task_update"], out["actor_stats"]) == ("Matrix", "Matrix task", 1)
    assert out["run_delete"] is None and out["deleted_run"] is None
