"""/v2/actors (and the legacy /v2/acts): enough of Actors for webhooks to point at them."""

from __future__ import annotations

from aiohttp import web

from ..model import shapes
from ..model.paging import PageRequest
from .request import RequestContext
from .responses import created, data_response, no_content


async def acts_get(ctx: RequestContext) -> web.Response:
    page = PageRequest.from_query(ctx.query)
    listed = ctx.emulator.catalog.actor_page(ctx.owner.id, page)
    return data_response(page.envelope(listed, [shapes.actor_short(actor) for actor in listed.items]))


async def acts_post(ctx: RequestContext) -> web.Response:
    assert ctx.body is not None
    actor = ctx.emulator.catalog.create_actor(ctx.owner, ctx.body)
    return created(ctx.request, actor, f"/v2/actors/{actor['id']}")


async def act_get(ctx: RequestContext) -> web.Response:
    return data_response(ctx.emulator.catalog.find_actor(ctx.owner, ctx.path["actorId"]))


async def act_put(ctx: RequestContext) -> web.Response:
    assert ctx.body is not None
    return data_response(ctx.emulator.catalog.update_actor(ctx.owner, ctx.path["actorId"], ctx.body))


async def act_delete(ctx: RequestContext) -> web.Response:
    ctx.emulator.catalog.delete_actor(ctx.owner, ctx.path["actorId"])
    return no_content()
