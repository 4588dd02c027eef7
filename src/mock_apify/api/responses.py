"""The shapes every answer takes: Apify's success envelope, its error envelope, no content."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..errors import ApiError, MethodNotAllowed
from ..model.shapes import dumps

JSON_TYPE = "application/json"


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(body=dumps(body), status=status, headers=headers, content_type=JSON_TYPE)


def data_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """Apify's success envelope."""
    return json_response({"data": data}, status, headers)


def created(request: web.Request, data: Any, location: str) -> web.Response:
    """201 with the new record and a `Location` (the path on this emulator)."""
    return data_response(data, 201, {"Location": f"{request.scheme}://{request.host}{location}"})


def no_content() -> web.Response:
    return web.Response(status=204)


def error_response(error: ApiError) -> web.Response:
    headers = {"Allow": ", ".join(error.allowed)} if isinstance(error, MethodNotAllowed) else None
    return web.Response(
        body=dumps(error.body()), status=error.status, headers=headers, content_type=JSON_TYPE
    )
