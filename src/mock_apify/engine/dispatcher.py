"""Webhook dispatches: stored durably, delivered in the background by a bounded pool of attempts,
retried on Apify's schedule, all timed by the emulator's clock. Each attempt renders its payload
in a worker thread of its own (one at a time), so no template holds up the event loop.

Each dispatch row carries its next attempt time, so the dispatcher keeps no state a restart could
lose: it asks the database what is due. An attempt is recorded only when it ends; a crash
mid-attempt leaves the dispatch due again (at least once, like Apify)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import aiohttp

from ..clock import Clock
from ..config import Config
from ..ids import new_id
from ..model import chaos, events
from ..model.events import Event
from ..model.types import Record
from ..store import Storage, StorageError
from ..store.dispatches import Due
from . import delivery
from .chaos import Chaos
from .fairness import Slots, host_of
from .worker import DueWorker

log = logging.getLogger("mock_apify.dispatch")

# The first attempt and 11 retries, 1, 2, 4 ... 1024 minutes apart (Apify's webhook documentation,
# https://docs.apify.com/platform/integrations/webhooks: "retried ... for up to 32 hours").
MAX_ATTEMPTS = 12
# How much of the due queue one pass looks at for dispatches with a free fair slot.
_SCAN_PAGE = 128
_SCAN_LIMIT = 8192


class Dispatcher(DueWorker):
    name = "mock-apify-dispatcher"

    def __init__(self, storage: Storage, clock: Clock, config: Config, chaos_rules: Chaos) -> None:
        super().__init__(clock)
        self._storage = storage
        self._config = config
        self._chaos = chaos_rules
        self._in_flight: dict[str, asyncio.Task[None]] = {}
        # Dispatches whose last attempt could not be recorded -> when they may be tried again: the
        # database still says "due", but a delivery is never repeated faster than its schedule.
        self._held: dict[str, float] = {}
        self._slots = Slots(
            config.max_deliveries_in_flight, config.max_deliveries_per_user, config.max_deliveries_per_host
        )
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
        """Store a new dispatch of `event` to `webhook`, due now unless a chaos rule delays or
        holds it (its plan is stored with its request); returns it as the API shows it."""
        dispatch_id = new_id()
        dispatch = events.new_dispatch(dispatch_id, webhook, event)
        request = events.delivery_request(webhook, event, dispatch_id)
        admission = self._chaos.admit(webhook, event, dispatch_id)
        if admission.plan is not None:
            request["chaos"] = admission.plan
        self._storage.dispatches.insert(dispatch, request, admission.due_at)
        if admission.release:
            self._storage.dispatches.reschedule(admission.release, self._clock.time())
        self.kick()
        return dispatch | {"status": "ACTIVE", "calls": []}

    def next_due(self) -> float | None:
        """When the earliest attempt that may start is due. Rows held after a storage error count
        at their later time, reordered events still waiting for another not at all; one row more
        than both together reaches one that is neither."""
        if not self._held and not self._chaos.holding():
            return self._storage.dispatches.next_due()
        upcoming = self._storage.dispatches.upcoming(0, len(self._held) + self._chaos.holding() + 1)
        return min((self._due(row) for row in upcoming if not self._blocked(row.id)), default=None)

    def _blocked(self, dispatch_id: str) -> bool:
        """Whether a reordered event still waits for one before it (still ACTIVE) to end."""
        for before in self._chaos.waiting_for(dispatch_id):
            if self._storage.dispatches.active(before):
                return True
            self._chaos.ended(before)  # ended without an attempt: its webhook was deleted
        return False

    def _due(self, row: Due) -> float:
        return max(row.due_at, self._held.get(row.id, row.due_at))

    def busy(self) -> bool:
        return bool(self._in_flight)

    def in_flight(self) -> int:
        """Delivery attempts under way now."""
        return len(self._in_flight)

    def run_due(self) -> float | None:
        """Start every due attempt there is a fair slot for; return when the next one falls due.

        Due dispatches whose user or receiver host has used its share wait (a finished attempt
        kicks the loop); the scan goes past them, so others' deliveries start meanwhile."""
        now = self._clock.time()
        next_due: float | None = None
        for row in self._due_queue():
            due_at = self._due(row)
            if due_at > now:
                next_due = due_at if next_due is None else min(next_due, due_at)
                if row.due_at > now:
                    break  # the queue is in due order: everything after is later still
            elif self._slots.full():
                break
            elif (
                row.id not in self._slots
                and not self._blocked(row.id)
                and self._slots.allows(row.user_id, host := host_of(row.url))
            ):
                self._start(row, host)
        return next_due

    def _due_queue(self) -> Iterator[Due]:
        """The due queue in pages, scanning at most _SCAN_LIMIT rows per pass."""
        for offset in range(0, _SCAN_LIMIT, _SCAN_PAGE):
            page = self._storage.dispatches.upcoming(offset, _SCAN_PAGE)
            yield from page
            if len(page) < _SCAN_PAGE:
                return

    def _start(self, row: Due, host: str) -> None:
        self._held.pop(row.id, None)
        request, attempts = self._storage.dispatches.delivery(row.id)
        self._slots.take(row.id, row.user_id, host)
        self._in_flight[row.id] = asyncio.create_task(self._attempt(row.id, request, attempts))

    async def _rendered(self, stored: Record) -> Record:
        """The attempt's request: rendered here when its templates are short (the default ones
        are none), which saves two thread hops per attempt; else in the worker thread, as a
        template of up to 1 MiB can take long enough to stall every other request."""
        if events.quick_to_render(stored):
            return events.render_request(stored)
        return await asyncio.get_running_loop().run_in_executor(self._renderer, events.render_request, stored)

    async def _attempt(self, dispatch_id: str, stored: Record, attempts: int) -> None:
        retry_at = self._retry_time(attempts + 1)
        try:
            request = await self._rendered(stored)
            calls = await self._calls(request, stored.get("chaos"), attempts)
            call, attempts = calls[0], attempts + 1
            if delivery.succeeded(call):
                status, next_at = "SUCCEEDED", None
            elif "renderError" in request or request["doNotRetry"] or attempts >= MAX_ATTEMPTS:
                status, next_at = "FAILED", None
            else:
                status = "ACTIVE"
                retry_at = next_at = self._retry_time(attempts)
            self._storage.dispatches.record_attempt(dispatch_id, calls, status, next_at)
            await self._storage.synced()
            if status != "ACTIVE":
                self._chaos.ended(dispatch_id)
        except StorageError:  # logged once per outage by the store
            self._held[dispatch_id] = retry_at
        except Exception:
            log.exception("dispatch %s: attempt could not be recorded", dispatch_id)
            self._held[dispatch_id] = retry_at
        finally:
            self._in_flight.pop(dispatch_id, None)
            self._slots.give_back(dispatch_id)
            self.kick()

    def _retry_time(self, attempts: int) -> float:
        """When to try again after `attempts` attempts: 1, 2, 4 ... retry_base_delay from now."""
        return self._clock.time() + self._config.retry_base_delay * 2.0 ** (attempts - 1)

    async def _calls(self, request: Record, plan: Record | None, attempts: int) -> list[Record]:
        """An attempt's `calls` entries, the first deciding its outcome: one, unless a chaos plan
        fails it before the receiver, or sends a success again (a duplicate, same id and body)."""
        if plan is None:
            return [await self._call(request)]
        failing = attempts < plan.get("failFirst", 0)
        if failing:
            call = chaos.failed_call(plan, self._clock.now_iso(), self._config.delivery_timeout)
        else:
            call = await self._call(request)
        entries = chaos.first_entries(plan) if attempts == 0 else []
        calls = [chaos.marked(call, entries + ([chaos.entry(plan, plan["failWith"])] if failing else []))]
        if plan.get("duplicate") and delivery.succeeded(call):
            again = await self._call(request)
            calls.append(chaos.marked(again, [chaos.entry(plan, "duplicate")]))
        return calls

    async def _call(self, request: Record) -> Record:
        """One attempt's `calls` entry: the HTTP outcome, or the template's error without a request."""
        if "renderError" in request:
            now = self._clock.now_iso()
            call = {"startedAt": now, "finishedAt": now, "errorMessage": request["renderError"]}
            return call | {"responseStatus": None, "responseBody": None}
        assert self._session is not None
        return await delivery.attempt(self._session, self._clock, request, self._config.delivery_timeout)
