"""The webhooks CRUD endpoints over real HTTP: shapes, defaults, pagination, idempotency, limits."""

from __future__ import annotations

import asyncio
import base64
import json
import re

import orjson
import pytest

from conftest import Api, webhook_fields
from mock_apify import Config
from mock_apify.config import MEMORY_DB
from mock_apify.model.shapes import SHORT_OMITS
from mock_apify.model.templates import DEFAULT_PAYLOAD_TEMPLATE

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
ID = re.compile(r"^[A-Za-z0-9]{17}$")


async def test_create_returns_full_webhook_with_defaults_and_location(api: Api) -> None:
    actor = await api.create_actor()
    status, body, response = await api.call("POST", "/v2/webhooks", json=webhook_fields(actor["id"]))
    assert status == 201
    webhook = body["data"]
    assert ID.match(webhook["id"])
    assert response.headers["Location"] == f"{api.url}/v2/webhooks/{webhook['id']}"
    assert ISO_MS.match(webhook["createdAt"]) and webhook["modifiedAt"] == webhook["createdAt"]
    assert webhook["userId"] == "MockDefaultUser01"
    assert webhook["condition"] == {"actorId": actor["id"]}
    assert webhook["lastDispatch"] is None
    assert webhook["stats"] == {"totalDispatches": 0}
    assert webhook["isAdHoc"] is False
    assert webhook["ignoreSslErrors"] is False
    assert webhook["doNotRetry"] is False
    assert webhook["shouldInterpolateStrings"] is False
    assert webhook["isEnabled"] is True
    assert webhook["actionType"] == "HTTP_REQUEST"
    assert webhook["payloadTemplate"] == DEFAULT_PAYLOAD_TEMPLATE
    assert webhook["headersTemplate"] is None
    assert "idempotencyKey" not in webhook


async def test_create_with_every_field_keeps_them(api: Api) -> None:
    actor = await api.create_actor()
    fields = webhook_fields(
        actor["id"],
        eventTypes=["ACTOR.RUN.FAILED", "ACTOR.RUN.TIMED_OUT"],
        isAdHoc=False,
        idempotencyKey="key-1",
        ignoreSslErrors=True,
        doNotRetry=True,
        payloadTemplate='{"hello": {{eventType}}}',
        headersTemplate='{"X-Secret": "s3cret"}',
        description="my hook",
        shouldInterpolateStrings=True,
        isApifyIntegration=True,
    )
    webhook = await api.create_webhook(**fields)
    for key in (
        "eventTypes",
        "ignoreSslErrors",
        "doNotRetry",
        "payloadTemplate",
        "headersTemplate",
        "description",
        "shouldInterpolateStrings",
        "isApifyIntegration",
    ):
        assert webhook[key] == fields[key], key
    status, body, _ = await api.call("GET", f"/v2/webhooks/{webhook['id']}")
    assert status == 200 and body["data"] == webhook


async def test_empty_templates_mean_default_payload_and_no_headers(api: Api) -> None:
    actor = await api.create_actor()
    webhook = await api.create_webhook(**webhook_fields(actor["id"], payloadTemplate="", headersTemplate=""))
    assert webhook["payloadTemplate"] == DEFAULT_PAYLOAD_TEMPLATE
    assert webhook["headersTemplate"] is None


async def test_list_items_are_short_and_paginated(api: Api) -> None:
    actor = await api.create_actor()
    created = [await api.create_webhook(**webhook_fields(actor["id"], description=f"d{i}")) for i in range(5)]
    status, body, _ = await api.call("GET", "/v2/webhooks")
    assert status == 200
    page = body["data"]
    assert {k: page[k] for k in ("total", "offset", "limit", "desc", "count")} == {
        "total": 5,
        "offset": 0,
        "limit": 1000,
        "desc": False,
        "count": 5,
    }
    assert [item["id"] for item in page["items"]] == [w["id"] for w in created]
    for item in page["items"]:
        assert not {"payloadTemplate", "headersTemplate", "description"} & set(item)
        assert item["doNotRetry"] is False and item["requestUrl"]

    _, body, _ = await api.call("GET", "/v2/webhooks", params={"offset": "1", "limit": "2"})
    assert [i["id"] for i in body["data"]["items"]] == [w["id"] for w in created[1:3]]
    assert (body["data"]["count"], body["data"]["limit"], body["data"]["total"]) == (2, 2, 5)

    for desc in ("1", "true"):
        _, body, _ = await api.call("GET", "/v2/webhooks", params={"desc": desc, "limit": "2"})
        assert [i["id"] for i in body["data"]["items"]] == [created[4]["id"], created[3]["id"]]
        assert body["data"]["desc"] is True

    _, body, _ = await api.call("GET", "/v2/webhooks", params={"limit": "0"})
    assert body["data"]["limit"] == 1000 and body["data"]["count"] == 5
    _, body, _ = await api.call("GET", "/v2/webhooks", params={"limit": "5000"})
    assert body["data"]["limit"] == 1000
    _, body, _ = await api.call("GET", "/v2/webhooks", params={"offset": "10"})
    assert body["data"]["items"] == [] and body["data"]["count"] == 0 and body["data"]["total"] == 5


async def test_update_merges_and_moves_modified_at(api: Api) -> None:
    actor = await api.create_actor()
    task = await api.create_task(actor["id"])
    webhook = await api.create_webhook(**webhook_fields(actor["id"], description="before", doNotRetry=True))
    await asyncio.sleep(0.005)
    status, body, _ = await api.call(
        "PUT",
        f"/v2/webhooks/{webhook['id']}",
        json={"requestUrl": "https://example.com/new", "condition": {"actorTaskId": task["id"]}},
    )
    assert status == 200
    updated = body["data"]
    assert updated["requestUrl"] == "https://example.com/new"
    assert updated["condition"] == {"actorTaskId": task["id"]}
    assert updated["description"] == "before" and updated["doNotRetry"] is True
    assert updated["eventTypes"] == webhook["eventTypes"]
    assert updated["createdAt"] == webhook["createdAt"]
    assert updated["modifiedAt"] > webhook["modifiedAt"]
    _, body, _ = await api.call("GET", f"/v2/webhooks/{webhook['id']}")
    assert body["data"] == updated


async def test_delete_is_204_without_body_then_404(api: Api) -> None:
    actor = await api.create_actor()
    webhook = await api.create_webhook(**webhook_fields(actor["id"]))
    status, body, response = await api.call("DELETE", f"/v2/webhooks/{webhook['id']}")
    assert status == 204 and body is None and response.content_length in (None, 0)
    status, body, _ = await api.call("GET", f"/v2/webhooks/{webhook['id']}")
    assert status == 404 and body["error"]["type"] == "record-not-found"
    status, _, _ = await api.call("DELETE", f"/v2/webhooks/{webhook['id']}")
    assert status == 404


async def test_idempotency_key_returns_existing_webhook(api: Api) -> None:
    actor = await api.create_actor()
    first = await api.create_webhook(**webhook_fields(actor["id"], idempotencyKey="same"))
    status, body, _ = await api.call(
        "POST", "/v2/webhooks", json=webhook_fields(actor["id"], idempotencyKey="same", description="other")
    )
    assert status == 201 and body["data"]["id"] == first["id"]
    _, body, _ = await api.call("GET", "/v2/webhooks")
    assert body["data"]["total"] == 1


async def test_fifty_concurrent_creates_with_one_key_make_one_webhook(api: Api) -> None:
    actor = await api.create_actor()
    results = await asyncio.gather(
        *(
            api.call("POST", "/v2/webhooks", json=webhook_fields(actor["id"], idempotencyKey="k"))
            for _ in range(50)
        )
    )
    assert {status for status, _, _ in results} == {201}
    assert len({body["data"]["id"] for _, body, _ in results}) == 1
    _, body, _ = await api.call("GET", "/v2/webhooks")
    assert body["data"]["total"] == 1


async def test_condition_must_name_an_existing_record_of_the_user(api: Api) -> None:
    for condition, message in (
        ({"actorId": "abcdefghijklmnopq"}, "Actor was not found"),
        ({"actorTaskId": "abcdefghijklmnopq"}, "Actor task was not found"),
        ({"actorRunId": "abcdefghijklmnopq"}, "Actor run was not found"),
    ):
        status, body, _ = await api.call(
            "POST", "/v2/webhooks", json=webhook_fields("x", condition=condition)
        )
        assert status == 404, condition
        assert body["error"] == {"type": "record-not-found", "message": message}


async def test_condition_with_two_keys_or_none_is_refused(api: Api) -> None:
    actor = await api.create_actor()
    task = await api.create_task(actor["id"])
    for condition in ({"actorId": actor["id"], "actorTaskId": task["id"]}, {"actorId": None}, {}):
        status, body, _ = await api.call(
            "POST", "/v2/webhooks", json=webhook_fields("x", condition=condition)
        )
        assert status == 400, condition
        assert body["error"]["type"] == "schema-validation"
        assert "condition" in body["error"]["message"]


async def test_list_bytes_are_the_full_webhooks_shortened_and_pretty_printed(api: Api) -> None:
    """Lists splice pre-rendered items; their bytes must be what rendering each webhook's full
    form without the omitted fields gives, after updates and dispatches too."""
    actor = await api.create_actor()
    plain = await api.create_webhook(**webhook_fields(actor["id"]))
    fancy = await api.create_webhook(
        **webhook_fields(
            actor["id"],
            description='ünïcode "quoted" \u2028',
            headersTemplate='{"X-A": "b"}',
            requestUrl="http://127.0.0.1:9/p?q=%20&r=ä",
            eventTypes=["ACTOR.RUN.FAILED", "ACTOR.RUN.SUCCEEDED"],
        )
    )
    status, _, _ = await api.call("PUT", f"/v2/webhooks/{plain['id']}", json={"doNotRetry": True})
    assert status == 200
    await api.test_webhook(fancy["id"])  # gives it a lastDispatch and a dispatch count
    lonely = await api.create_actor("lonely")
    for path in (
        "/v2/webhooks?desc=1",
        f"/v2/acts/{actor['id']}/webhooks",
        f"/v2/acts/{lonely['id']}/webhooks",
    ):
        _, response = await api.raw("GET", path)
        listed = orjson.loads(response)["data"]
        full = [(await api.call("GET", f"/v2/webhooks/{item['id']}"))[1]["data"] for item in listed["items"]]
        expected = {**listed, "items": [{k: v for k, v in w.items() if k not in SHORT_OMITS} for w in full]}
        assert response == orjson.dumps({"data": expected}, option=orjson.OPT_INDENT_2)
        if path == "/v2/webhooks?desc=1":
            assert len(listed["items"]) == 2 and any(item["lastDispatch"] for item in listed["items"])
    assert listed["items"] == []


async def test_actor_and_task_webhook_lists(api: Api) -> None:
    actor = await api.create_actor("a1")
    other_actor = await api.create_actor("a2")
    task = await api.create_task(actor["id"])
    on_actor = await api.create_webhook(**webhook_fields(actor["id"]))
    await api.create_webhook(**webhook_fields(other_actor["id"]))
    on_task = await api.create_webhook(
        **webhook_fields("x", condition={"actorTaskId": task["id"]}, description="t")
    )
    for prefix in ("/v2/actors", "/v2/acts"):
        for ref in (actor["id"], "mock-user~a1"):
            status, body, _ = await api.call("GET", f"{prefix}/{ref}/webhooks")
            assert status == 200, (prefix, ref)
            assert [i["id"] for i in body["data"]["items"]] == [on_actor["id"]]
            assert "payloadTemplate" not in body["data"]["items"][0]
    for ref in (task["id"], "mock-user~my-task"):
        status, body, _ = await api.call("GET", f"/v2/actor-tasks/{ref}/webhooks")
        assert status == 200
        assert [i["id"] for i in body["data"]["items"]] == [on_task["id"]]
        assert body["data"]["items"][0]["description"] == "t"  # full Webhook items
        assert "payloadTemplate" in body["data"]["items"][0]
    status, body, _ = await api.call("GET", "/v2/actors/abcdefghijklmnopq/webhooks")
    assert status == 404 and body["error"]["type"] == "record-or-token-not-found"
    status, body, _ = await api.call("GET", "/v2/actors/mock-user~nope/webhooks")
    assert status == 404 and body["error"]["type"] == "record-not-found"


class TestWebhookLimit:
    @pytest.fixture
    def config(self) -> Config:
        return Config(db=MEMORY_DB, no_seed=True, port=0, max_webhooks_per_user=3)

    @staticmethod
    async def assert_full(api: Api, actor_id: str) -> None:
        """One more create is refused, and the user has exactly the limit's 3 webhooks."""
        status, body, _ = await api.call("POST", "/v2/webhooks", json=webhook_fields(actor_id))
        assert status == 403 and body["error"]["type"] == "too-many-webhooks"
        _, body, _ = await api.call("GET", "/v2/webhooks")
        assert body["data"]["total"] == 3

    async def test_limit_is_403_too_many_webhooks(self, api: Api) -> None:
        actor = await api.create_actor()
        for _ in range(3):
            await api.create_webhook(**webhook_fields(actor["id"]))
        await self.assert_full(api, actor["id"])

    async def test_deleting_a_webhook_frees_a_place(self, api: Api) -> None:
        actor = await api.create_actor()
        hooks = [await api.create_webhook(**webhook_fields(actor["id"])) for _ in range(3)]
        status, _, _ = await api.call("DELETE", f"/v2/webhooks/{hooks[0]['id']}")
        assert status == 204
        await api.create_webhook(**webhook_fields(actor["id"]))
        await self.assert_full(api, actor["id"])

    async def test_ad_hoc_webhooks_count_too_and_a_refused_run_leaves_the_count_as_it_was(
        self, api: Api
    ) -> None:
        actor = await api.create_actor()
        await api.create_webhook(**webhook_fields(actor["id"]))
        adhoc = [
            {"eventTypes": ["ACTOR.RUN.SUCCEEDED"], "requestUrl": f"http://127.0.0.1:9/{i}"} for i in range(3)
        ]
        encoded = base64.b64encode(json.dumps(adhoc).encode()).decode()
        status, body, _ = await api.call("POST", f"/v2/acts/{actor['id']}/runs", params={"webhooks": encoded})
        assert status == 403 and body["error"]["type"] == "too-many-webhooks", body
        _, runs, _ = await api.call("GET", f"/v2/acts/{actor['id']}/runs")
        assert runs["data"]["total"] == 0
        _, body, _ = await api.call("GET", "/v2/webhooks")
        assert body["data"]["total"] == 1  # the two ad-hoc webhooks inserted before the refusal are undone
        for _ in range(2):
            await api.create_webhook(**webhook_fields(actor["id"]))
        await self.assert_full(api, actor["id"])


def test_default_webhook_limit_is_100() -> None:
    assert Config().max_webhooks_per_user == 100


async def test_templates_are_checked_in_the_mode_they_render_in(api: Api) -> None:
    actor = await api.create_actor()
    literal = '{"note": "{{notAVariable}}"}'
    webhook = await api.create_webhook(**webhook_fields(actor["id"], payloadTemplate=literal))
    assert webhook["payloadTemplate"] == literal  # left alone when interpolation is off
    status, body, _ = await api.call(
        "POST",
        "/v2/webhooks",
        json=webhook_fields(actor["id"], payloadTemplate=literal, shouldInterpolateStrings=True),
    )
    assert status == 400
    assert "payloadTemplate" in body["error"]["message"] and "notAVariable" in body["error"]["message"]
    status, body, _ = await api.call(
        "PUT", f"/v2/webhooks/{webhook['id']}", json={"shouldInterpolateStrings": True}
    )
    assert status == 400 and "notAVariable" in body["error"]["message"]
