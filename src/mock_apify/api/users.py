"""/v2/users: the token's own user (`me`), and what anyone may see of a user by id or username."""

from __future__ import annotations

from aiohttp import web

from ..model import shapes
from .request import RequestContext
from .responses import data_response


async def users_me_get(ctx: RequestContext) -> web.Response:
    user, created_at = ctx.emulator.accounts.profile(ctx.owner.id)
    return data_response(shapes.user_private(user, created_at))


async def user_get(ctx: RequestContext) -> web.Response:
    user, _ = ctx.emulator.accounts.profile(ctx.path["userId"])
    return data_response(shapes.user_public(user))
