"""The dashboard's reading pages for runs and builds, inboxes and the clock."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from aiohttp import web

from ...errors import InvalidRequest, RecordNotFound
from ...model import jobs
from ...services.dashboard import LIST_LIMIT
from .view import ROOT, View

# The dataset table shows the first page of items, and at most this many columns.
ITEMS_PAGE = 50
MAX_COLUMNS = 12
MESSAGES_SHOWN = 100
_MAX_NAME = 200


async def runs(view: View) -> web.StreamResponse:
    dashboard = view.emulator.dashboard
    run_total, run_items = dashboard.jobs(view.user.id, jobs.RUN)
    build_total, build_items = dashboard.jobs(view.user.id, jobs.BUILD)
    return view.render(
        "runs.html",
        names=dashboard.names(view.user.id, [*run_items, *build_items]),
        runs=run_items,
        run_total=run_total,
        builds=build_items,
        build_total=build_total,
        limit=LIST_LIMIT,
    )


def _table(items: list[Any]) -> tuple[list[str], list[list[str]]]:
    """Dataset items as a table: the keys of the items, in order of first appearance (at most
    MAX_COLUMNS), and each item's values as compact JSON (strings as they are)."""
    columns: list[str] = []
    for item in items:
        for key in item if isinstance(item, dict) else ():
            if key not in columns and len(columns) < MAX_COLUMNS:
                columns.append(key)
    rows = [
        [_cell(item.get(column, "")) if isinstance(item, dict) else "" for column in columns]
        for item in items
    ]
    return columns, rows


def _cell(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


async def run(view: View) -> web.StreamResponse:
    record, log = view.emulator.dashboard.job(jobs.RUN, view.request.match_info["id"], view.user)
    try:
        total, items = view.emulator.datasets.head(record["defaultDatasetId"], view.user, ITEMS_PAGE)
    except RecordNotFound:
        total, items = 0, []
    columns, rows = _table(items)
    return view.render(
        "run.html",
        job=record,
        kind="run",
        names=view.emulator.dashboard.names(view.user.id, [record]),
        log=log,
        item_total=total,
        columns=columns,
        rows=rows,
        end_statuses=sorted(jobs.TERMINAL),
        movable=record["status"] not in jobs.TERMINAL,
    )


async def build(view: View) -> web.StreamResponse:
    record, log = view.emulator.dashboard.job(jobs.BUILD, view.request.match_info["id"], view.user)
    names = view.emulator.dashboard.names(view.user.id, [record])
    return view.render("run.html", job=record, kind="build", log=log, movable=False, names=names)


def inbox_name(raw: str) -> str:
    """An inbox name from a path or a form; one the receiver could not be reached by is a 400."""
    name = raw.strip()
    if not name or "/" in name or len(name) > _MAX_NAME:
        raise InvalidRequest(f"An inbox name is 1 to {_MAX_NAME} characters without '/'.")
    return name


async def inboxes(view: View) -> web.StreamResponse:
    asked = view.request.query.get("name")
    if asked is not None:  # the "open by name" form, which works without JavaScript
        return web.Response(
            status=303, headers={"Location": f"{ROOT}inboxes/{quote(inbox_name(asked), safe='')}"}
        )
    names = view.emulator.dashboard.inbox_names(view.user.id)
    return view.render("inboxes.html", names=names)


async def inbox(view: View) -> web.StreamResponse:
    name = inbox_name(view.request.match_info["name"])
    total, messages = view.emulator.dashboard.messages(name, MESSAGES_SHOWN)
    behaviour = view.emulator.inboxes.behaviour(name)
    return view.render("inbox.html", name=name, total=total, messages=messages, behaviour=behaviour)


async def clock(view: View) -> web.StreamResponse:
    pending = view.emulator.pending_dispatches()
    return view.render("clock.html", pending=pending)
