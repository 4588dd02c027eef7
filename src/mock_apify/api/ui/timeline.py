"""A dispatch's time line, drawn by the server as inline SVG: each attempt, the next due retry and
now, on the emulator's clock. Retries wait 1, 2, 4 … minutes, so the axis is logarithmic in the
time since the dispatch was made: early attempts stay apart and a 17-hour wait still fits."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ...ids import iso

WIDTH, LEFT, RIGHT = 640, 24, 616
AXIS_Y = 60


def epoch(timestamp: str) -> float:
    return datetime.fromisoformat(timestamp).timestamp()


def duration(seconds: float) -> str:
    """A short human duration: 45 s, 3 min, 2 h 5 min."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f} s" if seconds >= 1 or seconds == 0 else f"{seconds * 1000:.0f} ms"
    minutes = round(seconds / 60)
    if minutes < 120:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


@dataclass(frozen=True)
class Mark:
    """One point of the line: `kind` is ok, failed, next or now; `text` labels it."""

    x: float
    kind: str
    text: str
    title: str
    below: bool

    @property
    def anchor(self) -> str:
        """How the label hangs from its point: inward near either end, so it is never cut off."""
        if self.x < LEFT + 60:
            return "start"
        return "end" if self.x > RIGHT - 60 else "middle"


def _x(offset: float, span: float) -> float:
    return round(LEFT + (RIGHT - LEFT) * math.log1p(max(offset, 0.0)) / math.log1p(span), 1)


def marks(dispatch: dict[str, Any], next_at: float | None, now: float) -> list[Mark]:
    """The marks of a dispatch's time line, left to right in time; labels alternate above and
    below the axis so that neighbours do not overlap."""
    start = epoch(dispatch["createdAt"])
    points: list[tuple[float, str, str, str]] = []
    for number, call in enumerate(dispatch["calls"], 1):
        at = epoch(call["startedAt"] or call["finishedAt"])
        status = call.get("responseStatus")
        ok = status is not None and 200 <= status < 300
        outcome = str(status) if status is not None else "no answer"
        title = f"Attempt {number} at {call['startedAt']}: {outcome}"
        if call.get("errorMessage"):
            title += f" ({call['errorMessage']})"
        points.append((at, "ok" if ok else "failed", f"#{number} {outcome}", title))
    if next_at is not None:
        what = "next retry" if dispatch["calls"] else "first attempt"
        text = f"{what} +{duration(next_at - now)}"
        points.append((next_at, "next", text, f"{what.capitalize()} due at {iso(next_at)}"))
    points.append((now, "now", "now", f"Now on the emulator's clock: {iso(now)}"))
    points.sort(key=lambda point: point[0])
    span = max(max(point[0] for point in points) - start, 1.0)
    return [
        Mark(_x(at - start, span), kind, text, title, below=index % 2 == 1)
        for index, (at, kind, text, title) in enumerate(points)
    ]
