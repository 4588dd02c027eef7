"""Webhook dispatches: created durably, delivered in the background by a bounded pool of attempts,
retried on Apify's schedule, all timed by the emulator's clock.

Each dispatch row in SQLite carries its next attempt time, so the dispatcher keeps no state that a
restart could lose: it asks the database what is due. An attempt is recorded only when it ends;
a crash mid-attempt leaves the dispatch due again (at-least-once, like Apify)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import aiohttp

from . import delivery, payload_template
from .clock import Clock
from .config import Config
from .ids import iso, new_id
from .storage import Doc, Storage

log = logging.getLogger("mock_apify.dispatch")

MAX_ATTEMPTS = 12  # the first attempt and 11 retries


@dataclass(frozen=True)
class Event:
    """What a dispatch reports: the `eventType`, `eventData` and `resource` template variables."""

    type: str
    data: dict[str, Any] | None
    resource: Any
    at: float  # when the event happened, epoch seconds on the emulator's clock

    def context(self, user_id: str) -> dict[str, Any]:
        return {
            "userId": user_id,
            "createdAt": iso(self.at),
            "eventType": self.type,
            "eventData": self.data,
            "resource": self.resource,
            "globals": {"dateISO": iso(self.at), "dateUnix": int(self.at)},
        }


def _render(webhook: Doc, event: Event, dispatch_id: str) -> dict[str, Any]:
    """The exact request of every attempt, rendered once when the dispatch is made."""
    context = event.context(webhook["userId"])
    interpolate = bool(webhook.get("shouldInterpolateStrings"))
    rendered: dict[str, Any] = {
        "url": webhook["requestUrl"],
        "ignoreSslErrors": bool(webhook.get("ignoreSslErrors")),
        "doNotRetry": bool(webhook.get("doNotRetry")),
    }
    try:
        body = payload_template.render_payload(
            webhook.get("payloadTemplate"), context, interpolate_strings=interpolate
        )
        template_headers = payload_template.render_headers(
            webhook.get("headersTemplate"), context, interpolate_strings=interpolate
        )
    except payload_template.TemplateError as error:
        return rendered | {"renderError": f"The webhook's template could not be rendered: {error}"}
    headers = delivery.request_headers(template_headers, webhook["id"], dispatch_id)
    return rendered | {"body": body.decode(), "headers": headers}


class Dispatcher:
    def __init__(self, storage: Storage, clock: Clock, config: Config) -> None:
        self._storage = storage
        self._clock = clock
        self._config = config
        self._wake = asyncio.Event()
        self.quiet = asyncio.Event()
        self._in_flight: dict[str, asyncio.Task[None]] = {}
        self._loop_task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        self._session = delivery.new_session(self._config.max_deliveries_in_flight)
        self._loop_task = asyncio.create_task(self._run(), name="mock-apify-dispatcher")

    async def stop(self) -> None:
        """Cancel the loop and in-flight attempts; unrecorded attempts stay due in the database."""
        tasks = [*self._in_flight.values()]
        if self._loop_task is not None:
            tasks.append(self._loop_task)
        await delivery.cancel_all(tasks)
        if self._session is not None:
            await self._session.close()

    def kick(self) -> None:
        """Something changed (new dispatch, clock moved): look at the database again."""
        self.quiet.clear()
        self._wake.set()

    # --- making dispatches -------------------------------------------------------------------

    def dispatch(self, webhook: Doc, event: Event) -> Doc:
        """Store a new dispatch of `event` to `webhook`, due now; returns it as the API shows it."""
        dispatch_id = new_id()
        doc: Doc = {
            "id": dispatch_id,
            "userId": webhook["userId"],
            "webhookId": webhook["id"],
            "createdAt": iso(event.at),
            "eventType": event.type,
            "eventData": event.data,
            "webhook": {
                "actionType": "HTTP_REQUEST",
                "condition": webhook["condition"],
                "requestUrl": webhook["requestUrl"],
                "isAdHoc": webhook["isAdHoc"],
            },
        }
        self._storage.insert_dispatch(doc, _render(webhook, event, dispatch_id), self._clock.time())
        self.kick()
        return doc | {"status": "ACTIVE", "calls": []}

    # --- delivering --------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            next_due = self._start_due()
            if not self._in_flight and (next_due is None or next_due > self._clock.time()):
                self.quiet.set()
            await self._clock.wait(self._wake, next_due)

    def _start_due(self) -> float | None:
        """Start every due attempt there is room for; return when the next one falls due."""
        room = self._config.max_deliveries_in_flight - len(self._in_flight)
        now = self._clock.time()
        upcoming = self._storage.upcoming_dispatches(len(self._in_flight) + room + 1)
        for dispatch_id, due_at, plan, attempts in upcoming:
            if dispatch_id in self._in_flight:
                continue
            if due_at > now or room == 0:
                return due_at if room else None
            room -= 1
            self._in_flight[dispatch_id] = asyncio.create_task(self._attempt(dispatch_id, plan, attempts))
        return None

    async def _attempt(self, dispatch_id: str, plan: dict[str, Any], attempts: int) -> None:
        try:
            if "renderError" in plan:
                now = self._clock.now_iso()
                call = {"startedAt": now, "finishedAt": now, "errorMessage": plan["renderError"]}
                call |= {"responseStatus": None, "responseBody": None}
            else:
                assert self._session is not None
                call = await delivery.attempt(self._session, self._clock, plan, self._config.delivery_timeout)
            attempts += 1
            if delivery.succeeded(call):
                status, next_at = "SUCCEEDED", None
            elif "renderError" in plan or plan["doNotRetry"] or attempts >= MAX_ATTEMPTS:
                status, next_at = "FAILED", None
            else:
                status = "ACTIVE"
                next_at = self._clock.time() + self._config.retry_base_delay * 2 ** (attempts - 1)
            self._storage.record_attempt(dispatch_id, call, status, next_at)
        except Exception:
            log.exception("dispatch %s: attempt could not be recorded", dispatch_id)
        finally:
            self._in_flight.pop(dispatch_id, None)
            self.kick()

    def next_due(self) -> float | None:
        return self._storage.next_due_time()
