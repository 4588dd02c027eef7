"""The dashboard's reading pages for webhooks and dispatches, and the emulator's root page that
links to the dashboard. Each reads through the services and renders one template."""

from __future__ import annotations

import asyncio
import math
from importlib import metadata

from aiohttp import web

from ...errors import InvalidRequest
from ...ids import iso
from ...services.dashboard import DISPATCH_STATUSES, LIST_LIMIT
from . import timeline
from .view import ROOT, View

# The longest filter value the dispatch list takes.
_MAX_FILTER = 200


async def root(view: View) -> web.StreamResponse:
    """GET /: what this server is, and the way to the dashboard."""
    return view.render("root.html", version=metadata.version("mock-apify"))


async def overview(view: View) -> web.StreamResponse:
    total, _hooks = view.emulator.dashboard.webhooks(view.user.id)
    recent = view.emulator.dashboard.dispatches(view.user.id, limit=10)
    pending = view.emulator.pending_dispatches()
    return view.render("overview.html", webhook_total=total, dispatches=recent, pending=pending)


async def webhooks(view: View) -> web.StreamResponse:
    total, items = view.emulator.dashboard.webhooks(view.user.id)
    names = view.emulator.dashboard.names(view.user.id, items)
    return view.render("webhooks.html", total=total, webhooks=items, limit=LIST_LIMIT, names=names)


async def webhook(view: View) -> web.StreamResponse:
    dashboard = view.emulator.dashboard
    hook = view.emulator.webhooks.get(view.user.id, view.request.match_info["id"])
    sample = await asyncio.to_thread(dashboard.sample, hook)
    sent = dashboard.dispatches(view.user.id, webhook_id=hook["id"])
    names = dashboard.names(view.user.id, [hook])
    return view.render("webhook.html", webhook=hook, sample=sample, dispatches=sent, names=names)


def _filters(view: View) -> dict[str, str | None]:
    """The dispatch list's filters from the query; a value too long is a clear 400."""
    filters: dict[str, str | None] = {}
    for name in ("webhook", "status", "event"):
        value = view.request.query.get(name, "").strip()
        if len(value) > _MAX_FILTER:
            raise InvalidRequest(f"The {name} filter is longer than {_MAX_FILTER} characters.")
        filters[name] = value or None
    return filters


async def dispatches(view: View) -> web.StreamResponse:
    filters = _filters(view)
    items = view.emulator.dashboard.dispatches(
        view.user.id, webhook_id=filters["webhook"], status=filters["status"], event_type=filters["event"]
    )
    _total, hooks = view.emulator.dashboard.webhooks(view.user.id)
    return view.render(
        "dispatches.html",
        dispatches=items,
        filters=filters,
        statuses=DISPATCH_STATUSES,
        webhooks=hooks,
        limit=LIST_LIMIT,
    )


async def dispatch(view: View) -> web.StreamResponse:
    dashboard, clock = view.emulator.dashboard, view.emulator.clock
    record = view.emulator.dispatches.get(view.user.id, view.request.match_info["id"])
    sent = await asyncio.to_thread(dashboard.sent_request, record)
    body = sent.get("body")
    next_at = dashboard.next_attempt_at(record)
    return view.render(
        "dispatch.html",
        dispatch=record,
        sent=sent,
        body=body.decode("utf-8", errors="replace") if body is not None else None,
        next_at=iso(next_at) if next_at is not None else None,
        next_in=timeline.duration(next_at - clock.time()) if next_at is not None else None,
        wait_secs=max(1, math.ceil(next_at - clock.time())) if next_at is not None else None,
        marks=timeline.marks(record, next_at, clock.time()),
        axis=timeline,
    )


def redirect(location: str) -> web.StreamResponse:
    """303 to a dashboard page: after a POST, the browser GETs the result."""
    return web.Response(status=303, headers={"Location": location})


async def to_root(view: View) -> web.StreamResponse:
    """/_mock/ui without its slash."""
    return redirect(ROOT)
