"""The baseline: a bare aiohttp server answering the benchmarked routes with fixed bodies (the ones
mock-apify answered, captured by the runner), with no validation and no storage. Every mock-apify figure is reported as a ratio to this server's, measured
in the same run on the same machine."""

from __future__ import annotations

import argparse
import json
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web


def _fixed(body: bytes, status: int) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(body=body, status=status, content_type="application/json")

    return handler


def _by_format(bodies: dict[str, str]) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Dataset items: the bytes mock-apify sent for the same `format`."""
    encoded = {
        key.rpartition("=")[2]: body.encode() for key, body in bodies.items() if "items?format=" in key
    }

    async def handler(request: web.Request) -> web.Response:
        return web.Response(
            body=encoded.get(request.query.get("format", "json"), b"[]"), content_type="application/json"
        )

    return handler


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--bodies", type=Path, help="JSON {route: body text}: answer as mock-apify did")
    args = parser.parse_args()
    bodies = json.loads(args.bodies.read_text()) if args.bodies else {}
    app = web.Application()
    statuses = {
        ("GET", "/_mock/health"): 200,
        ("GET", "/v2/webhooks"): 200,
        ("POST", "/v2/webhooks"): 201,
        ("GET", "/v2/webhook-dispatches"): 200,
    }
    for route in bodies:  # routes only a case's bodies name (a record's path, say): a 200
        method, path = route.split(" ", 1)
        if "?" not in path:  # dataset items by `format` are answered by _by_format
            statuses.setdefault((method, path), 200)
    for (method, path), status in statuses.items():
        body = bodies.get(f"{method} {path}", '{"data":{}}').encode()
        app.router.add_route(method, path, _fixed(body, status))
    app.router.add_route("POST", "/v2/datasets/{datasetId}/items", _fixed(b"{}", 201))
    app.router.add_route("GET", "/v2/datasets/{datasetId}/items", _by_format(bodies))
    web.run_app(
        app, host="127.0.0.1", port=args.port, print=lambda *_: print("ready", flush=True), access_log=None
    )


if __name__ == "__main__":
    main()
