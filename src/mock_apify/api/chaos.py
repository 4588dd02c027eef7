"""/_mock/chaos, /_mock/faults and /_mock/rate-limit: outbound chaos rules for deliveries, inbound
faults for the API, and the opt-in rate limiter (see services.chaos and services.faults)."""

from __future__ import annotations

from aiohttp import web

from .request import RequestContext
from .responses import data_response, no_content


def _listing(items: list[dict[str, object]]) -> web.Response:
    return data_response({"total": len(items), "items": items})


async def mock_chaos_post(ctx: RequestContext) -> web.Response:
    assert ctx.body is not None
    return data_response(ctx.emulator.chaos.add(ctx.body), 201)


async def mock_chaos_get(ctx: RequestContext) -> web.Response:
    return _listing(ctx.emulator.chaos.rules(ctx.query.get("userId")))


async def mock_chaos_rule_delete(ctx: RequestContext) -> web.Response:
    ctx.emulator.chaos.remove(ctx.path["ruleId"])
    return no_content()


async def mock_faults_post(ctx: RequestContext) -> web.Response:
    assert ctx.body is not None
    return data_response(ctx.emulator.faults.add(ctx.body), 201)


async def mock_faults_get(ctx: RequestContext) -> web.Response:
    return _listing(ctx.emulator.faults.faults(ctx.query.get("userId")))


async def mock_fault_delete(ctx: RequestContext) -> web.Response:
    ctx.emulator.faults.remove(ctx.path["faultId"])
    return no_content()


async def mock_rate_limit_put(ctx: RequestContext) -> web.Response:
    assert ctx.body is not None
    return data_response(ctx.emulator.faults.set_rate_limit(ctx.body["enabled"], ctx.body.get("userId")))


async def mock_rate_limit_get(ctx: RequestContext) -> web.Response:
    return data_response(ctx.emulator.faults.rate_limit())
