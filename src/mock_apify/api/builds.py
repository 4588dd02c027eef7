"""Actor builds: starting one, reading and waiting, the Actor's default build, the lists (per Actor
and overall, in the short shape), aborting, deleting, and the build log."""

from __future__ import annotations

from aiohttp import web

from ..model import jobs, shapes
from ..model.paging import PageRequest
from ..model.types import Record
from .request import RequestContext
from .responses import created, data_response, no_content
from .runs import job_answer, log_answer


def _build(ctx: RequestContext) -> Record:
    return ctx.emulator.runs.get(jobs.BUILD, ctx.path["buildId"], ctx.user)


async def act_builds_post(ctx: RequestContext) -> web.Response:
    actor = ctx.emulator.catalog.find_actor(ctx.owner, ctx.path["actorId"])
    build = ctx.emulator.builds.start(actor, ctx.query)
    build = await ctx.emulator.runs.waited(jobs.BUILD, build, ctx.query.get("waitForFinish"))
    return created(ctx.request, build, f"/v2/actor-builds/{build['id']}")


async def actorBuild_get(ctx: RequestContext) -> web.Response:
    return await job_answer(ctx, jobs.BUILD, _build(ctx))


async def act_build_default_get(ctx: RequestContext) -> web.Response:
    """With a token, the user's Actor (by ID or `username~name`); without one, anyone's by ID, as
    Apify lets the Actor's ID stand for a token here."""
    catalog = ctx.emulator.catalog
    if ctx.user is not None:
        actor = catalog.find_actor(ctx.user, ctx.path["actorId"])
    else:
        actor = catalog.any_actor(ctx.path["actorId"])
    return await job_answer(ctx, jobs.BUILD, ctx.emulator.builds.default(actor))


def _builds_page(ctx: RequestContext, act_id: str | None = None) -> web.Response:
    page = PageRequest.from_query(ctx.query)
    listed = ctx.emulator.builds.page(ctx.owner, page, act_id)
    return data_response(page.envelope(listed, [shapes.build_short(build) for build in listed.items]))


async def actorBuilds_get(ctx: RequestContext) -> web.Response:
    return _builds_page(ctx)


async def act_builds_get(ctx: RequestContext) -> web.Response:
    return _builds_page(ctx, ctx.emulator.catalog.find_actor(ctx.owner, ctx.path["actorId"])["id"])


async def actorBuild_abort_post(ctx: RequestContext) -> web.Response:
    return data_response(ctx.emulator.runs.abort(_build(ctx)))


async def actorBuild_delete(ctx: RequestContext) -> web.Response:
    ctx.emulator.builds.delete(ctx.owner, ctx.path["buildId"])
    return no_content()


async def actorBuild_log_get(ctx: RequestContext) -> web.StreamResponse:
    return await log_answer(ctx, _build(ctx)["id"])
