"""/v2/key-value-stores, and a run's default store under /v2/actor-runs/{runId}/key-value-store and
the `runs/last` paths of Actors and tasks: one handler per kind of operation, whichever path named
the store. Records are served as stored: their bytes and Content-Type, never JSON-wrapped."""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from ..model import kvs
from ..model.paging import PageRequest
from ..model.types import Record
from .body import read_body
from .request import RequestContext
from .responses import created, data_response, json_response, no_content
from .runs import run_of


def _store(ctx: RequestContext) -> Record:
    """The store the path names: `{storeId}` (an ID or `username~name`), else a run's default."""
    if "storeId" in ctx.path:
        return ctx.emulator.kvs.find(ctx.user, ctx.path["storeId"])
    return ctx.emulator.kvs.of_run(run_of(ctx))


def _base(ctx: RequestContext) -> str:
    return f"{ctx.request.scheme}://{ctx.request.host}"


async def keyValueStores_get(ctx: RequestContext) -> web.Response:
    service = ctx.emulator.kvs
    page = PageRequest.from_query(ctx.query)
    listed = service.page(ctx.owner, page, bool(ctx.query.get("unnamed")))
    return data_response(page.envelope(listed, [service.shown(store) for store in listed.items]))


async def keyValueStores_post(ctx: RequestContext) -> web.Response:
    """Get-or-create: 201 with a new store, 200 with the user's store of that name."""
    service = ctx.emulator.kvs
    store, made = service.get_or_create(ctx.owner, ctx.query.get("name"))
    if not made:
        return data_response(service.shown(store))
    return created(ctx.request, service.shown(store), f"/v2/key-value-stores/{store['id']}")


async def store_get(ctx: RequestContext) -> web.Response:
    return data_response(ctx.emulator.kvs.shown(_store(ctx)))


async def keyValueStore_put(ctx: RequestContext) -> web.Response:
    service = ctx.emulator.kvs
    return data_response(service.shown(service.update(_store(ctx), ctx.body or {})))


async def keyValueStore_delete(ctx: RequestContext) -> web.Response:
    ctx.emulator.kvs.delete(_store(ctx))
    return no_content()


async def keys_get(ctx: RequestContext) -> web.Response:
    query = ctx.query
    return data_response(
        ctx.emulator.kvs.keys(
            _store(ctx), _base(ctx), query.get("exclusiveStartKey"), query.get("prefix"), query.get("limit")
        )
    )


async def record_get(ctx: RequestContext) -> web.Response:
    """The record's bytes with its Content-Type (HEAD: the same headers, no body); `attachment`
    adds a Content-Disposition naming the key."""
    key = ctx.path["recordKey"]
    value = ctx.emulator.kvs.record(_store(ctx), key)
    headers = {"Content-Type": value.content_type}
    if ctx.query.get("attachment"):
        escaped = key.replace("\\", "\\\\")
        headers["Content-Disposition"] = f'attachment; filename="{escaped}"'
    return web.Response(body=value.data, headers=headers)


async def record_put(ctx: RequestContext) -> web.Response:
    """Any body (decompressed, at most 9 MiB), stored with the request's Content-Type."""
    store, key = _store(ctx), ctx.path["recordKey"]
    raw = await read_body(ctx.request, ctx.emulator.config.max_body_bytes)
    content_type = ctx.request.headers.get("Content-Type") or "application/octet-stream"
    ctx.emulator.kvs.put_record(store, key, kvs.Value(raw, content_type))
    location = f"{_base(ctx)}/v2/key-value-stores/{store['id']}/records/{quote(key, safe='')}"
    return json_response({}, 201, {"Location": location})


async def record_delete(ctx: RequestContext) -> web.Response:
    ctx.emulator.kvs.delete_record(_store(ctx), ctx.path["recordKey"])
    return no_content()
