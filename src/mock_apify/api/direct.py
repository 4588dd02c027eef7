"""The API's requests go straight to our handler, past aiohttp's `Application` layers.

Every API request ends at one catch-all route whose handler routes by our OpenAPI document
(`routing.Router`), so aiohttp's `UrlDispatcher` only repeats that work: a walk of its resource
index, a match-info object, a frozen app list and a chain of middleware partials per request.
Measured with wrk as server CPU per request (`benchmarks/README.md`), skipping them saves about
20 to 30 µs of a create's 150 at c=16 and 10 to 15 µs of a list's 125. So the application's
request handler is replaced, on this instance only, by one that calls the connection guard and
the error envelope directly for API paths. What needs aiohttp's router goes through it as
before: the dashboard's pages (its own routes, ahead of the catch-all), `GET /`, a target without
a leading slash, and `Expect: 100-continue`. The application itself stays, for its start-up and
clean-up contexts and for `TestServer(create_app())` in the pytest plugin, which a bare
`web.Server` would not serve."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.web_urldispatcher import UrlMappingMatchInfo

from .connections import ConnectionGuard

AiohttpHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Middleware = Callable[[web.Request, AiohttpHandler], Awaitable[web.StreamResponse]]


def _through_router(path: str, request: web.Request, dashboard: str) -> bool:
    """Requests aiohttp's router must see: the dashboard's routes and GET / are its own, a target
    without a leading slash (CONNECT's) is its 404, and it answers `Expect: 100-continue`."""
    return (
        path == "/" or not path.startswith("/") or path.startswith(dashboard) or "Expect" in request.headers
    )


def serve_directly(
    app: web.Application,
    route: web.AbstractRoute,
    guard: ConnectionGuard,
    errors: Middleware,
    dashboard: str,
) -> None:
    """Make `app` hand API requests to `route`'s handler through `guard` and `errors` alone.
    Paths starting with `dashboard` keep aiohttp's router and middlewares."""
    through_router = app._handle
    # One frozen match info for every API request: `on_response_prepare` (the X-RateLimit
    # header) finds the app through it, as for a routed request; API handlers read no match info.
    matched = UrlMappingMatchInfo({}, route)
    matched.add_app(app)
    matched.freeze()
    api = route.handler

    async def handler(request: web.Request) -> web.StreamResponse:
        return await errors(request, api)

    async def handle(request: web.Request) -> web.StreamResponse:
        if _through_router(request.path, request, dashboard):
            return await through_router(request)
        request._match_info = matched
        return await guard.middleware(request, handler)

    app._handle = handle  # type: ignore[method-assign]
