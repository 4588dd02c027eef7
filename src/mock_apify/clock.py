"""The one source of "now" for records, job status changes and deliveries, so tests can swap real
time for a virtual clock that only moves when told. Both kinds answer the same questions; callers
never ask which kind they have."""

from __future__ import annotations

import asyncio
import contextlib
import time

from .ids import iso

# How far the virtual clock may run ahead of real time: a century, so every timestamp keeps the
# four-digit year clients parse (the Python client's models refuse year 10000 and later), with
# room for a hundred of the longest durations inputs may give (365 days each).
MAX_LEAD_SECS = 100 * 365 * 24 * 3600


class ClockIsReal(Exception):
    """Only a virtual clock can be moved."""


class ClockLimit(Exception):
    """The virtual clock cannot run more than MAX_LEAD_SECS ahead of real time."""


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
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for loses a cancellation that arrives
        # as `wake` is set, and the worker it runs in would not stop (seen: 95 s at shutdown).
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await wake.wait()

    def advance(self, seconds: float) -> float:
        """Move the clock forward by `seconds`; real time cannot be moved."""
        raise ClockIsReal("The clock is real; start the emulator with the virtual clock to move it.")

    def skip_to(self, moment: float) -> bool:
        """Jump to `moment` if this clock can (False: the caller has to wait for it)."""
        return False

    def reachable(self, moment: float) -> bool:
        """Whether the clock will ever read `moment` (real time always gets there)."""
        return True

    def restart(self) -> None:
        """Back to the present, as a freshly started clock (real time is always there)."""


class VirtualClock(Clock):
    """Time that stands still until `advance()` or `skip_to()` moves it; starts at the real time,
    and never runs more than MAX_LEAD_SECS ahead of it."""

    mode = "virtual"

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start
        self._moved: list[asyncio.Event] = []

    def time(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        target = self._now + seconds
        if not self.reachable(target):
            raise ClockLimit(
                f"The virtual clock cannot run more than {MAX_LEAD_SECS // (365 * 24 * 3600)} years "
                f"ahead of real time (it reads {self.now_iso()}); POST /_mock/reset brings it back "
                "to the present."
            )
        self.skip_to(target)
        return self._now

    def skip_to(self, moment: float) -> bool:
        """Move forward to `moment` (never backwards) and wake everyone waiting on the clock;
        False, without moving, for a moment past the limit."""
        if not self.reachable(moment):
            return False
        self._now = max(self._now, moment)
        self._wake_all()
        return True

    def reachable(self, moment: float) -> bool:
        return moment <= time.time() + MAX_LEAD_SECS

    def restart(self) -> None:
        self._now = time.time()
        self._wake_all()

    def _wake_all(self) -> None:
        for event in self._moved:
            event.set()

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
