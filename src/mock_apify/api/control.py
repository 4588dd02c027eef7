"""Emulator control under /_mock: local test controls, not part of Apify's API, and unauthenticated."""

from __future__ import annotations

import asyncio
from importlib import metadata
from typing import Any

from aiohttp import web

from ..clock import ClockIsReal, ClockLimit
from ..errors import InvalidRequest, SchemaValidation
from ..model import jobs, templates
from ..model.paging import PageRequest
from ..model.types import User
from .inboxes import inbox_page
from .request import RequestContext
from .responses import created, data_response, json_response


async def mock_health_get(ctx: RequestContext) -> web.Response:
    return data_response({"status": "ok", "version": metadata.version("mock-apify")})


async def mock_reset_post(ctx: RequestContext) -> web.Response:
    body = ctx.body or {}
    user_id = body.get("userId")
    if user_id is None:
        ctx.emulator.reset()
        return data_response({"reset": "all", "userId": None})
    ctx.emulator.wipe_user(user_id, body.get("inboxes") or ())
    return data_response({"reset": "user", "userId": user_id})


def _user(user: User) -> dict[str, str]:
    return {"id": user.id, "username": user.username, "token": user.token}


async def mock_users_post(ctx: RequestContext) -> web.Response:
    user = ctx.emulator.accounts.create((ctx.body or {}).get("username"))
    return data_response(_user(user), 201)


async def mock_users_batch_post(ctx: RequestContext) -> web.Response:
    """Users made ahead in one request (and one commit): the pytest plugin's per-test users."""
    assert ctx.body is not None
    count = int(ctx.body["count"])  # JSON Schema counts 2.0 as an integer; range() would not
    users = [ctx.emulator.accounts.create(None) for _ in range(count)]
    return data_response({"items": [_user(user) for user in users]}, 201)


async def mock_user_seed_post(ctx: RequestContext) -> web.Response:
    """Records of a seed loaded into one user under fresh ids: the pytest handle's `load_seed`."""
    assert ctx.body is not None
    user = ctx.emulator.accounts.get(ctx.path["userId"])
    ids = ctx.emulator.seeder.load_into(user, ctx.body, ctx.query.get("username"))
    return data_response({"userId": user.id, "ids": ids})


async def mock_openapi_get(ctx: RequestContext) -> web.Response:
    return json_response(ctx.emulator.document.spec)


def _clock_state(ctx: RequestContext) -> dict[str, object]:
    clock = ctx.emulator.clock
    return {"mode": clock.mode, "now": clock.now_iso(), "epochSeconds": clock.time()}


async def mock_clock_get(ctx: RequestContext) -> web.Response:
    return data_response(_clock_state(ctx))


async def mock_clock_advance_post(ctx: RequestContext) -> web.Response:
    assert ctx.body is not None
    try:
        ctx.emulator.advance(ctx.body["seconds"])
    except (ClockIsReal, ClockLimit) as error:
        raise InvalidRequest(str(error)) from None
    return data_response(_clock_state(ctx))


async def mock_dispatches_settle_post(ctx: RequestContext) -> web.Response:
    body = ctx.body or {}
    settled = await ctx.emulator.settle(
        # int(): JSON Schema counts 242.0 as an integer, and range() would refuse the float.
        max_rounds=int(body.get("maxRounds") or 1000),
        time_limit=body.get("timeoutSecs") or 30.0,
    )
    answer = {"settled": settled, "pending": ctx.emulator.pending_dispatches(), "clock": _clock_state(ctx)}
    if body.get("inbox") is not None:  # the plugin's assertions: settle, then read, in one request
        answer["inbox"] = inbox_page(ctx, body["inbox"], PageRequest.from_query({}))
    return data_response(answer)


def _rendered(body: dict[str, Any]) -> dict[str, Any]:
    context = templates.sample_context() | (body.get("context") or {})
    interpolate = bool(body.get("shouldInterpolateStrings"))
    try:
        payload = templates.render_payload(
            body.get("payloadTemplate"), context, interpolate_strings=interpolate
        )
    except templates.TemplateError as error:
        raise SchemaValidation(f"Invalid value provided in payloadTemplate: {error}") from None
    try:
        headers = templates.render_headers(
            body.get("headersTemplate"), context, interpolate_strings=interpolate
        )
    except templates.TemplateError as error:
        raise SchemaValidation(f"Invalid value provided in headersTemplate: {error}") from None
    return {"payload": payload.decode(), "headers": headers}


async def mock_render_template_post(ctx: RequestContext) -> web.Response:
    """The exact bytes and headers a dispatch would send for a sample (or given) event, rendered
    in a worker thread as deliveries are."""
    assert ctx.body is not None
    return data_response(await asyncio.to_thread(_rendered, ctx.body))


async def mock_actor_behaviour_put(ctx: RequestContext) -> web.Response:
    """How the Actor's future runs and builds end (seed files can set the same)."""
    actor = ctx.emulator.catalog.any_actor(ctx.path["actorId"])
    behaviour = ctx.body or {}
    ctx.emulator.runs.set_behaviour(actor, behaviour)
    return data_response({"actorId": actor["id"], **behaviour})


async def mock_actor_behaviour_get(ctx: RequestContext) -> web.Response:
    actor = ctx.emulator.catalog.any_actor(ctx.path["actorId"])
    return data_response({"actorId": actor["id"], **ctx.emulator.runs.behaviour(actor["id"])})


async def mock_actor_run_status_post(ctx: RequestContext) -> web.Response:
    assert ctx.body is not None
    return data_response(ctx.emulator.runs.move(jobs.RUN, ctx.path["runId"], ctx.body))


async def mock_actor_build_status_post(ctx: RequestContext) -> web.Response:
    assert ctx.body is not None
    return data_response(ctx.emulator.runs.move(jobs.BUILD, ctx.path["buildId"], ctx.body))


async def mock_actor_run_get(ctx: RequestContext) -> web.Response:
    return data_response(ctx.emulator.runs.details(ctx.path["runId"]))


async def mock_webhook_dispatch_resend_post(ctx: RequestContext) -> web.Response:
    """A new dispatch with the same request as the given one (the dashboard's Resend button)."""
    dispatch = ctx.emulator.dashboard.resend(ctx.path["dispatchId"])
    return created(ctx.request, dispatch, f"/v2/webhook-dispatches/{dispatch['id']}")
