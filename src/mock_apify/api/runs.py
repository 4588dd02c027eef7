"""Actor runs: starting them, reading and waiting, listing, updating, deleting, aborting,
resurrecting, their logs (streamed on request). A run's dataset is served by `datasets`. Every
run sub-resource serves `/actor-runs/{runId}/…` and both `…/runs/last/…` with one handler."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..errors import RecordNotFound
from ..model import jobs, shapes
from ..model.paging import PageRequest
from ..model.types import Record
from ..services.runs import MAX_WAIT_SECS
from .body import parse_json, read_body
from .request import RequestContext
from .responses import created, data_response, no_content


async def _run_input(ctx: RequestContext) -> tuple[Any, bytes]:
    """(the run's input, the body as sent): the input is the body's JSON when it parses, else the
    body as text; the body itself becomes the run's INPUT record."""
    raw = await read_body(ctx.request, ctx.emulator.config.max_body_bytes)
    if not raw.strip():
        return None, raw
    return parse_json(raw, text_fallback=True), raw


async def start(ctx: RequestContext) -> Record:
    """A new run of the Actor (`actorId`) or task (`actorTaskId`) the path names, the request's
    body as its input (GET: none)."""
    catalog = ctx.emulator.catalog
    task = catalog.find_task(ctx.owner, ctx.path["actorTaskId"]) if "actorTaskId" in ctx.path else None
    actor = (
        catalog.task_actor(ctx.owner, task) if task else catalog.find_actor(ctx.owner, ctx.path["actorId"])
    )
    job_input, raw = await _run_input(ctx) if ctx.request.method == "POST" else (None, b"")
    body = (raw, ctx.request.headers.get("Content-Type"))
    return ctx.emulator.runs.start_run(ctx.owner, actor, task, job_input, ctx.query, body)


async def act_runs_post(ctx: RequestContext) -> web.Response:
    run = await ctx.emulator.runs.waited(jobs.RUN, await start(ctx), ctx.query.get("waitForFinish"))
    owner = f"/v2/actor-tasks/{run['actorTaskId']}" if run["actorTaskId"] else f"/v2/actors/{run['actId']}"
    return created(ctx.request, run, f"{owner}/runs/{run['id']}")


actorTask_runs_post = act_runs_post


async def job_answer(ctx: RequestContext, kind: str, job: Record) -> web.Response:
    """A run or build once it ends or `waitForFinish` passes, its costs shown to its owner only."""
    waited = await ctx.emulator.runs.waited(kind, job, ctx.query.get("waitForFinish"))
    return data_response(jobs.owner_view(waited, ctx.user is not None))


async def actorRun_get(ctx: RequestContext) -> web.Response:
    return await job_answer(ctx, jobs.RUN, run_of(ctx))


async def actorRun_put(ctx: RequestContext) -> web.Response:
    assert ctx.body is not None
    return data_response(ctx.emulator.runs.update(run_of(ctx), ctx.body))


async def actorRun_delete(ctx: RequestContext) -> web.Response:
    ctx.emulator.runs.delete(run_of(ctx))
    return no_content()


async def act_run_get(ctx: RequestContext) -> web.Response:
    run = ctx.emulator.runs.get(jobs.RUN, ctx.path["runId"], ctx.user)
    if run["actId"] != ctx.emulator.catalog.find_actor(ctx.owner, ctx.path["actorId"])["id"]:
        raise RecordNotFound("Actor run was not found")
    return await job_answer(ctx, jobs.RUN, run)


def _statuses(ctx: RequestContext) -> tuple[str, ...]:
    return tuple(ctx.query["status"].split(",")) if "status" in ctx.query else ()


def _last_filters(ctx: RequestContext) -> dict[str, Any]:
    return {"statuses": _statuses(ctx), "origin": ctx.query.get("origin")}


def run_of(ctx: RequestContext) -> Record:
    """The run a path names: `/actor-runs/{runId}/…` (anyone's, by ID, without a token), or the
    last run of `/actors/{actorId}/runs/last/…` or `/actor-tasks/{actorTaskId}/runs/last/…`
    (the token's user's, filtered by `?status=` and `?origin=`). Every run sub-resource resolves
    its run here."""
    runs, catalog = ctx.emulator.runs, ctx.emulator.catalog
    if "runId" in ctx.path:
        return runs.get(jobs.RUN, ctx.path["runId"], ctx.user)
    if "actorTaskId" in ctx.path:
        task = catalog.find_task(ctx.owner, ctx.path["actorTaskId"])
        return runs.last(ctx.owner, task_id=task["id"], **_last_filters(ctx))
    actor = catalog.find_actor(ctx.owner, ctx.path["actorId"])
    return runs.last(ctx.owner, act_id=actor["id"], **_last_filters(ctx))


act_runs_last_get = actorTask_runs_last_get = actorRun_get


def _runs_page(ctx: RequestContext, **owner: str) -> web.Response:
    """A page of runs in the short shape, filtered by `status` and the `startedAfter` and
    `startedBefore` bounds."""
    page = PageRequest.from_query(ctx.query)
    bounds = {
        key: jobs.started_bound(name, ctx.query[name])
        for key, name in (("started_after", "startedAfter"), ("started_before", "startedBefore"))
        if name in ctx.query
    }
    listed = ctx.emulator.runs.page(ctx.owner.id, page, statuses=_statuses(ctx), **owner, **bounds)
    return data_response(page.envelope(listed, [shapes.run_short(run) for run in listed.items]))


async def actorRuns_get(ctx: RequestContext) -> web.Response:
    return _runs_page(ctx)


async def act_runs_get(ctx: RequestContext) -> web.Response:
    return _runs_page(ctx, act_id=ctx.emulator.catalog.find_actor(ctx.owner, ctx.path["actorId"])["id"])


async def actorTask_runs_get(ctx: RequestContext) -> web.Response:
    return _runs_page(ctx, task_id=ctx.emulator.catalog.find_task(ctx.owner, ctx.path["actorTaskId"])["id"])


async def actorRun_abort_post(ctx: RequestContext) -> web.Response:
    return data_response(ctx.emulator.runs.abort(run_of(ctx)))


act_runs_last_abort_post = actorTask_runs_last_abort_post = actorRun_abort_post


async def actorRun_resurrect_post(ctx: RequestContext) -> web.Response:
    runs = ctx.emulator.runs
    return data_response(
        runs.resurrect(runs.get(jobs.RUN, ctx.path["runId"], ctx.user), ctx.query.get("timeout"))
    )


async def log_answer(ctx: RequestContext, job_id: str) -> web.StreamResponse:
    """Plain text; with `stream=1`, kept open and fed until the run or build ends (or the server
    shuts down)."""
    runs = ctx.emulator.runs
    job, log = runs.log(job_id, ctx.user)
    if not ctx.query.get("stream"):
        return web.Response(text=log, content_type="text/plain")
    response = web.StreamResponse(headers={"Content-Type": "text/plain; charset=utf-8"})
    await response.prepare(ctx.request)
    sent = 0
    try:
        for _ in range(MAX_WAIT_SECS * 60):  # bounded: a stream ends within an hour
            job, log = runs.log(job_id, None)
            if len(log) > sent:
                await response.write(log[sent:].encode())
                sent = len(log)
            if job["status"] in jobs.TERMINAL or ctx.emulator.shutdown.started:
                break
            await runs.wait_changed(job_id, 1.0)
        await response.write_eof()
    except ConnectionResetError:
        pass  # the reader went away, as clients do once the run has ended
    return response


async def actorRun_log_get(ctx: RequestContext) -> web.StreamResponse:
    return await log_answer(ctx, run_of(ctx)["id"])


act_runs_last_log_get = actorTask_runs_last_log_get = actorRun_log_get


async def log_get(ctx: RequestContext) -> web.StreamResponse:
    return await log_answer(ctx, ctx.path["buildOrRunId"])
