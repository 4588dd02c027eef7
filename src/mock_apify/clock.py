"""The one source of "now": records and (later) dispatch schedules read time only through a Clock,
so tests can swap real time for a virtual clock."""

from __future__ import annotations

import time

from .ids import iso


class Clock:
    """Real wall-clock time."""

    def time(self) -> float:
        return time.time()

    def now_iso(self) -> str:
        return iso(self.time())
