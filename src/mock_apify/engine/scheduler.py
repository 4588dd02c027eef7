"""Emulated Actor runs and builds ("jobs") moving through their statuses on the emulator's clock,
and the webhook dispatches each change fires.

A job's remaining status changes (its plan) live in SQLite with their due times, so a restart
loses neither a job nor an event that was due. A change, its log lines, its dataset items, the
records it writes into its key-value store and the dispatches it fires are committed in one
transaction."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

from ..clock import Clock, Shutdown
from ..ids import iso
from ..model import events, jobs, kvs
from ..model.types import Record
from ..store import Storage
from .dispatcher import Dispatcher
from .worker import DueWorker


class JobScheduler(DueWorker):
    name = "mock-apify-scheduler"

    def __init__(self, storage: Storage, clock: Clock, dispatcher: Dispatcher, shutdown: Shutdown) -> None:
        super().__init__(clock)
        self._storage = storage
        self._dispatcher = dispatcher
        self._shutdown = shutdown
        self._changed: dict[str, list[asyncio.Event]] = defaultdict(list)

    def next_due(self) -> float | None:
        return self._storage.jobs.next_due()

    def run_due(self) -> float | None:
        for job_id in self._storage.jobs.due(self._clock.time()):
            state = self._storage.jobs.state(job_id)
            if state is not None and state[3]:
                kind, job, _log, plan = state
                self._apply(kind, job, plan[0], plan[1:])
        return self._storage.jobs.next_due()

    # --- creating and moving jobs ------------------------------------------------------------

    def create(
        self, kind: str, job: Record, job_input: Any, behaviour: Record | None, timeout: int | None
    ) -> None:
        """Store a new READY job with its plan and fire its CREATED dispatches, in one
        transaction (joining the caller's, which may have stored ad-hoc webhooks first)."""
        now = self._clock.time()
        with self._storage.transaction():
            log = jobs.log_line(now, f"ACTOR: {kind.capitalize()} created, status READY")
            plan = jobs.plan(behaviour, kind, now, timeout)
            self._storage.jobs.insert(kind, job, log, plan, job_input)
            self._fire(kind, None, job, now)
        self.kick()

    def move(self, job_id: str, step: Record) -> Record:
        """Move a job to `step["status"]` now (control endpoint, abort), dropping the rest of its plan."""
        state = self._storage.jobs.state(job_id)
        assert state is not None
        kind, job, _log, _plan = state
        return self._apply(kind, job, step, [])

    def restart(self, job_id: str, behaviour: Record | None, timeout: int | None) -> Record:
        """Resurrect a finished run: back to RUNNING now, then on to its behaviour's end."""
        state = self._storage.jobs.state(job_id)
        assert state is not None
        kind, job, _log, _plan = state
        steps = jobs.plan(behaviour, kind, self._clock.time(), timeout)
        return self._apply(kind, job, steps[0], steps[1:])

    def _apply(self, kind: str, job: Record, step: Record, remaining: list[Record]) -> Record:
        now = self._clock.time()
        status = step["status"]
        updated = jobs.changed(job, status, now, step)
        lines = jobs.log_line(now, f"ACTOR: {kind.capitalize()} status changed to {status}")
        if step.get("statusMessage"):
            lines += jobs.log_line(now, f"ACTOR: {step['statusMessage']}")
        with self._storage.transaction():
            if step.get("items") and kind == jobs.RUN:
                self._storage.datasets.add_items(job["defaultDatasetId"], list(step["items"]), iso(now))
            if kind == jobs.RUN and (records := kvs.ending_records(step)) and isinstance(records, dict):
                self._storage.kvs.put(job["defaultKeyValueStoreId"], records, iso(now))
            self._storage.jobs.update(updated, lines, remaining)
            self._fire(kind, job["status"], updated, now)
        for waiter in self._changed.pop(job["id"], []):
            waiter.set()
        self.kick()
        return updated

    def _fire(self, kind: str, old_status: str | None, job: Record, now: float) -> None:
        event_type = jobs.event_type(kind, old_status, job["status"])
        if event_type is None:
            return
        event = events.job_event(event_type, kind, job, now)
        for webhook in self.listeners(kind, job):
            if event_type in webhook["eventTypes"] and webhook.get("isEnabled", True):
                self._dispatcher.enqueue(webhook, event)

    def listeners(self, kind: str, job: Record) -> list[Record]:
        """Webhooks a job's events go to: an Actor's webhooks hear its runs (task runs included)
        and builds; a task's webhooks hear its runs; a run's webhooks hear that run."""
        if kind == jobs.BUILD:
            return self._storage.webhooks.matching(job["userId"], job["actId"], None, None)
        return self._storage.webhooks.matching(job["userId"], job["actId"], job.get("actorTaskId"), job["id"])

    # --- waiting -----------------------------------------------------------------------------

    async def wait_finished(self, kind: str, job_id: str, seconds: float) -> Record | None:
        """The job once terminal, or as it is after `seconds` (real time) — answered as soon as it
        ends, or as it is when the server starts shutting down."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, seconds)
        while True:
            job = self._storage.jobs.get(kind, job_id)
            remaining = deadline - loop.time()
            if job is None or job["status"] in jobs.TERMINAL or remaining <= 0 or self._shutdown.started:
                return job
            await self.wait_changed(job_id, remaining)

    async def wait_changed(self, job_id: str, seconds: float) -> None:
        """Until the job's status changes, `seconds` pass or the server starts shutting down."""
        changed = asyncio.Event()
        waiters = self._changed[job_id]
        waiters.append(changed)
        try:
            await self._shutdown.wait(changed, seconds)
        finally:
            if changed in waiters:
                waiters.remove(changed)
            if not waiters:
                self._changed.pop(job_id, None)

    async def run_to_end(self, kind: str, job_id: str, limit_secs: float) -> Record | None:
        """The job once terminal, or as it is when `limit_secs` of the emulator's time have
        passed: what run-sync waits for. A virtual clock is skipped to each of the job's status
        changes (and to the limit when its next change comes later, or never by itself), so the
        answer comes at once; a real clock is waited for."""
        deadline = self._clock.time() + limit_secs
        for _ in range(100):  # bounded: a plan has a handful of steps
            state = self._storage.jobs.state(job_id)
            if state is None or state[1]["status"] in jobs.TERMINAL or self._shutdown.started:
                return state[1] if state else None
            plan = state[3]
            due = min(plan[0]["at"], deadline) if plan else deadline
            if not self._clock.skip_to(due):
                return await self.wait_finished(kind, job_id, deadline - self._clock.time())
            self.run_due()
            if due >= deadline:
                return self._storage.jobs.get(kind, job_id)
        return self._storage.jobs.get(kind, job_id)
