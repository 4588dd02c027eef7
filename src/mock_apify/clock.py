"""The one source of "now" for records, job status changes and deliveries, so tests can swap real
time for a virtual clock that only moves when told. Both kinds answer the same questions; callers
never ask which kind they have."""

from __future__ import annotations

import asyncio
import contextlib
import time

from .ids import iso


class ClockIsReal(Exception):
    """Only a virtual clock can be moved."""


class Clock:
    """Real wall-clock time."""

    mode = "real"

    def time(self) -> float:
        return time.time()

    def now_iso(self) -> str:
        return iso(self.time())

    async def wait(self, wake: asyncio.Event, until: float | None) -> None:
        """Sleep until the clock reads `until` (forever when None) or `wake` is set."""
        timeout = None if until is None else max(0.0, until - self.time())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout)

    def advance(self, seconds: float) -> float:
        """Move the clock forward by `seconds`; real time cannot be moved."""
        raise ClockIsReal("The clock is real; start the emulator with the virtual clock to move it.")

    def skip_to(self, moment: float) -> bool:
        """Jump to `moment` if this clock can (False: the caller has to wait for it)."""
        return False


class VirtualClock(Clock):
    """Time that stands still until `advance()` or `skip_to()` moves it; starts at the real time."""

    mode = "virtual"

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start
        self._moved: list[asyncio.Event] = []

    def time(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        self.skip_to(self._now + seconds)
        return self._now

    def skip_to(self, moment: float) -> bool:
        """Move forward to `moment` (never backwards) and wake everyone waiting on the clock."""
        self._now = max(self._now, moment)
        for event in self._moved:
            event.set()
        return True

    async def wait(self, wake: asyncio.Event, until: float | None) -> None:
        if until is not None and until <= self._now:
            return
        self._moved.append(wake)
        try:
            await wake.wait()
        finally:
            self._moved.remove(wake)


class Shutdown:
    """Started when the server begins to shut down: waits that answer clients (`waitForFinish`, a
    streamed log, an inbox's delay, settling) end at once instead of holding the process, which a
    container stops with SIGKILL seconds after SIGTERM."""

    def __init__(self) -> None:
        self._started = asyncio.Event()

    @property
    def started(self) -> bool:
        return self._started.is_set()

    def start(self) -> None:
        self._started.set()

    async def wait(self, event: asyncio.Event, seconds: float | None) -> None:
        """Until `event` is set, `seconds` (real time) pass, or the shutdown starts."""
        if self.started or event.is_set():
            return
        waits = {asyncio.ensure_future(event.wait()), asyncio.ensure_future(self._started.wait())}
        try:
            await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pending in waits:
                pending.cancel()

    async def sleep(self, seconds: float) -> None:
        """`seconds` of real time, or less when the shutdown starts."""
        await self.wait(asyncio.Event(), seconds)


def make_clock(mode: str) -> Clock:
    if mode == "real":
        return Clock()
    if mode == "virtual":
        return VirtualClock()
    raise ValueError(f"clock must be 'real' or 'virtual', not {mode!r}")
