"""POST /v2/webhooks/{id}/test and the dispatch listings."""

from __future__ import annotations

from aiohttp import web

from ..model.paging import PageRequest
from .request import RequestContext
from .responses import data_response


async def webhook_test_post(ctx: RequestContext) -> web.Response:
    dispatch = ctx.emulator.dispatches.test(ctx.owner.id, ctx.path["webhookId"], ctx.body)
    return data_response(dispatch, 201)


async def webhook_webhookDispatches_get(ctx: RequestContext) -> web.Response:
    page = PageRequest.from_query(ctx.query)
    return data_response(
        page.envelope(ctx.emulator.dispatches.page(ctx.owner.id, page, ctx.path["webhookId"]))
    )


async def webhookDispatches_get(ctx: RequestContext) -> web.Response:
    page = PageRequest.from_query(ctx.query)
    return data_response(page.envelope(ctx.emulator.dispatches.page(ctx.owner.id, page)))


async def webhookDispatch_get(ctx: RequestContext) -> web.Response:
    return data_response(ctx.emulator.dispatches.get(ctx.owner.id, ctx.path["dispatchId"]))
