"""Actor runs and builds ("jobs") as records: how they are built, how a status change alters
them, which webhook event a change fires, and the log lines it writes. No HTTP, SQL or timers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..ids import iso, new_id
from .types import Record

RUN, BUILD = "run", "build"
TERMINAL = frozenset({"SUCCEEDED", "FAILED", "TIMED-OUT", "ABORTED"})
ABORTABLE = frozenset({"READY", "RUNNING", "TIMING-OUT"})
_EVENT_SUFFIX = {"SUCCEEDED": "SUCCEEDED", "FAILED": "FAILED", "TIMED-OUT": "TIMED_OUT", "ABORTED": "ABORTED"}

# With no behaviour set, a job succeeds this many seconds (on the emulator's clock) after it starts.
DEFAULT_DURATION = 0.0


def event_type(kind: str, old_status: str | None, new_status: str) -> str | None:
    """The webhook event of a status change, if it fires one (Apify's webhook event types,
    https://docs.apify.com/platform/integrations/webhooks/events)."""
    prefix = "ACTOR.RUN." if kind == RUN else "ACTOR.BUILD."
    if old_status is None:
        return prefix + "CREATED"
    if new_status in TERMINAL and old_status not in TERMINAL:
        return prefix + _EVENT_SUFFIX[new_status]
    if kind == RUN and old_status in TERMINAL and new_status == "RUNNING":
        return prefix + "RESURRECTED"
    return None


def event_data(kind: str, job: Record) -> dict[str, Any]:
    """`eventData` of a job's events: `actorTaskId` only for runs started from a task."""
    if kind == BUILD:
        return {"actorId": job["actId"], "actorBuildId": job["id"]}
    data = {"actorId": job["actId"]}
    if job.get("actorTaskId"):
        data["actorTaskId"] = job["actorTaskId"]
    return data | {"actorRunId": job["id"]}


def log_line(moment: float, text: str) -> str:
    """A log line as Apify writes them: an ISO timestamp, a space, the text."""
    return f"{iso(moment)} {text}\n"


def run_options(query: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """A run's options: the start request's query, else the Actor's (or task's) defaults."""
    memory = query.get("memory") or defaults.get("memoryMbytes") or 1024
    return {
        "build": query.get("build") or defaults.get("build") or "latest",
        "timeoutSecs": query.get("timeout") or defaults.get("timeoutSecs") or 3600,
        "memoryMbytes": memory,
        "diskMbytes": memory * 2,
        "maxItems": query.get("maxItems"),
    }


def new_run(
    actor: Record,
    task: Record | None,
    options: dict[str, Any],
    input_len: int,
    now: float,
    build: Record | None,
) -> Record:
    run_id = new_id()
    return {
        "id": run_id,
        "actId": actor["id"],
        "userId": actor["userId"],
        "actorTaskId": task["id"] if task else None,
        "startedAt": iso(now),
        "finishedAt": None,
        "status": "READY",
        "statusMessage": None,
        "isStatusMessageTerminal": None,
        "meta": {"origin": "API"},
        "stats": {"inputBodyLen": input_len, "restartCount": 0, "resurrectCount": 0, "computeUnits": 0},
        "options": options,
        "buildId": build["id"] if build else new_id(),
        "buildNumber": build["buildNumber"] if build else "0.0.1",
        "exitCode": None,
        "generalAccess": "RESTRICTED",
        "defaultKeyValueStoreId": new_id(),
        "defaultDatasetId": new_id(),
        "defaultRequestQueueId": new_id(),
    }


def new_build(actor: Record, options: dict[str, Any], version: str, number: int, now: float) -> Record:
    return {
        "id": new_id(),
        "actId": actor["id"],
        "userId": actor["userId"],
        "startedAt": iso(now),
        "finishedAt": None,
        "status": "READY",
        "meta": {"origin": "API"},
        "stats": {"computeUnits": 0},
        "options": options,
        "buildNumber": f"{version}.{number}",
        "actVersion": version,
        "defaultKeyValueStoreId": new_id(),
    }


def changed(job: Record, status: str, now: float, step: Record) -> Record:
    """The job after moving to `status`; `step` may carry exitCode and statusMessage."""
    updated = dict(job)
    updated["status"] = status
    if "statusMessage" in step:
        updated["statusMessage"] = step["statusMessage"]
    if "exitCode" in step:
        updated["exitCode"] = step["exitCode"]
    if status in TERMINAL:
        updated["finishedAt"] = iso(now)
        updated.setdefault("exitCode", None)
        if updated["exitCode"] is None and status == "SUCCEEDED":
            updated["exitCode"] = 0
        started = job["startedAt"]
        updated["stats"] = dict(job["stats"]) | {"durationMillis": max(0, int(now * 1000) - _millis(started))}
        if "isStatusMessageTerminal" in job:
            updated["isStatusMessageTerminal"] = True
    elif job["status"] in TERMINAL:  # resurrected
        updated["finishedAt"] = None
        updated["exitCode"] = None
        updated["stats"] = dict(job["stats"]) | {"resurrectCount": job["stats"].get("resurrectCount", 0) + 1}
        if "isStatusMessageTerminal" in job:
            updated["isStatusMessageTerminal"] = None
    return updated


def _millis(timestamp: str) -> int:
    return int(datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp() * 1000)


def plan(behaviour: Record | None, kind: str, now: float, timeout_secs: int | None) -> list[Record]:
    """The status changes a new (or resurrected) job will go through, with their due times.

    `behaviour` (per Actor, for runs or builds) is {"status": terminal status or null (stay
    RUNNING until told), "afterSecs", "exitCode", "statusMessage", "items", "output",
    "outputContentType", "records"}."""
    chosen = behaviour or {}
    steps: list[Record] = [{"status": "RUNNING", "at": now}]
    final = chosen.get("status", "SUCCEEDED")
    if final is None:
        return steps
    after = float(chosen.get("afterSecs", DEFAULT_DURATION))
    if kind == RUN and timeout_secs and after > timeout_secs:
        end = now + timeout_secs
        return [*steps, {"status": "TIMING-OUT", "at": end}, {"status": "TIMED-OUT", "at": end}]
    step = {"status": final, "at": now + after}
    for key in ("exitCode", "statusMessage", "items", "output", "outputContentType", "records"):
        if key in chosen:
            step[key] = chosen[key]
    return [*steps, step]
