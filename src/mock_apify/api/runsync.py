"""run-sync and run-sync-get-dataset-items for Actors and tasks (GET without input, POST with):
start a run, wait for it on the emulator's clock, and answer with a record of its default
key-value store, or with its dataset's items, as Apify's `/v2/actors/{actorId}/run-sync…` do."""

from __future__ import annotations

from aiohttp import web

from ..errors import RecordNotFound
from .datasets import items_answer
from .request import RequestContext
from .runs import start

# The record run-sync answers with unless `outputRecordKey` names another.
OUTPUT = "OUTPUT"


async def act_runSync_post(ctx: RequestContext) -> web.Response:
    """201 with the record's bytes and Content-Type as stored; an empty 201 when the run wrote no
    such record (Actors need not), 400 `run-failed` for a run that did not succeed, 408 when it is
    still going after 300 s."""
    emulator = ctx.emulator
    run = await emulator.runs.run_to_end(await start(ctx))
    try:
        value = emulator.kvs.record(emulator.kvs.of_run(run), ctx.query.get("outputRecordKey") or OUTPUT)
    except RecordNotFound:
        return web.Response(status=201)
    return web.Response(status=201, body=value.data, headers={"Content-Type": value.content_type})


act_runSync_get = actorTask_runSync_post = actorTask_runSync_get = act_runSync_post


async def act_runSyncGetDatasetItems_post(ctx: RequestContext) -> web.StreamResponse:
    """201 with the run's dataset items, every parameter and format of the items endpoint; the
    same errors as run-sync."""
    run = await ctx.emulator.runs.run_to_end(await start(ctx))
    return await items_answer(ctx, ctx.emulator.datasets.of_run(run), 201)


act_runSyncGetDatasetItems_get = act_runSyncGetDatasetItems_post
actorTask_runSyncGetDatasetItems_post = actorTask_runSyncGetDatasetItems_get = act_runSyncGetDatasetItems_post
