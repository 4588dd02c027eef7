"""Deliveries to real receivers on 127.0.0.1: bytes and headers, retries on Apify's schedule under
a virtual clock, failures of every kind, and the dispatch log."""

from __future__ import annotations

import asyncio
import itertools
import ssl
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
import trustme

from conftest import Api, webhook_fields
from mock_apify import Config
from mock_apify.config import MEMORY_DB
from mock_apify.engine.dispatcher import MAX_ATTEMPTS
from mock_apify.model.templates import DEFAULT_PAYLOAD_TEMPLATE, parse_template
from receivers import Receiver, eventually


def _seconds(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


async def _hook(api: Api, url: str, **fields: Any) -> dict[str, Any]:
    actor = await api.create_actor()
    return await api.create_webhook(**webhook_fields(actor["id"], requestUrl=url, **fields))


class TestRealClock:
    async def test_test_event_is_delivered_with_apify_bytes_and_headers(
        self, api: Api, receiver: Receiver
    ) -> None:
        webhook = await _hook(
            api, receiver.url, headersTemplate='{"X-Custom": "yes", "X-Apify-Webhook": "x"}'
        )
        dispatch = await api.test_webhook(webhook["id"])
        assert dispatch["eventType"] == "TEST" and dispatch["status"] == "ACTIVE" and dispatch["calls"] == []
        assert dispatch["eventData"] is None and dispatch["webhookId"] == webhook["id"]
        assert dispatch["webhook"] == {
            "actionType": "HTTP_REQUEST",
            "condition": webhook["condition"],
            "requestUrl": receiver.url,
            "isAdHoc": False,
        }
        await asyncio.wait_for(receiver.arrived.wait(), 10)
        [request] = receiver.received
        assert request.method == "POST"
        payload = orjson.loads(request.body)
        assert set(payload) == {"userId", "createdAt", "eventType", "eventData", "resource"}
        assert payload["userId"] == webhook["userId"] and payload["eventType"] == "TEST"
        assert payload["eventData"] is None and "joke" in payload["resource"]
        assert payload["createdAt"] == dispatch["createdAt"]
        # The bytes are exactly the default template rendered compactly.
        context = payload | {"globals": {}}
        expected = parse_template(DEFAULT_PAYLOAD_TEMPLATE, context, interpolate_strings=False)
        assert request.body == orjson.dumps(expected)
        headers = {k.lower(): v for k, v in request.headers.items()}
        assert headers["content-type"] == "application/json"
        assert headers["x-apify-webhook-dispatch-id"] == dispatch["id"]
        assert headers["x-apify-request-origin"] == "WEBHOOK"
        assert headers["x-apify-webhook"] == webhook["id"]  # the template cannot override it
        assert headers["x-custom"] == "yes"
        assert "user-agent" not in headers

        await eventually(lambda: _status_is(api, dispatch["id"], "SUCCEEDED"))
        done = await api.dispatch(dispatch["id"])
        [call] = done["calls"]
        assert call["responseStatus"] == 200 and call["responseBody"] == "answer 200"
        assert call["errorMessage"] is None and call["startedAt"] <= call["finishedAt"]
        _, body, _ = await api.call("GET", f"/v2/webhooks/{webhook['id']}")
        assert body["data"]["stats"] == {"totalDispatches": 1}
        assert body["data"]["lastDispatch"]["status"] == "SUCCEEDED"
        assert body["data"]["lastDispatch"]["finishedAt"] == call["finishedAt"]

    async def test_a_slow_receiver_does_not_hold_up_the_api(self, api: Api, receiver: Receiver) -> None:
        receiver.hold = asyncio.Event()
        webhook = await _hook(api, receiver.url)
        dispatch = await api.test_webhook(webhook["id"])
        await asyncio.wait_for(receiver.arrived.wait(), 10)
        # The delivery is in flight, held by the receiver; the API still answers.
        status, body, _ = await api.call("GET", f"/v2/webhook-dispatches/{dispatch['id']}")
        assert status == 200 and body["data"]["status"] == "ACTIVE" and body["data"]["calls"] == []
        receiver.hold.set()
        await eventually(lambda: _status_is(api, dispatch["id"], "SUCCEEDED"))


async def _status_is(api: Api, dispatch_id: str, status: str) -> bool:
    return (await api.dispatch(dispatch_id))["status"] == status


class TestVirtualClock:
    @pytest.fixture
    def config(self) -> Config:
        return Config(db=MEMORY_DB, no_seed=True, port=0, clock="virtual", delivery_timeout=0.5)

    async def test_500_then_success_retries_after_a_minute(self, api: Api, receiver: Receiver) -> None:
        receiver.script = [500]
        dispatch = await api.test_webhook((await _hook(api, receiver.url))["id"])
        assert (await api.settle())["settled"] is True
        done = await api.dispatch(dispatch["id"])
        assert done["status"] == "SUCCEEDED"
        first, second = done["calls"]
        assert (first["responseStatus"], first["responseBody"]) == (500, "answer 500")
        assert second["responseStatus"] == 200
        assert _seconds(second["startedAt"]) - _seconds(first["startedAt"]) == pytest.approx(60, abs=0.01)
        assert len(receiver.received) == 2

    async def test_always_500_fails_after_exactly_12_attempts_on_apify_schedule(
        self, api: Api, receiver: Receiver
    ) -> None:
        receiver.status = 500
        webhook = await _hook(api, receiver.url)
        dispatch = await api.test_webhook(webhook["id"])
        result = await api.settle()
        assert result == result | {"settled": True, "pending": 0}
        done = await api.dispatch(dispatch["id"])
        assert done["status"] == "FAILED"
        assert len(done["calls"]) == MAX_ATTEMPTS == 12 == len(receiver.received)
        starts = [_seconds(call["startedAt"]) for call in done["calls"]]
        gaps = [round(b - a) for a, b in itertools.pairwise(starts)]
        assert gaps == [60 * 2**i for i in range(11)]  # 1 min, 2 min, ... 1024 min
        assert round(starts[-1] - starts[0]) == 60 * (2**11 - 1)  # about 34 h in all
        _, body, _ = await api.call("GET", f"/v2/webhooks/{webhook['id']}")
        assert body["data"]["lastDispatch"]["status"] == "FAILED"

    async def test_do_not_retry_makes_one_attempt(self, api: Api, receiver: Receiver) -> None:
        receiver.status = 503
        dispatch = await api.test_webhook((await _hook(api, receiver.url, doNotRetry=True))["id"])
        await api.settle()
        done = await api.dispatch(dispatch["id"])
        assert done["status"] == "FAILED" and len(done["calls"]) == 1 == len(receiver.received)

    async def test_closed_port_records_network_errors(self, api: Api) -> None:
        dispatch = await api.test_webhook((await _hook(api, "http://127.0.0.1:9/closed"))["id"])
        await api.settle()
        done = await api.dispatch(dispatch["id"])
        assert done["status"] == "FAILED" and len(done["calls"]) == 12
        for call in done["calls"]:
            assert call["responseStatus"] is None and call["responseBody"] is None
            assert call["errorMessage"].startswith("Cannot send request")

    async def test_receiver_slower_than_the_timeout(self, api: Api, receiver: Receiver) -> None:
        receiver.delay = 3.0
        dispatch = await api.test_webhook((await _hook(api, receiver.url, doNotRetry=True))["id"])
        await api.settle()
        [call] = (await api.dispatch(dispatch["id"]))["calls"]
        assert call["errorMessage"] == "Request timed out after 0.5 s" and call["responseStatus"] is None

    async def test_redirects_are_failures_and_not_followed(self, api: Api, receiver: Receiver) -> None:
        target = await Receiver().start()
        try:
            receiver.redirect_to = target.url
            dispatch = await api.test_webhook((await _hook(api, receiver.url, doNotRetry=True))["id"])
            await api.settle()
            done = await api.dispatch(dispatch["id"])
            assert done["status"] == "FAILED" and done["calls"][0]["responseStatus"] == 302
            assert target.received == []
        finally:
            await target.close()

    @pytest.mark.parametrize(("ignore", "status"), [(True, "SUCCEEDED"), (False, "FAILED")])
    async def test_self_signed_tls_receiver(self, api: Api, ignore: bool, status: str) -> None:
        authority = trustme.CA()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        authority.issue_cert("127.0.0.1").configure_cert(context)
        tls = await Receiver().start(ssl_context=context)
        try:
            url = tls.url.replace("http://", "https://")
            webhook = await _hook(api, url, ignoreSslErrors=ignore, doNotRetry=True)
            dispatch = await api.test_webhook(webhook["id"])
            await api.settle()
            done = await api.dispatch(dispatch["id"])
            assert done["status"] == status
            if not ignore:
                assert done["calls"][0]["errorMessage"].startswith("TLS error")
                assert tls.received == []
        finally:
            await tls.close()

    async def test_deleting_the_webhook_stops_its_retries(self, api: Api, receiver: Receiver) -> None:
        receiver.status = 500
        webhook = await _hook(api, receiver.url)
        dispatch = await api.test_webhook(webhook["id"])
        await eventually(lambda: _calls_made(api, dispatch["id"], 1))
        status, _, _ = await api.call("DELETE", f"/v2/webhooks/{webhook['id']}")
        assert status == 204
        assert (await api.settle())["pending"] == 0
        done = await api.dispatch(dispatch["id"])
        assert done["status"] == "FAILED"
        assert [c["errorMessage"] for c in done["calls"]] == [None, "Webhook was removed."]
        assert len(receiver.received) == 1
        _, body, _ = await api.call("GET", "/v2/webhook-dispatches")
        assert [d["id"] for d in body["data"]["items"]] == [dispatch["id"]]

    async def test_clock_endpoints(self, api: Api) -> None:
        _, before, _ = await api.call("GET", "/_mock/clock", auth=False)
        status, after, _ = await api.call("POST", "/_mock/clock/advance", json={"seconds": 3600}, auth=False)
        assert status == 200 and after["data"]["mode"] == "virtual"
        assert after["data"]["epochSeconds"] - before["data"]["epochSeconds"] == pytest.approx(3600)
        status, _, _ = await api.call("POST", "/_mock/clock/advance", json={"seconds": -1}, auth=False)
        assert status == 400


async def _calls_made(api: Api, dispatch_id: str, count: int) -> bool:
    return len((await api.dispatch(dispatch_id))["calls"]) >= count


async def test_real_clock_cannot_be_advanced(api: Api) -> None:
    status, body, _ = await api.call("POST", "/_mock/clock/advance", json={"seconds": 1}, auth=False)
    assert status == 400 and body["error"]["type"] == "invalid-request"


class TestDispatchListings:
    @pytest.fixture
    def config(self) -> Config:
        return Config(db=MEMORY_DB, no_seed=True, port=0, clock="virtual")

    async def test_lists_paginate_and_belong_to_their_user(self, api: Api, receiver: Receiver) -> None:
        first = await _hook(api, receiver.url)
        second = await api.create_webhook(
            **webhook_fields(first["condition"]["actorId"], requestUrl=receiver.url)
        )
        made = [await api.test_webhook(w["id"]) for w in (first, second, first, first)]
        await api.settle()
        _, body, _ = await api.call("GET", "/v2/webhook-dispatches")
        page = body["data"]
        assert (page["total"], page["count"]) == (4, 4)
        assert [d["id"] for d in page["items"]] == [d["id"] for d in made]
        _, body, _ = await api.call(
            "GET", "/v2/webhook-dispatches", params={"desc": "1", "offset": "1", "limit": "2"}
        )
        assert [d["id"] for d in body["data"]["items"]] == [made[2]["id"], made[1]["id"]]
        _, body, _ = await api.call("GET", "/v2/webhook-dispatches", params={"offset": "9"})
        assert body["data"]["items"] == [] and body["data"]["total"] == 4
        _, body, _ = await api.call("GET", f"/v2/webhooks/{first['id']}/dispatches", params={"desc": "true"})
        assert [d["id"] for d in body["data"]["items"]] == [made[3]["id"], made[2]["id"], made[0]["id"]]
        assert body["data"]["total"] == 3

        other = await api.new_user()
        for path in (f"/v2/webhook-dispatches/{made[0]['id']}", f"/v2/webhooks/{first['id']}/dispatches"):
            status, body, _ = await api.call("GET", path, token=other["token"])
            assert status == 404 and body["error"]["type"] == "record-not-found"
        _, body, _ = await api.call("GET", "/v2/webhook-dispatches", token=other["token"])
        assert body["data"]["total"] == 0
        status, _, _ = await api.call("POST", f"/v2/webhooks/{first['id']}/test", token=other["token"])
        assert status == 404

    async def test_built_in_inbox_records_deliveries_and_answers_as_scripted(self, api: Api) -> None:
        inbox = f"{api.url}/_mock/inboxes/orders"
        status, _, _ = await api.call(
            "PUT", "/_mock/inboxes/orders", json={"script": [{"status": 500, "times": 2}]}, auth=False
        )
        assert status == 200
        dispatch = await api.test_webhook((await _hook(api, inbox))["id"])
        await api.settle()
        done = await api.dispatch(dispatch["id"])
        assert [c["responseStatus"] for c in done["calls"]] == [500, 500, 200]
        status, body, _ = await api.call("GET", "/_mock/inboxes/orders", auth=False)
        assert status == 200 and body["data"]["total"] == 3
        message = body["data"]["items"][0]
        assert message["method"] == "POST"
        assert orjson.loads(message["body"])["eventType"] == "TEST"
        headers = {k.lower(): v for k, v in message["headers"].items()}
        assert headers["x-apify-webhook-dispatch-id"] == dispatch["id"]
        assert body["data"]["behaviour"]["script"] == []
        status, _, _ = await api.call("DELETE", "/_mock/inboxes/orders", auth=False)
        assert status == 204
        _, body, _ = await api.call("GET", "/_mock/inboxes/orders", auth=False)
        assert body["data"]["total"] == 0


async def test_pending_dispatches_resume_after_a_restart(tmp_path: Path, receiver: Receiver) -> None:
    """Stop with one dispatch waiting for its retry and one in flight; both complete after a restart."""
    import aiohttp
    from aiohttp.test_utils import TestServer

    from mock_apify import create_app

    config = Config(db=str(tmp_path / "pending.db"), no_seed=True, port=0, clock="virtual")
    server = TestServer(create_app(config), host="127.0.0.1")
    await server.start_server()
    async with aiohttp.ClientSession() as session:
        api = Api(session, str(server.make_url("")).rstrip("/"))
        receiver.script = [500]
        retrying = await api.test_webhook((await _hook(api, receiver.url))["id"])
        await eventually(lambda: _calls_made(api, retrying["id"], 1))
        receiver.hold = asyncio.Event()
        in_flight = await api.test_webhook(
            (
                await api.create_webhook(
                    **webhook_fields((await api.create_actor("b"))["id"], requestUrl=receiver.url + "?2")
                )
            )["id"]
        )
        await eventually(lambda: _arrived(receiver, 3 - 1))
    await server.close()  # cancels the held attempt; nothing about it was recorded
    receiver.hold.set()

    server = TestServer(create_app(config), host="127.0.0.1")
    await server.start_server()
    async with aiohttp.ClientSession() as session:
        api = Api(session, str(server.make_url("")).rstrip("/"))
        assert (await api.settle())["settled"] is True
        assert (await api.dispatch(retrying["id"]))["status"] == "SUCCEEDED"
        held = await api.dispatch(in_flight["id"])
        assert held["status"] == "SUCCEEDED" and len(held["calls"]) == 1
    await server.close()
    # At least once: the held attempt was sent again after the restart.
    assert sum(1 for r in receiver.received if r.path.endswith("?2")) == 2


async def _arrived(receiver: Receiver, count: int) -> bool:
    return len(receiver.received) >= count


class TestScaledRealTime:
    @pytest.fixture
    def config(self) -> Config:
        return Config(db=MEMORY_DB, no_seed=True, port=0, retry_base_delay=0.01)

    async def test_retries_run_in_real_time_with_a_small_base_delay(
        self, api: Api, receiver: Receiver
    ) -> None:
        receiver.script = [500, 500]
        dispatch = await api.test_webhook((await _hook(api, receiver.url))["id"])
        await eventually(lambda: _status_is(api, dispatch["id"], "SUCCEEDED"))
        calls = (await api.dispatch(dispatch["id"]))["calls"]
        assert [c["responseStatus"] for c in calls] == [500, 500, 200]
        starts = [_seconds(c["startedAt"]) for c in calls]
        assert starts[1] - starts[0] >= 0.009 and starts[2] - starts[1] >= 0.019

    async def test_a_held_receiver_does_not_hold_other_deliveries(self, api: Api, receiver: Receiver) -> None:
        receiver.hold = asyncio.Event()
        slow = await api.test_webhook((await _hook(api, receiver.url))["id"])
        await asyncio.wait_for(receiver.arrived.wait(), 10)
        other = await Receiver().start()
        try:
            fast = await api.test_webhook(
                (
                    await api.create_webhook(
                        **webhook_fields(slow["webhook"]["condition"]["actorId"], requestUrl=other.url)
                    )
                )["id"]
            )
            await eventually(lambda: _status_is(api, fast["id"], "SUCCEEDED"))
            assert (await api.dispatch(slow["id"]))["status"] == "ACTIVE"
        finally:
            receiver.hold.set()
            await other.close()
        await eventually(lambda: _status_is(api, slow["id"], "SUCCEEDED"))


async def test_render_template_endpoint(api: Api) -> None:
    status, body, _ = await api.call(
        "POST",
        "/_mock/render-template",
        json={
            "payloadTemplate": '{"text": "run {{resource.id}} ended", "data": {{eventData}}}',
            "headersTemplate": '{"X-Event": {{eventType}}}',
            "shouldInterpolateStrings": True,
            "context": {"resource": {"id": "abc"}, "eventType": "ACTOR.RUN.FAILED"},
        },
        auth=False,
    )
    assert status == 200
    assert body["data"]["headers"] == {"X-Event": "ACTOR.RUN.FAILED"}
    payload = orjson.loads(body["data"]["payload"])
    assert payload["text"] == "run abc ended" and payload["data"]["actorId"]
    status, body, _ = await api.call(
        "POST", "/_mock/render-template", json={"payloadTemplate": '{"a": {{b}}'}, auth=False
    )
    assert status == 400 and "payloadTemplate" in body["error"]["message"]
