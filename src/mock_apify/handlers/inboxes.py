"""The built-in receiver under /_mock/inboxes/{name}: named inboxes that accept any POST, record
it, and answer as the test chose (a status, a delay, a script of answers for the next requests)."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from ..body import read_body
from ..http import Call, data_response, no_content
from ..pagination import PageRequest

_DEFAULT_BEHAVIOUR: dict[str, Any] = {"status": 200, "delayMs": 0, "body": "", "script": []}


def _next_answer(behaviour: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The answer for one request, and the behaviour left after it when a scripted step was used."""
    script = list(behaviour.get("script") or [])
    if not script:
        return behaviour, None
    step = dict(script[0])
    times = int(step.get("times", 1))
    if times > 1:
        script[0] = step | {"times": times - 1}
    else:
        script.pop(0)
    return {**behaviour, **step}, behaviour | {"script": script}


async def mock_inbox_post(call: Call) -> web.StreamResponse:
    storage, name = call.emulator.storage, call.path["name"]
    raw = await read_body(call.request, call.emulator.config.max_body_bytes)
    message = {
        "receivedAt": call.emulator.clock.now_iso(),
        "method": call.request.method,
        "path": call.request.path,
        "query": {str(k): v for k, v in call.request.query.items()},
        "headers": {str(k): v for k, v in call.request.headers.items()},
        "body": raw.decode("utf-8", errors="replace"),
    }
    behaviour = storage.get_inbox_behaviour(name) or _DEFAULT_BEHAVIOUR
    answer, remaining = _next_answer(behaviour)
    storage.add_inbox_message(name, message, remaining)
    if answer.get("delayMs"):
        await asyncio.sleep(answer["delayMs"] / 1000)
    return web.Response(status=answer["status"], text=answer.get("body") or "")


async def mock_inbox_put(call: Call) -> web.Response:
    behaviour = _DEFAULT_BEHAVIOUR | (call.body or {})
    call.emulator.storage.set_inbox_behaviour(call.path["name"], behaviour)
    return data_response(call, {"name": call.path["name"], "behaviour": behaviour})


async def mock_inbox_get(call: Call) -> web.Response:
    storage, name = call.emulator.storage, call.path["name"]
    page = PageRequest.from_query(call.query)
    messages = storage.inbox_messages(name, page.offset, page.limit)
    behaviour = storage.get_inbox_behaviour(name) or _DEFAULT_BEHAVIOUR
    return data_response(call, {"name": name, "behaviour": behaviour, **page.envelope(messages)})


async def mock_inbox_delete(call: Call) -> web.Response:
    call.emulator.storage.clear_inbox(call.path["name"])
    return no_content()
