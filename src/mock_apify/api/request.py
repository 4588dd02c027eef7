"""The one aiohttp handler and its error middleware: route → authenticate → validate → call the
operation's handler. Errors of any kind leave in Apify's envelope, and nothing is answered before
what it wrote is committed."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Middleware

from ..emulator import Emulator
from ..errors import ApiError, InvalidRequest, MethodNotAllowed, PageNotFound, TokenNotProvided
from ..model.types import User
from ..store import StorageError
from . import faults, ratelimit, sources
from .body import parse_json_object, read_body
from .responses import error_response
from .routing import Router

log = logging.getLogger("mock_apify")

# The emulator's own controls: unauthenticated, so they take neither `?method=` nor non-JSON bodies.
CONTROL_PREFIX = "/_mock/"


@dataclass(slots=True)
class RequestContext:
    """What a handler gets: the emulator and the validated pieces of one request."""

    emulator: Emulator
    request: web.Request
    user: User | None
    path: dict[str, str]
    query: dict[str, Any]
    body: dict[str, Any] | None

    @property
    def owner(self) -> User:
        """The token's user, for operations that need one."""
        assert self.user is not None, "operation declared without security"
        return self.user


Handler = Callable[[RequestContext], Awaitable[web.StreamResponse]]
AiohttpHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def request_token(request: web.Request) -> str | None:
    """`Authorization: Bearer <token>` or `?token=<token>`, as Apify accepts both."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.query.get("token") or None


def authenticate(emulator: Emulator, request: web.Request) -> User:
    """The token's user. An Authorization header that gives no token (`Authorization: <token>`,
    without the scheme) is still `token-not-provided`, as on Apify, but the message says why."""
    token = request_token(request)
    header = request.headers.get("Authorization", "").strip()
    if token is None and header:
        scheme = header.partition(" ")[0]
        problem = (
            "it has no token after the scheme"
            if scheme.lower() == "bearer"
            else "it lacks the 'Bearer ' scheme"
        )
        raise TokenNotProvided(
            f"Authentication token was not provided: the Authorization header must read "
            f"'Bearer <token>', and {problem}"
        )
    return emulator.accounts.authenticate(token)


def make_handler(emulator: Emulator, router: Router, handlers: dict[str, Handler]) -> AiohttpHandler:
    """The catch-all handler: every request is routed by our OpenAPI document."""

    async def handle(request: web.Request) -> web.StreamResponse:
        method = request.method
        path = router.canonical_path(request.path)  # /v2/acts as /v2/actors, no trailing slash
        control = path.startswith(CONTROL_PREFIX)
        override = request.query.get("method")
        if override and not control:  # Apify's override, for GET-only clients; never on /_mock
            method = override.upper()
        sources.check_host(request, emulator.config)
        sources.check_origin(request, method, emulator.config)
        operation, path_params = router.resolve(method, request.path)
        ratelimit.note_operation(request, operation.operation_id)
        user = None
        if operation.needs_auth and not (operation.auth_optional and request_token(request) is None):
            user = authenticate(emulator, request)
        if not control:  # inbound faults and the rate limiter: never on the emulator's own controls
            answer = await faults.inject(emulator, request, (method, path, operation.operation_id), user)
            if answer is not None:
                return answer
        query = operation.parse_query(request.query)
        body: dict[str, Any] | None = None
        if operation.has_body:
            raw = await read_body(request, emulator.config.max_body_bytes)
            if control and not raw.strip():
                # A write never happens by a bodiless request (an <img>, a link); pages of other
                # sites are refused by their Origin (sources.check_origin). Any content type is
                # taken, so that `curl -d '{}'` works.
                raise InvalidRequest("Emulator control requests need a JSON object body, e.g. {}")
            if raw.strip():
                body = parse_json_object(raw)
            elif operation.body_required:
                raise InvalidRequest("POST data must be a JSON object")
            if body is not None:
                operation.check_body(body)
        handler = handlers[operation.operation_id]
        return await handler(RequestContext(emulator, request, user, path_params, query, body))

    return handle


def error_middleware(emulator: Emulator) -> Middleware:
    """Apify's error envelope for every failure; a response waits until its writes are committed."""

    @web.middleware
    async def errors(request: web.Request, handler: AiohttpHandler) -> web.StreamResponse:
        try:
            try:
                response = await handler(request)
            finally:
                await emulator.storage.synced()
            return response
        except ApiError as error:
            if request.method == "OPTIONS" and isinstance(error, MethodNotAllowed):
                return web.Response(status=204, headers={"Allow": ", ".join(error.allowed)})
            return error_response(error)
        except faults.Dropped:  # an inbound fault closed the connection: there is no one to answer
            return web.Response(status=204)
        except StorageError as error:  # logged once per outage by the store, not per request
            return error_response(ApiError(str(error)))
        except web.HTTPNotFound:  # aiohttp's router: a target without a leading slash, as CONNECT's
            return error_response(PageNotFound())
        except Exception:
            log.exception("unexpected error on %s %s", request.method, request.path)
            return error_response(ApiError())

    return errors
