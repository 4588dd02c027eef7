"""The due-work loop the dispatcher and the job scheduler share, and `settle()`, which runs them
all to their end for tests.

A worker does what is due, then sleeps on the clock until its next due moment or until `kick()`
says something changed (new work, the clock moved). `quiet` is set while nothing is due now and
nothing is in progress, which is what `settle()` waits for."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

from ..clock import Clock, Shutdown


class DueWorker:
    """Subclasses say what is due (`next_due`) and do it (`run_due`)."""

    name = "mock-apify-worker"

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._wake = asyncio.Event()
        self.quiet = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None

    def next_due(self) -> float | None:
        """When the earliest pending piece of work falls due (None: nothing pending)."""
        raise NotImplementedError

    def run_due(self) -> float | None:
        """Do (or start) what is due now; return when to look again (None: when kicked)."""
        raise NotImplementedError

    def busy(self) -> bool:
        """Whether work it started is still in progress."""
        return False

    async def start(self) -> None:
        self._loop_task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task

    def kick(self) -> None:
        """Something changed (new work, the clock moved): look at the database again."""
        self.quiet.clear()
        self._wake.set()

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            next_due = self.run_due()
            if not self.busy() and (next_due is None or next_due > self._clock.time()):
                self.quiet.set()
            await self._clock.wait(self._wake, next_due)


async def settle(
    workers: Sequence[DueWorker], clock: Clock, shutdown: Shutdown, *, max_rounds: int, time_limit: float
) -> bool:
    """Run the workers' work to its end: True once nothing is pending; False when `max_rounds` or
    `time_limit` (real seconds) is hit, or the server shuts down. A virtual clock jumps straight to
    each next due moment, so Apify's 34-hour retry schedule passes in milliseconds; a real clock is
    waited for."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + time_limit
    for _ in range(max_rounds):
        for worker in workers:
            await shutdown.wait(worker.quiet, max(deadline - loop.time(), 0))
            if not worker.quiet.is_set() or shutdown.started:
                return False
        due = [moment for worker in workers if (moment := worker.next_due()) is not None]
        if not due:
            return True
        if not clock.reachable(min(due)):
            return False  # past the virtual clock's limit: it would never fall due
        if not clock.skip_to(min(due)):
            pause = min(max(0.0, min(due) - clock.time()), deadline - loop.time(), 1.0)
            if pause < 0:
                return False
            await shutdown.sleep(pause)
        for worker in workers:
            worker.kick()
    return False
