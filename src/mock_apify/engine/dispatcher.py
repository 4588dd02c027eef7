"""Webhook dispatches: stored durably, delivered in the background by a bounded pool of attempts,
retried on Apify's schedule, all timed by the emulator's clock. Each attempt renders its payload
in a worker thread of its own (one at a time), so no template holds up the event loop.

Each dispatch row carries its next attempt time, so the dispatcher keeps no state a restart could
lose: it asks the database what is due. An attempt is recorded only when it ends; a crash
mid-attempt leaves the dispatch due again (at least once, like Apify)."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

import aiohttp

from ..clock import Clock
from ..config import Config
from ..ids import new_id
from ..model import events
from ..model.events import Event
from ..model.types import Record
from ..store import Storage
from . import delivery
from .worker import DueWorker

log = logging.getLogger("mock_apify.dispatch")

# The first attempt and 11 retries, 1, 2, 4 ... 1024 minutes apart (Apify's webhook documentation,
# https://docs.apify.com/platform/integrations/webhooks: "retried ... for up to 32 hours").
MAX_ATTEMPTS = 12


class Dispatcher(DueWorker):
    name = "mock-apify-dispatcher"

    def __init__(self, storage: Storage, clock: Clock, config: Config) -> None:
        super().__init__(clock)
        self._storage = storage
        self._config = config
        self._in_flight: dict[str, asyncio.Task[None]] = {}
        self._session: aiohttp.ClientSession | None = None
        self._renderer: ThreadPoolExecutor | None = None

    async def start(self) -> None:
        self._session = delivery.new_session(self._config.max_deliveries_in_flight)
        # One thread: renders take turns, so at most one payload is being built at a time.
        self._renderer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mock-apify-render")
        await super().start()

    async def stop(self) -> None:
        """Cancel the loop and in-flight attempts; unrecorded attempts stay due in the database."""
        await super().stop()
        await delivery.cancel_all([*self._in_flight.values()])
        if self._session is not None:
            await self._session.close()
        if self._renderer is not None:
            self._renderer.shutdown(wait=True, cancel_futures=True)

    def enqueue(self, webhook: Record, event: Event) -> Record:
        """Store a new dispatch of `event` to `webhook`, due now; returns it as the API shows it."""
        dispatch_id = new_id()
        dispatch = events.new_dispatch(dispatch_id, webhook, event)
        request = events.delivery_request(webhook, event, dispatch_id)
        self._storage.dispatches.insert(dispatch, request, self._clock.time())
        self.kick()
        return dispatch | {"status": "ACTIVE", "calls": []}

    def next_due(self) -> float | None:
        return self._storage.dispatches.next_due()

    def busy(self) -> bool:
        return bool(self._in_flight)

    def run_due(self) -> float | None:
        """Start every due attempt there is room for; return when the next one falls due."""
        room = self._config.max_deliveries_in_flight - len(self._in_flight)
        now = self._clock.time()
        upcoming = self._storage.dispatches.upcoming(len(self._in_flight) + room + 1)
        for dispatch_id, due_at, request, attempts in upcoming:
            if dispatch_id in self._in_flight:
                continue
            if due_at > now or room == 0:
                return due_at if room else None
            room -= 1
            task = asyncio.create_task(self._attempt(dispatch_id, request, attempts))
            self._in_flight[dispatch_id] = task
        return None

    async def _attempt(self, dispatch_id: str, stored: Record, attempts: int) -> None:
        try:
            request = await asyncio.get_running_loop().run_in_executor(
                self._renderer, events.render_request, stored
            )
            if "renderError" in request:
                now = self._clock.now_iso()
                call = {"startedAt": now, "finishedAt": now, "errorMessage": request["renderError"]}
                call |= {"responseStatus": None, "responseBody": None}
            else:
                assert self._session is not None
                timeout = self._config.delivery_timeout
                call = await delivery.attempt(self._session, self._clock, request, timeout)
            attempts += 1
            if delivery.succeeded(call):
                status, next_at = "SUCCEEDED", None
            elif "renderError" in request or request["doNotRetry"] or attempts >= MAX_ATTEMPTS:
                status, next_at = "FAILED", None
            else:
                status = "ACTIVE"
                next_at = self._clock.time() + self._config.retry_base_delay * 2 ** (attempts - 1)
            self._storage.dispatches.record_attempt(dispatch_id, call, status, next_at)
        except Exception:
            log.exception("dispatch %s: attempt could not be recorded", dispatch_id)
        finally:
            self._in_flight.pop(dispatch_id, None)
            self.kick()
