"""Requests a web page can make: none of them may change the emulator's state.

A page on any site can make the browser send a GET (an <img>), or a "simple" POST (text/plain,
form bodies, no preflight) to 127.0.0.1, and DNS rebinding can point its own host name at
127.0.0.1. `?method=` never turns a GET into a write under /_mock, control writes need a JSON
body, writes from a non-loopback Origin are refused, and the Host header must name this emulator."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import Api, webhook_fields


async def _totals(api: Api) -> tuple[int, int]:
    """(webhooks, Actors) of the default user."""
    _, webhooks, _ = await api.call("GET", "/v2/webhooks")
    _, actors, _ = await api.call("GET", "/v2/actors")
    return webhooks["data"]["total"], actors["data"]["total"]


@pytest.fixture
async def actor(api: Api) -> dict[str, Any]:
    actor = await api.create_actor("target")
    await api.create_webhook(**webhook_fields(actor["id"]))
    return actor


async def test_get_with_method_override_never_writes_under_mock(api: Api, actor: dict[str, Any]) -> None:
    for path in ("/_mock/reset", "/_mock/users", "/_mock/clock/advance", "/_mock/dispatches/settle"):
        status, body, _ = await api.call("GET", path, params={"method": "POST"}, auth=False)
        assert status == 405 and body["error"]["type"] == "method-not-allowed", (path, body)
    assert await _totals(api) == (1, 1)  # nothing was wiped: a 405 runs no handler


async def test_control_writes_need_a_json_body(api: Api, actor: dict[str, Any]) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for path, data in (
        ("/_mock/reset", b""),
        ("/_mock/reset", b"{}"),  # JSON text, but sent as a form: a cross-site page can do this
        ("/_mock/users", b"{}"),
        ("/_mock/actors/" + actor["id"] + "/behaviour", b'{"run": {"status": "FAILED"}}'),
    ):
        method = "PUT" if path.endswith("behaviour") else "POST"
        status, body, _ = await api.call(method, path, data=data, headers=form, auth=False)
        assert status == 400 and body["error"]["type"] == "invalid-request", (path, data, body)
        assert "application/json" in body["error"]["message"]
    status, _, _ = await api.call("POST", "/_mock/reset", auth=False)  # no body at all
    assert status == 400
    assert await _totals(api) == (1, 1)
    status, body, _ = await api.call("POST", "/_mock/reset", json={}, auth=False)
    assert status == 200 and body["data"]["reset"] == "all"
    assert await _totals(api) == (0, 0)


async def test_method_override_still_works_on_v2(api: Api, actor: dict[str, Any]) -> None:
    """Apify documents `?method=` for GET-only clients (facts sheet §4.5), so /v2 keeps it."""
    status, body, _ = await api.call(
        "GET", "/v2/webhooks", params={"method": "POST"}, json=webhook_fields(actor["id"])
    )
    assert status == 201, body
    assert await _totals(api) == (2, 1)
