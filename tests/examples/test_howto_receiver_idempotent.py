"""How to prove your receiver is idempotent: make Apify's at-least-once delivery happen on purpose.

Apify says "webhooks may occasionally fire more than once" and retries failed attempts, so a run's
events can come twice and out of order (https://docs.apify.com/platform/integrations/webhooks).
`mock_apify.chaos(duplicate=True)` sends each successful delivery a second time with the same
`X-Apify-Webhook-Dispatch-Id` and body; `chaos(reorder=...)` holds a run's events and releases
them in the order you give. A receiver that keys its side effects on the dispatch ID, and only
moves a run's state forward, does each thing once whatever arrives.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from mock_apify.testing import MockApify

# A run's states, in the order they can only move.
_PROGRESS = {"ACTOR.RUN.CREATED": 0, "ACTOR.RUN.SUCCEEDED": 1}


class Receiver:
    """The code under test: charges a customer once per dispatch, and keeps each run's latest state."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.charges: list[str] = []
        self.runs: dict[str, str] = {}

    async def receive(self, request: web.Request) -> web.Response:
        dispatch_id = request.headers["X-Apify-Webhook-Dispatch-Id"]
        event: dict[str, Any] = await request.json()
        if dispatch_id not in self.seen:  # the idempotency key Apify gives every delivery
            self.seen.add(dispatch_id)
            self.charges.append(dispatch_id)
            run_id, state = event["eventData"]["actorRunId"], event["eventType"]
            if _PROGRESS[state] >= _PROGRESS.get(self.runs.get(run_id, ""), -1):
                self.runs[run_id] = state
        return web.Response(status=200)


async def test_a_duplicate_is_charged_once(mock_apify: MockApify) -> None:
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/apify", receiver.receive)
    async with TestServer(app, host="127.0.0.1") as server:
        url = str(server.make_url("/apify"))
        actor = mock_apify.add_actor("crawler")
        mock_apify.add_webhook(url, "ACTOR.RUN.SUCCEEDED", actor=actor)
        mock_apify.chaos(duplicate=True)  # every delivery arrives twice

        run = mock_apify.start_run(actor)

        [dispatch] = await mock_apify.aio.assert_dispatched(url, "ACTOR.RUN.SUCCEEDED", statuses=[200, 200])
    assert [call["injected"][0]["fault"] for call in dispatch["calls"][1:]] == ["duplicate"]
    assert receiver.charges == [dispatch["id"]]
    assert receiver.runs == {run["id"]: "ACTOR.RUN.SUCCEEDED"}


async def test_a_late_created_event_does_not_undo_success(mock_apify: MockApify) -> None:
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/apify", receiver.receive)
    async with TestServer(app, host="127.0.0.1") as server:
        url = str(server.make_url("/apify"))
        actor = mock_apify.add_actor("crawler")
        webhook = mock_apify.add_webhook(url, ["ACTOR.RUN.CREATED", "ACTOR.RUN.SUCCEEDED"], actor=actor)
        # SUCCEEDED is sent first, CREATED after it: what a retried CREATED looks like.
        mock_apify.chaos(webhook=webhook, reorder={"order": ["ACTOR.RUN.SUCCEEDED", "ACTOR.RUN.CREATED"]})

        run = mock_apify.start_run(actor)

        await mock_apify.aio.assert_dispatched(url, "ACTOR.RUN.CREATED")
    assert len(receiver.charges) == 2
    assert receiver.runs == {run["id"]: "ACTOR.RUN.SUCCEEDED"}
