"""Actor runs and builds: starting them, reading and waiting, aborting, resurrecting, their logs
(streamed on request), and the items of a run's default dataset."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..errors import RecordNotFound
from ..model import jobs
from ..model.paging import PageRequest
from ..model.types import Record
from ..services.runs import MAX_WAIT_SECS
from .body import parse_json, read_body
from .request import RequestContext
from .responses import created, data_response, json_response


async def _run_input(ctx: RequestContext) -> tuple[Any, bytes]:
    """(the run's input, the body as sent): the input is the body's JSON when it parses, else the
    body as text; the body itself becomes the run's INPUT record."""
    raw = await read_body(ctx.request, ctx.emulator.config.max_body_bytes)
    if not raw.strip():
        return None, raw
    return parse_json(raw, text_fallback=True), raw


async def _started(ctx: RequestContext, actor: Record, task: Record | None, location: str) -> web.Response:
    runs = ctx.emulator.runs
    job_input, raw = await _run_input(ctx)
    body = (raw, ctx.request.headers.get("Content-Type"))
    run = runs.start_run(ctx.owner, actor, task, job_input, ctx.query, body)
    run = await runs.waited(jobs.RUN, run, ctx.query.get("waitForFinish"))
    return created(ctx.request, run, f"{location}/{run['id']}")


async def act_runs_post(ctx: RequestContext) -> web.Response:
    actor = ctx.emulator.catalog.find_actor(ctx.owner, ctx.path["actorId"])
    return await _started(ctx, actor, None, f"/v2/actors/{actor['id']}/runs")


async def actorTask_runs_post(ctx: RequestContext) -> web.Response:
    catalog = ctx.emulator.catalog
    task = catalog.find_task(ctx.owner, ctx.path["actorTaskId"])
    actor = catalog.task_actor(ctx.owner, task)
    return await _started(ctx, actor, task, f"/v2/actor-tasks/{task['id']}/runs")


async def _job_answer(ctx: RequestContext, kind: str, key: str) -> web.Response:
    runs = ctx.emulator.runs
    job = runs.get(kind, ctx.path[key], ctx.user)
    return data_response(await runs.waited(kind, job, ctx.query.get("waitForFinish")))


async def actorRun_get(ctx: RequestContext) -> web.Response:
    return await _job_answer(ctx, jobs.RUN, "runId")


async def actorBuild_get(ctx: RequestContext) -> web.Response:
    return await _job_answer(ctx, jobs.BUILD, "buildId")


async def act_run_get(ctx: RequestContext) -> web.Response:
    run = ctx.emulator.runs.get(jobs.RUN, ctx.path["runId"], ctx.user)
    if run["actId"] != ctx.emulator.catalog.find_actor(ctx.owner, ctx.path["actorId"])["id"]:
        raise RecordNotFound("Actor run was not found")
    return data_response(await ctx.emulator.runs.waited(jobs.RUN, run, ctx.query.get("waitForFinish")))


def _statuses(ctx: RequestContext) -> tuple[str, ...]:
    return tuple(ctx.query["status"].split(",")) if "status" in ctx.query else ()


def run_of(ctx: RequestContext) -> Record:
    """The run a path names: `/actor-runs/{runId}/…` (anyone's, by ID, without a token), or the
    last run of `/actors/{actorId}/runs/last/…` or `/actor-tasks/{actorTaskId}/runs/last/…`
    (the token's user's, filtered by `?status=`). Every run sub-resource resolves its run here."""
    runs, catalog = ctx.emulator.runs, ctx.emulator.catalog
    if "runId" in ctx.path:
        return runs.get(jobs.RUN, ctx.path["runId"], ctx.user)
    if "actorTaskId" in ctx.path:
        task = catalog.find_task(ctx.owner, ctx.path["actorTaskId"])
        return runs.last(ctx.owner, _statuses(ctx), task_id=task["id"])
    actor = catalog.find_actor(ctx.owner, ctx.path["actorId"])
    return runs.last(ctx.owner, _statuses(ctx), act_id=actor["id"])


async def act_runs_last_get(ctx: RequestContext) -> web.Response:
    return data_response(
        await ctx.emulator.runs.waited(jobs.RUN, run_of(ctx), ctx.query.get("waitForFinish"))
    )


actorTask_runs_last_get = act_runs_last_get


def _runs_page(ctx: RequestContext, **owner: str) -> web.Response:
    page = PageRequest.from_query(ctx.query)
    return data_response(page.envelope(ctx.emulator.runs.page(ctx.owner.id, page, _statuses(ctx), **owner)))


async def actorRuns_get(ctx: RequestContext) -> web.Response:
    return _runs_page(ctx)


async def act_runs_get(ctx: RequestContext) -> web.Response:
    return _runs_page(ctx, act_id=ctx.emulator.catalog.find_actor(ctx.owner, ctx.path["actorId"])["id"])


async def actorTask_runs_get(ctx: RequestContext) -> web.Response:
    return _runs_page(ctx, task_id=ctx.emulator.catalog.find_task(ctx.owner, ctx.path["actorTaskId"])["id"])


async def actorRun_abort_post(ctx: RequestContext) -> web.Response:
    runs = ctx.emulator.runs
    return data_response(runs.abort(runs.get(jobs.RUN, ctx.path["runId"], ctx.user)))


async def actorBuild_abort_post(ctx: RequestContext) -> web.Response:
    runs = ctx.emulator.runs
    return data_response(runs.abort(runs.get(jobs.BUILD, ctx.path["buildId"], ctx.user)))


async def actorRun_resurrect_post(ctx: RequestContext) -> web.Response:
    runs = ctx.emulator.runs
    return data_response(
        runs.resurrect(runs.get(jobs.RUN, ctx.path["runId"], ctx.user), ctx.query.get("timeout"))
    )


async def act_builds_post(ctx: RequestContext) -> web.Response:
    runs = ctx.emulator.runs
    actor = ctx.emulator.catalog.find_actor(ctx.owner, ctx.path["actorId"])
    build = await runs.waited(
        jobs.BUILD, runs.start_build(ctx.owner, actor, ctx.query), ctx.query.get("waitForFinish")
    )
    return created(ctx.request, build, f"/v2/actor-builds/{build['id']}")


async def _log(ctx: RequestContext, job_id: str) -> web.StreamResponse:
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
    return await _log(ctx, ctx.path["runId"])


async def log_get(ctx: RequestContext) -> web.StreamResponse:
    return await _log(ctx, ctx.path["buildOrRunId"])


async def _items(ctx: RequestContext, dataset_id: str) -> web.Response:
    page = PageRequest.from_query(ctx.query)
    total, items = ctx.emulator.runs.dataset_items(dataset_id, ctx.user, page)
    headers = {
        "X-Apify-Pagination-Offset": str(page.offset),
        "X-Apify-Pagination-Limit": str(page.limit),
        "X-Apify-Pagination-Count": str(len(items)),
        "X-Apify-Pagination-Total": str(total),
        "X-Apify-Pagination-Desc": "true" if page.desc else "false",
    }
    return json_response(items, headers=headers)


async def dataset_items_get(ctx: RequestContext) -> web.Response:
    return await _items(ctx, ctx.path["datasetId"])


async def actorRun_dataset_items_get(ctx: RequestContext) -> web.Response:
    run = ctx.emulator.runs.get(jobs.RUN, ctx.path["runId"], ctx.user)
    return await _items(ctx, run["defaultDatasetId"])
