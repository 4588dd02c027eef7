"""/v2/webhooks and the per-Actor and per-task webhook lists."""

from __future__ import annotations

from aiohttp import web

from ..model import shapes
from ..model.paging import PageRequest
from .request import RequestContext
from .responses import created, data_response, no_content


async def webhooks_get(ctx: RequestContext) -> web.Response:
    page = PageRequest.from_query(ctx.query)
    listed = ctx.emulator.webhooks.list_page(ctx.owner.id, page)
    return data_response(page.envelope(listed, shapes.short_items(listed.items)))


async def webhooks_post(ctx: RequestContext) -> web.Response:
    assert ctx.body is not None
    webhook = ctx.emulator.webhooks.create(ctx.owner.id, ctx.body)
    return created(ctx.request, webhook, f"/v2/webhooks/{webhook['id']}")


async def webhook_get(ctx: RequestContext) -> web.Response:
    return data_response(shapes.webhook_full(ctx.emulator.webhooks.get(ctx.owner.id, ctx.path["webhookId"])))


async def webhook_put(ctx: RequestContext) -> web.Response:
    assert ctx.body is not None
    return data_response(ctx.emulator.webhooks.update(ctx.owner.id, ctx.path["webhookId"], ctx.body))


async def webhook_delete(ctx: RequestContext) -> web.Response:
    ctx.emulator.webhooks.delete(ctx.owner.id, ctx.path["webhookId"])
    return no_content()


async def act_webhooks_get(ctx: RequestContext) -> web.Response:
    actor = ctx.emulator.catalog.find_actor(ctx.owner, ctx.path["actorId"])
    page = PageRequest.from_query(ctx.query)
    listed = ctx.emulator.webhooks.list_page(ctx.owner.id, page, {"actorId": actor["id"]})
    return data_response(page.envelope(listed, shapes.short_items(listed.items)))


async def actorTask_webhooks_get(ctx: RequestContext) -> web.Response:
    task = ctx.emulator.catalog.find_task(ctx.owner, ctx.path["actorTaskId"])
    page = PageRequest.from_query(ctx.query)
    return data_response(
        page.envelope(ctx.emulator.webhooks.full_page(ctx.owner.id, page, {"actorTaskId": task["id"]}))
    )
