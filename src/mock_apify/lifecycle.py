"""Event sources: emulated Actor runs and builds moving through their statuses on the emulator's
clock, and the webhook dispatches each change fires.

A job's remaining status changes (its "plan") live in SQLite with their due times, so a restart
loses neither a job nor an event that was due. A change, its log lines, its dataset items and the
dispatches it fires are committed in one transaction."""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from typing import Any

from . import jobs
from .clock import Clock
from .dispatcher import Dispatcher, Event
from .storage import Doc, Storage


class Lifecycle:
    def __init__(
        self, storage: Storage, clock: Clock, dispatcher: Dispatcher, max_webhooks_per_user: int
    ) -> None:
        self._max_webhooks = max_webhooks_per_user
        self._storage = storage
        self._clock = clock
        self._dispatcher = dispatcher
        self._wake = asyncio.Event()
        self.quiet = asyncio.Event()
        self._changed: dict[str, list[asyncio.Event]] = defaultdict(list)
        self._loop_task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._loop_task = asyncio.create_task(self._run(), name="mock-apify-lifecycle")

    async def stop(self) -> None:
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task

    def kick(self) -> None:
        self.quiet.clear()
        self._wake.set()

    def next_due(self) -> float | None:
        return self._storage.next_job_time()

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            for job_id in self._storage.due_jobs(self._clock.time()):
                self._advance(job_id)
            next_due = self._storage.next_job_time()
            if next_due is None or next_due > self._clock.time():
                self.quiet.set()
            await self._clock.wait(self._wake, next_due)

    # --- creating jobs -----------------------------------------------------------------------

    def create(
        self,
        kind: str,
        job: Doc,
        job_input: Any,
        behaviour: Doc | None,
        timeout_secs: int | None,
        adhoc: list[Doc],
    ) -> Doc:
        """Store a new READY job with its plan, ad-hoc webhooks bound to it, and its CREATED
        dispatches, all in one transaction (ad-hoc webhooks exist before CREATED fires)."""
        now = self._clock.time()
        with self._storage.transaction():
            for webhook in adhoc:
                self._storage.insert_webhook(webhook, max_per_user=self._max_webhooks)
            log = jobs.log_line(now, f"ACTOR: {kind.capitalize()} created, status READY")
            self._storage.insert_job(kind, job, log, jobs.plan(behaviour, kind, now, timeout_secs), job_input)
            self._fire(kind, None, job, now)
        self.kick()
        return job

    # --- changing status ---------------------------------------------------------------------

    def move(self, job_id: str, step: Doc, *, keep_plan: bool = False) -> Doc:
        """Move a job to `step["status"]` now (control endpoint, abort); the rest of its plan is
        dropped unless `keep_plan`."""
        state = self._storage.job_state(job_id)
        assert state is not None
        kind, job, _log, remaining = state
        return self._apply(kind, job, step, remaining if keep_plan else [])

    def restart(self, job_id: str, behaviour: Doc | None, timeout_secs: int | None) -> Doc:
        """Resurrect a finished run: back to RUNNING now, then on to its behaviour's end."""
        state = self._storage.job_state(job_id)
        assert state is not None
        kind, job, _log, _remaining = state
        now = self._clock.time()
        steps = jobs.plan(behaviour, kind, now, timeout_secs)
        return self._apply(kind, job, steps[0], steps[1:])

    def _advance(self, job_id: str) -> None:
        state = self._storage.job_state(job_id)
        if state is None:
            return
        kind, job, _log, remaining = state
        if remaining:
            self._apply(kind, job, remaining[0], remaining[1:])

    def _apply(self, kind: str, job: Doc, step: Doc, remaining: list[Doc]) -> Doc:
        now = self._clock.time()
        status = step["status"]
        updated = jobs.changed(job, status, now, step)
        lines = jobs.log_line(now, f"ACTOR: {kind.capitalize()} status changed to {status}")
        if step.get("statusMessage"):
            lines += jobs.log_line(now, f"ACTOR: {step['statusMessage']}")
        with self._storage.transaction():
            if step.get("items") and kind == jobs.RUN:
                self._storage.add_dataset_items(job["defaultDatasetId"], list(step["items"]))
            self._storage.update_job(updated, lines, remaining)
            self._fire(kind, job["status"], updated, now)
        for waiter in self._changed.pop(job["id"], []):
            waiter.set()
        self.kick()
        return updated

    def _fire(self, kind: str, old_status: str | None, job: Doc, now: float) -> None:
        event_type = jobs.event_type(kind, old_status, job["status"])
        if event_type is None:
            return
        event = Event(event_type, jobs.event_data(kind, job), job, now)
        for webhook in self.matching(kind, job):
            if event_type in webhook["eventTypes"] and webhook.get("isEnabled", True):
                self._dispatcher.dispatch(webhook, event)

    def matching(self, kind: str, job: Doc) -> list[Doc]:
        """Webhooks a job's events go to: an Actor's webhooks hear its runs (task runs included)
        and builds; a task's webhooks hear its runs; a run's webhooks hear that run."""
        if kind == jobs.BUILD:
            return self._storage.matching_webhooks(job["userId"], job["actId"], None, None)
        return self._storage.matching_webhooks(job["userId"], job["actId"], job.get("actorTaskId"), job["id"])

    # --- waiting -----------------------------------------------------------------------------

    async def wait_finished(self, kind: str, job_id: str, seconds: float) -> Doc | None:
        """The job once terminal, or as it is after `seconds` (real time) — answered as soon as it ends."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, seconds)
        while True:
            job = self._storage.get_job(kind, job_id)
            remaining = deadline - loop.time()
            if job is None or job["status"] in jobs.TERMINAL or remaining <= 0:
                return job
            await self.wait_changed(job_id, remaining)

    async def wait_changed(self, job_id: str, seconds: float) -> None:
        """Until the job's status changes or `seconds` pass."""
        changed = asyncio.Event()
        waiters = self._changed[job_id]
        waiters.append(changed)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), seconds)
        finally:
            if changed in waiters:
                waiters.remove(changed)
            if not waiters:
                self._changed.pop(job_id, None)
