"""Running the emulator's background work to its end, for tests: job status changes and the
dispatches they fire, then every retry. With a virtual clock time jumps straight to the next due
moment, so Apify's 34-hour retry schedule passes in milliseconds; with a real clock this waits."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Protocol

from .clock import Clock, VirtualClock


class Source(Protocol):
    """Background work with due times: the dispatcher and the job lifecycle."""

    quiet: asyncio.Event  # set when nothing is due now and nothing is in progress

    def next_due(self) -> float | None: ...

    def kick(self) -> None: ...


async def settle(sources: list[Source], clock: Clock, *, max_rounds: int, time_limit: float) -> bool:
    """True once nothing is pending; False when `max_rounds` or `time_limit` (real seconds) is hit."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + time_limit
    for _ in range(max_rounds):
        for source in sources:
            remaining = deadline - loop.time()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(source.quiet.wait(), max(remaining, 0))
            if not source.quiet.is_set():
                return False
        due = [moment for source in sources if (moment := source.next_due()) is not None]
        if not due:
            return True
        if isinstance(clock, VirtualClock):
            clock.set(min(due))
        else:
            pause = min(max(0.0, min(due) - clock.time()), deadline - loop.time(), 1.0)
            if pause < 0:
                return False
            await asyncio.sleep(pause)
        for source in sources:
            source.kick()
    return False
