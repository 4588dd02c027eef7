"""Emulator control under /_mock: local test controls, not part of Apify's API, and unauthenticated."""

from __future__ import annotations

from aiohttp import web

from .. import __version__
from ..errors import RecordNotFound, UsernameTaken
from ..http import Call, data_response, json_response
from ..ids import new_id, new_token
from ..storage import User


async def mock_health_get(call: Call) -> web.Response:
    return data_response(call, {"status": "ok", "version": __version__})


async def mock_reset_post(call: Call) -> web.Response:
    emulator = call.emulator
    user_id = (call.body or {}).get("userId")
    if user_id is None:
        emulator.reset()
        return data_response(call, {"reset": "all", "userId": None})
    if emulator.storage.user_by_id(user_id) is None:
        raise RecordNotFound("User was not found")
    emulator.storage.wipe_user(user_id)
    return data_response(call, {"reset": "user", "userId": user_id})


async def mock_users_post(call: Call) -> web.Response:
    user_id = new_id()
    username = (call.body or {}).get("username") or f"user-{user_id.lower()}"
    user = User(user_id, username, new_token())
    if not call.emulator.storage.add_user(user, call.emulator.clock.now_iso()):
        raise UsernameTaken(f"The username '{username}' is already taken.")
    return data_response(call, {"id": user.id, "username": user.username, "token": user.token}, 201)


async def mock_openapi_get(call: Call) -> web.Response:
    return json_response(call, call.emulator.document)
