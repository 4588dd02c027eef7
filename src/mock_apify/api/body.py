"""Reading request bodies the way Apify does: at most 9 MiB after decompression, gzip/deflate/br
accepted (both official clients compress bodies of 1 KiB and more), anything else refused with 415.
Neither the raw body nor its decompressed form is ever held beyond the limit. Every JSON body is
parsed here, and refused when nested deeper than `limits.MAX_JSON_DEPTH`."""

from __future__ import annotations

import zlib
from typing import Any

import brotli
import orjson
from aiohttp import web

from ..errors import InvalidRequest, RequestTooLarge, UnsupportedContentEncoding
from ..model import limits

_ZLIB_AUTO = zlib.MAX_WBITS | 32  # accepts both gzip and zlib headers
_SUPPORTED = {"gzip", "x-gzip", "deflate", "br"}


def content_encodings(request: web.Request) -> list[str]:
    """The body's encodings in the order they were applied; refuses unknown ones before reading."""
    header = request.headers.get("Content-Encoding")
    if not header:
        return []
    encodings = [part.strip().lower() for part in header.split(",") if part.strip()]
    encodings = [e for e in encodings if e != "identity"]
    for encoding in encodings:
        if encoding not in _SUPPORTED:
            raise UnsupportedContentEncoding(encoding)
    return encodings


def _inflate(data: bytes, encoding: str, limit: int) -> bytes:
    try:
        if encoding == "br":
            decompressor = brotli.Decompressor()
            out: bytes = decompressor.process(data, output_buffer_limit=limit + 1)
            finished = decompressor.is_finished()
        else:
            inflater = zlib.decompressobj(_ZLIB_AUTO)
            try:
                out = inflater.decompress(data, limit + 1)
            except zlib.error:
                if encoding != "deflate":
                    raise
                inflater = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, as some clients send it
                out = inflater.decompress(data, limit + 1)
            finished = inflater.eof
    except (zlib.error, brotli.error) as error:
        raise InvalidRequest(f'The request body is not valid "{encoding}" data: {error}') from None
    if len(out) > limit:
        raise RequestTooLarge(limit)
    if not finished:
        raise InvalidRequest(f'The request body is truncated "{encoding}" data.')
    return out


async def read_body(request: web.Request, limit: int) -> bytes:
    """The decoded body bytes, refusing (413) anything above `limit` without buffering it whole."""
    encodings = content_encodings(request)
    declared = request.content_length
    if declared is not None and declared > limit:
        raise RequestTooLarge(limit, declared)
    if declared is not None and not encodings:
        return await request.read()  # exactly `declared` bytes, within the limit
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_any():
        size += len(chunk)
        if size > limit:
            raise RequestTooLarge(limit)
        chunks.append(chunk)
    data = b"".join(chunks)
    for encoding in reversed(encodings):
        data = _inflate(data, encoding, limit)
    return data


def parse_json(data: bytes, *, text_fallback: bool = False) -> Any:
    """The JSON value of a body: 400 invalid-request when it is not JSON (or, with
    `text_fallback`, the body as text instead) and when it nests too deeply, at any depth: orjson
    itself stops reading past 1024 levels."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        if error.msg == "depth limit exceeded":
            raise InvalidRequest(limits.depth_message("Request body")) from None
        if text_fallback:
            return data.decode("utf-8", errors="replace")
        raise InvalidRequest(f"Request body is not valid JSON: {error}") from None
    # Counting brackets (strings included) is cheap, and bounds the depth from above.
    if data.count(b"[") + data.count(b"{") > limits.MAX_JSON_DEPTH and limits.too_deep(value):
        raise InvalidRequest(limits.depth_message("Request body"))
    return value


def parse_json_object(data: bytes) -> dict[str, Any]:
    """Apify answers 400 invalid-request for broken JSON and for JSON that is not an object."""
    value = parse_json(data)
    if not isinstance(value, dict):
        raise InvalidRequest("POST data must be a JSON object")
    return value
