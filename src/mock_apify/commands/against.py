"""`check-receiver --against HISTORY_URL`: after the series, read back what the receiver acted
on and check its side effects. `GET HISTORY_URL` answers a JSON array (or `{"data": [...]}` or
`{"items": [...]}`) of the dispatch IDs it acted on: strings, or objects with `dispatchId`. The
duplicated dispatch must be there exactly once, and no dispatch of the series more than once;
those acknowledged but absent are listed (a receiver may ignore event types it does not need)."""

from __future__ import annotations

import json
import urllib.request
from collections import Counter
from typing import Any

from .expectations import SIDE_EFFECTS, Row

Record = dict[str, Any]


def _entries(url: str, timeout: float) -> list[str]:
    """The dispatch IDs the history lists; ValueError says what is wrong with it."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as response:
            document = json.loads(response.read())
    except OSError as error:
        raise ValueError(f"cannot read {url}: {error}") from None
    if isinstance(document, dict):
        document = document.get("data", document.get("items"))
    if not isinstance(document, list):
        raise ValueError(f"{url} answered no JSON array of dispatch IDs")
    ids = [entry.get("dispatchId") if isinstance(entry, dict) else entry for entry in document]
    strings = [found for found in ids if isinstance(found, str)]
    if len(strings) < len(ids):
        raise ValueError(f"{url}: every entry is a dispatch ID or an object with dispatchId")
    return strings


def check(url: str, rows: list[Row], timeout: float) -> Record:
    """The history read back and judged: `verdicts` holds the side-effects expectation's."""
    try:
        counts = Counter(_entries(url, timeout))
    except ValueError as error:
        return {"url": url, "verdicts": {SIDE_EFFECTS: str(error)}}
    acknowledged = {row.dispatch_id: row.event_type for row in rows if not row.failed}
    ours = {row.dispatch_id for row in rows}
    twice = sorted(dispatch for dispatch in ours if counts[dispatch] > 1)
    duplicated = [row.dispatch_id for row in rows if row.sent.endswith("(sent again)")]
    problems = [f"acted on {dispatch} {counts[dispatch]} times" for dispatch in twice]
    problems += [
        f"no record of the duplicated dispatch {dispatch}" for dispatch in duplicated if not counts[dispatch]
    ]
    return {
        "url": url,
        "recorded": sorted(dispatch for dispatch in ours if counts[dispatch]),
        "repeated": twice,
        "notRecorded": {dispatch: event for dispatch, event in acknowledged.items() if not counts[dispatch]},
        "verdicts": {SIDE_EFFECTS: "; ".join(problems) or "ok"},
    }


def describe(history: Record) -> str:
    """A few lines on what the history holds."""
    if "recorded" not in history:
        return f"against {history['url']}: {history['verdicts'][SIDE_EFFECTS]}"
    lines = [f"against {history['url']}: {len(history['recorded'])} dispatches of this check recorded"]
    if history["repeated"]:
        lines.append(f"  recorded more than once: {', '.join(history['repeated'])}")
    if history["notRecorded"]:
        events = sorted(set(history["notRecorded"].values()))
        lines.append(f"  acknowledged but not recorded (fine if ignored on purpose): {', '.join(events)}")
    return "\n".join(lines)
