"""Datasets: the collection, one dataset, its statistics and its items (pushed, and read in every
export format, streamed), by ID or name under `/v2/datasets`, and as a run's default dataset under
`/v2/actor-runs/{runId}/dataset` and `.../runs/last/dataset`: each sub-resource is one handler."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from aiohttp import web

from ..errors import InvalidRequest
from ..model import datasets, formats
from ..model.items import Rows, Shaping
from ..model.paging import PageRequest
from ..model.types import Record
from ..model.xlsx import workbook
from .body import parse_json, read_body
from .request import RequestContext
from .responses import created, data_response, json_response, no_content
from .runs import run_of

Chunks = Iterable[list[dict[str, Any]]]


def _dataset(ctx: RequestContext) -> Record:
    """The dataset a path names: `/datasets/{datasetId}` or a run's default dataset."""
    if "datasetId" in ctx.path:
        return ctx.emulator.datasets.find(ctx.path["datasetId"], ctx.user)
    return ctx.emulator.datasets.of_run(run_of(ctx))


async def datasets_get(ctx: RequestContext) -> web.Response:
    page = PageRequest.from_query(ctx.query)
    unnamed = bool(ctx.query.get("unnamed"))
    listed = ctx.emulator.datasets.page(ctx.owner, page, unnamed)
    return data_response(
        page.envelope(listed, [datasets.shown(d) for d in listed.items]) | {"unnamed": unnamed}
    )


async def datasets_post(ctx: RequestContext) -> web.Response:
    dataset, new = ctx.emulator.datasets.get_or_create(ctx.owner, ctx.query.get("name"))
    if not new:
        return data_response(datasets.shown(dataset))
    return created(ctx.request, datasets.shown(dataset), f"/v2/datasets/{dataset['id']}")


async def dataset_get(ctx: RequestContext) -> web.Response:
    return data_response(datasets.shown(_dataset(ctx)))


async def dataset_put(ctx: RequestContext) -> web.Response:
    dataset = _dataset(ctx)
    return data_response(datasets.shown(ctx.emulator.datasets.update(dataset, ctx.body or {})))


async def dataset_delete(ctx: RequestContext) -> web.Response:
    ctx.emulator.datasets.delete(_dataset(ctx))
    return no_content()


async def dataset_statistics_get(ctx: RequestContext) -> web.Response:
    _dataset(ctx)
    return data_response(datasets.STATISTICS)


async def dataset_items_post(ctx: RequestContext) -> web.Response:
    """201 with an empty object, as Apify answers a push. In the pipeline's order: a body that is
    not JSON (or nests too deeply) first, then the dataset, then a missing body."""
    raw = await read_body(ctx.request, ctx.emulator.config.max_body_bytes)
    value = parse_json(raw) if raw.strip() else None
    dataset = _dataset(ctx)
    if value is None:
        raise InvalidRequest("The request body must be a JSON object or an array of JSON objects.")
    ctx.emulator.datasets.push(dataset, value)
    return json_response({}, status=201)


def _text(writer: formats.Writer, chunks: Iterable[list[Record]]) -> Iterator[bytes]:
    yield writer.begin()
    for items in chunks:
        yield writer.write(items)
    yield writer.end()


def _body(ctx: RequestContext, dataset: Record, rows: Rows, shaping: Shaping) -> Iterator[bytes]:
    """The answer's bytes in the format asked for, a chunk of items at a time."""
    query, fmt = ctx.query, ctx.query.get("format", "json")
    if fmt in formats.TABLES:
        columns, table = _table(ctx, dataset, rows, shaping)
        header = not query.get("skipHeaderRow")
        if fmt == "xlsx":
            return workbook(columns, header, table)
        if fmt == "csv":
            return _text(formats.CsvWriter(columns, query.get("delimiter", ","), header), table)
        return _text(formats.HtmlWriter(columns), table)
    writer: formats.Writer = formats.JsonWriter()
    if fmt == "jsonl":
        writer = formats.JsonlWriter()
    elif fmt == "xml":
        writer = formats.XmlWriter(query.get("xmlRoot", "items"), query.get("xmlRow", "item"))
    elif fmt == "rss":
        title = query.get("feedTitle", f"Dataset {datasets.label(dataset)}")
        about = query.get("feedDescription", f'Items in dataset with id "{dataset["id"]}".')
        link = f"{ctx.request.scheme}://{ctx.request.host}/v2/datasets/{dataset['id']}/items?format=rss"
        writer = formats.RssWriter(title, about, link)
    return _text(writer, _shaped(ctx, dataset, rows, shaping))


def _shaped(ctx: RequestContext, dataset: Record, rows: Rows, shaping: Shaping) -> Iterator[list[Record]]:
    for chunk in ctx.emulator.datasets.chunks(dataset, rows):
        yield chunk if shaping.plain else [out for item in chunk for out in shaping.shape(item)]


def _table(ctx: RequestContext, dataset: Record, rows: Rows, shaping: Shaping) -> tuple[list[str], Chunks]:
    """A table's columns, from a first pass over the items (only the names are kept), and its
    rows: when one chunk held them all, those of the first pass, else made again as they go."""
    found, kept, chunks = formats.Columns(), [], 0
    for items in _shaped(ctx, dataset, rows, shaping):
        cells = [formats.row(item) for item in items]
        found.add(cells)
        chunks += 1
        kept = cells if chunks == 1 else []
    if chunks == 1:
        return list(found.names), [kept]
    again = ([formats.row(item) for item in items] for items in _shaped(ctx, dataset, rows, shaping))
    return list(found.names), again


def _headers(ctx: RequestContext, dataset: Record, rows: Rows) -> dict[str, str]:
    fmt = ctx.query.get("format", "json")
    headers = rows.headers() | {"Content-Type": formats.CONTENT_TYPES[fmt]}
    if ctx.query.get("attachment"):
        headers["Content-Disposition"] = f'attachment; filename="{datasets.label(dataset)}.{fmt}"'
    return headers


async def dataset_items_get(ctx: RequestContext) -> web.StreamResponse:
    return await items_answer(ctx, _dataset(ctx))


async def items_answer(ctx: RequestContext, dataset: Record, status: int = 200) -> web.StreamResponse:
    """A dataset's items as the query asks, streamed: the store is read CHUNK rows at a time, each
    written before the next is read. A table's columns are found before the answer starts, so
    that too many is a clean 400."""
    shaping = Shaping.from_query(ctx.query)
    rows = ctx.emulator.datasets.rows(dataset, ctx.query)
    body = _body(ctx, dataset, rows, shaping)  # a table's first pass runs here
    first = next(body, b"")  # and an xlsx workbook is written whole here
    response = web.StreamResponse(status=status, headers=_headers(ctx, dataset, rows))
    await response.prepare(ctx.request)
    if ctx.request.method == "HEAD":  # the headers alone; aiohttp would send a stream's body
        await response.write_eof()
        return response
    fmt = ctx.query.get("format", "json")
    if fmt != "xlsx" and ctx.query.get("bom", fmt == "csv"):
        await response.write(formats.BOM)
    try:
        await response.write(first)
        for part in body:
            await response.write(part)
        await response.write_eof()
    except ConnectionResetError:
        pass  # the reader went away mid-answer
    return response
