"""/v2/actors (and the legacy /v2/acts): enough of Actors for webhooks to point at them."""

from __future__ import annotations

from aiohttp import web

from .. import models
from ..errors import ActorNameNotUnique
from ..http import Call, base_url, data_response, no_content
from ..lookups import find_actor
from ..pagination import PageRequest


async def acts_get(call: Call) -> web.Response:
    page = PageRequest.from_query(call.query)
    items = call.emulator.storage.list_actors(call.user_id, page.offset, page.limit, page.desc)
    return data_response(call, page.envelope(items, models.actor_short))


async def acts_post(call: Call) -> web.Response:
    assert call.user is not None and call.body is not None
    actor = models.new_actor(call.body, call.user.id, call.user.username, call.emulator.clock.now_iso())
    if not call.emulator.storage.insert_actor(actor):
        raise ActorNameNotUnique(f"You already have an Actor named '{actor['name']}'.")
    location = f"{base_url(call.request)}/v2/actors/{actor['id']}"
    return data_response(call, actor, 201, {"Location": location})


async def act_get(call: Call) -> web.Response:
    assert call.user is not None
    return data_response(call, find_actor(call.emulator.storage, call.user, call.path["actorId"]))


async def act_delete(call: Call) -> web.Response:
    assert call.user is not None
    actor = find_actor(call.emulator.storage, call.user, call.path["actorId"])
    call.emulator.storage.delete_actor(call.user.id, actor["id"])
    return no_content()
