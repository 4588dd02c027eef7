"""One HTTP attempt of a dispatch: POST the rendered payload, never follow redirects, read at most
a bounded part of the answer, and describe the outcome as a `calls` entry."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from ..clock import Clock

# Stored `responseBody` is cut to this many characters (documented in docs/emulation.md).
RESPONSE_BODY_LIMIT = 2048
# Never read more than this from a receiver, however large its answer.
_READ_LIMIT = 64 * 1024


def new_session(max_in_flight: int) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=max_in_flight, force_close=True)
    # Only the headers Apify documents (plus Host and Content-Length) are sent.
    return aiohttp.ClientSession(
        connector=connector,
        skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding"),
        auto_decompress=False,
    )


def _error_text(error: BaseException) -> str:
    if isinstance(error, aiohttp.ClientConnectorCertificateError | aiohttp.ClientSSLError):
        return f"TLS error: {error}"
    if isinstance(error, aiohttp.ClientConnectorError):
        return f"Cannot send request: {error}"
    return f"Cannot send request: {type(error).__name__}: {error}"


async def _read_bounded(response: aiohttp.ClientResponse) -> bytes:
    """The answer up to _READ_LIMIT bytes; a connection lost before the end raises, so a
    truncated answer is a failed attempt, not a success."""
    chunks: list[bytes] = []
    size = 0
    while size < _READ_LIMIT:
        chunk = await response.content.read(_READ_LIMIT - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


async def attempt(
    session: aiohttp.ClientSession, clock: Clock, request: dict[str, Any], time_limit: float
) -> dict[str, Any]:
    """Make one HTTP attempt; the returned call has `responseStatus` or `errorMessage`."""
    started = clock.now_iso()
    payload = request["body"]
    if isinstance(payload, str):  # a request stored rendered, by an older version
        payload = payload.encode()
    status: int | None = None
    body: str | None = None
    error: str | None = None
    try:
        async with session.post(
            request["url"],
            data=payload,
            headers=request["headers"],
            allow_redirects=False,
            ssl=not request["ignoreSslErrors"],
            timeout=aiohttp.ClientTimeout(total=time_limit),
        ) as response:
            status = response.status
            raw = await _read_bounded(response)
            body = raw.decode("utf-8", errors="replace")[:RESPONSE_BODY_LIMIT]
    except TimeoutError:
        error = f"Request timed out after {time_limit:g} s"
        status = body = None
    except (aiohttp.ClientError, OSError, ValueError) as failure:
        error = _error_text(failure)
        status = body = None
    return {
        "startedAt": started,
        "finishedAt": clock.now_iso(),
        "errorMessage": error,
        "responseStatus": status,
        "responseBody": body,
    }


def succeeded(call: dict[str, Any]) -> bool:
    status = call["responseStatus"]
    return status is not None and 200 <= status < 300


async def cancel_all(tasks: list[asyncio.Task[Any]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
