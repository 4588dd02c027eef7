"""Every error row of the API: Apify's envelope, status and type, and no stored change."""

from __future__ import annotations

import gzip
import zlib

import brotli
import orjson
import pytest

from conftest import Api, webhook_fields


def assert_error(status: int, body: dict, expected_status: int, expected_type: str) -> str:
    assert status == expected_status, body
    assert set(body) == {"error"}
    assert body["error"]["type"] == expected_type
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return str(body["error"]["message"])


async def count_webhooks(api: Api) -> int:
    _, body, _ = await api.call("GET", "/v2/webhooks")
    return int(body["data"]["total"])


async def test_missing_token_is_401_token_not_provided(api: Api) -> None:
    status, body, _ = await api.call("GET", "/v2/webhooks", auth=False)
    message = assert_error(status, body, 401, "token-not-provided")
    assert message == "Authentication token was not provided"


async def test_unknown_token_is_401_user_or_token_not_found(api: Api) -> None:
    status, body, _ = await api.call("GET", "/v2/webhooks", token="nope")
    message = assert_error(status, body, 401, "user-or-token-not-found")
    assert message == "User was not found or authentication token is not valid"


async def test_token_in_query_works(api: Api) -> None:
    status, body, _ = await api.call("GET", "/v2/webhooks", auth=False, params={"token": api.token})
    assert status == 200 and body["data"]["total"] == 0


async def test_unknown_event_type_is_schema_validation_naming_field(api: Api) -> None:
    actor = await api.create_actor()
    fields = webhook_fields(actor["id"], eventTypes=["ACTOR_RUN_TIMED_OUT"])
    status, body, _ = await api.call("POST", "/v2/webhooks", json=fields)
    message = assert_error(status, body, 400, "schema-validation")
    assert "eventTypes[0]" in message and "ACTOR_RUN_TIMED_OUT is not an allowed value" in message
    assert await count_webhooks(api) == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"eventTypes": []}, "eventTypes"),
        ({"requestUrl": 5}, "requestUrl"),
        ({"requestUrl": "not a url"}, "requestUrl"),
        ({"requestUrl": "ftp://example.com/x"}, "requestUrl"),
        ({"unknownField": 1}, "unknownField"),
        ({"doNotRetry": "yes"}, "doNotRetry"),
        ({"payloadTemplate": '{"a": {{nope}}}'}, "payloadTemplate"),
        ({"payloadTemplate": '{"a": '}, "payloadTemplate"),
        ({"headersTemplate": '{"X-A": 5}'}, "headersTemplate"),
        ({"headersTemplate": "[1]"}, "headersTemplate"),
    ],
)
async def test_invalid_bodies_are_400_naming_the_field(api: Api, change: dict, field: str) -> None:
    actor = await api.create_actor()
    status, body, _ = await api.call("POST", "/v2/webhooks", json=webhook_fields(actor["id"], **change))
    message = assert_error(status, body, 400, "schema-validation")
    assert field in message
    assert await count_webhooks(api) == 0


async def test_missing_required_field_is_named(api: Api) -> None:
    status, body, _ = await api.call("POST", "/v2/webhooks", json={"eventTypes": ["TEST"], "condition": {}})
    message = assert_error(status, body, 400, "schema-validation")
    assert "requestUrl" in message or "condition" in message


@pytest.mark.parametrize("raw", [b"{not json", b'{"a": 1', b"[1, 2]", b'"text"', b"null", b"\xff\xfe"])
async def test_broken_or_non_object_json_is_400_invalid_request(api: Api, raw: bytes) -> None:
    status, body, _ = await api.call(
        "POST", "/v2/webhooks", data=raw, headers={"Content-Type": "application/json"}
    )
    assert_error(status, body, 400, "invalid-request")


async def test_empty_body_on_create_is_400_invalid_request(api: Api) -> None:
    status, body, _ = await api.call("POST", "/v2/webhooks", data=b"")
    assert_error(status, body, 400, "invalid-request")


@pytest.mark.parametrize(
    "params",
    [{"limit": "abc"}, {"offset": "-1"}, {"limit": "-5"}, {"desc": "maybe"}, {"offset": "1.5"}],
)
async def test_bad_query_values_are_400(api: Api, params: dict[str, str]) -> None:
    status, body, _ = await api.call("GET", "/v2/webhooks", params=params)
    message = assert_error(status, body, 400, "invalid-parameter")
    assert next(iter(params)) in message


@pytest.mark.parametrize(
    "path",
    [
        "/v2/webhooks/NoNeXiStEnTwH",
        "/v2/webhooks/non-existent-id",
        "/v2/webhooks/abcdefghijklmnopq",
        "/v2/webhooks/%00",
        "/v2/webhooks/" + "x" * 3000,
        "/v2/actor-tasks/abcdefghijklmnopq",
    ],
)
async def test_unknown_or_malformed_id_on_known_route_is_404_record_not_found(api: Api, path: str) -> None:
    status, body, _ = await api.call("GET", path)
    assert_error(status, body, 404, "record-not-found")


async def test_unknown_path_is_404_page_not_found(api: Api) -> None:
    for path in ("/v2/nothing-here", "/", "/v2/webhooks/x/y/z"):
        status, body, _ = await api.call("GET", path)
        message = assert_error(status, body, 404, "page-not-found")
        assert "no API endpoint at this URL" in message
        assert "/v2" not in message  # no hint where one /v2 more or less would not help


@pytest.mark.parametrize(
    ("path", "hint"),
    [
        ("/webhooks", "API paths start with /v2: did you mean /v2/webhooks?"),
        ("/acts/abcdefghijklmnopq/runs", "did you mean /v2/acts/abcdefghijklmnopq/runs?"),
        # The JS client given `baseUrl: "http://127.0.0.1:8765/v2"` asks for this.
        ("/v2/v2/webhooks", "The path starts with /v2/v2: the API's base URL is the host alone"),
        ("/v2/v2/actors/abcdefghijklmnopq/", "The path starts with /v2/v2"),
    ],
)
async def test_a_missing_or_doubled_v2_is_page_not_found_with_a_hint(api: Api, path: str, hint: str) -> None:
    status, body, _ = await api.call("GET", path)
    message = assert_error(status, body, 404, "page-not-found")
    assert message.startswith("We have bad news: there is no API endpoint at this URL.")
    assert hint in message


async def test_wrong_method_is_405_listing_allowed_methods(api: Api) -> None:
    status, body, response = await api.call("PATCH", "/v2/webhooks")
    message = assert_error(status, body, 405, "method-not-allowed")
    assert message.endswith("OPTIONS, GET, POST")
    assert response.headers["Allow"] == "OPTIONS, GET, POST"
    status, body, _ = await api.call("POST", "/v2/webhooks/abcdefghijklmnopq")
    assert assert_error(status, body, 405, "method-not-allowed").endswith("OPTIONS, DELETE, GET, PUT")


async def test_method_override_in_query(api: Api) -> None:
    actor = await api.create_actor()
    raw = orjson.dumps(webhook_fields(actor["id"]))
    status, body, _ = await api.call("GET", "/v2/webhooks", data=raw, params={"method": "POST"})
    assert status == 201 and body["data"]["id"]
    status, _, _ = await api.call("GET", f"/v2/webhooks/{body['data']['id']}", params={"method": "DELETE"})
    assert status == 204
    assert await count_webhooks(api) == 0


async def test_body_above_9_mib_is_413_without_storing(api: Api) -> None:
    actor = await api.create_actor()
    big = webhook_fields(actor["id"], description="x" * (9 * 1024 * 1024 + 10))
    status, body, _ = await api.call("POST", "/v2/webhooks", json=big)
    message = assert_error(status, body, 413, "request-too-large")
    assert "9437184" in message
    assert await count_webhooks(api) == 0


async def test_gzip_bomb_is_413(api: Api) -> None:
    bomb = gzip.compress(b'{"description": "' + b"a" * (20 * 1024 * 1024) + b'"}')
    assert len(bomb) < 100_000
    status, body, _ = await api.call(
        "POST",
        "/v2/webhooks",
        data=bomb,
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )
    assert_error(status, body, 413, "request-too-large")


async def test_unknown_content_encoding_is_415(api: Api) -> None:
    status, body, _ = await api.call("POST", "/v2/webhooks", data=b"{}", headers={"Content-Encoding": "bla"})
    message = assert_error(status, body, 415, "unsupported-content-encoding")
    assert message == 'Content-Encoding "bla" is not supported.'


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [("gzip", gzip.compress), ("deflate", zlib.compress), ("br", brotli.compress)],
)
async def test_compressed_bodies_are_accepted(api: Api, encoding: str, compress) -> None:  # type: ignore[no-untyped-def]
    actor = await api.create_actor()
    raw = orjson.dumps(webhook_fields(actor["id"], description="z" * 2000))
    status, body, _ = await api.call(
        "POST",
        "/v2/webhooks",
        data=compress(raw),
        headers={"Content-Encoding": encoding, "Content-Type": "application/json"},
    )
    assert status == 201, body
    assert body["data"]["description"] == "z" * 2000


async def test_corrupt_compressed_body_is_400(api: Api) -> None:
    status, body, _ = await api.call(
        "POST", "/v2/webhooks", data=b"not gzip at all", headers={"Content-Encoding": "gzip"}
    )
    assert_error(status, body, 400, "invalid-request")


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        ("TOKEN", "it lacks the 'Bearer ' scheme"),
        ("Token TOKEN", "it lacks the 'Bearer ' scheme"),
        ("Bearer ", "it has no token after the scheme"),
    ],
)
async def test_authorization_without_bearer_says_the_scheme_is_missing(
    api: Api, header: str, problem: str
) -> None:
    """`Authorization: <token>` (as a new user wrote it) stays Apify's 401 token-not-provided,
    but the message says what is wrong with the header, and never repeats the token."""
    headers = {"Authorization": header.replace("TOKEN", api.token)}
    status, body, _ = await api.call("GET", "/v2/webhooks", auth=False, headers=headers)
    message = assert_error(status, body, 401, "token-not-provided")
    assert message.startswith("Authentication token was not provided")
    assert "'Bearer <token>'" in message and message.endswith(problem)
    assert api.token not in message
    # The same token with the scheme works.
    status, _, _ = await api.call(
        "GET", "/v2/webhooks", auth=False, headers={"Authorization": f"Bearer {api.token}"}
    )
    assert status == 200
