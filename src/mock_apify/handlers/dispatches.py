"""POST /v2/webhooks/{id}/test and the dispatch listings."""

from __future__ import annotations

import random

from aiohttp import web

from ..dispatcher import Event
from ..errors import RecordNotFound
from ..http import Call, data_response
from ..pagination import PageRequest
from .webhooks import get_webhook

# What a test dispatch carries when its webhook's source has no run or build to show (facts §3.9).
_JOKES = (
    "Why do programmers prefer dark mode? Because light attracts bugs.",
    "A webhook walks into a bar. The bartender says: we'll call you.",
    "There are 10 kinds of people: those who understand binary and those who don't.",
)


async def webhook_test_post(call: Call) -> web.Response:
    webhook = get_webhook(call)
    event = Event("TEST", None, {"joke": random.choice(_JOKES)}, call.emulator.clock.time())
    return data_response(call, call.emulator.dispatcher.dispatch(webhook, event), 201)


async def webhook_webhookDispatches_get(call: Call) -> web.Response:
    webhook = get_webhook(call)
    page = PageRequest.from_query(call.query)
    items = call.emulator.storage.list_webhook_dispatches(webhook, page.offset, page.limit, page.desc)
    return data_response(call, page.envelope(items))


async def webhookDispatches_get(call: Call) -> web.Response:
    page = PageRequest.from_query(call.query)
    items = call.emulator.storage.list_dispatches(call.user_id, page.offset, page.limit, page.desc)
    return data_response(call, page.envelope(items))


async def webhookDispatch_get(call: Call) -> web.Response:
    dispatch = call.emulator.storage.get_dispatch(call.user_id, call.path["dispatchId"])
    if dispatch is None:
        raise RecordNotFound("Webhook dispatch was not found")
    return data_response(call, dispatch)
