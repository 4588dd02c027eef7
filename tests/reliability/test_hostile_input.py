"""Hostile input, by hand: each bad request gets a 4xx in Apify's envelope and changes nothing."""

from __future__ import annotations

import gzip
from typing import Any
from urllib.parse import quote

import orjson
import pytest
from yarl import URL

from conftest import Api, webhook_fields

BAD_IDS = [
    "..",
    "%2e%2e",
    "..%2F..%2Fetc",
    "%00",
    "abc%00def",
    "x" * 10_000,
    "'; DROP TABLE webhooks; --",
    "ü" * 17,
]


async def snapshot(api: Api) -> Any:
    """Everything the user can read, to prove a refused request changed nothing."""
    state = []
    paths = ("/v2/webhooks", "/v2/actors", "/v2/actor-tasks", "/v2/webhook-dispatches", "/v2/actor-runs")
    for path in (*paths, "/v2/datasets?unnamed=1"):
        _, body, _ = await api.call("GET", path)
        state.append(body["data"])
    return state


@pytest.fixture
async def seeded(api: Api) -> dict[str, Any]:
    actor = await api.create_actor("victim")
    webhook = await api.create_webhook(**webhook_fields(actor["id"], description="original"))
    return {"actor": actor, "webhook": webhook, "before": await snapshot(api)}


def assert_apify_error(status: int, body: Any) -> None:
    assert 400 <= status < 500, (status, body)
    assert isinstance(body, dict) and set(body) == {"error"}, body
    assert isinstance(body["error"]["type"], str) and isinstance(body["error"]["message"], str)


def _nested(depth: int) -> bytes:
    return b'{"description": ' + b"[" * depth + b"]" * depth + b"}"


RAW_BODIES = {
    "truncated JSON": b'{"eventTypes": ["ACTOR.RUN.SUCCEEDED"], "condition": {"actorId": "x"',
    "broken JSON": b'{"eventTypes": [ACTOR.RUN.SUCCEEDED]}',
    "deep nesting": _nested(100_000),
    "invalid UTF-8": b'{"description": "\xff\xfe\xfd"}',
    "NUL bytes": b'{"description": "a\x00b"}\x00',
    "lone surrogate": b'{"description": "\\ud800"}',
    "array": b"[]",
    "number": b"42",
    "huge number": b'{"requestUrl": 1' + b"0" * 5000 + b"}",
}


@pytest.mark.parametrize("name", list(RAW_BODIES))
@pytest.mark.parametrize("method", ["POST", "PUT"])
async def test_malformed_bodies(api: Api, seeded: dict[str, Any], name: str, method: str) -> None:
    path = "/v2/webhooks" if method == "POST" else f"/v2/webhooks/{seeded['webhook']['id']}"
    status, body, _ = await api.call(
        method, path, data=RAW_BODIES[name], headers={"Content-Type": "application/json"}
    )
    assert_apify_error(status, body)
    assert await snapshot(api) == seeded["before"]


@pytest.mark.parametrize(
    "change",
    [
        {"requestUrl": 12345},
        {"eventTypes": "ACTOR.RUN.SUCCEEDED"},
        {"eventTypes": [1, 2]},
        {"condition": "actorId"},
        {"condition": {"actorId": 17}},
        {"description": {"nested": True}},
        {"doNotRetry": "true"},
        {"unknownField": "x"},
        {"description": "x" * (9 * 1024 * 1024)},
        {"payloadTemplate": '{"a": {{userId}'},
        {"payloadTemplate": '{"a": {{userId}}}}'},
        {"payloadTemplate": "{{"},
        {"payloadTemplate": '{"a": {{process.env}}}'},
        {"payloadTemplate": '{"a": "{{unknown}}"}', "shouldInterpolateStrings": True},
        {"headersTemplate": '{"X-A": {{eventData}}}'},
        {"headersTemplate": '{"Bad Header": "x"}'},
        {"headersTemplate": '{"X-A": "line\\r\\nInjected: yes"}'},
        {"requestUrl": "javascript:alert(1)"},
        {"requestUrl": "http://"},
    ],
)
async def test_invalid_webhook_fields(api: Api, seeded: dict[str, Any], change: dict[str, Any]) -> None:
    status, body, _ = await api.call(
        "POST", "/v2/webhooks", json=webhook_fields(seeded["actor"]["id"], **change)
    )
    assert_apify_error(status, body)
    status, body, _ = await api.call("PUT", f"/v2/webhooks/{seeded['webhook']['id']}", json=change)
    assert_apify_error(status, body)
    assert await snapshot(api) == seeded["before"]


async def test_ten_mib_body_and_gzip_bomb(api: Api, seeded: dict[str, Any]) -> None:
    big = b'{"description": "' + b"x" * (10 * 1024 * 1024) + b'"}'
    status, body, _ = await api.call(
        "POST", "/v2/webhooks", data=big, headers={"Content-Type": "application/json"}
    )
    assert status == 413 and body["error"]["type"] == "request-too-large"
    bomb = gzip.compress(b"[" * 50_000_000, compresslevel=9)
    assert len(bomb) < 200_000
    status, body, _ = await api.call("POST", "/v2/webhooks", data=bomb, headers={"Content-Encoding": "gzip"})
    assert status == 413 and body["error"]["type"] == "request-too-large"
    for encoding in ("compress", "zstd", "gzip, bogus", "x" * 1000):
        status, body, _ = await api.call(
            "POST", "/v2/webhooks", data=b"{}", headers={"Content-Encoding": encoding}
        )
        assert status == 415 and body["error"]["type"] == "unsupported-content-encoding", encoding
    assert await snapshot(api) == seeded["before"]


@pytest.mark.parametrize("bad_id", BAD_IDS)
async def test_hostile_path_ids(api: Api, seeded: dict[str, Any], bad_id: str) -> None:
    for method, template in (
        ("GET", "/v2/webhooks/{}"),
        ("PUT", "/v2/webhooks/{}"),
        ("DELETE", "/v2/webhooks/{}"),
        ("POST", "/v2/webhooks/{}/test"),
        ("GET", "/v2/webhooks/{}/dispatches"),
        ("GET", "/v2/webhook-dispatches/{}"),
        ("GET", "/v2/actors/{}"),
        ("GET", "/v2/actors/{}/webhooks"),
        ("GET", "/v2/actor-tasks/{}"),
        ("GET", "/v2/actor-runs/{}"),
        ("POST", "/v2/actors/{}/runs"),
    ):
        # encoded=True: sent as written, so the server sees the dot segments and escapes themselves.
        url = URL(api.url + template.format(quote(bad_id, safe="%.")), encoded=True)
        async with api.session.request(
            method,
            url,
            headers={"Authorization": f"Bearer {api.token}"},
            json={"description": "x"} if method == "PUT" else None,
        ) as response:
            status, body = response.status, await response.json(content_type=None)
        assert_apify_error(status, body)
        assert status == 404, (method, template, bad_id, body)
    assert await snapshot(api) == seeded["before"]


async def test_sql_metacharacters_are_stored_as_text(api: Api, seeded: dict[str, Any]) -> None:
    sly = "x'); DELETE FROM webhooks; -- \" % _ \\ ; SELECT * FROM users"
    webhook = await api.create_webhook(
        **webhook_fields(
            seeded["actor"]["id"],
            description=sly,
            idempotencyKey=sly,
            requestUrl="http://example.com/?q='OR'1'='1'--",
        )
    )
    _, body, _ = await api.call("GET", f"/v2/webhooks/{webhook['id']}")
    assert body["data"]["description"] == sly
    assert body["data"]["requestUrl"] == "http://example.com/?q='OR'1'='1'--"
    again = await api.create_webhook(**webhook_fields(seeded["actor"]["id"], idempotencyKey=sly))
    assert again["id"] == webhook["id"]
    _, body, _ = await api.call("GET", "/v2/webhooks")
    assert body["data"]["total"] == 2
    status, body, _ = await api.call("GET", "/v2/actors/mock-user~' OR '1'='1")
    assert status == 404


async def test_hostile_query_values(api: Api, seeded: dict[str, Any]) -> None:
    for params in (
        {"limit": "1e3"},
        {"offset": "-0x10"},
        {"desc": "yes"},
        {"offset": "\x00"},
        {"limit": " "},
    ):
        status, body, _ = await api.call("GET", "/v2/webhooks", params=params)
        assert_apify_error(status, body)
    for path in ("/v2/webhooks", "/v2/webhook-dispatches", "/v2/actor-runs"):
        status, body, _ = await api.call("GET", path, params={"limit": "9" * 40, "offset": "9" * 40})
        assert status == 200 and body["data"]["items"] == [] and body["data"]["limit"] == 1000


async def test_huge_headers_and_strange_methods(api: Api, seeded: dict[str, Any]) -> None:
    status, body, _ = await api.call("GET", "/v2/webhooks", token="t" * 5000)
    assert status == 401 and body["error"]["type"] == "user-or-token-not-found"
    status, body, _ = await api.call("GET", "/v2/webhooks", params={"method": "TRACE"})
    assert status == 405 and body["error"]["type"] == "method-not-allowed"
    status, body, _ = await api.call("POST", "/v2/webhooks", params={"method": "DELETE"}, json={})
    assert_apify_error(status, body)
    assert await snapshot(api) == seeded["before"]


async def test_errors_never_echo_the_token(api: Api, seeded: dict[str, Any]) -> None:
    secret = "apify_api_THIS_MUST_NOT_LEAK_000000000"
    for method, path in (("GET", "/v2/webhooks"), ("GET", "/v2/webhooks/x"), ("POST", "/v2/webhooks")):
        _, body, _ = await api.call(method, path, token=secret, json={} if method == "POST" else None)
        assert secret not in orjson.dumps(body).decode()
    _, body, _ = await api.call("GET", "/v2/webhooks/x", auth=False, params={"token": api.token})
    assert api.token not in orjson.dumps(body).decode()
