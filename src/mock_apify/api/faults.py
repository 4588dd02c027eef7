"""Inbound faults and the opt-in rate limiter, applied to a routed `/v2` request before its
handler (see services.faults): an error answer in Apify's envelope, a delay, or a connection
dropped without an answer."""

from __future__ import annotations

from aiohttp import web

from ..emulator import Emulator
from ..errors import ApiError, BadGateway, RateLimitExceeded, ServiceUnavailable
from ..model.types import User
from . import ratelimit
from .responses import error_response

_ERRORS: dict[str, type[ApiError]] = {
    "http-500": ApiError,
    "http-502": BadGateway,
    "http-503": ServiceUnavailable,
}


class Dropped(Exception):
    """The connection was closed on purpose; nothing is to be answered."""


async def inject(
    emulator: Emulator, request: web.Request, route: tuple[str, str, str], user: User | None
) -> web.Response | None:
    """The answer a fault or the rate limiter gives instead of the operation's, or None to go on
    (after a delay fault's wait). `route` is the method, the canonical path (`/v2/acts` read as
    `/v2/actors`) and the operationId. A dropped connection raises `Dropped`."""
    method, path, operation_id = route
    user_id = user.id if user else None
    fault = emulator.faults.take(operation_id, method, path, user_id)
    if fault is not None:
        kind = fault["fault"]
        if kind == "delay":
            await emulator.shutdown.sleep(fault.get("delayMs", 1000) / 1000)
        elif kind == "drop":
            if request.transport is not None:
                request.transport.abort()
            raise Dropped
        elif kind == "rate-limit":
            return _too_many(
                fault.get("retryAfterSecs", 1), "You have exceeded the rate limit. Please try again later."
            )
        else:
            return error_response(_ERRORS[kind]())
    limit = ratelimit.limit_of(operation_id)
    client = user_id or (request.remote or "")
    remaining = emulator.faults.remaining(client, path, user_id, limit)
    if remaining is None:
        return None
    ratelimit.note_remaining(request, max(remaining, 0))
    if remaining < 0:
        return _too_many(1, f"You have exceeded the rate limit of {limit} requests per second")
    return None


def _too_many(retry_after: int, message: str) -> web.Response:
    response = error_response(RateLimitExceeded(message))
    response.headers["Retry-After"] = str(retry_after)
    return response
