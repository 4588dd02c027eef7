"""Durations are bounded, so no client can move the shared virtual clock out of what clients can
parse (a behaviour `afterSecs: 1e12` and a settle once took it to year 33,715 for every user),
and a full reset brings the clock back to the present."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import datetime
from typing import Any

import pytest

from conftest import Api
from mock_apify import Config
from mock_apify.config import MEMORY_DB

MAX_SECS = 31_536_000  # 365 days: the longest duration any input may give
MAX_LEAD_SECS = 100 * MAX_SECS  # how far the virtual clock may run ahead of real time


@pytest.fixture
def config() -> Config:
    return Config(db=MEMORY_DB, no_seed=True, port=0, clock="virtual")


def refused(status: int, body: Any, field: str) -> bool:
    return (
        status == 400
        and body["error"]["type"] in ("schema-validation", "invalid-parameter")
        and (field in body["error"]["message"])
    )


async def clock_seconds(api: Api) -> float:
    _, body, _ = await api.call("GET", "/_mock/clock", auth=False)
    return float(body["data"]["epochSeconds"])


async def test_a_behaviour_longer_than_a_year_is_refused(api: Api) -> None:
    actor = await api.create_actor()
    path = f"/_mock/actors/{actor['id']}/behaviour"
    for after in (1e12, MAX_SECS + 1, 2**53):
        for kind in ("run", "build"):
            status, body, _ = await api.call(
                "PUT", path, json={kind: {"status": "SUCCEEDED", "afterSecs": after}}, auth=False
            )
            assert refused(status, body, f"{kind}.afterSecs"), (after, body)
    status, body, _ = await api.call(
        "PUT", path, json={"run": {"status": "SUCCEEDED", "afterSecs": MAX_SECS}}, auth=False
    )
    assert status == 200, body


@pytest.mark.parametrize("operation", ["actor", "task", "resurrect"])
async def test_run_timeouts_longer_than_a_year_are_refused(api: Api, operation: str) -> None:
    actor = await api.create_actor()
    task = await api.create_task(actor["id"])
    status, run, _ = await api.call("POST", f"/v2/actors/{actor['id']}/runs", params={"waitForFinish": "5"})
    assert status == 201 and run["data"]["status"] == "SUCCEEDED", run
    path = {
        "actor": f"/v2/actors/{actor['id']}/runs",
        "task": f"/v2/actor-tasks/{task['id']}/runs",
        "resurrect": f"/v2/actor-runs/{run['data']['id']}/resurrect",
    }[operation]
    for timeout in (MAX_SECS + 1, 2**53 - 1, 2**53, 10**30):
        status, body, _ = await api.call("POST", path, params={"timeout": str(timeout)})
        assert refused(status, body, "timeout"), (timeout, body)
    status, body, _ = await api.call("POST", path, params={"timeout": str(MAX_SECS)})
    assert status in (200, 201), body


async def test_default_run_timeouts_longer_than_a_year_are_refused(api: Api) -> None:
    status, body, _ = await api.call(
        "POST", "/v2/actors", json={"name": "slow", "defaultRunOptions": {"timeoutSecs": MAX_SECS + 1}}
    )
    assert refused(status, body, "defaultRunOptions.timeoutSecs"), body
    actor = await api.create_actor()
    status, body, _ = await api.call(
        "POST",
        "/v2/actor-tasks",
        json={"actId": actor["id"], "name": "slow", "options": {"timeoutSecs": 10**15}},
    )
    assert refused(status, body, "options"), body


async def test_wait_for_finish_takes_what_the_official_clients_send(api: Api) -> None:
    """Apify waits at most 60 seconds; the Python client asks for 999999 to mean "as long as you
    can", so large values are accepted, but not past what JavaScript holds exactly."""
    actor = await api.create_actor()
    status, body, _ = await api.call(
        "POST", f"/v2/actors/{actor['id']}/runs", params={"waitForFinish": "999999"}
    )
    assert status == 201 and body["data"]["status"] == "SUCCEEDED", body
    run_id = body["data"]["id"]
    status, body, _ = await api.call(
        "GET", f"/v2/actor-runs/{run_id}", params={"waitForFinish": str(2**53 - 1)}
    )
    assert status == 200, body
    status, body, _ = await api.call("GET", f"/v2/actor-runs/{run_id}", params={"waitForFinish": str(2**53)})
    assert refused(status, body, "waitForFinish"), body


async def test_the_virtual_clock_stays_within_a_century_of_real_time(api: Api) -> None:
    start = await clock_seconds(api)
    for _ in range(100):
        status, body, _ = await api.call(
            "POST", "/_mock/clock/advance", json={"seconds": MAX_SECS}, auth=False
        )
        assert status == 200, body
    status, body, _ = await api.call("POST", "/_mock/clock/advance", json={"seconds": MAX_SECS}, auth=False)
    assert status == 400 and body["error"]["type"] == "invalid-request", body
    assert "/_mock/reset" in body["error"]["message"]
    assert (await clock_seconds(api)) - start == pytest.approx(100 * MAX_SECS)
    assert (await clock_seconds(api)) <= time.time() + MAX_LEAD_SECS


async def test_settle_cannot_jump_past_the_clock_limit(api: Api) -> None:
    """A run due beyond the limit stays pending: settle says it did not settle, at once."""
    for _ in range(100):
        await api.call("POST", "/_mock/clock/advance", json={"seconds": MAX_SECS}, auth=False)
    actor = await api.create_actor()
    await api.call(
        "PUT",
        f"/_mock/actors/{actor['id']}/behaviour",
        json={"run": {"status": "SUCCEEDED", "afterSecs": MAX_SECS}},
        auth=False,
    )
    status, body, _ = await api.call("POST", f"/v2/actors/{actor['id']}/runs")
    assert status == 201, body
    before = time.monotonic()
    settled = await api.settle()
    assert settled["settled"] is False and time.monotonic() - before < 5
    assert datetime.fromisoformat(settled["clock"]["now"].replace("Z", "+00:00")).year < 10_000


async def test_a_full_reset_brings_the_virtual_clock_back_to_the_present(api: Api) -> None:
    for _ in range(3):
        await api.call("POST", "/_mock/clock/advance", json={"seconds": MAX_SECS}, auth=False)
    assert await clock_seconds(api) > time.time() + 2 * MAX_SECS
    status, body, _ = await api.call("POST", "/_mock/reset", json={}, auth=False)
    assert status == 200, body
    assert abs(await clock_seconds(api) - time.time()) < 60
    # A per-user reset leaves the shared clock alone.
    await api.call("POST", "/_mock/clock/advance", json={"seconds": 1000}, auth=False)
    user = await api.new_user()
    await api.call("POST", "/_mock/reset", json={"userId": user["id"]}, auth=False)
    assert await clock_seconds(api) > time.time() + 900


@pytest.mark.parametrize(
    "settings",
    [
        {"retry_base_delay": 1e12},
        {"retry_base_delay": 3601},
        {"retry_base_delay": -1},
        {"retry_base_delay": float("nan")},
        {"delivery_timeout": 0},
        {"delivery_timeout": float("inf")},
        {"delivery_timeout": 3601},
    ],
)
def test_settings_that_time_deliveries_are_bounded(settings: dict[str, float]) -> None:
    """The retry delay moves the virtual clock too: its whole schedule (2047 base delays) stays
    within 85 days."""
    with pytest.raises(ValueError, match=next(iter(settings))):
        Config(**settings)  # type: ignore[arg-type]


def test_an_unbounded_retry_delay_on_the_command_line_is_a_clear_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mock_apify", "--port", "0", "--db", ":memory:", "--retry-base-delay", "1e12"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("mock-apify: retry_base_delay"), result.stderr
    assert "Traceback" not in result.stderr
