"""Requests a web page can make: none of them may change the emulator's state.

A page on any site can make the browser send a GET (an <img>), or a "simple" POST (text/plain,
form bodies, no preflight) to 127.0.0.1, and DNS rebinding can point its own host name at
127.0.0.1. `?method=` never turns a GET into a write under /_mock, control writes need a JSON
body, writes from a non-loopback Origin are refused, and the Host header must name this emulator."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from conftest import Api, webhook_fields
from mock_apify import Config
from mock_apify.config import MEMORY_DB


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


async def test_control_writes_need_a_body_and_a_page_of_another_site_cannot_send_one(
    api: Api, actor: dict[str, Any]
) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    cross_site = form | {"Origin": "https://evil.example"}
    for path, data in (
        ("/_mock/reset", b"{}"),  # JSON text sent as a form: what a page of another site can do
        ("/_mock/users", b"{}"),
        ("/_mock/actors/" + actor["id"] + "/behaviour", b'{"run": {"status": "FAILED"}}'),
    ):
        method = "PUT" if path.endswith("behaviour") else "POST"
        status, body, _ = await api.call(method, path, data=data, headers=cross_site, auth=False)
        assert status == 403 and body["error"]["type"] == "insufficient-permissions", (path, body)
    for data in (None, b""):  # what a link or an image sends
        status, body, _ = await api.call("POST", "/_mock/reset", data=data, headers=form, auth=False)
        assert status == 400 and body["error"]["type"] == "invalid-request", body
        assert "need a JSON object body" in body["error"]["message"]
    assert await _totals(api) == (1, 1)
    status, body, _ = await api.call("POST", "/_mock/reset", data=b"{}", headers=form, auth=False)
    assert status == 200 and body["data"]["reset"] == "all"  # curl -d '{}': no Origin, not a browser
    assert await _totals(api) == (0, 0)


async def test_method_override_still_works_on_v2(api: Api, actor: dict[str, Any]) -> None:
    """Apify documents `?method=` for GET-only clients (facts sheet §4.5), so /v2 keeps it."""
    status, body, _ = await api.call(
        "GET", "/v2/webhooks", params={"method": "POST"}, json=webhook_fields(actor["id"])
    )
    assert status == 201, body
    assert await _totals(api) == (2, 1)


def _refused(status: int, body: Any) -> bool:
    return status == 403 and body["error"]["type"] == "insufficient-permissions"


async def test_writes_from_another_origin_are_refused(api: Api, actor: dict[str, Any]) -> None:
    """The attack: a page's simple POST (text/plain, no preflight) with the default token in the
    query, which would send the default Actor's runs to an outside URL."""
    hook = webhook_fields(actor["id"], requestUrl="https://attacker.example/collect")
    plain = {"Content-Type": "text/plain"}
    for origin in ("https://attacker.example", "http://127.0.0.1.attacker.example", "null"):
        status, body, _ = await api.call(
            "POST",
            f"/v2/webhooks?token={api.token}",
            data=orjson.dumps(hook),
            headers={**plain, "Origin": origin},
            auth=False,
        )
        assert _refused(status, body), (origin, body)
        assert origin in body["error"]["message"]
        status, body, _ = await api.call(
            "POST", "/_mock/reset", json={}, headers={"Origin": origin}, auth=False
        )
        assert _refused(status, body), body
    # An <img> sends no Origin; the browser still says the request is cross-site.
    status, body, _ = await api.call(
        "GET",
        f"/v2/actors/{actor['id']}/runs",
        params={"method": "POST"},
        headers={"Sec-Fetch-Site": "cross-site", "Referer": "https://attacker.example/page"},
    )
    assert _refused(status, body), body
    _, runs, _ = await api.call("GET", "/v2/actor-runs")
    assert runs["data"]["total"] == 0
    assert await _totals(api) == (1, 1)


async def test_reads_and_loopback_origins_are_served(api: Api, actor: dict[str, Any]) -> None:
    status, _, _ = await api.call("GET", "/v2/webhooks", headers={"Origin": "https://elsewhere.example"})
    assert status == 200  # reading: the browser's same-origin policy keeps the answer from the page
    for origin in (
        "http://localhost:3000",
        "http://127.0.0.1:5173",
        "http://[::1]:8080",
        "https://app.localhost",
    ):
        status, body, _ = await api.call(
            "POST", "/v2/webhooks", json=webhook_fields(actor["id"]), headers={"Origin": origin}
        )
        assert status == 201, (origin, body)
    status, _, _ = await api.call(
        "GET",
        f"/v2/actors/{actor['id']}/runs",
        params={"method": "POST"},
        headers={"Sec-Fetch-Site": "cross-site", "Referer": "http://localhost:3000/app"},
    )
    assert status == 201


@pytest.mark.parametrize(
    "host", ["attacker.example", "attacker.example:8765", "127.0.0.1.nip.io", "[2001:db8::1]:80", "bad[host"]
)
async def test_foreign_host_headers_are_refused(api: Api, host: str) -> None:
    """DNS rebinding: the attacker's name resolves to 127.0.0.1, and the browser sends it as Host."""
    for method, path in (("GET", "/v2/webhooks"), ("GET", "/_mock/health"), ("POST", "/_mock/users")):
        status, body, _ = await api.call(method, path, json={}, headers={"Host": host})
        assert _refused(status, body), (host, path, body)
        assert "Host" in body["error"]["message"]


@pytest.mark.parametrize(
    "host", ["localhost", "LOCALHOST:1", "127.0.0.1", "127.1.2.3:99", "[::1]:8765", "a.localhost"]
)
async def test_loopback_host_headers_are_served(api: Api, host: str) -> None:
    status, _, _ = await api.call("GET", "/_mock/health", headers={"Host": host})
    assert status == 200


class TestAllowedByConfig:
    @pytest.fixture
    def config(self) -> Config:
        return Config(
            db=MEMORY_DB,
            no_seed=True,
            port=0,
            allowed_origins=("https://app.example",),
            allowed_hosts=("mock-apify", "emulator.internal"),
        )

    async def test_listed_origins_and_hosts_are_served(self, api: Api) -> None:
        status, _, _ = await api.call(
            "POST", "/v2/actors", json={"name": "a"}, headers={"Origin": "https://app.example"}
        )
        assert status == 201
        status, body, _ = await api.call(
            "POST", "/v2/actors", json={"name": "b"}, headers={"Origin": "https://app.example:444"}
        )
        assert _refused(status, body)
        for host in ("mock-apify:8765", "MOCK-APIFY", "emulator.internal"):
            status, _, _ = await api.call("GET", "/_mock/health", headers={"Host": host})
            assert status == 200, host
        status, body, _ = await api.call("GET", "/_mock/health", headers={"Host": "other"})
        assert _refused(status, body)


class TestAnythingAllowed:
    @pytest.fixture
    def config(self) -> Config:
        return Config(db=MEMORY_DB, no_seed=True, port=0, allowed_origins=("*",), allowed_hosts=("*",))

    async def test_star_allows_every_origin_and_host(self, api: Api) -> None:
        headers = {"Origin": "https://anywhere.example", "Host": "anything.example"}
        status, _, _ = await api.call("POST", "/v2/actors", json={"name": "a"}, headers=headers)
        assert status == 201
