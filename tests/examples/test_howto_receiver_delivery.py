"""How to test a receiver with a real delivery: webhook → inbox → /test → assert_delivered.

The emulator's built-in receiver records everything sent to an inbox; `inbox.url` is its address.
`test_webhook()` makes the emulator send the webhook's TEST event as Apify would (payload template
rendered, Apify's headers), and `assert_delivered()` settles the delivery, then checks it.
The last test shows the same with a receiver of your own, served by the test's event loop, and
checked from the dispatch log with `assert_dispatched()`.
"""

from __future__ import annotations

import json

from aiohttp import web
from aiohttp.test_utils import TestServer

from mock_apify.testing import MockApify

PAYLOAD = '{"event": {{eventType}}, "user": {{userId}}, "source": "apify"}'


def test_the_webhook_delivers_its_rendered_payload(mock_apify: MockApify) -> None:
    inbox = mock_apify.inbox("receiver")
    actor = mock_apify.add_actor("crawler")
    webhook = mock_apify.add_webhook(
        inbox,
        ["ACTOR.RUN.SUCCEEDED"],
        actor=actor,
        payloadTemplate=PAYLOAD,
        headersTemplate='{"X-Signature": "secret-123"}',
    )

    dispatch = mock_apify.test_webhook(webhook)

    # payload= matches a subset of the JSON body: the keys given must be there with these values.
    [delivery] = mock_apify.assert_delivered(inbox, payload={"event": "TEST", "source": "apify"})
    [request] = delivery.attempts
    assert request.json == {"event": "TEST", "user": mock_apify.user_id, "source": "apify"}
    assert request.header("x-signature") == "secret-123"
    assert request.header("x-apify-webhook-dispatch-id") == dispatch["id"]
    assert mock_apify.dispatch(dispatch)["status"] == "SUCCEEDED"


def test_the_default_payload_carries_the_event_type(mock_apify: MockApify) -> None:
    inbox = mock_apify.inbox("receiver")
    webhook = mock_apify.add_webhook(inbox, "ACTOR.RUN.FAILED", actor=mock_apify.add_actor())

    mock_apify.test_webhook(webhook)

    # With Apify's default template the body has eventType, so assert_delivered can filter on it.
    [delivery] = mock_apify.assert_delivered(inbox, "TEST")
    assert delivery.json["userId"] == mock_apify.user_id
    mock_apify.assert_not_delivered(inbox, "ACTOR.RUN.FAILED")  # no run failed


async def test_your_own_receiver_on_the_test_loop(mock_apify: MockApify) -> None:
    # The code under test: an aiohttp receiver that stores the event it is sent.
    stored: list[dict[str, object]] = []

    async def receive(request: web.Request) -> web.Response:
        stored.append(json.loads(await request.read()))
        return web.json_response({"stored": True})

    app = web.Application()
    app.router.add_post("/apify-webhook", receive)
    async with TestServer(app, host="127.0.0.1") as server:
        webhook = mock_apify.add_webhook(
            str(server.make_url("/apify-webhook")), "ACTOR.RUN.SUCCEEDED", actor=mock_apify.add_actor()
        )
        mock_apify.test_webhook(webhook)

        # The receiver is served by this test's loop, so wait through `.aio` (a blocking
        # settle() or assertion refuses to run here). assert_dispatched reads the dispatch log, so
        # it works for any URL: one TEST dispatch, whose one call was answered 200.
        [dispatch] = await mock_apify.aio.assert_dispatched(webhook, "TEST", statuses=[200])

    assert [event["eventType"] for event in stored] == ["TEST"]
    assert json.loads(dispatch["calls"][0]["responseBody"]) == {"stored": True}
