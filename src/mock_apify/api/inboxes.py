"""The built-in receiver under /_mock/inboxes/{name}: accepts any request and answers as the test
chose (see services.inboxes)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..model.paging import PageRequest
from .body import read_body
from .request import RequestContext
from .responses import data_response, no_content


async def mock_inbox_post(ctx: RequestContext) -> web.StreamResponse:
    request = ctx.request
    raw = await read_body(request, ctx.emulator.config.max_body_bytes)
    message = {
        "receivedAt": ctx.emulator.clock.now_iso(),
        "method": request.method,
        "path": request.path,
        "query": {str(k): v for k, v in request.query.items()},
        "headers": {str(k): v for k, v in request.headers.items()},
        "body": raw.decode("utf-8", errors="replace"),
    }
    answer = ctx.emulator.inboxes.receive(ctx.path["name"], message)
    if answer.get("delayMs"):
        await ctx.emulator.shutdown.sleep(answer["delayMs"] / 1000)
    return web.Response(status=answer["status"], text=answer.get("body") or "")


async def mock_inbox_put(ctx: RequestContext) -> web.Response:
    behaviour = ctx.emulator.inboxes.set_behaviour(ctx.path["name"], ctx.body or {})
    return data_response({"name": ctx.path["name"], "behaviour": behaviour})


def inbox_page(ctx: RequestContext, name: str, page: PageRequest) -> dict[str, Any]:
    """An inbox's behaviour and a page of its messages, as GET /_mock/inboxes/{name} answers them."""
    inboxes = ctx.emulator.inboxes
    return {"name": name, "behaviour": inboxes.behaviour(name), **page.envelope(inboxes.messages(name, page))}


async def mock_inbox_get(ctx: RequestContext) -> web.Response:
    return data_response(inbox_page(ctx, ctx.path["name"], PageRequest.from_query(ctx.query)))


async def mock_inbox_delete(ctx: RequestContext) -> web.Response:
    ctx.emulator.inboxes.clear(ctx.path["name"])
    return no_content()
