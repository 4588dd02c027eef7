"""The one aiohttp handler: route → authenticate → validate → call the operation's handler, and
the response shapes every handler shares. Errors of any kind leave here in Apify's envelope."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .auth import authenticate, request_token
from .body import parse_json_object, read_body
from .errors import ApiError, InvalidRequest, MethodNotAllowed
from .rendering import dumps
from .storage import User

if TYPE_CHECKING:
    from .app import Emulator

log = logging.getLogger("mock_apify")

JSON_TYPE = "application/json"


@dataclass(slots=True)
class Call:
    """What a handler gets: the validated pieces of one request."""

    emulator: Emulator
    request: web.Request
    user: User | None
    path: dict[str, str]
    query: dict[str, Any]
    body: dict[str, Any] | None

    @property
    def user_id(self) -> str:
        assert self.user is not None, "operation declared without security"
        return self.user.id


Handler = Callable[[Call], Awaitable[web.StreamResponse]]


def json_response(
    call: Call, body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(body=dumps(body), status=status, headers=headers, content_type=JSON_TYPE)


def data_response(
    call: Call, data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """Apify's success envelope."""
    return json_response(call, {"data": data}, status, headers)


def no_content() -> web.Response:
    return web.Response(status=204)


def error_response(emulator: Emulator, error: ApiError) -> web.Response:
    headers = {"Allow": ", ".join(error.allowed)} if isinstance(error, MethodNotAllowed) else None
    return web.Response(
        body=dumps(error.body()), status=error.status, headers=headers, content_type=JSON_TYPE
    )


def base_url(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


async def _call(emulator: Emulator, request: web.Request) -> web.StreamResponse:
    method = request.method
    override = request.query.get("method")
    if override:
        method = override.upper()
    operation, path_params = emulator.router.resolve(method, request.path)
    user = None
    if operation.needs_auth and not (operation.auth_optional and request_token(request) is None):
        user = authenticate(emulator.storage, request)
    query = operation.parse_query(request.query)
    body: dict[str, Any] | None = None
    if operation.has_body:
        raw = await read_body(request, emulator.config.max_body_bytes)
        if raw.strip():
            body = parse_json_object(raw)
        elif operation.body_required:
            raise InvalidRequest("POST data must be a JSON object")
        if body is not None:
            operation.check_body(body)
    handler = emulator.handlers[operation.operation_id]
    return await handler(Call(emulator, request, user, path_params, query, body))


def make_dispatch(emulator: Emulator) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def dispatch(request: web.Request) -> web.StreamResponse:
        """Nothing is answered before what it wrote is committed."""
        try:
            response = await _call(emulator, request)
            await emulator.storage.synced()
            return response
        except ApiError as error:
            await emulator.storage.synced()
            if request.method == "OPTIONS" and isinstance(error, MethodNotAllowed):
                return web.Response(status=204, headers={"Allow": ", ".join(error.allowed)})
            return error_response(emulator, error)
        except Exception:
            log.exception("unexpected error on %s %s", request.method, request.path)
            return error_response(emulator, ApiError())

    return dispatch
