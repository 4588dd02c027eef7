"""/v2/actor-tasks: enough of tasks for webhooks to point at them."""

from __future__ import annotations

from aiohttp import web

from ..model import shapes
from ..model.paging import PageRequest
from .request import RequestContext
from .responses import created, data_response, json_response, no_content


async def actorTasks_get(ctx: RequestContext) -> web.Response:
    page = PageRequest.from_query(ctx.query)
    listed = ctx.emulator.catalog.task_page(ctx.owner.id, page)
    return data_response(page.envelope(listed, [shapes.task_short(task) for task in listed.items]))


async def actorTasks_post(ctx: RequestContext) -> web.Response:
    assert ctx.body is not None
    task = ctx.emulator.catalog.create_task(ctx.owner, ctx.body)
    return created(ctx.request, shapes.task_full(task), f"/v2/actor-tasks/{task['id']}")


async def actorTask_get(ctx: RequestContext) -> web.Response:
    return data_response(shapes.task_full(ctx.emulator.catalog.find_task(ctx.owner, ctx.path["actorTaskId"])))


async def actorTask_delete(ctx: RequestContext) -> web.Response:
    ctx.emulator.catalog.delete_task(ctx.owner, ctx.path["actorTaskId"])
    return no_content()


async def actorTask_input_get(ctx: RequestContext) -> web.Response:
    """The task's input object itself, not wrapped in `data`, as Apify answers."""
    return json_response(
        ctx.emulator.catalog.find_task(ctx.owner, ctx.path["actorTaskId"]).get("input") or {}
    )


async def actorTask_input_put(ctx: RequestContext) -> web.Response:
    assert ctx.body is not None
    catalog = ctx.emulator.catalog
    task = catalog.find_task(ctx.owner, ctx.path["actorTaskId"])
    return json_response(catalog.set_task_input(ctx.owner, task, ctx.body)["input"])
