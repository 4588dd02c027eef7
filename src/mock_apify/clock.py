"""The one source of "now" for records and the dispatcher, so tests can swap real time for a
virtual clock that only moves when told."""

from __future__ import annotations

import asyncio
import contextlib
import time

from .ids import iso


class Clock:
    """Real wall-clock time."""

    def time(self) -> float:
        return time.time()

    def now_iso(self) -> str:
        return iso(self.time())

    async def wait(self, wake: asyncio.Event, until: float | None) -> None:
        """Sleep until the clock reads `until` (forever when None) or `wake` is set."""
        timeout = None if until is None else max(0.0, until - self.time())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout)


class VirtualClock(Clock):
    """Time that stands still until `advance()` or `set()` moves it; starts at the real time."""

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start
        self._moved: list[asyncio.Event] = []

    def time(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        return self.set(self._now + seconds)

    def set(self, moment: float) -> float:
        """Move forward to `moment` (never backwards) and wake everyone waiting on the clock."""
        self._now = max(self._now, moment)
        for event in self._moved:
            event.set()
        return self._now

    async def wait(self, wake: asyncio.Event, until: float | None) -> None:
        if until is not None and until <= self._now:
            return
        self._moved.append(wake)
        try:
            await wake.wait()
        finally:
            self._moved.remove(wake)
