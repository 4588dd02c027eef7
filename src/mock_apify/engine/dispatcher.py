"""Webhook dispatches: stored durably, delivered in the background by a bounded pool of attempts,
retried on Apify's schedule, all timed by the emulator's clock.

Each dispatch row carries its next attempt time, so the dispatcher keeps no state a restart could
lose: it asks the database what is due. An attempt is recorded only when it ends; a crash
mid-attempt leaves the dispatch due again (at least once, like Apify)."""

from __future__ import annotations

import asyncio
import logging

import aiohttp

from ..clock import Clock
from ..config import Config
from ..ids import new_id
from ..model import events
from ..model.events import Event
from ..model.types import Record
from ..store import Storage, StorageError
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
        # Dispatches whose last attempt could not be recorded -> when they may be tried again: the
        # database still says "due", but a delivery is never repeated faster than its schedule.
        self._held: dict[str, float] = {}
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._session = delivery.new_session(self._config.max_deliveries_in_flight)
        await super().start()

    async def stop(self) -> None:
        """Cancel the loop and in-flight attempts; unrecorded attempts stay due in the database."""
        await super().stop()
        await delivery.cancel_all([*self._in_flight.values()])
        if self._session is not None:
            await self._session.close()

    def enqueue(self, webhook: Record, event: Event) -> Record:
        """Store a new dispatch of `event` to `webhook`, due now; returns it as the API shows it."""
        dispatch_id = new_id()
        dispatch = events.new_dispatch(dispatch_id, webhook, event)
        request = events.delivery_request(webhook, event, dispatch_id)
        self._storage.dispatches.insert(dispatch, request, self._clock.time())
        self.kick()
        return dispatch | {"status": "ACTIVE", "calls": []}

    def next_due(self) -> float | None:
        if not self._held:
            return self._storage.dispatches.next_due()
        upcoming = self._storage.dispatches.upcoming(len(self._held) + 1)
        return min((self._due(dispatch_id, due_at) for dispatch_id, due_at, _, _ in upcoming), default=None)

    def _due(self, dispatch_id: str, due_at: float) -> float:
        return max(due_at, self._held.get(dispatch_id, due_at))

    def busy(self) -> bool:
        return bool(self._in_flight)

    def run_due(self) -> float | None:
        """Start every due attempt there is room for; return when the next one falls due."""
        room = self._config.max_deliveries_in_flight - len(self._in_flight)
        now = self._clock.time()
        upcoming = self._storage.dispatches.upcoming(len(self._in_flight) + len(self._held) + room + 1)
        next_due: float | None = None
        for dispatch_id, due_at, request, attempts in upcoming:
            due_at = self._due(dispatch_id, due_at)
            if dispatch_id in self._in_flight:
                continue
            if due_at > now or room == 0:
                if room:
                    next_due = due_at if next_due is None else min(next_due, due_at)
                continue
            room -= 1
            self._held.pop(dispatch_id, None)
            task = asyncio.create_task(self._attempt(dispatch_id, request, attempts))
            self._in_flight[dispatch_id] = task
        return next_due

    async def _attempt(self, dispatch_id: str, request: Record, attempts: int) -> None:
        retry_at = self._retry_time(attempts + 1)
        try:
            call = await self._call(request)
            attempts += 1
            if delivery.succeeded(call):
                status, next_at = "SUCCEEDED", None
            elif "renderError" in request or request["doNotRetry"] or attempts >= MAX_ATTEMPTS:
                status, next_at = "FAILED", None
            else:
                status = "ACTIVE"
                retry_at = next_at = self._retry_time(attempts)
            self._storage.dispatches.record_attempt(dispatch_id, call, status, next_at)
            await self._storage.synced()
        except StorageError:  # logged once per outage by the store
            self._held[dispatch_id] = retry_at
        except Exception:
            log.exception("dispatch %s: attempt could not be recorded", dispatch_id)
            self._held[dispatch_id] = retry_at
        finally:
            self._in_flight.pop(dispatch_id, None)
            self.kick()

    def _retry_time(self, attempts: int) -> float:
        """When to try again after `attempts` attempts: 1, 2, 4 ... retry_base_delay from now."""
        return self._clock.time() + self._config.retry_base_delay * 2.0 ** (attempts - 1)

    async def _call(self, request: Record) -> Record:
        """One attempt's `calls` entry: the HTTP outcome, or the template's error without a request."""
        if "renderError" in request:
            now = self._clock.now_iso()
            call = {"startedAt": now, "finishedAt": now, "errorMessage": request["renderError"]}
            return call | {"responseStatus": None, "responseBody": None}
        assert self._session is not None
        return await delivery.attempt(self._session, self._clock, request, self._config.delivery_timeout)
